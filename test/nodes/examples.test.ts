/**
 * The examples (examples/*.json): static rules (flow arrays, core and our node types only, every
 * node type covered, a Comment in each, the site at `${SHOTGRID_SITE}` without credentials,
 * wires to existing nodes) and each example run end to end on the emulator under the test
 * helper, with its Debug nodes swapped for helper nodes.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Emulator } from '../../emulator/index.js';
import { isTransientImageUrl, ShotGridClient } from '../../lib/index.js';
import downloadNode from '../../nodes/shotgrid-download.js';
import findNode from '../../nodes/shotgrid-find.js';
import siteNode from '../../nodes/shotgrid-site.js';
import waitNode from '../../nodes/shotgrid-thumbnail-wait.js';
import uploadNode from '../../nodes/shotgrid-upload.js';
import writeNode from '../../nodes/shotgrid-write.js';
import { coreNodeModule, helper, nextInput, runtimePath, startSite, type Msg } from './harness.js';
import type { FlowNode } from './helper-types.js';

const root = process.env.SG_ROOT ?? join(__dirname, '..', '..', '..');
const examplesDir = join(root, 'examples');
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
const ourTypes = Object.keys(packageJson['node-red'].nodes);
const SITE_TYPE = 'shotgrid-site';

function readExamples(): Array<{ file: string; nodes: FlowNode[] }> {
  return readdirSync(examplesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const nodes: unknown = JSON.parse(readFileSync(join(examplesDir, file), 'utf8'));
      assert.ok(Array.isArray(nodes), `${file} is not a flow export (an array of nodes)`);
      return { file, nodes: nodes as FlowNode[] };
    });
}

/** Node types the runtime under test ships, read from its core editor files. */
function coreTypes(): Set<string> {
  const nodesDir = dirname(require.resolve('@node-red/nodes/package.json', { paths: [dirname(runtimePath)] }));
  const types = new Set<string>();
  const visit = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (name !== 'locales' && name !== 'node_modules') visit(p);
      } else if (name.endsWith('.html')) {
        for (const m of readFileSync(p, 'utf8').matchAll(/registerType\(\s*['"]([^'"]+)['"]/g)) types.add(m[1]!);
      }
    }
  };
  visit(join(nodesDir, 'core'));
  return types;
}

describe('examples: static rules', () => {
  const examples = readExamples();

  test('there are the four examples, named for the Import menu', () => {
    assert.deepEqual(examples.map((e) => e.file), ['01 Farm job finished.json', '02 Nightly batch publish.json', '03 Download deliverables.json', '04 Farm jobs over MQTT (shared).json']);
  });

  test('only core node types and ours; every non-config type of ours appears; each has a Comment', () => {
    const core = coreTypes();
    assert.ok(core.has('inject') && core.has('join'), 'core node types were not found');
    const used = new Set<string>();
    for (const { file, nodes } of examples) {
      for (const n of nodes) {
        used.add(n.type);
        assert.ok(ourTypes.includes(n.type) || core.has(n.type), `${file}: ${n.id} has type ${n.type}, neither core nor ours`);
      }
      assert.ok(nodes.some((n) => n.type === 'comment'), `${file} has no Comment node`);
    }
    for (const type of ourTypes) assert.ok(used.has(type), `${type} appears in no example`);
  });

  test('the site config node reads ${SHOTGRID_SITE} and ships no credentials; every ShotGrid node uses it', () => {
    for (const { file, nodes } of examples) {
      const sites = nodes.filter((n) => n.type === SITE_TYPE);
      assert.equal(sites.length, 1, `${file}: one site config node`);
      assert.equal(sites[0]!.site, '${SHOTGRID_SITE}');
      assert.equal(sites[0]!.credentials, undefined, `${file}: the site carries credentials`);
      assert.ok(!JSON.stringify(nodes).match(/scriptKey|password|sessionToken/), `${file} mentions a secret credential`);
      for (const n of nodes.filter((x) => x.type.startsWith('shotgrid-') && x.type !== SITE_TYPE)) assert.equal(n.site, sites[0]!.id, `${file}: ${n.id} uses another site`);
    }
  });

  test('ids are unique, never a node type name, and wires and scopes point at nodes of the same example', () => {
    const types = new Set([...coreTypes(), ...ourTypes]);
    for (const { file, nodes } of examples) {
      const ids = new Set(nodes.map((n) => n.id));
      assert.equal(ids.size, nodes.length, `${file}: duplicate ids`);
      for (const n of nodes) {
        assert.ok(!types.has(n.id), `${file}: id ${n.id} equals a node type (Node-RED mistakes such references for config links)`);
        for (const target of (n.wires ?? []).flat()) assert.ok(ids.has(target), `${file}: ${n.id} is wired to a missing ${target}`);
        for (const target of Array.isArray(n.scope) ? (n.scope as string[]) : []) assert.ok(ids.has(target), `${file}: ${n.id} catches a missing ${target}`);
      }
    }
  });
});

