/**
 * The examples (examples/*.json): static rules (flow arrays, core and our node types only, every
 * node type covered, a Comment in each, the site at `${SHOTGRID_SITE}` without credentials,
 * wires, links and groups to existing nodes) and each example run end to end on the emulator
 * under the test helper, with its Debug nodes swapped for helper nodes. Example 1 over real HTTP
 * as a farm calls it: repeated and concurrent deliveries, bad jobs, an upload that keeps failing.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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
/** Editor structure, not node types: groups box nodes on a tab. */
const STRUCTURE = new Set(['group']);

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
        assert.ok(ourTypes.includes(n.type) || core.has(n.type) || STRUCTURE.has(n.type), `${file}: ${n.id} has type ${n.type}, neither core nor ours`);
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

  test('no typed property reads an empty msg/flow/global path (the editor marks such a node invalid)', () => {
    for (const { file, nodes } of examples) {
      for (const n of nodes) {
        for (const [key, kind] of Object.entries(n)) {
          if (!key.endsWith('Type') || !['msg', 'flow', 'global'].includes(kind as string)) continue;
          const prop = key.slice(0, -'Type'.length);
          if (prop in n) assert.notEqual(n[prop], '', `${file}: ${n.id}.${prop} is an empty ${String(kind)} property`);
        }
      }
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
        for (const target of Array.isArray(n.links) ? (n.links as string[]) : []) assert.ok(ids.has(target), `${file}: ${n.id} links to a missing ${target}`);
        if (n.type === 'group') {
          for (const member of n.nodes as string[]) assert.equal(nodes.find((m) => m.id === member)?.g, n.id, `${file}: group ${n.id} lists ${member}, which is not in it`);
        }
        if (typeof n.g === 'string') assert.ok((nodes.find((m) => m.id === n.g)?.nodes as string[] | undefined)?.includes(n.id), `${file}: ${n.id} names group ${n.g}, which does not list it`);
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
    ...['common/20-inject.js', 'common/90-comment.js', 'common/60-link.js', 'function/10-function.js', 'function/15-change.js', 'function/10-switch.js', 'storage/10-file.js', 'network/21-httpin.js', 'sequence/17-split.js'].map(coreNodeModule),
  ];

  /** The example on a tab, its Debug nodes replaced by helper nodes with the same ids. */
  function runnable(file: string): FlowNode[] {
    const { nodes } = examples.find((e) => e.file === file)!;
    const tab = { id: 'example-tab', type: 'tab', label: file };
    return [tab, ...nodes.filter((n) => !STRUCTURE.has(n.type)).map((n) => {
      const { g: _group, ...node } = n;
      if (n.type === 'debug') return { id: n.id, type: 'helper', z: tab.id };
      return node.z === undefined ? node : { ...node, z: tab.id };
    })];
  }
  const credentials = () => ({ 'sgflow-site': { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey } });

  before(async () => {
    emulator = await startSite();
    process.env.SHOTGRID_SITE = emulator.url;
    sg = new ShotGridClient({ site: emulator.url, auth: { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey } });
    workDir = mkdtempSync(join(tmpdir(), 'sg-node-examples-'));
    // Example 1 reads relative movie paths there; a LocalStorage root holds them (its PublishedFile path).
    process.env.FARM_MEDIA_ROOT = workDir;
    await sg.create('LocalStorage', { code: 'example files', linux_path: workDir, mac_path: workDir });
    helper.settings({ fileWorkingDirectory: workDir, shotgridThumbnailWaitInterval: 50, shotgridSiteRetries: 1 });
  });
  after(async () => {
    delete process.env.SHOTGRID_SITE;
    delete process.env.FARM_MEDIA_ROOT;
    await sg.close();
    await emulator.close();
    rmSync(workDir, { recursive: true, force: true });
  });
  afterEach(() => helper.unload());

  /**
   * Serves the loaded flow's HTTP-in routes on 127.0.0.1 (the helper's `request()` reaches only its
   * admin app): Node-RED's node app, as the runtime would serve it.
   */
  let farm: Server | undefined;
  const openFarmEndpoint = async (): Promise<void> => {
    const app = (helper as unknown as { _registryUtil: { createNodeApi(o: object): { httpNode: RequestListener } } })._registryUtil.createNodeApi({}).httpNode;
    farm = createServer(app);
    await new Promise<void>((done) => farm!.listen(0, '127.0.0.1', () => done()));
  };
  afterEach(async () => {
    if (!farm) return;
    farm.closeAllConnections();
    await new Promise((done) => farm!.close(done));
    farm = undefined;
  });
  /** A farm job's POST, as the farm sends it (JSON unless `type` says otherwise), over HTTP. */
  const postJob = async (job: unknown, type = 'application/json'): Promise<{ status: number; body: Record<string, unknown> }> => {
    const { port } = farm!.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/farm/job-finished`, { method: 'POST', headers: { 'content-type': type }, body: typeof job === 'string' ? job : JSON.stringify(job) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
  /** A stand-in movie under the work folder (relative path, as the sample job sends it). */
  const movie = (name: string, bytes = 300 * 1024): string => {
    mkdirSync(join(workDir, 'media'), { recursive: true });
    writeFileSync(join(workDir, 'media', name), Buffer.alloc(bytes, name));
    return `media/${name}`;
  };
  /** Live Versions with this code, with their movie. */
  const versionsCoded = (code: string) => sg.find('Version', [['code', 'is', code]], { fields: ['sg_uploaded_movie', 'entity'] });

  test('01: the sample Inject creates a Version with its movie, a PublishedFile at its studio path, and reports the ready thumbnail', async () => {
    await helper.load(modules, runnable('01 Farm job finished.json'), credentials());
    const result = nextInput(helper.getNode('ex1-debug'), 20_000);
    helper.getNode('ex1-inject').receive({});
    const msg = await result;
    const payload = msg.payload as { status: string; version: { type: string; id: number }; thumbnail: string };
    assert.equal(payload.status, 'published', JSON.stringify(payload));
    assert.equal(isTransientImageUrl(payload.thumbnail), false);
    assert.match(payload.thumbnail, /^http/);
    assert.ok(existsSync(join(workDir, 'media', 'bbb_010_0010_comp_v101.mov')), 'the stand-in movie was not written under fileWorkingDirectory');
    const version = await sg.findOne('Version', [['id', 'is', payload.version.id]], { fields: ['code', 'entity', 'frame_range', 'sg_uploaded_movie', 'image', 'sg_path_to_movie'] });
    assert.equal(version?.code, 'bbb_010_0010_comp_v101');
    assert.equal((version?.entity as { name?: string }).name, 'bbb_010_0010');
    assert.equal(version?.frame_range, '1001-1024');
    assert.equal((version?.sg_uploaded_movie as { name?: string }).name, 'bbb_010_0010_comp_v101.mov');
    const file = `${workDir.split('\\').join('/')}/media/bbb_010_0010_comp_v101.mov`;
    assert.equal(version?.sg_path_to_movie, file);
    const [published, ...more] = await sg.find('PublishedFile', [['version', 'is', { type: 'Version', id: payload.version.id }]], { fields: ['code', 'path', 'entity'] });
    assert.equal(more.length, 0, 'one PublishedFile per Version');
    assert.equal(published?.code, 'bbb_010_0010_comp_v101.mov');
    const path = published?.path as { link_type?: string; local_path_linux?: string; relative_path?: string };
    assert.equal(path.link_type, 'local');
    assert.equal(path.relative_path, 'media/bbb_010_0010_comp_v101.mov');
    assert.equal(path.local_path_linux, file);
  });

  test('01 over HTTP: one job posted 3 times in a row and twice at once → one Version, one Attachment, the movie bytes sent once', async () => {
    await helper.load(modules, runnable('01 Farm job finished.json'), credentials());
    await openFarmEndpoint();
    const job = { shot: 'bbb_010_0020', movie: movie('bbb_010_0020_comp_v201.mov'), frames: '1001-1030' };
    const size = statSync(join(workDir, job.movie)).size;
    const before = emulator.counters.snapshot();
    const answers = [await postJob(job), await postJob(job), await postJob(job), ...(await Promise.all([postJob(job), postJob(job)]))];
    for (const a of answers) {
      assert.equal(a.status, 200, JSON.stringify(a.body));
      assert.equal(a.body.status, 'published');
    }
    const ids = new Set(answers.map((a) => (a.body.version as { id: number }).id));
    assert.equal(ids.size, 1, `every delivery answers with the same Version: ${[...ids].join(', ')}`);
    const live = await versionsCoded('bbb_010_0020_comp_v201');
    assert.equal(live.length, 1, 'one live Version');
    assert.equal((live[0]!.sg_uploaded_movie as { name?: string }).name, 'bbb_010_0020_comp_v201.mov');
    const after = emulator.counters.snapshot();
    assert.equal(after.attachmentsCreated - before.attachmentsCreated, 1, 'one Attachment (one upload completed)');
    assert.equal(after.bytesStored - before.bytesStored, size, 'the movie bytes were sent once');
    assert.equal(after.multipartOpen, 0);
    const published = await sg.find('PublishedFile', [['version', 'is', { type: 'Version', id: live[0]!.id }]]);
    assert.equal(published.length, 1, 'one PublishedFile');
  });

  test('01 over HTTP: two Versions left by deliveries killed between their creates and the retire: the next delivery keeps the older, retires the other, publishes once', async () => {
    await helper.load(modules, runnable('01 Farm job finished.json'), credentials());
    await openFarmEndpoint();
    const job = { shot: 'bbb_010_0030', movie: movie('bbb_010_0030_comp_v301.mov'), frames: '1001-1010' };
    const shot = await sg.findOne('Shot', [['code', 'is', job.shot]], { fields: ['project'] });
    assert.ok(shot);
    // What two deliveries at once leave when Node-RED is killed right after both creates (example 1's key: code, Shot, project).
    const data = { code: 'bbb_010_0030_comp_v301', entity: { type: 'Shot', id: shot.id }, project: shot.project };
    const older = await sg.create('Version', data);
    const later = await sg.create('Version', data);
    const answer = await postJob(job);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.status, 'published');
    assert.equal((answer.body.version as { id: number }).id, older.id);
    const live = await versionsCoded('bbb_010_0030_comp_v301');
    assert.deepEqual(live.map((v) => v.id), [older.id], 'one live Version: the older');
    assert.equal((live[0]!.sg_uploaded_movie as { name?: string }).name, 'bbb_010_0030_comp_v301.mov');
    const retired = await sg.find('Version', [['code', 'is', 'bbb_010_0030_comp_v301']], { retired: true });
    assert.deepEqual(retired.map((v) => v.id), [later.id], 'the other is retired');
  });

  test('01 over HTTP: a job without shot or movie, or whose movie is not there, is a 400 with the reason; nothing is created', async () => {
    await helper.load(modules, runnable('01 Farm job finished.json'), credentials());
    await openFarmEndpoint();
    const before = emulator.counters.snapshot();
    const noShot = await postJob({ movie: movie('bbb_010_0030_comp_v001.mov'), frames: '1-2' });
    assert.equal(noShot.status, 400);
    assert.deepEqual(noShot.body, { status: 'rejected', error: 'missing shot' });
    const noMovie = await postJob({ shot: 'bbb_010_0030' });
    assert.equal(noMovie.status, 400);
    assert.equal(noMovie.body.error, 'missing movie');
    const absent = await postJob({ shot: 'bbb_010_0030', movie: 'media/bbb_010_0030_comp_v404.mov', frames: '1-2' });
    assert.equal(absent.status, 400);
    assert.equal(absent.body.error, 'movie not found: media/bbb_010_0030_comp_v404.mov');
    const notJson = await postJob('shot=x', 'text/plain');
    assert.equal(notJson.status, 400);
    const unknownShot = await postJob({ shot: 'no_such_shot', movie: movie('no_such_shot_v001.mov') });
    assert.equal(unknownShot.status, 404);
    assert.equal(unknownShot.body.status, 'rejected');
    const after = emulator.counters.snapshot();
    assert.deepEqual(after.recordsCreated, before.recordsCreated, 'no record was created');
    assert.equal(after.attachmentsCreated, before.attachmentsCreated);
    assert.equal((await versionsCoded('bbb_010_0030_comp_v404')).length, 0);
  });

  test('01 over HTTP: an upload that keeps failing answers 503 (retry) and leaves no Version without its movie; the retry publishes', async () => {
    await helper.load(modules, runnable('01 Farm job finished.json'), credentials());
    await openFarmEndpoint();
    const job = { shot: 'bbb_010_0040', movie: movie('bbb_010_0040_comp_v301.mov'), frames: '1001-1010' };
    const before = emulator.counters.snapshot();
    emulator.faults.script({ route: 'storage_put', kind: 'http500', count: 1000 });
    let failed: Awaited<ReturnType<typeof postJob>>;
    try {
      failed = await postJob(job);
    } finally {
      emulator.faults.clear();
    }
    assert.equal(failed.status, 503, JSON.stringify(failed.body));
    assert.equal(failed.body.status, 'failed');
    assert.equal(failed.body.retry, true);
    // The farm reads the reason, not Node-RED's `ShotGridError: ` (the caught error's toString()).
    assert.match(String(failed.body.error), /^We encountered an internal error\..*→ 500 InternalError\)$/);
    assert.equal(emulator.counters.snapshot().recordsCreated.Version, (before.recordsCreated.Version ?? 0) + 1, 'the Version was created before the upload');
    assert.equal((await versionsCoded('bbb_010_0040_comp_v301')).length, 0, 'the movie-less Version was retired');
    assert.equal(emulator.counters.snapshot().multipartOpen, 0);

    const retried = await postJob(job);
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    const live = await versionsCoded('bbb_010_0040_comp_v301');
    assert.equal(live.length, 1);
    assert.notEqual(live[0]!.sg_uploaded_movie, null);
  });

  test('01 over HTTP: a movie under no LocalStorage root is a 422 (not retried) before anything is created', async () => {
    await helper.load(modules, runnable('01 Farm job finished.json'), credentials());
    await openFarmEndpoint();
    const elsewhere = mkdtempSync(join(tmpdir(), 'sg-no-storage-'));
    try {
      const file = join(elsewhere, 'bbb_010_0050_comp_v001.mov');
      writeFileSync(file, Buffer.alloc(1024, 'x'));
      const before = emulator.counters.snapshot();
      const answer = await postJob({ shot: 'bbb_010_0050', movie: file.split('\\').join('/'), frames: '1-2' });
      assert.equal(answer.status, 422, JSON.stringify(answer.body));
      assert.equal(answer.body.retry, false);
      assert.equal(answer.body.code, 'SG_CONFIG');
      assert.match(String(answer.body.error), /under no LocalStorage root.*nothing was created/);
      const after = emulator.counters.snapshot();
      assert.deepEqual(after.recordsCreated, before.recordsCreated, 'no record was created');
      assert.equal(after.attachmentsCreated, before.attachmentsCreated, 'no movie was uploaded');
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  test('01 over HTTP: a site that refuses the script key is a 403 with retry false (a set-up error the farm must not retry), nothing created', async () => {
    await helper.load(modules, runnable('01 Farm job finished.json'), { 'sgflow-site': { scriptName: emulator.credentials.scriptName, scriptKey: 'not-the-key' } });
    await openFarmEndpoint();
    const before = emulator.counters.snapshot();
    const answer = await postJob({ shot: 'bbb_010_0060', movie: movie('bbb_010_0060_comp_v001.mov'), frames: '1-2' });
    assert.equal(answer.status, 403, JSON.stringify(answer.body));
    assert.equal(answer.body.status, 'failed');
    assert.equal(answer.body.retry, false);
    assert.equal(answer.body.code, 'SG_AUTH');
    assert.match(String(answer.body.error), /^ShotGrid refused the credentials of script /);
    assert.deepEqual(emulator.counters.snapshot().recordsCreated, before.recordsCreated, 'no record was created');
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
    const { payload } = (await report) as Msg & { payload: { summary: string; uploaded: number; failed: number; details: Array<{ version: number; ok: boolean; code?: string; error?: string }> } };
    assert.equal(payload.uploaded, present.length);
    assert.equal(payload.summary, `${present.length} uploaded, 1 failed`);
    assert.equal(payload.failed, 1);
    assert.deepEqual(payload.details.filter((d) => !d.ok).map((d) => [d.version, d.code]), [[missing!.id, 'SG_FILE']]);
    assert.match(String(payload.details.find((d) => !d.ok)?.error), /^no such file: /);
    const after = await sg.find('Version', [['id', 'in', present.map((v) => v.id)]], { fields: ['sg_uploaded_movie'] });
    assert.ok(after.every((v) => v.sg_uploaded_movie !== null), 'a deliverable did not reach its Version');
  });

  test('02: a night with nothing to publish still reports it', async () => {
    await helper.load(modules, runnable('02 Nightly batch publish.json'), credentials());
    const report = nextInput(helper.getNode('ex2-debug'), 20_000);
    helper.getNode('ex2-find').receive({ payload: { status: 'pndng', limit: 20 } });
    const { payload } = (await report) as Msg & { payload: { summary: string; uploaded: number; failed: number; details: unknown[] } };
    assert.deepEqual(payload, { summary: 'nothing to publish', uploaded: 0, failed: 0, details: [] });
  });

  test('03: the newest .mov Attachments are downloaded into deliverables/downloaded/ and listed', async () => {
    await helper.load(modules, runnable('03 Download deliverables.json'), credentials());
    const listed = nextInput(helper.getNode('ex3-debug'), 20_000);
    helper.getNode('ex3-inject').receive({});
    const files = (await listed).payload as Array<{ file: string; bytes: number; md5: string }>;
    assert.ok(files.length >= 1 && files.length <= 5, `${files.length} files`);
    for (const f of files) {
      assert.equal(dirname(f.file), join(workDir, 'deliverables', 'downloaded'));
      assert.equal(statSync(f.file).size, f.bytes);
      // The list names each file's MD5, of the bytes as they arrived: what a copy is checked against.
      assert.equal(f.md5, createHash('md5').update(readFileSync(f.file)).digest('hex'));
    }
  });
});
