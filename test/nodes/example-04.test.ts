/**
 * Example 4 (farm jobs over MQTT, shared by several Node-REDs): its broker settings (MQTT v5,
 * shared subscription, QoS 1, persistent session, everything that differs per worker or is
 * secret from the environment or the credentials), then the flow run on the emulator: first
 * with its MQTT nodes swapped for helper nodes, then — when a Mosquitto binary is on this
 * machine — end to end through a real broker (`scripts/mqtt/start.sh`).
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import type { Emulator } from '../../emulator/index.js';
import { ShotGridClient } from '../../lib/index.js';
import findNode from '../../nodes/shotgrid-find.js';
import siteNode from '../../nodes/shotgrid-site.js';
import uploadNode from '../../nodes/shotgrid-upload.js';
import writeNode from '../../nodes/shotgrid-write.js';
import { coreNodeModule, helper, inputs, nextInput, startSite, type Msg } from './harness.js';
import type { FlowNode } from './helper-types.js';

const root = process.env.SG_ROOT ?? join(__dirname, '..', '..', '..');
const FILE = '04 Farm jobs over MQTT (shared).json';
const nodes = JSON.parse(readFileSync(join(root, 'examples', FILE), 'utf8')) as FlowNode[];
const byType = (type: string): FlowNode[] => nodes.filter((n) => n.type === type);
const modules = [
  siteNode, findNode, writeNode, uploadNode,
  ...['common/20-inject.js', 'common/90-comment.js', 'common/60-link.js', 'function/10-function.js', 'function/15-change.js', 'function/10-switch.js', 'network/10-mqtt.js'].map(coreNodeModule),
];

interface Result {
  jobId: string;
  status: 'published' | 'rejected' | 'failed';
  version?: { type: string; id: number };
  created?: boolean;
  skipped?: boolean;
  reason?: string;
  retryable?: boolean;
  code?: string;
}

describe('example 04: settings', () => {
  test('jobs come through the shared subscription $share/sg-publish/farm/jobs/finished at QoS 1 as JSON', () => {
    const [jobsIn, ...others] = byType('mqtt in');
    assert.equal(others.length, 0);
    assert.equal(jobsIn!.topic, '$share/sg-publish/farm/jobs/finished');
    assert.equal(jobsIn!.qos, '1');
    assert.equal(jobsIn!.datatype, 'json');
  });

  test('the broker is MQTT v5 with a persistent session; host, port and client id come from the environment, no credentials in the flow', () => {
    const [broker, ...others] = byType('mqtt-broker');
    assert.equal(others.length, 0);
    assert.equal(broker!.protocolVersion, '5');
    assert.equal(broker!.cleansession, false, 'clean start must be off so the session outlives a restart');
    assert.ok(Number(broker!.sessionExpiry) > 0, 'a v5 session without expiry ends with the connection');
    assert.equal(broker!.broker, '${FARM_MQTT_HOST}');
    assert.equal(broker!.port, '${FARM_MQTT_PORT}');
    assert.equal(broker!.clientid, '${FARM_WORKER_ID}');
    assert.equal(broker!.credentials, undefined);
    assert.ok(!/"(user|password|username)"\s*:/.test(JSON.stringify(nodes)), 'the flow text names a broker user or password');
  });

  test('results go out at QoS 1 to the topic the flow sets: farm/jobs/<jobId>/result', () => {
    const [out, ...others] = byType('mqtt out');
    assert.equal(others.length, 0);
    assert.equal(out!.topic, '', 'a fixed topic would override msg.topic');
    assert.equal(out!.qos, '1');
    assert.ok(nodes.some((n) => n.type === 'change' && JSON.stringify(n.rules).includes('\\"farm/jobs/\\" & payload.jobId & \\"/result\\"')));
  });
});

/** Jobs' movies, under the helper's fileWorkingDirectory. */
function writeMovie(workDir: string, jobId: string, bytes: number): string {
  const rel = join('media', `${jobId}.mov`);
  mkdirSync(join(workDir, 'media'), { recursive: true });
  writeFileSync(join(workDir, rel), Buffer.alloc(bytes, jobId));
  return rel;
}