describe('examples: run on the emulator', () => {
  let emulator: Emulator;
  let sg: ShotGridClient;
  let workDir: string;
  const examples = readExamples();
  const modules = [
    siteNode, findNode, writeNode, uploadNode, downloadNode, waitNode,
    ...['common/20-inject.js', 'common/90-comment.js', 'function/15-change.js', 'function/10-switch.js', 'storage/10-file.js', 'network/21-httpin.js', 'network/10-mqtt.js', 'sequence/17-split.js'].map(coreNodeModule),
  ];

  /** The example on a tab, its Debug nodes replaced by helper nodes with the same ids. */
  function runnable(file: string): FlowNode[] {
    const { nodes } = examples.find((e) => e.file === file)!;
    const tab = { id: 'example-tab', type: 'tab', label: file };
    return [tab, ...nodes.map((n) => {
      if (n.type === 'debug') return { id: n.id, type: 'helper', z: tab.id };
      return n.z === undefined ? n : { ...n, z: tab.id };
    })];
  }
  const credentials = () => ({ 'sgflow-site': { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey } });

  before(async () => {
    emulator = await startSite();
    process.env.SHOTGRID_SITE = emulator.url;
    sg = new ShotGridClient({ site: emulator.url, auth: { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey } });
    workDir = mkdtempSync(join(tmpdir(), 'sg-node-examples-'));
    helper.settings({ fileWorkingDirectory: workDir, shotgridThumbnailWaitInterval: 50 });
  });
  after(async () => {
    delete process.env.SHOTGRID_SITE;
    await sg.close();
    await emulator.close();
    rmSync(workDir, { recursive: true, force: true });
  });
  afterEach(() => helper.unload());

  test('01: the sample job creates a Version on the Shot, uploads the movie and reports the ready thumbnail; an unknown shot is a 404 reply', async () => {
    await helper.load(modules, runnable('01 Farm job finished.json'), credentials());
    const result = nextInput(helper.getNode('ex1-debug'), 20_000);
    helper.getNode('ex1-inject').receive({});
    const msg = await result;
    const payload = msg.payload as { status: string; version: { type: string; id: number }; thumbnail: string };
    assert.equal(payload.status, 'published', JSON.stringify(payload));
    assert.equal(isTransientImageUrl(payload.thumbnail), false);
    assert.match(payload.thumbnail, /^http/);
    assert.ok(existsSync(join(workDir, 'media', 'bbb_010_0010_comp_v101.mov')), 'the stand-in movie was not written under fileWorkingDirectory');
    const version = await sg.findOne('Version', [['id', 'is', payload.version.id]], { fields: ['code', 'entity', 'frame_range', 'sg_uploaded_movie', 'image'] });
    assert.equal(version?.code, 'bbb_010_0010_comp_v101');
    assert.equal((version?.entity as { name?: string }).name, 'bbb_010_0010');
    assert.equal(version?.frame_range, '1001-1024');
    assert.equal((version?.sg_uploaded_movie as { name?: string }).name, 'bbb_010_0010_comp_v101.mov');

    const rejected = nextInput(helper.getNode('ex1-debug'));
    helper.getNode('ex1-keep-job').receive({ payload: { shot: 'no_such_shot', movie: 'media/x.mov', frames: '1-2' } });
    const reply = await rejected;
    assert.equal(reply.statusCode, 404);
    assert.equal((reply.payload as { status: string }).status, 'rejected');
  });

  test('02: approved Versions get their deliverables uploaded; a missing file is reported, and the Join completes', async () => {
    const due = await sg.find('Version', [['sg_status_list', 'is', 'apr'], ['image', 'is', null]], { fields: ['code'], sort: 'code', limit: 20 });
    assert.ok(due.length >= 3, 'the seeded site has too few approved Versions');
    const [missing, ...present] = due;
    for (const v of present) {
      mkdirSync(join(workDir, 'deliverables'), { recursive: true });
      writeFileSync(join(workDir, 'deliverables', `${String(v.code)}.mov`), `deliverable of ${String(v.code)}`);
    }
    await helper.load(modules, runnable('02 Nightly batch publish.json'), credentials());
    const report = nextInput(helper.getNode('ex2-debug'), 20_000);
    helper.getNode('ex2-nightly').receive({});
    const { payload } = (await report) as Msg & { payload: { uploaded: number; failed: number; details: Array<{ version: number; ok: boolean; code?: string }> } };
    assert.equal(payload.uploaded, present.length);
    assert.equal(payload.failed, 1);
    assert.deepEqual(payload.details.filter((d) => !d.ok).map((d) => [d.version, d.code]), [[missing!.id, 'SG_FILE']]);
    const after = await sg.find('Version', [['id', 'in', present.map((v) => v.id)]], { fields: ['sg_uploaded_movie'] });
    assert.ok(after.every((v) => v.sg_uploaded_movie !== null), 'a deliverable did not reach its Version');
  });

  test('03: the newest .mov Attachments are downloaded into deliverables/downloaded/ and listed', async () => {
    await helper.load(modules, runnable('03 Download deliverables.json'), credentials());
    const listed = nextInput(helper.getNode('ex3-debug'), 20_000);
    helper.getNode('ex3-inject').receive({});
    const files = (await listed).payload as Array<{ file: string; bytes: number }>;
    assert.ok(files.length >= 1 && files.length <= 5, `${files.length} files`);
    for (const f of files) {
      assert.equal(dirname(f.file), join(workDir, 'deliverables', 'downloaded'));
      assert.equal(statSync(f.file).size, f.bytes);
    }
  });
});
