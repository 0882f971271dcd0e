/**
 * What a whole Node-RED runtime stores and hands out, after a deploy made the way the editor
 * makes it (credentials inline, POST /flows) and flows that ran (a 401 renewal, a script and a user
 * login, a wrong key caught, messages printed to the log by debug nodes): the flows file, the
 * encrypted credentials file, the admin API's flow export and per-node credentials, and every
 * record of a logging handler at trace level hold no key, password, token or URL signature.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../emulator/index.js';
import { startRuntime, type EmbeddedRuntime } from './embedded-runtime.js';
import { findLeaks, render, secretsOf, type Secret, type Surface } from './secret-scan.js';

const WRONG_KEY = 'wrong-export-key-3f9a7c2e1b';

describe('flows file, credentials file, admin API and trace log of a whole runtime', () => {
  let emulator: Emulator;
  let red: EmbeddedRuntime;
  let token: string;

  before(async () => {
    emulator = await startEmulator({ transcodeDelay: 200 });
    red = await startRuntime({ flows: [], users: [{ username: 'admin', password: 'admin-pass-2', permissions: '*' }], logLevel: 'trace', editor: true });
    token = await red.token('admin', 'admin-pass-2');
  });
  after(async () => {
    await red?.stop();
    await emulator?.close();
  });

  const api = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(new URL(path, red.url), { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'Node-RED-API-Version': 'v2', ...init.headers } });

  function flows(): object[] {
    const site = (id: string, authType: string, credentials: Record<string, string>) => ({ id, type: 'shotgrid-site', name: `site ${authType}`, site: emulator.url, authType, credentials });
    const chain = (id: string, siteId: string) => [
      { id: `inject-${id}`, type: 'inject', z: 'tab1', props: [{ p: 'payload' }], repeat: '', crontab: '', once: true, onceDelay: 0.1, topic: '', payload: '', payloadType: 'date', wires: [[`find-${id}`]] },
      { id: `find-${id}`, type: 'shotgrid-find', z: 'tab1', site: siteId, entityType: 'Project', entityTypeType: 'str', filters: '[]', filtersType: 'json', limit: '1', limitType: 'num', wires: [[`debug-${id}`]] },
      { id: `debug-${id}`, type: 'debug', z: 'tab1', name: `printed ${id}`, active: true, tosidebar: true, console: true, tostatus: true, complete: 'true', targetType: 'full', statusVal: '', statusType: 'auto', wires: [] },
    ];
    return [
      { id: 'tab1', type: 'tab', label: 'export' },
      site('siteKey', 'script', { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey }),
      site('siteUser', 'user', { login: emulator.credentials.login, password: emulator.credentials.password }),
      site('siteBad', 'script', { scriptName: emulator.credentials.scriptName, scriptKey: WRONG_KEY }),
      ...chain('key', 'siteKey'),
      ...chain('user', 'siteUser'),
      ...chain('bad', 'siteBad'),
      { id: 'catch1', type: 'catch', z: 'tab1', scope: null, uncaught: false, wires: [['debug-caught']] },
      { id: 'debug-caught', type: 'debug', z: 'tab1', name: 'printed caught', active: true, tosidebar: true, console: true, tostatus: false, complete: 'true', targetType: 'full', statusVal: '', statusType: 'auto', wires: [] },
    ];
  }

  const printed = (name: string): boolean => red.logs.some((r) => r.type === 'debug' && r.name === name);

  test('a deploy with inline credentials, flows that ran and failed: nothing secret stored, exported or logged', async () => {
    // The first API call of a flow meets an expired bearer: the site node renews (a debug line).
    emulator.faults.script({ route: 'api', kind: 'token_expire', count: 1 });
    const deployed = await api('flows', { method: 'POST', headers: { 'Node-RED-Deployment-Type': 'full' }, body: JSON.stringify({ flows: flows() }) });
    assert.equal(deployed.status, 200, await deployed.text());
    const deadline = Date.now() + 20_000;
    while (!['printed key', 'printed user', 'printed caught'].every(printed)) {
      if (Date.now() > deadline) throw new Error(`the flows did not print their messages:\n${red.logs.map((r) => String(r.msg)).join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(String(red.logs.find((r) => r.type === 'debug' && r.name === 'printed caught')?.msg), /SG_AUTH/);
    assert.ok(red.logs.some((r) => r.level === 50 && /token refused \(401\)/.test(String(r.msg))), 'no debug-level record of the token renewal was logged');

    const surfaces: Surface[] = [
      { where: 'flows.json', text: readFileSync(join(red.userDir, 'flows.json'), 'utf8') },
      { where: 'flows_cred.json', text: readFileSync(join(red.userDir, 'flows_cred.json'), 'utf8') },
      { where: 'GET /flows', text: await (await api('flows')).text() },
      ...(await Promise.all(['siteKey', 'siteUser', 'siteBad'].map(async (id) => ({ where: `GET /credentials/shotgrid-site/${id}`, text: await (await api(`credentials/shotgrid-site/${id}`)).text() })))),
      ...red.logs.map((r, i) => ({ where: `log record ${i + 1} (level ${r.level})`, text: render(r) })),
    ];
    // The stores really are the ones holding this deploy: the flows file names the sites, the editor is told a key exists.
    assert.match(surfaces[0]!.text, /"siteUser"/);
    assert.match(surfaces[3]!.text, /"has_scriptKey":true/);
    const typed: Secret[] = [{ what: 'wrong key typed', value: WRONG_KEY }];
    const secrets = secretsOf(emulator, typed);
    assert.ok(emulator.issued().accessTokens.length >= 3, 'the flows did not get tokens');
    assert.deepEqual(findLeaks(surfaces, secrets), []);
  });

  test('control: a secret in a node property (not a credential) is found in the flows file and the export', async () => {
    const leaky = flows().map((n) => ((n as { id: string }).id === 'find-key' ? { ...n, name: `oops ${emulator.credentials.scriptKey}` } : n));
    const printedBefore = red.logs.filter((r) => r.type === 'debug').length;
    const deployed = await api('flows', { method: 'POST', headers: { 'Node-RED-Deployment-Type': 'full' }, body: JSON.stringify({ flows: leaky }) });
    assert.equal(deployed.status, 200);
    // Let the redeployed flows run before the runtime stops (a stop racing a start leaves nodes running).
    const deadline = Date.now() + 20_000;
    while (red.logs.filter((r) => r.type === 'debug').length < printedBefore + 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const leaks = findLeaks([
      { where: 'flows.json', text: readFileSync(join(red.userDir, 'flows.json'), 'utf8') },
      { where: 'GET /flows', text: await (await api('flows')).text() },
    ], secretsOf(emulator));
    assert.deepEqual(leaks.map((l) => `${l.what} @ ${l.where}`), ['script key @ flows.json', 'script key @ GET /flows']);
  });
});
