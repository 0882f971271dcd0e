/**
 * Node-RED listens before its flows have started: for that moment a farm's delivery for an
 * HTTP-in endpoint used to be answered `404 Cannot POST`, which a farm takes for "this job is
 * wrong" and never retries (the soak's farm leg lost a job that way after a restart). Example 1
 * in a whole Node-RED (child process) whose flows file takes 1.5 s to read: a delivery in that
 * moment is held and answered by the flow once it runs; with a shorter hold it is answered 503
 * with Retry-After; with the hold turned off it gets the 404 (so the test can fail). The same
 * during a full deploy from the editor, made long by a test node that takes 1.5 s to close: the
 * endpoint's delivery is held, another path is not. And a delivery the flows were handling when
 * a full deploy stopped them is answered 503 at once (it used to wait for the farm's timeout), and
 * so is one whose upload node alone a partial deploy (Deploy ▸ Modified Nodes) restarted.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emulator } from '../../emulator/index.js';
import { ShotGridClient } from '../../lib/index.js';
import { endpointMatches, httpInEndpoint } from '../../nodes/shared/http-start-hold.js';
import { farmNodeRed } from './farm-node-red.js';
import type { FlowNode } from './helper-types.js';
import { startSite } from './harness.js';

const root = process.env.SG_ROOT ?? join(__dirname, '..', '..', '..');
const LOAD_DELAY_MS = 1500;
const CLOSE_MS = 1500;

let emulator: Emulator;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sg-http-hold-'));
  emulator = await startSite();
});

after(async () => {
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  retryAfter: string | null;
  text: string;
  /** From sending the request to its answer. */
  ms: number;
  /** When the answer came (ms since the epoch). */
  at: number;
}

/** POSTs a JSON body and records the answer; rejects when nothing listens. */
async function post(url: string, body = '{}'): Promise<Answer> {
  const sent = Date.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await res.text();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), text, ms: Date.now() - sent, at: Date.now() };
}


/**
 * Starts Node-RED with a slow flows load and posts an empty job to example 1's endpoint every
 * 10 ms from the moment it listens until the flow answers it (400): every answer, in order.
 */
