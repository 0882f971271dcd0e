/**
 * Proxy credentials: the proxy user and password are credentials of the site node, so after a
 * deploy made the way the editor makes it, flows that went through an authenticating proxy
 * leave the password (and the Proxy-Authorization value) in no flows file, export, credentials
 * answer or log record. A flow saved before they were credentials (user:password in the proxy
 * URL) still works, and its warning names neither.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../emulator/index.js';
import { startProxy, type TestProxy } from '../lib/test-proxy.js';
import { startRuntime, type EmbeddedRuntime } from './embedded-runtime.js';
import { findLeaks, render, secretsOf, type Secret, type Surface } from './secret-scan.js';

const PROXY_USER = 'pipeline-proxy';
const PROXY_PASSWORD = 'pr0xy-secret-5b8e1f3a';
const LEGACY_PASSWORD = 'legacy-pr0xy-9c2d7e4b';

describe('proxy user and password as site credentials', () => {
  let emulator: Emulator;
  let proxy: TestProxy;
  let red: EmbeddedRuntime;
  let token: string;
  const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  before(async () => {
    emulator = await startEmulator({ transcodeDelay: 200 });
    proxy = await startProxy();
    red = await startRuntime({ flows: [], users: [{ username: 'admin', password: 'admin-pass-3', permissions: '*' }], logLevel: 'trace', editor: true });
    token = await red.token('admin', 'admin-pass-3');
  });
  after(async () => {
    await red?.stop();
    await proxy?.close();
    await emulator?.close();
  });

  const api = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(new URL(path, red.url), { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'Node-RED-API-Version': 'v2', ...init.headers } });

  /** A site node behind the proxy, and inject → find → debug (printed to the log) using it. */
  // A new site id per deploy: the runtime keeps a node's stored credentials across deploys.
  const flows = (siteId: string, site: Record<string, unknown>) => [
    { id: 'tab1', type: 'tab', label: 'proxy' },
    { id: siteId, type: 'shotgrid-site', name: 'behind a proxy', site: emulator.url, authType: 'script', ...site },
    { id: 'inject1', type: 'inject', z: 'tab1', props: [{ p: 'payload' }], repeat: '', crontab: '', once: true, onceDelay: 0.1, topic: '', payload: '', payloadType: 'date', wires: [['find1']] },
    { id: 'find1', type: 'shotgrid-find', z: 'tab1', entityType: 'Project', entityTypeType: 'str', filters: '[]', filtersType: 'json', limit: '1', limitType: 'num', site: siteId, wires: [['debug1']] },
    { id: 'debug1', type: 'debug', z: 'tab1', name: 'printed', active: true, tosidebar: true, console: true, tostatus: false, complete: 'true', targetType: 'full', statusVal: '', statusType: 'auto', wires: [] },
    { id: 'catch1', type: 'catch', z: 'tab1', scope: null, uncaught: false, wires: [['debug1']] },
  ];

  async function deployAndRun(siteId: string, site: Record<string, unknown>): Promise<string> {
    const before = red.logs.length;
    const deployed = await api('flows', { method: 'POST', headers: { 'Node-RED-Deployment-Type': 'full' }, body: JSON.stringify({ flows: flows(siteId, site) }) });
    assert.equal(deployed.status, 200, await deployed.text());
    const deadline = Date.now() + 20_000;
    for (;;) {
      const record = red.logs.slice(before).find((r) => r.type === 'debug' && r.name === 'printed');
      if (record) return String(record.msg);
      if (Date.now() > deadline) throw new Error(`the flow printed nothing:\n${red.logs.slice(before).map((r) => String(r.msg)).join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  test('requests go through the proxy with the credentials; the password is stored, exported and logged nowhere', async () => {
    proxy.requireAuth = basic(PROXY_USER, PROXY_PASSWORD);
    const tunnelsBefore = proxy.tunnels.length;
    const printed = await deployAndRun('siteP', {
      proxy: proxy.url,
      credentials: { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey, proxyUser: PROXY_USER, proxyPassword: PROXY_PASSWORD },
    });
    assert.doesNotMatch(printed, /SG_/, 'the find through the proxy failed');
    assert.ok(proxy.tunnels.length > tunnelsBefore, 'no request went through the proxy');
    assert.ok(proxy.authHeaders.slice(tunnelsBefore).every((h) => h === proxy.requireAuth), 'a tunnel without the proxy credentials');

    const surfaces: Surface[] = [
      { where: 'flows.json', text: readFileSync(join(red.userDir, 'flows.json'), 'utf8') },
      { where: 'flows_cred.json', text: readFileSync(join(red.userDir, 'flows_cred.json'), 'utf8') },
      { where: 'GET /flows', text: await (await api('flows')).text() },
      { where: 'GET /credentials/shotgrid-site/siteP', text: await (await api('credentials/shotgrid-site/siteP')).text() },
      ...red.logs.map((r, i) => ({ where: `log record ${i + 1} (level ${r.level})`, text: render(r) })),
    ];
    // These are the stores of this deploy: the flows file has the proxy URL, the editor is told a password exists.
    assert.ok(surfaces[0]!.text.includes(proxy.url));
    assert.match(surfaces[3]!.text, /"has_proxyPassword":true/);
    assert.match(surfaces[3]!.text, new RegExp(`"proxyUser":"${PROXY_USER}"`));
    const secrets: Secret[] = [
      { what: 'proxy password', value: PROXY_PASSWORD },
      { what: 'Proxy-Authorization value', value: proxy.requireAuth.slice('Basic '.length) },
    ];
    assert.deepEqual(findLeaks(surfaces, secretsOf(emulator, secrets)), []);
  });

  test('an old flow with user:password in the proxy URL still works; the warning names neither', async () => {
    proxy.requireAuth = basic(PROXY_USER, LEGACY_PASSWORD);
    const url = new URL(proxy.url);
    const legacy = `${url.protocol}//${PROXY_USER}:${LEGACY_PASSWORD}@${url.host}`;
    const logsBefore = red.logs.length;
    const tunnelsBefore = proxy.tunnels.length;
    const printed = await deployAndRun('siteLegacy', { proxy: legacy, credentials: { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey } });
    assert.doesNotMatch(printed, /SG_/, 'the old flow no longer reaches the site');
    assert.ok(proxy.authHeaders.slice(tunnelsBefore).every((h) => h === proxy.requireAuth));
    const warning = red.logs.slice(logsBefore).find((r) => r.level === 30 && /proxy URL of this site carries a user name and password/.test(String(r.msg)));
    assert.ok(warning, 'no warning about the password in the flow:\n' + red.logs.slice(logsBefore).filter((r) => r.level <= 30).map((r) => JSON.stringify(r.msg)).join('\n'));
    const logs = red.logs.slice(logsBefore).map((r, i) => ({ where: `log record ${i + 1} (level ${r.level})`, text: render(r) }));
    assert.deepEqual(findLeaks(logs, [{ what: 'legacy proxy password', value: LEGACY_PASSWORD }, { what: 'its Proxy-Authorization value', value: proxy.requireAuth.slice('Basic '.length) }]), []);
    // Control: the scanner sees the password where the old flow keeps it, the flows file.
    assert.deepEqual(findLeaks([{ where: 'flows.json', text: readFileSync(join(red.userDir, 'flows.json'), 'utf8') }], [{ what: 'legacy proxy password', value: LEGACY_PASSWORD }]).map((l) => l.where), ['flows.json']);
  });
});