describe('example 04: run on the emulator', () => {
  let emulator: Emulator;
  let sg: ShotGridClient;
  let workDir: string;
  let shot: { code: string; id: number };
  const credentials = (extra: Record<string, Record<string, string>> = {}) => ({
    'ex4-site': { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey },
    ...extra,
  });

  before(async () => {
    emulator = await startSite();
    process.env.SHOTGRID_SITE = emulator.url;
    sg = new ShotGridClient({ site: emulator.url, auth: { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey } });
    const found = await sg.findOne('Shot', [], { fields: ['code'], sort: 'id' });
    shot = { code: String(found!.code), id: found!.id };
    workDir = mkdtempSync(join(tmpdir(), 'sg-node-example4-'));
    process.env.FARM_MEDIA_ROOT = workDir;
    // One attempt per request: the failure case below should not wait through the backoff.
    helper.settings({ fileWorkingDirectory: workDir, shotgridSiteRetries: 0 });
  });
  after(async () => {
    delete process.env.SHOTGRID_SITE;
    delete process.env.FARM_MEDIA_ROOT;
    await sg.close();
    await emulator.close();
    rmSync(workDir, { recursive: true, force: true });
  });
  afterEach(() => helper.unload());

  async function versionsOf(jobId: string): Promise<Array<Record<string, unknown>>> {
    return sg.find('Version', [['code', 'is', jobId]], { fields: ['code', 'entity', 'sg_uploaded_movie', 'frame_range'] });
  }

  test('without a broker (MQTT nodes swapped for helper nodes): published, published again with the same Version, rejected, failed', async () => {
    const tab = { id: 'ex4-tab', type: 'tab', label: FILE };
    const flow: FlowNode[] = [tab, ...nodes.filter((n) => n.type !== 'mqtt in' && n.type !== 'mqtt-broker').map((n) =>
      n.type === 'mqtt out' || n.type === 'debug' ? { id: n.id, type: 'helper', z: tab.id } : n.z === undefined ? n : { ...n, z: tab.id })];
    await helper.load(modules, flow, credentials());
    const out = helper.getNode('ex4-result-out');
    const run = async (payload: unknown): Promise<{ msg: Msg; result: Result }> => {
      const next = nextInput(out, 20_000);
      helper.getNode('ex4-check-job').receive({ payload });
      const msg = await next;
      return { msg, result: msg.payload as Result };
    };

    const jobId = 'ex4_job_0001';
    const movie = writeMovie(workDir, jobId, 3000);
    const first = await run({ jobId, shot: shot.code, movie, frames: '1001-1010' });
    assert.equal(first.result.status, 'published', JSON.stringify(first.result));
    assert.equal(first.msg.topic, `farm/jobs/${jobId}/result`);
    const second = await run({ jobId, shot: shot.code, movie, frames: '1001-1010' });
    assert.equal(second.result.status, 'published', JSON.stringify(second.result));
    assert.deepEqual(second.result.version, first.result.version, 'the job delivered again made another Version');
    assert.equal(first.result.created, true);
    assert.equal(second.result.created, false);
    assert.equal(first.result.skipped, false);
    assert.equal(second.result.skipped, true, 'the movie was sent again');
    const versions = await versionsOf(jobId);
    assert.equal(versions.length, 1);
    assert.equal((versions[0]!.entity as { id: number }).id, shot.id);
    assert.equal((versions[0]!.sg_uploaded_movie as { name?: string }).name, `${jobId}.mov`);
    assert.equal(versions[0]!.frame_range, '1001-1010');

    // The same job twice at the same moment: find-or-create still leaves one Version.
    const twinId = 'ex4_job_twin';
    const twinMovie = writeMovie(workDir, twinId, 2000);
    const twins = inputs(out, 2, 20_000);
    for (let i = 0; i < 2; i++) helper.getNode('ex4-check-job').receive({ payload: { jobId: twinId, shot: shot.code, movie: twinMovie, frames: '1-2' } });
    const [a, b] = (await twins).map((m) => m.payload as Result);
    assert.deepEqual([a!.status, b!.status], ['published', 'published'], JSON.stringify([a, b]));
    assert.deepEqual(a!.version, b!.version);
    assert.equal((await versionsOf(twinId)).length, 1);

    const unknownShot = await run({ jobId: 'ex4_job_0002', shot: 'no_such_shot', movie, frames: '1-2' });
    assert.deepEqual(unknownShot.result, { jobId: 'ex4_job_0002', status: 'rejected', reason: 'no Shot with code no_such_shot' });
    const noMovie = await run({ jobId: 'ex4_job_0003', shot: shot.code });
    assert.deepEqual(noMovie.result, { jobId: 'ex4_job_0003', status: 'rejected', reason: 'missing movie' });
    const notJson = await run('not a job');
    assert.deepEqual(notJson.result, { jobId: 'unknown', status: 'rejected', reason: 'the job is not a JSON object' });
    assert.equal(notJson.msg.topic, 'farm/jobs/unknown/result');
    assert.deepEqual(await versionsOf('ex4_job_0002'), []);
    assert.deepEqual(await versionsOf('ex4_job_0003'), []);

    // Every job above has its result out: none is left noted as in progress.
    const flowContext = (helper.getNode('ex4-check-job') as unknown as { context(): { flow: { get(key: string): unknown; set(key: string, value: unknown): void } } }).context().flow;
    assert.deepEqual(flowContext.get('farmJobs'), {});

    // A job noted as in progress when the worker stopped runs again at the next start.
    const cutOff = { jobId: 'ex4_job_cut_off', shot: shot.code, movie: writeMovie(workDir, 'ex4_job_cut_off', 4000), frames: '1-3' };
    flowContext.set('farmJobs', { [cutOff.jobId]: { job: cutOff, run: 'an earlier start' } });
    const resumed = nextInput(out, 20_000);
    helper.getNode('ex4-restart').receive({});
    const resumedResult = (await resumed).payload as Result;
    assert.equal(resumedResult.jobId, cutOff.jobId);
    assert.equal(resumedResult.status, 'published', JSON.stringify(resumedResult));
    assert.equal((await versionsOf(cutOff.jobId)).length, 1);
    assert.deepEqual(flowContext.get('farmJobs'), {});

    // A movie that is not there: rejected before anything is created.
    const missingFile = await run({ jobId: 'ex4_job_0004', shot: shot.code, movie: 'media/not-rendered.mov' });
    assert.deepEqual(missingFile.result, { jobId: 'ex4_job_0004', status: 'rejected', reason: 'movie not found: media/not-rendered.mov' });
    assert.deepEqual(await versionsOf('ex4_job_0004'), []);

    // The site fails the upload (a 503 on asking for the upload link): failed, retryable, and the
    // Version this delivery created is retired, so no Version is left without its movie.
    emulator.faults.script({ route: 'upload_init', kind: 'http503', count: 5 });
    const outage = await run({ jobId: 'ex4_job_0005', shot: shot.code, movie: writeMovie(workDir, 'ex4_job_0005', 1000) });
    emulator.faults.clear();
    assert.equal(outage.result.status, 'failed', JSON.stringify(outage.result));
    assert.equal(outage.result.retryable, true);
    assert.equal(outage.result.code, 'SG_SERVER');
    assert.match(String(outage.result.reason), /^Service Unavailable \(GET .* → 503 Service Unavailable\)$/);
    assert.deepEqual(await versionsOf('ex4_job_0005'), [], 'a movie-less Version was left behind');
  });

  const mosquitto = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto'].find((p) => existsSync(p));
  test('through a real Mosquitto broker: a job published on farm/jobs/finished comes back as its result', { skip: mosquitto ? false : 'no mosquitto binary on this machine (npm run mqtt:install installs it; npm run test:scale covers this path)' }, async () => {
    const port = await freePort();
    const state = mkdtempSync(join(tmpdir(), 'sg-mqtt-ex4-'));
    const env = { ...process.env, MQTT_PORT: String(port), MQTT_STATE_DIR: state };
    const started = spawnSync('bash', [join(root, 'scripts', 'mqtt', 'start.sh')], { env, encoding: 'utf8' });
    assert.equal(started.status, 0, started.stderr);
    const broker = JSON.parse(started.stdout.trim().split('\n').pop()!) as { url: string; username: string; password: string };
    let farm: MqttClient | undefined;
    try {
      process.env.FARM_MQTT_HOST = '127.0.0.1';
      process.env.FARM_MQTT_PORT = String(port);
      process.env.FARM_WORKER_ID = 'sg-publish-test-worker';
      const tab = { id: 'ex4-tab', type: 'tab', label: FILE };
      const flow: FlowNode[] = [tab, ...nodes.map((n) => (n.type === 'debug' ? { id: n.id, type: 'helper', z: tab.id } : n.z === undefined ? n : { ...n, z: tab.id }))];
      farm = await connectAsync(broker.url, { protocolVersion: 5, username: broker.username, password: broker.password, clientId: 'farm-test', clean: true });
      await farm.subscribeAsync('farm/jobs/+/result', { qos: 1 });
      const results: Result[] = [];
      farm.on('message', (_topic, payload) => results.push(JSON.parse(payload.toString()) as Result));
      await helper.load(modules, flow, credentials({ 'ex4-broker': { user: broker.username, password: broker.password } }));
      const jobIn = helper.getNode('ex4-jobs-in');
      await waitForStatus(jobIn, 'connected', 15_000);

      const jobId = 'ex4_mqtt_0001';
      const movie = writeMovie(workDir, jobId, 5000);
      // The worker subscribes right after it connects: until then the broker drops the job, so the
      // farm publishes it again until a result comes back, as a farm does after its deadline.
      const job = JSON.stringify({ jobId, shot: shot.code, movie, frames: '1-5' });
      const deadline = Date.now() + 20_000;
      for (let sent = 0; results.length === 0 && Date.now() < deadline; sent++) {
        if (sent % 40 === 0) await farm.publishAsync('farm/jobs/finished', job, { qos: 1 });
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(results.length >= 1, 'no result arrived on farm/jobs/+/result');
      assert.equal(results[0]!.status, 'published', JSON.stringify(results[0]));
      assert.equal(results[0]!.jobId, jobId);
      assert.equal((await versionsOf(jobId)).length, 1);
    } finally {
      delete process.env.FARM_MQTT_HOST;
      delete process.env.FARM_MQTT_PORT;
      delete process.env.FARM_WORKER_ID;
      await farm?.endAsync().catch(() => undefined);
      await helper.unload();
      spawnSync('bash', [join(root, 'scripts', 'mqtt', 'stop.sh')], { env, encoding: 'utf8' });
      if (process.env.SG_KEEP_MQTT_LOG) console.log(readFileSync(join(state, 'mosquitto.log'), 'utf8'));
      rmSync(state, { recursive: true, force: true });
    }
  });
});

/** A port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Waits until the node's latest status text mentions `text` (the MQTT nodes show "connected"). */
async function waitForStatus(node: { status: { args: unknown[][] } }, text: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  const latest = (): string => String((node.status.args.at(-1)?.[0] as { text?: string } | undefined)?.text ?? '');
  while (!latest().includes(text)) {
    if (Date.now() > deadline) throw new Error(`the MQTT node did not report ${text} within ${ms} ms (last status: ${latest()})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
