/**
 * The Node-RED scorecard's checks (node-red-dev validate needs the network, so they are mirrored
 * here): the real package must pass them, and broken fixtures must fail them, so the checks
 * themselves cannot pass vacuously.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import {
  checkDependencies,
  checkExamples,
  checkMetadata,
  checkNodeFiles,
  checkVersions,
  coreNodeTypes,
  parseRegisterTypes,
  readExamples,
  type PackageJson,
} from './scorecard-checks.js';

/** The work tree: SG_ROOT (set by scripts/test.mjs), else the nearest folder with our package.json. */
function findRoot(): string {
  if (process.env.SG_ROOT) return process.env.SG_ROOT;
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const p = join(dir, 'package.json');
    if (existsSync(p) && (JSON.parse(readFileSync(p, 'utf8')) as PackageJson).name === '@sgflow/node-red-shotgrid') return dir;
  }
  return process.cwd();
}

const root = findRoot();
/** The build output this test was compiled into ($SG_OUT or dist/): its test/package/.. /.. */
const outRoot = resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
const nodes = pkg['node-red']?.nodes ?? {};
const ourTypes = Object.keys(nodes);
const configTypes = new Set(['shotgrid-site']);
const coreNodesDir = dirname(require.resolve('@node-red/nodes/package.json', { paths: [join(root, 'node_modules', 'node-red')] }));

test('P01 P03 P04 P05: licence, repository, scoped name, node-red keyword', () => {
  assert.deepEqual(checkMetadata(pkg, root), []);
});

test('P06 P07: node-red.version admits 5.0.7 and 4.1.x; engines.node admits 22.9.0 and 20.18.1', () => {
  assert.deepEqual(checkVersions(pkg, ['5.0.7', '4.1.0', '4.1.15'], ['22.9.0', '20.18.1', '24.0.0']), []);
});

test('D01: at most 6 runtime dependencies, node-red not among them', () => {
  assert.deepEqual(checkDependencies(pkg), []);
});

test('the six node types are registered, with .js entries the published files include', () => {
  assert.deepEqual(ourTypes.sort(), [
    'shotgrid-download',
    'shotgrid-find',
    'shotgrid-site',
    'shotgrid-thumbnail-wait',
    'shotgrid-upload',
    'shotgrid-write',
  ]);
  const files = pkg.files ?? [];
  for (const entry of Object.values(nodes)) {
    assert.ok(files.some((f) => entry === f || entry.startsWith(f.replace(/\/?$/, '/'))), `${entry} is not in "files"`);
  }
  assert.ok(files.includes('examples'), 'examples/ is not in "files"');
});

for (const [type, entry] of Object.entries(nodes)) {
  test(`${type}: built entry, .html beside it with an inline literal registerType, locale catalogue and help`, () => {
    assert.deepEqual(checkNodeFiles(type, entry, outRoot, configTypes), []);
  });
}

test('N02: every non-config node type appears in an example; examples use only core nodes and ours, no credentials', () => {
  const core = coreNodeTypes(coreNodesDir);
  assert.ok(core.has('inject') && core.has('http in') && core.has('join'), 'core node types were not found');
  assert.deepEqual(checkExamples(readExamples(join(root, 'examples')), ourTypes, configTypes, core), []);
});

// The checks must be able to fail: broken inputs are caught.

test('the checks reject a package that breaks the scorecard rules', () => {
  const bad: PackageJson = {
    name: 'node-red-shotgrid',
    engines: { node: '>=22.12' },
    keywords: ['shotgrid'],
    dependencies: { a: '1', b: '1', c: '1', d: '1', e: '1', f: '1', 'node-red': '4' },
    'node-red': { version: '<5' },
  };
  const empty = mkdtempSync(join(tmpdir(), 'sg-scorecard-'));
  try {
    const meta = checkMetadata(bad, empty).join('\n');
    for (const id of ['P01: no SPDX', 'P01: no LICENSE', 'P03', 'P04', 'P05']) assert.match(meta, new RegExp(id));
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
  const versions = checkVersions(bad, ['5.0.7', '4.1.0'], ['22.9.0', '20.18.1']).join('\n');
  assert.match(versions, /does not admit Node-RED 5\.0\.7/);
  assert.match(versions, /does not admit Node\.js 22\.9\.0/);
  assert.doesNotMatch(versions, /Node-RED 4\.1\.0/);
  assert.equal(checkDependencies(bad).length, 2);
});

test('the HTML parser finds only inline literal registerType calls', () => {
  const html = [
    '<script type="text/javascript">RED.nodes.registerType("a-node", { category: "ShotGrid", defaults: { name: { value: "" } } });',
    'RED.nodes.registerType(computed, { category: "x" }); var def = {}; RED.nodes.registerType("b-node", def);</script>',
    '<script type="text/html" data-template-name="a-node"></script>',
  ].join('\n');
  assert.deepEqual(parseRegisterTypes(html), [{ type: 'a-node', category: 'ShotGrid', properties: ['category', 'defaults'] }]);
  assert.throws(() => parseRegisterTypes('<script type="text/javascript">RED.nodes.registerType("x", {</script>'));
});

test('the node-file check reports a .cjs entry, a missing build, missing HTML parts and locales', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sg-scorecard-'));
  try {
    assert.match(checkNodeFiles('x', 'dist/nodes/x.cjs', dir, configTypes).join(), /must end in \.js/);
    assert.match(checkNodeFiles('x', 'dist/nodes/x.js', dir, configTypes).join('\n'), /was not built[\s\S]*no x\.html/);
    mkdirSync(join(dir, 'nodes'));
    writeFileSync(join(dir, 'nodes', 'x.js'), '');
    writeFileSync(join(dir, 'nodes', 'x.html'), '<script type="text/javascript">RED.nodes.registerType("x", { category: "function" });</script>');
    const problems = checkNodeFiles('x', 'dist/nodes/x.js', dir, configTypes).join('\n');
    for (const p of ['no inline defaults', 'category function', 'no edit template', 'no message catalogue', 'no help']) assert.match(problems, new RegExp(p));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the example check reports a missing type, a third-party node and shipped credentials', () => {
  const core = new Set(['inject', 'debug']);
  const problems = checkExamples(
    [{ file: 'e.json', nodes: [{ id: '1', type: 'inject' }, { id: '2', type: 'node-red-contrib-x' }, { id: '3', type: 'shotgrid-find', credentials: { scriptKey: 'k' } }] }],
    ['shotgrid-site', 'shotgrid-find', 'shotgrid-upload'],
    configTypes,
    core,
  ).join('\n');
  assert.match(problems, /shotgrid-upload appears in no example/);
  assert.doesNotMatch(problems, /shotgrid-site appears/);
  assert.match(problems, /node-red-contrib-x, neither ours nor a core node/);
  assert.match(problems, /node 3 carries credentials/);
  assert.deepEqual(checkExamples([], [], configTypes, core), ['N02: no examples/*.json']);
});
