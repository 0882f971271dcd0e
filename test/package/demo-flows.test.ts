/**
 * The demo's flow builder (scripts/demo/flows.mjs, fixtures.mjs): examples on their own tabs, one
 * shared site config node, ids kept unique, credentials only in the encrypted store, and sample
 * media created only for the files the flows read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

type FlowNode = Record<string, unknown> & { id: string; type: string; z?: string; wires?: string[][] };
interface FlowsModule {
  buildDemoFlows(examples: Array<{ name: string; nodes: FlowNode[] }>): { flow: FlowNode[]; siteId: string };
  declaredCredentialKeys(htmlPath: string): string[];
  siteCredentials(declared: string[], emulatorCredentials: Record<string, string>): Record<string, string>;
  encryptCredentials(secret: string, credentials: unknown): { $: string };
  decryptCredentials(secret: string, file: { $: string }): unknown;
}
interface FixturesModule {
  referencedFiles(nodes: FlowNode[]): string[];
  writeFixtures(dir: string, relPaths: string[]): string[];
  samplePng(seed: string): Buffer;
}

const root = process.env.SG_ROOT ?? process.cwd();
const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(join(root, 'scripts', 'demo', file)).href)) as T;

const example = (tab: string, site: string): FlowNode[] => [
  { id: 'inj', type: 'inject', z: tab, name: 'go', wires: [['find']] },
  { id: 'find', type: 'shotgrid-find', z: tab, site, wires: [['dbg']] },
  { id: 'dbg', type: 'debug', z: tab, wires: [] },
  { id: 'catch', type: 'catch', z: tab, scope: ['find'], wires: [['dbg']] },
  { id: site, type: 'shotgrid-site', name: 'Local', url: '${SHOTGRID_SITE}', credentials: { scriptKey: 'must-not-survive' } },
];

test('each example gets its own tab, colliding ids are renamed consistently, and one site node remains', async () => {
  const { buildDemoFlows } = await load<FlowsModule>('flows.mjs');
  const { flow, siteId } = buildDemoFlows([
    { name: '01-first', nodes: example('t1', 'siteA') },
    { name: '02-second', nodes: example('t2', 'siteB') },
  ]);
  const tabs = flow.filter((n) => n.type === 'tab');
  assert.deepEqual(tabs.map((t) => t.label), ['01 first', '02 second']);
  assert.equal(siteId, 'siteA');
  const sites = flow.filter((n) => n.type === 'shotgrid-site');
  assert.equal(sites.length, 1);
  assert.equal(sites[0]!.credentials, undefined, 'credentials leaked into flows.json');
  assert.equal(new Set(flow.map((n) => n.id)).size, flow.length, 'duplicate ids');

  for (const [i, tab] of tabs.entries()) {
    const nodes = flow.filter((n) => n.z === tab.id);
    assert.equal(nodes.length, 4, `tab ${i + 1} should hold its four nodes`);
    const byType = (t: string): FlowNode => nodes.find((n) => n.type === t)!;
    assert.equal(byType('shotgrid-find').site, 'siteA', 'every ShotGrid node uses the one site');
    assert.deepEqual(byType('inject').wires, [[byType('shotgrid-find').id]]);
    assert.deepEqual(byType('shotgrid-find').wires, [[byType('debug').id]]);
    assert.deepEqual(byType('catch').scope, [byType('shotgrid-find').id]);
  }
  assert.notEqual(flow.filter((n) => n.type === 'inject')[1]!.id, 'inj', 'the second example kept a colliding id');
});

test('without a site config node in the examples the demo refuses to build', async () => {
  const { buildDemoFlows } = await load<FlowsModule>('flows.mjs');
  assert.throws(() => buildDemoFlows([{ name: 'x', nodes: [{ id: 'a', type: 'inject', z: 't' }] }]), /no shotgrid-site config node/);
});

test('credentials: declared keys are read from the editor file and encrypted as Node-RED does', async () => {
  const { declaredCredentialKeys, siteCredentials, encryptCredentials, decryptCredentials } = await load<FlowsModule>('flows.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'sg-demo-flows-'));
  try {
    const html = join(dir, 'site.html');
    writeFileSync(html, `<script type="text/javascript">RED.nodes.registerType('shotgrid-site', { category: 'config',
      defaults: { url: { value: '' } }, credentials: { scriptName: { type: 'text' }, scriptKey: { type: 'password' }, "sessionToken": { type: 'password' } } });</script>`);
    const keys = declaredCredentialKeys(html);
    assert.deepEqual(keys, ['scriptName', 'scriptKey', 'sessionToken']);
    const emulator = { scriptName: 'demo', scriptKey: 'k', login: 'l', password: 'p' };
    assert.deepEqual(siteCredentials(keys, emulator), { scriptName: 'demo', scriptKey: 'k' });
    assert.throws(() => siteCredentials(['apiKey'], emulator), /expected scriptName\+scriptKey or login\+password/);

    const file = encryptCredentials('secret', { site: { scriptKey: 'k' } });
    assert.equal(Object.keys(file).join(), '$');
    assert.ok(!file.$.includes('scriptKey'));
    assert.match(file.$, /^[0-9a-f]{32}/);
    assert.deepEqual(decryptCredentials('secret', file), { site: { scriptKey: 'k' } });
    assert.throws(() => decryptCredentials('wrong', file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sample media: only files the flows read are created, images as real PNGs', async () => {
  const { referencedFiles, writeFixtures, samplePng } = await load<FixturesModule>('fixtures.mjs');
  const paths = referencedFiles([
    { id: 'a', type: 'inject', z: 't', payload: '{"shot":"sh010","movie":"renders/sh010_v001.mov"}' },
    { id: 'b', type: 'function', z: 't', func: "msg.filename = 'plates/a.png'; const x = '/abs/b.mov'; const y = 'http://host/c.mov';" },
    { id: 'c', type: 'shotgrid-download', z: 't', path: 'downloads/out.mov' },
  ]);
  assert.deepEqual(paths, ['plates/a.png', 'renders/sh010_v001.mov']);
  const dir = mkdtempSync(join(tmpdir(), 'sg-demo-fixtures-'));
  try {
    assert.deepEqual(writeFixtures(dir, paths), paths);
    assert.deepEqual(writeFixtures(dir, paths), [], 'existing files are left alone');
    const png = readFileSync(join(dir, 'plates', 'a.png'));
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(existsSync(join(dir, 'renders', 'sh010_v001.mov')));
    assert.ok(samplePng('x').length > 100);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
