/**
 * shotgrid-thumbnail-wait against the emulator: output 1 with the signed URL once the
 * transcode finished, output 2 with the reason (timeout, failed), one message per entity for a
 * list, msg.payload when msg.entity is absent, and a redeploy ending a wait at once.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emulator } from '../../emulator/index.js';
import { isTransientImageUrl, ShotGridClient } from '../../lib/index.js';
import siteNode from '../../nodes/shotgrid-site.js';
import waitNode from '../../nodes/shotgrid-thumbnail-wait.js';
import { catchNodes, delay, expectSilence, flowWith, helper, inputs, nextInput, scriptCredentials, startSite, statuses, waitFor } from './harness.js';

describe('shotgrid-thumbnail-wait', () => {
  let emulator: Emulator;
  let sg: ShotGridClient;
  let dir: string;
  let project: { type: string; id: number };

  /** A Version with a movie just uploaded: its thumbnail is pending for `transcodeDelay`. */
  const versionWithMovie = async (code: string) => {
    const v = await sg.create('Version', { code, project });
    await sg.upload({ type: 'Version', id: v.id, field: 'sg_uploaded_movie' }, join(dir, 'clip.mov'));
    return { type: 'Version', id: v.id };
  };

  before(async () => {
    emulator = await startSite({ transcodeDelay: 300 });
    sg = new ShotGridClient({ site: emulator.url, auth: { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey } });
    const [p] = await sg.find('Project', null, { limit: 1 });
    project = { type: 'Project', id: p!.id };
    dir = mkdtempSync(join(tmpdir(), 'sg-node-thumb-'));
    writeFileSync(join(dir, 'clip.mov'), Buffer.alloc(64 * 1024, 1));
    writeFileSync(join(dir, 'still.png'), Buffer.alloc(8 * 1024, 2));
    helper.settings({ shotgridThumbnailWaitInterval: 50 });
  });
  after(async () => {
    await sg.close();
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
    emulator.configure({ transcodeDelay: 300, transcodeFail: false });
  });

  const waitFlow = (props: Record<string, unknown> = {}) =>
    flowWith(emulator, [
      { id: 'wait', type: 'shotgrid-thumbnail-wait', site: 'site1', entities: 'entity', entitiesType: 'msg', field: 'image', fieldType: 'str', timeout: '10', timeoutType: 'num', wires: [['ready'], ['late']], ...props },
      { id: 'ready', type: 'helper' },
      { id: 'late', type: 'helper' },
      ...catchNodes(),
    ]);

  test('output 1: the signed URL once the thumbnail is ready (it was pending when the wait began)', async () => {
    const version = await versionWithMovie('nt_ready');
    const pending = await sg.findOne('Version', [['id', 'is', version.id]], { fields: ['image'] });
    assert.ok(isTransientImageUrl(pending?.image), 'the thumbnail was not pending at the start');
    await helper.load([siteNode, waitNode], waitFlow(), scriptCredentials(emulator));
    const got = nextInput(helper.getNode('ready'));
    helper.getNode('wait').receive({ entity: version, topic: 'kept' });
    const msg = await got;
    assert.equal(typeof msg.payload, 'string');
    assert.match(msg.payload as string, /^http/);
    assert.equal(isTransientImageUrl(msg.payload), false);
    assert.deepEqual([msg.entity, msg.topic], [version, 'kept']);
    const image = await fetch(msg.payload as string);
    assert.equal(image.status, 200);
    assert.match(image.headers.get('content-type') ?? '', /^image\//);
    // The site's connection state comes first (connecting, connected); the message's own after it.
    const seen = statuses(helper.getNode('wait')).filter((s) => !String(s.text).startsWith('shotgrid-site.status.'));
    assert.deepEqual(seen[0], { fill: 'blue', shape: 'dot', text: 'shotgrid-thumbnail-wait.status.waiting' });
    assert.deepEqual(seen.at(-1), { fill: 'green', shape: 'dot', text: 'shotgrid-thumbnail-wait.status.ready' });
  });

  test('a list from msg.payload: one message per entity, each on the output of its outcome (timeout → output 2)', async () => {
    const fast = await versionWithMovie('nt_fast');
    // Never uploaded: its thumbnail never appears, so the wait times out.
    const slow = { type: 'Version', id: (await sg.create('Version', { code: 'nt_never', project })).id };
    await helper.load([siteNode, waitNode], waitFlow({ timeout: '0.8' }), scriptCredentials(emulator));
    const ready = nextInput(helper.getNode('ready'));
    const late = nextInput(helper.getNode('late'));
    helper.getNode('wait').receive({ payload: [{ ...fast, code: 'nt_fast' }, slow] });
    const [r, l] = await Promise.all([ready, late]);
    assert.deepEqual(r.entity, fast);
    assert.match(r.payload as string, /^http/);
    assert.deepEqual([l.entity, l.payload, l.reason], [slow, slow, 'timeout']);
    assert.deepEqual(statuses(helper.getNode('wait')).at(-1), { fill: 'yellow', shape: 'ring', text: 'shotgrid-thumbnail-wait.status.notReady' });
  });

  test('a failed transcode goes to output 2 with reason "failed"', async () => {
    // Long enough for the wait to see the placeholder first: a null field counts as failed only after that.
    emulator.configure({ transcodeFail: true, transcodeDelay: 800 });
    const version = await versionWithMovie('nt_failed');
    await helper.load([siteNode, waitNode], waitFlow(), scriptCredentials(emulator));
    const late = nextInput(helper.getNode('late'));
    helper.getNode('wait').receive({ entity: version });
    const msg = await late;
    assert.equal(msg.reason, 'failed');
  });

  test('"an empty field is a failure at once": a transcode that failed before the first poll is failed, not timed out', async () => {
    emulator.configure({ transcodeFail: true, transcodeDelay: 1 });
    const version = await versionWithMovie('nt_failed_early');
    await waitFor(async () => (await sg.findOne('Version', [['id', 'is', version.id]], { fields: ['image'] }))?.image === null);
    // Without the option this wait would end as "timeout" after 3 s (the placeholder was never seen).
    await helper.load([siteNode, waitNode], waitFlow({ timeout: '3', emptyIsFailure: true }), scriptCredentials(emulator));
    const late = nextInput(helper.getNode('late'));
    helper.getNode('wait').receive({ entity: version });
    assert.equal((await late).reason, 'failed');
  });

  test('several entities of two types from a JSONata list are all answered', async () => {
    const a = await versionWithMovie('nt_many_a');
    const [shot] = await sg.find('Shot', null, { limit: 1 });
    await sg.upload({ type: 'Shot', id: shot!.id, field: 'image' }, join(dir, 'still.png'));
    const b = { type: 'Shot', id: shot!.id };
    await helper.load([siteNode, waitNode], waitFlow({ entities: '[va, vb]', entitiesType: 'jsonata' }), scriptCredentials(emulator));
    const got = inputs(helper.getNode('ready'), 2);
    helper.getNode('wait').receive({ va: a, vb: b });
    const msgs = await got;
    assert.deepEqual(msgs.map((m) => m.entity).sort((x, y) => String((x as { type: string }).type).localeCompare((y as { type: string }).type)), [b, a]);
  });

  test('a redeploy during a wait ends it at once; nothing is sent or caught; the status is cleared', async () => {
    emulator.configure({ transcodeDelay: 60_000 });
    const version = await versionWithMovie('nt_redeploy');
    const flow = waitFlow({ timeout: '60' });
    await helper.load([siteNode, waitNode], flow, scriptCredentials(emulator));
    const wait = helper.getNode('wait');
    const silent = [expectSilence(helper.getNode('ready'), 800), expectSilence(helper.getNode('late'), 800), expectSilence(helper.getNode('caught'), 800)];
    wait.receive({ entity: version });
    await waitFor(() => statuses(wait).length > 0, 5000, 'the wait to start');
    await delay(150);
    const started = Date.now();
    await helper.setFlows(flow, 'full', scriptCredentials(emulator));
    assert.ok(Date.now() - started < 1000, `the redeploy took ${Date.now() - started} ms`);
    await Promise.all(silent);
    assert.deepEqual(statuses(wait).at(-1), {});
  });
});
