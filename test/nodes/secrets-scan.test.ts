/**
 * No secret leaks from a flow: every node (find, write, upload single and multipart, download,
 * thumbnail-wait) runs in the test helper's Node-RED runtime against the emulator, with script
 * and user logins, succeeding and failing (wrong key, wrong password, a 401 answered by renewing
 * the token, tokens expiring and refreshed, expired signed URLs, storage 500s and resets, API and
 * completion errors, a missing file). Then everything the runtime saw — sent messages (Catch and
 * Status nodes' included), status texts, warnings, errors, the log at every level, the deployed
 * flow config — is searched for the script key, the password, the wrong ones typed, and every
 * access token, refresh token and storage URL signature the emulator issued. A control test shows
 * the search finds a planted secret (and the signed URL thumbnail-wait is meant to send).
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emulator } from '../../emulator/index.js';
import { ShotGridClient } from '../../lib/index.js';
import downloadNode from '../../nodes/shotgrid-download.js';
import findNode from '../../nodes/shotgrid-find.js';
import siteNode from '../../nodes/shotgrid-site.js';
import thumbnailWaitNode from '../../nodes/shotgrid-thumbnail-wait.js';
import uploadNode from '../../nodes/shotgrid-upload.js';
import writeNode from '../../nodes/shotgrid-write.js';
import { delay, helper, startSite, TAB, waitFor, type Msg } from './harness.js';
import type { FlowNode } from './helper-types.js';
import { findLeaks, harvest, render, secretsOf, type Secret } from './secret-scan.js';

const MiB = 1024 * 1024;
const WRONG_KEY = 'wrong-script-key-5b7d1e9a3c';
const WRONG_PASSWORD = 'wrong-password-8e2f4a6c';
const NODES = [siteNode, findNode, writeNode, uploadNode, downloadNode, thumbnailWaitNode];

describe('secrets never leave the site node', () => {
  let emulator: Emulator;
  let workDir: string;
  let project: { type: string; id: number };
  let sg: ShotGridClient;

  before(async () => {
    emulator = await startSite({ transcodeDelay: 300 });
    sg = new ShotGridClient({ site: emulator.url, auth: { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey } });
    const [p] = await sg.find('Project', null, { limit: 1 });
    project = { type: 'Project', id: p!.id };
    workDir = mkdtempSync(join(tmpdir(), 'sg-node-secrets-'));
    writeFileSync(join(workDir, 'small.mov'), Buffer.alloc(200 * 1024, 's'));
    writeFileSync(join(workDir, 'big.mov'), Buffer.alloc(6 * MiB, 'b'));
    writeFileSync(join(workDir, 'thumb.png'), Buffer.alloc(4 * 1024, 't'));
  });
  after(async () => {
    await sg.close();
    await emulator.close();
    rmSync(workDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    helper.settings({ fileWorkingDirectory: workDir, shotgridUploadPartSize: 5 * MiB, shotgridUploadMultipartThreshold: 5 * MiB, shotgridThumbnailWaitInterval: 100 });
  });
  afterEach(async () => {
    emulator.faults.clear();
    emulator.configure({ tokenTtl: 600 });
    await helper.unload();
  });

  /** Site config nodes: good script and user logins, and each with a wrong secret. */
  const sites: FlowNode[] = [
    { id: 'siteKey', type: 'shotgrid-site', name: 'script', authType: 'script' },
    { id: 'siteUser', type: 'shotgrid-site', name: 'user', authType: 'user' },
    { id: 'siteBadKey', type: 'shotgrid-site', name: 'bad key', authType: 'script' },
    { id: 'siteBadUser', type: 'shotgrid-site', name: 'bad password', authType: 'user' },
  ];
  const credentials = (): Record<string, Record<string, string>> => ({
    siteKey: { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey },
    siteUser: { login: emulator.credentials.login, password: emulator.credentials.password },
    siteBadKey: { scriptName: emulator.credentials.scriptName, scriptKey: WRONG_KEY },
    siteBadUser: { login: emulator.credentials.login, password: WRONG_PASSWORD },
  });
  const typedSecrets: Secret[] = [
    { what: 'wrong script key typed', value: WRONG_KEY },
    { what: 'wrong password typed', value: WRONG_PASSWORD },
  ];

  /** One node of each kind per site, each output to its own helper node, plus Catch and Status nodes. */
  function flow(): FlowNode[] {
    const nodes: FlowNode[] = [{ id: TAB, type: 'tab', label: 'secrets' }];
    for (const s of sites) {
      nodes.push({ ...s, site: emulator.url });
      const k = s.id;
      nodes.push(
        { id: `find-${k}`, type: 'shotgrid-find', site: k, entityType: 'Project', entityTypeType: 'str', filters: '[]', filtersType: 'json', limit: '2', limitType: 'num', wires: [[`out-find-${k}`]] },
        { id: `write-${k}`, type: 'shotgrid-write', site: k, operation: 'create', entityType: 'Version', entityTypeType: 'str', target: 'entity', targetType: 'msg', data: 'payload', dataType: 'msg', updateModes: '', updateModesType: 'json', returnFields: '', returnFieldsType: 'str', wires: [[`out-write-${k}`]] },
        { id: `upload-${k}`, type: 'shotgrid-upload', site: k, target: 'entity', targetType: 'msg', field: 'field', fieldType: 'msg', filename: 'filename', filenameType: 'msg', displayName: '', displayNameType: 'str', tags: '', tagsType: 'json', concurrent: 0, wires: [[`out-upload-${k}`]] },
        { id: `download-${k}`, type: 'shotgrid-download', site: k, source: 'entity', sourceType: 'msg', field: 'sg_uploaded_movie', fieldType: 'str', destination: 'target', destinationType: 'msg', overwrite: true, concurrent: 0, wires: [[`out-download-${k}`]] },
        { id: `wait-${k}`, type: 'shotgrid-thumbnail-wait', site: k, entities: 'entity', entitiesType: 'msg', field: 'image', fieldType: 'str', timeout: '10', timeoutType: 'num', wires: [[`out-wait-${k}`], [`late-wait-${k}`]] },
      );
      for (const out of ['find', 'write', 'upload', 'download', 'wait']) nodes.push({ id: `out-${out}-${k}`, type: 'helper' });
      nodes.push({ id: `late-wait-${k}`, type: 'helper' });
    }
    nodes.push(
      { id: 'catch1', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
      { id: 'status1', type: 'status', scope: null, wires: [['statuses']] },
      { id: 'statuses', type: 'helper' },
    );
    return nodes.map((n) => (n.type === 'tab' ? n : { z: TAB, ...n }));
  }

  /** Messages that reached the helper nodes since the flow was loaded, in order. */
  let arrivals: Array<{ id: string; msg: Msg }> = [];
  async function load(): Promise<void> {
    await helper.load(NODES, flow(), credentials());
    listen();
  }
  /** One listener per helper node for the whole test (the runtime's input listeners are not meant to come and go). */
  function listen(): void {
    arrivals = [];
    for (const n of flow()) {
      if (n.type === 'helper') helper.getNode(n.id).on('input', (msg: Msg) => arrivals.push({ id: n.id, msg }));
    }
  }

  /** Sends `msg` to `kind-site` and resolves with where it ended: its output, the late output or the Catch node. */
  async function run(kind: string, site: string, msg: Msg): Promise<{ to: 'out' | 'late' | 'caught'; msg: Msg }> {
    const ends: Record<string, 'out' | 'late' | 'caught'> = { [`out-${kind}-${site}`]: 'out', [`late-${kind}-${site}`]: 'late', caught: 'caught' };
    const from = arrivals.length;
    helper.getNode(`${kind}-${site}`).receive(msg);
    let found: { id: string; msg: Msg } | undefined;
    await waitFor(() => (found = arrivals.slice(from).find((a) => a.id in ends)) !== undefined, 30_000, `${kind} on ${site} to end`);
    return { to: ends[found!.id]!, msg: found!.msg };
  }
  async function ok(kind: string, site: string, msg: Msg): Promise<Msg> {
    const got = await run(kind, site, msg);
    assert.equal(got.to, 'out', `${kind} on ${site}: ${render(got.msg).slice(0, 400)}`);
    return got.msg;
  }
  async function fails(kind: string, site: string, msg: Msg, code: RegExp): Promise<void> {
    const got = await run(kind, site, msg);
    assert.equal(got.to, 'caught', `${kind} on ${site} did not fail`);
    assert.match(String((got.msg.error as { code?: string }).code), code, `${kind} on ${site}: ${render(got.msg.error).slice(0, 600)}`);
  }
  const newVersion = async (code: string) => ({ type: 'Version', id: (await sg.create('Version', { code, project })).id });

  /** Harvests, checks that the control value was removed from thumbnail-wait's output, and scans. */
  function scan(expectDebug = false): { leaks: ReturnType<typeof findLeaks>; removed: string[] } {
    const { surfaces, removed } = harvest(helper, {
      // thumbnail-wait exists to send the signed thumbnail URL on output 1: that one place is allowed.
      allowed: (node, msg, output) => {
        if (node.type !== 'shotgrid-thumbnail-wait' || output !== 0 || typeof (msg as Msg | null)?.payload !== 'string') return undefined;
        return { msg: { ...(msg as Msg), payload: '<thumbnail URL>' }, removed: (msg as Msg).payload as string };
      },
    });
    assert.ok(surfaces.length > 50, `only ${surfaces.length} surfaces were harvested`);
    // The log spy sits in front of the level filter: debug records are there (token renewals say so).
    if (expectDebug) assert.ok(surfaces.some((s) => s.where.startsWith('runtime log') && /level: 50[^]*token refused \(401\)/.test(s.text)), 'no debug-level log line was captured');
    return { leaks: findLeaks(surfaces, secretsOf(emulator, typedSecrets)), removed };
  }

  test('successful flows: find, write, upload (single and multipart), download, thumbnail-wait, with a script key and a user login', async () => {
    await load();
    for (const site of ['siteKey', 'siteUser']) {
      assert.equal(((await ok('find', site, {})).payload as unknown[]).length, 2);
      const created = await ok('write', site, { payload: { code: `sec_${site}`, project } });
      const version = created.entity as { type: string; id: number };
      await ok('upload', site, { entity: version, field: 'sg_uploaded_movie', filename: 'small.mov' });
      await ok('upload', site, { entity: version, field: 'sg_uploaded_movie', filename: 'big.mov' });
      await ok('upload', site, { entity: version, field: 'image', filename: 'thumb.png' });
      await ok('download', site, { entity: version, target: `dl/${site}.mov` });
      const ready = await ok('wait', site, { entity: version });
      assert.match(String(ready.payload), /^http/);
    }
    const { leaks, removed } = scan();
    assert.deepEqual(leaks, []);
    // Control: the thumbnail URLs carry issued signatures, and the scanner would have reported them.
    assert.equal(removed.length, 2);
    const found = findLeaks(removed.map((text, i) => ({ where: `thumbnail URL ${i + 1}`, text })), secretsOf(emulator));
    assert.equal(found.length, 2, 'the scanner did not recognise the signatures of the thumbnail URLs');
    assert.ok(found.every((l) => l.what.startsWith('signed URL signature')));
  });

  test('failing and recovering flows: wrong key/password, 401 renewal, token refresh, expired signed URLs, storage and API errors', async () => {
    await load();
    const version = await newVersion('sec_faults');
    // Wrong credentials: SG_AUTH at the Catch node.
    await fails('find', 'siteBadKey', {}, /^SG_AUTH$/);
    await fails('find', 'siteBadUser', {}, /^SG_AUTH$/);
    await fails('upload', 'siteBadKey', { entity: version, field: 'sg_uploaded_movie', filename: 'small.mov' }, /^SG_AUTH$/);
    // A 401 on a valid-looking bearer: renewed and replayed (the debug log says so).
    await ok('find', 'siteKey', {});
    await ok('find', 'siteUser', {});
    for (const site of ['siteKey', 'siteUser']) {
      emulator.faults.script({ route: 'api', kind: 'token_expire', count: 1 });
      await ok('find', site, {});
    }
    // Short-lived tokens: renewed with the refresh token.
    emulator.configure({ tokenTtl: 1 });
    await ok('find', 'siteUser', {});
    await delay(1500);
    await ok('find', 'siteUser', {});
    await ok('write', 'siteUser', { payload: { code: 'sec_refreshed', project } });
    emulator.configure({ tokenTtl: 600 });
    // Expired signed URLs: a fresh link is asked for (upload) or the field re-read (download).
    emulator.faults.script({ route: 'storage_put', kind: 'url_expire', count: 1 });
    await ok('upload', 'siteKey', { entity: version, field: 'sg_uploaded_movie', filename: 'small.mov' });
    emulator.faults.script({ route: 'storage_put', kind: 'url_expire', count: 1, partNumber: 2 });
    await ok('upload', 'siteKey', { entity: version, field: 'sg_uploaded_movie', filename: 'big.mov' });
    emulator.faults.script({ route: 'download', kind: 'url_expire', count: 1 });
    await ok('download', 'siteKey', { entity: version, target: 'dl/expired.mov' });
    // Storage errors that heal: a 500, a SlowDown, a reset mid-body.
    emulator.faults.script({ route: 'storage_put', kind: 'http500', count: 1 });
    emulator.faults.script({ route: 'storage_put', kind: 'http503', count: 1 });
    emulator.faults.script({ route: 'storage_put', kind: 'reset', count: 1, resetAfterBytes: 64 * 1024 });
    await ok('upload', 'siteKey', { entity: version, field: 'sg_uploaded_movie', filename: 'big.mov' });
    emulator.faults.script({ route: 'download', kind: 'reset', count: 1, resetAfterBytes: 1000 });
    await ok('download', 'siteKey', { entity: version, target: 'dl/reset.mov' });
    // An API 502 and an upload-init 500 that heal on the retry (reads are repeated).
    emulator.faults.script({ route: 'api', kind: 'http502', count: 1 });
    await ok('find', 'siteKey', {});
    // Errors that do not heal: the server refusing a write (its message names the field), a missing file, a wrong password.
    await fails('write', 'siteUser', { payload: { code: 'sec_bad', project, no_such_field: 1 } }, /^SG_(BAD_REQUEST|NOT_FOUND)$/);
    emulator.faults.script({ route: 'upload_init', kind: 'http500', count: 1 });
    await ok('upload', 'siteKey', { entity: version, field: 'sg_uploaded_movie', filename: 'small.mov' });
    // A completion 500 (the bytes are stored): the upload checks the record and completes exactly once.
    emulator.faults.script({ route: 'complete', kind: 'http500', count: 1 });
    await ok('upload', 'siteKey', { entity: version, field: 'sg_uploaded_movie', filename: 'big.mov' });

    await fails('upload', 'siteUser', { entity: version, field: 'sg_uploaded_movie', filename: 'missing.mov' }, /^SG_FILE$/);
    await fails('wait', 'siteBadUser', { entity: version }, /^SG_AUTH$/);
    assert.equal(emulator.faults.pending().length, 0, `faults not consumed: ${JSON.stringify(emulator.faults.pending())}`);

    const issued = emulator.issued();
    assert.ok(issued.refreshTokens.length >= 2 && issued.accessTokens.length >= 4 && issued.signatures.length >= 6, 'the flows did not exercise token renewal and signed URLs');
    assert.deepEqual(scan(true).leaks, []);
  });

  test('the deployed flow config (as exported and saved) holds no credential, also when they came inline from the editor', async () => {
    await load();
    // A deploy as the editor makes it: credentials inline on the config nodes.
    const inline = flow().map((n) => (credentials()[n.id] ? { ...n, credentials: credentials()[n.id] } : n));
    await helper.setFlows(inline, 'full');
    listen();
    await ok('find', 'siteUser', {});
    const internals = helper as unknown as { _redNodes: { getFlows(): unknown } };
    const exported = render(internals._redNodes.getFlows());
    assert.match(exported, /shotgrid-site/);
    assert.ok(helper.getNode('siteUser').credentials?.password, 'the runtime did not take the inline credentials');
    assert.deepEqual(findLeaks([{ where: 'flows', text: exported }], secretsOf(emulator, typedSecrets)), []);
    assert.deepEqual(scan().leaks, []);
  });

  test('control: the scan finds a planted secret in a message, a status, a log line and an error', async () => {
    await load();
    await ok('find', 'siteKey', {});
    const [token] = emulator.issued().accessTokens.slice(-1);
    const node = helper.getNode('find-siteKey') as unknown as { send(m: Msg): void; status(s: object): void; warn(m: string): void; error(e: unknown): void };
    node.send({ payload: { nested: [{ deep: `key=${encodeURIComponent(emulator.credentials.scriptKey)}` }] } });
    node.status({ text: `pw ${emulator.credentials.password}` });
    node.warn(`bearer …${token!.split('.')[2]}`);
    node.error(Object.assign(new Error('wrapped'), { cause: new Error(`wrong ${WRONG_KEY}`) }));
    const found = new Set(scan().leaks.map((l) => `${l.what} @ ${l.where.replace(/ record \d+$/, '')}`));
    for (const expected of [
      'script key @ send() of shotgrid-find find-siteKey',
      'user password @ status() of shotgrid-find find-siteKey',
      'wrong script key typed @ error() of shotgrid-find find-siteKey',
      'wrong script key typed @ runtime log',
    ]) assert.ok(found.has(expected), `not found: ${expected} (found: ${[...found].join('; ')})`);
    assert.ok([...found].some((f) => /^access token #\d+ @ warn\(\)/.test(f)), 'the token signature in a warning was not found');
  });
});
