/** The client and the raw bearer token the measures and baselines use against an emulator. */
import { request } from 'undici';
import { LIBRARY_DEFAULTS, ShotGridClient } from '../../lib/index.js';
import type { RemoteEmulator } from './emulator-host.js';

/** Our client with its defaults (only warnings silenced so the bench output stays clean). */
export function ourClient(emu: Pick<RemoteEmulator, 'url' | 'credentials'>, extra: Partial<ConstructorParameters<typeof ShotGridClient>[0]> = {}): ShotGridClient {
  return new ShotGridClient({
    site: emu.url,
    auth: { scriptName: emu.credentials.scriptName, scriptKey: emu.credentials.scriptKey },
    logger: { warn: () => undefined },
    ...extra,
  });
}

/** An access token by client credentials, as a baseline written by hand would get one. */
export async function bearerToken(emu: Pick<RemoteEmulator, 'url' | 'credentials'>): Promise<string> {
  const res = await request(`${emu.url}/api/v1/auth/access_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: emu.credentials.scriptName, client_secret: emu.credentials.scriptKey }).toString(),
  });
  const body = (await res.body.json()) as { access_token?: string };
  if (res.statusCode !== 200 || !body.access_token) throw new Error(`token request answered ${res.statusCode}`);
  return body.access_token;
}

/** Creates `count` Versions in project 1 for uploads; returns their ids. */
export async function newVersions(sg: ShotGridClient, count: number, prefix: string): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) ids.push((await sg.create('Version', { code: `${prefix} ${i + 1}`, project: { type: 'Project', id: 1 } })).id);
  return ids;
}

/** The client's upload defaults in words, for the measures' params (read from lib, never copied). */
export const UPLOAD_DEFAULTS = `defaults (${LIBRARY_DEFAULTS.upload.partSize / 1048576} MiB parts, ${LIBRARY_DEFAULTS.upload.concurrency} in flight)`;