async function answersDuringStart(name: string, settings: Record<string, unknown>): Promise<{ answers: Answer[]; logs: string }> {
  const farm = await farmNodeRed({ root, site: emulator, userDir: join(dir, name), mediaDir: join(dir, 'media'), settings, flowsLoadDelayMs: LOAD_DELAY_MS });
  const answers: Answer[] = [];
  const starting = farm.start();
  const deadline = Date.now() + 60_000;
  try {
    while (Date.now() < deadline) {
      try {
        const answer = await post(farm.endpoint);
        answers.push(answer);
        if (answer.status === 400) break;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await starting;
  } finally {
    await farm.stop();
  }
  return { answers, logs: farm.logs() };
}

test('a delivery while Node-RED starts its flows is held, then answered by the flow: never 404', async () => {
  const { answers } = await answersDuringStart('held', {});
  assert.deepEqual(answers.map((a) => a.status), [400], JSON.stringify(answers));
  assert.match(answers[0]!.text, /shot/i, 'the flow itself answered (the empty job has no shot)');
  // Sent as soon as Node-RED listened, well before its flows file was read.
  assert.ok(answers[0]!.ms >= 500, `the delivery was held (${answers[0]!.ms} ms)`);
});

test('a start longer than the hold: the delivery is answered 503 with Retry-After, which a farm retries', async () => {
  const { answers, logs } = await answersDuringStart('short-hold', { shotgridSiteHttpStartHold: 300 });
  const refused = answers.filter((a) => a.status === 503);
  assert.ok(refused.length >= 1, JSON.stringify(answers));
  assert.equal(refused[0]!.retryAfter, '5');
  assert.match(refused[0]!.text, /starting its flows/);
  assert.ok(refused[0]!.ms >= 250, `held for the hold first (${refused[0]!.ms} ms)`);
  assert.ok(!answers.some((a) => a.status === 404), JSON.stringify(answers));
  assert.equal(answers.at(-1)!.status, 400, 'then the flow answers');
  assert.match(logs, /POST \/farm\/job-finished: answered 503 \(Retry-After 5 s\), the flows did not start within 300 ms/, 'said in the log');
});

test('with the hold off (shotgridSiteHttpStartHold 0), Node-RED answers 404 while its flows start', async () => {
  const { answers } = await answersDuringStart('no-hold', { shotgridSiteHttpStartHold: 0 });
  assert.ok(answers.some((a) => a.status === 404), JSON.stringify(answers.map((a) => a.status)));
  assert.equal(answers.at(-1)!.status, 400);
});

/** A node type that takes CLOSE_MS to close: a deploy's stop lasts that long. */
function slowCloseNodes(): string {
  const nodes = join(dir, 'slow-close-node');
  mkdirSync(nodes, { recursive: true });
  writeFileSync(join(nodes, 'slow-close.js'), [
    'module.exports = function (RED) {',
    '  function SlowClose(config) { RED.nodes.createNode(this, config); this.on("close", (done) => setTimeout(done, config.ms)); }',
    '  RED.nodes.registerType("slow-close", SlowClose);',
    '};',
    '',
  ].join('\n'));
  writeFileSync(join(nodes, 'slow-close.html'), '<script type="text/javascript">RED.nodes.registerType("slow-close",{category:"function",defaults:{ms:{value:1500}},inputs:0,outputs:0});</script>\n');
  return nodes;
}

/** During a full deploy of the same flows: the answer to an empty job and to a path no flow has. */
async function answersDuringDeploy(name: string, settings: Record<string, unknown>): Promise<{ job: Answer; other: Answer; deployed: number }> {
  const farm = await farmNodeRed({
    root, site: emulator, userDir: join(dir, name), mediaDir: join(dir, 'media'), settings,
    adminRoot: '/admin', extraNodesDir: slowCloseNodes(), extraFlowNodes: [{ id: 'slow-close-1', type: 'slow-close', ms: CLOSE_MS }],
  });
  await farm.start();
  try {
    const deploying = farm.deploy();
    // The stop is under way (the HTTP-in route is gone) and lasts CLOSE_MS.
    await new Promise((r) => setTimeout(r, 300));
    const [job, other] = await Promise.all([post(farm.endpoint), post(`http://127.0.0.1:${farm.port}/no/such/endpoint`)]);
    return { job, other, deployed: (await deploying).status };
  } finally {
    await farm.stop();
  }
}

test('a delivery during a full deploy is held until the new flows run; a path no flow has is not held', async () => {
  const { job, other, deployed } = await answersDuringDeploy('deploy-held', {});
  assert.equal(deployed, 204);
  assert.equal(job.status, 400, JSON.stringify(job));
  assert.ok(job.ms >= 500, `held while the flows stopped and started (${job.ms} ms)`);
  assert.equal(other.status, 404);
  assert.ok(other.ms < 500, `not held (${other.ms} ms)`);
});

test('with the hold off, a delivery during a full deploy is answered 404', async () => {
  const { job } = await answersDuringDeploy('deploy-no-hold', { shotgridSiteHttpStartHold: 0 });
  assert.equal(job.status, 404, JSON.stringify(job));
});

/**
 * Example 1 uploading a 12 MiB movie at 2 MiB/s (~6 s) when a deploy of `type` lands 2 s in:
 * the cut-off delivery's answer, how long after the deploy it came, then the job sent again.
 */
async function deliveryCutOffByDeploy(name: string, type: 'full' | 'nodes', edit?: (flows: FlowNode[]) => void): Promise<void> {
  // Its own site: storage at 2 MiB/s per connection, so a 12 MiB movie takes ~6 s to send.
  const site = await startSite({ shaping: { storageBandwidth: 2 * 1024 * 1024 } });
  const sg = new ShotGridClient({ site: site.url, auth: { scriptName: site.credentials.scriptName, scriptKey: site.credentials.scriptKey } });
  const studio = join(dir, `${name}-studio`);
  mkdirSync(join(studio, 'media'), { recursive: true });
  writeFileSync(join(studio, 'media', 'bbb_010_0010_comp_v301.mov'), Buffer.alloc(12 * 1024 * 1024, 7));
  await sg.create('LocalStorage', { code: 'farm media', linux_path: studio, mac_path: studio });
  const farm = await farmNodeRed({ root, site, userDir: join(dir, name), mediaDir: studio, adminRoot: '/admin' });
  await farm.start();
  try {
    const job = JSON.stringify({ shot: 'bbb_010_0010', movie: 'media/bbb_010_0010_comp_v301.mov', frames: '1001-1100' });
    const first = post(farm.endpoint, job);
    await new Promise((r) => setTimeout(r, 2000));
    const deployedAt = Date.now();
    const deployed = await farm.deploy(type, edit);
    assert.equal(deployed.status, 204);
    const cut = await Promise.race([first, new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000))]);
    assert.ok(cut, `the first delivery got no answer within 10 s of the deploy:\n${farm.logs()}`);
    assert.equal(cut.status, 503, JSON.stringify(cut));
    assert.equal(cut.retryAfter, '5');
    assert.ok(cut.at - deployedAt < 5000, `answered ${cut.at - deployedAt} ms after the deploy`);
    assert.match(farm.logs(), /POST \/farm\/job-finished: answered 503 \(Retry-After 5 s\)/);
    const again = await post(farm.endpoint, job);
    assert.equal(again.status, 200, JSON.stringify(again));
    assert.equal((JSON.parse(again.text) as { status: string }).status, 'published');
    const versions = await sg.find('Version', [['code', 'is', 'bbb_010_0010_comp_v301']], { fields: ['sg_uploaded_movie'] });
    assert.equal(versions.length, 1);
    assert.ok(versions[0]!.sg_uploaded_movie, 'the Version holds the movie');
    assert.equal(site.counters.snapshot().multipartOpen, 0, 'an upload was left open');
  } finally {
    await farm.stop();
    await sg.close();
    await site.close();
  }
}

