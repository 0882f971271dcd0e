/* global fetch, URLSearchParams */
// What the examples need from the local site besides its seeded studio, set up through its REST
// API as a studio's admin would: a LocalStorage whose root is the demo's files folder (example 1
// publishes the movie's path on it), and the deliverable example 2 uploads for each Version it will
// pick (approved, no thumbnail yet): deliverables/<code>.mov under the files folder.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sampleBytes } from './fixtures.mjs';

/** The Versions example 2's Inject asks for (its payload: status `apr`, at most 20). */
const NIGHTLY = { status: 'apr', limit: 20 };

async function api(site, token, method, path, body, type = 'application/json') {
  const res = await fetch(`${site}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': type } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`demo: ${method} ${path} → ${res.status}: ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

/**
 * Prepares the site for the examples; returns the deliverables written (relative paths).
 * @param {{url: string, credentials: {scriptName: string, scriptKey: string}}} emulator
 * @param {string} filesDir Node-RED's fileWorkingDirectory
 */
export async function prepareSite(emulator, filesDir) {
  const site = emulator.url.replace(/\/$/, '');
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: emulator.credentials.scriptName, client_secret: emulator.credentials.scriptKey });
  const auth = await fetch(`${site}/api/v1/auth/access_token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
  if (!auth.ok) throw new Error(`demo: the local site refused its own script credentials (${auth.status})`);
  const { access_token: token } = await auth.json();

  const root = filesDir.split('\\').join('/');
  const platformRoot = process.platform === 'win32' ? 'windows_path' : process.platform === 'darwin' ? 'mac_path' : 'linux_path';
  await api(site, token, 'POST', '/entity/local_storages', { code: 'demo files', description: "The demo's files folder (Node-RED's fileWorkingDirectory)", [platformRoot]: root });

  const found = await api(site, token, 'POST', '/entity/versions/_search', {
    filters: [['sg_status_list', 'is', NIGHTLY.status], ['image', 'is', null]],
    fields: ['code'],
    sort: 'code',
    page: { size: NIGHTLY.limit },
  }, 'application/vnd+shotgun.api3_array+json');
  const written = [];
  for (const v of found.data) {
    const rel = join('deliverables', `${v.attributes.code}.mov`);
    const target = join(filesDir, rel);
    if (existsSync(target)) continue;
    mkdirSync(join(filesDir, 'deliverables'), { recursive: true });
    writeFileSync(target, sampleBytes(rel, 256 * 1024));
    written.push(rel);
  }
  return written;
}