test('a delivery the flows were uploading when a full deploy stopped them is answered 503 at once; sent again, it publishes', async () => {
  await deliveryCutOffByDeploy('deploy-in-flight', 'full');
});

test('a delivery whose upload node a partial deploy (modified nodes) restarted is answered 503 at once; sent again, it publishes', async () => {
  // Only the upload node changes: the HTTP-in node, the Catch nodes and the reply keep running.
  await deliveryCutOffByDeploy('deploy-modified', 'nodes', (flows) => {
    const upload = flows.find((n) => n.id === 'ex1-upload');
    assert.ok(upload, 'example 1 has no ex1-upload node');
    upload.name = 'upload the movie (edited)';
  });
});

test('which requests an HTTP-in endpoint takes, as Express matches them', () => {
  const job = httpInEndpoint('/farm/job-finished', 'post');
  assert.ok(endpointMatches(job, 'POST', '/farm/job-finished'));
  assert.ok(endpointMatches(job, 'post', '/Farm/Job-Finished/'));
  assert.ok(!endpointMatches(job, 'GET', '/farm/job-finished'));
  assert.ok(!endpointMatches(job, 'POST', '/farm/job-finished/extra'));
  assert.ok(!endpointMatches(job, 'POST', '/farm'));
  const byId = httpInEndpoint('jobs/:id', 'get');
  assert.ok(endpointMatches(byId, 'GET', '/jobs/42'));
  assert.ok(endpointMatches(byId, 'HEAD', '/jobs/42'));
  assert.ok(!endpointMatches(byId, 'GET', '/jobs'));
  const optional = httpInEndpoint('/jobs/:id?', 'get');
  assert.ok(endpointMatches(optional, 'GET', '/jobs'));
  const files = httpInEndpoint('/files/*', 'get');
  assert.ok(endpointMatches(files, 'GET', '/files/a/b.mov'));
  assert.ok(!endpointMatches(files, 'GET', '/other/a'));
  const prefix = httpInEndpoint('/take*', 'get');
  assert.ok(endpointMatches(prefix, 'GET', '/takes/1'));
  assert.ok(!endpointMatches(prefix, 'GET', '/give'));
});
