/**
 * A redeploy while 10 uploads are in flight (storage slowed by the emulator's shaping so every
 * upload is mid-transfer): the upload node's close finishes (its done callback runs) with every
 * upload settled, not cut off by the close deadline; every multipart upload is aborted on the site
 * (multipartOpen back to 0); nothing reaches the output or a Catch node; and no socket, timer or
 * file handle is left behind (`process.getActiveResourcesInfo()` as before the uploads). The
 * emulator runs on a worker thread so that only this thread's resources — Node-RED's and the
 * nodes' — are counted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShotGridClient } from '../../lib/index.js';
import siteNode from '../../nodes/shotgrid-site.js';
import uploadNode from '../../nodes/shotgrid-upload.js';
import { CLOSE_WAIT_MS } from '../../nodes/shared/message-handler.js';
import { startEmulatorThread, type ThreadedEmulator } from './emulator-thread.js';
import { catchNodes, delay, expectSilence, helper, SITE, statuses, TAB, waitFor } from './harness.js';

const MiB = 1024 * 1024;
const UPLOADS = 10;

/** Active handles and requests by kind, e.g. `{ TCPSocketWrap: 3, Timeout: 1 }`. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/** Kinds whose count grew from `before` to `now`. */
function grown(before: Record<string, number>, now: Record<string, number>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [kind, n] of Object.entries(now)) if (n > (before[kind] ?? 0)) out[kind] = `${before[kind] ?? 0} → ${n}`;
  return out;
}

describe('shotgrid-upload: redeploy during 10 concurrent uploads', () => {
  let emulator: ThreadedEmulator;
  let workDir: string;
  const versions: Array<{ type: string; id: number }> = [];

  before(async () => {
    emulator = await startEmulatorThread({ transcodeDelay: 200 });
    const sg = new ShotGridClient({ site: emulator.url, auth: { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey } });
    const [project] = await sg.find('Project', null, { limit: 1 });
    for (let i = 0; i < UPLOADS; i++) {
      const v = await sg.create('Version', { code: `redeploy_${i}`, project: { type: 'Project', id: project!.id } });
      versions.push({ type: 'Version', id: v.id });
    }
    await sg.close();
    workDir = mkdtempSync(join(tmpdir(), 'sg-node-redeploy-'));
    // Three 5 MiB parts each (multipart), in memory-cheap content.
    for (let i = 0; i < UPLOADS; i++) writeFileSync(join(workDir, `clip${i}.mov`), Buffer.alloc(11 * MiB, i));
    helper.settings({ fileWorkingDirectory: workDir, shotgridUploadPartSize: 5 * MiB, shotgridUploadMultipartThreshold: 5 * MiB, shotgridUploadConcurrency: 2 });
  });
  after(async () => {
    await helper.unload();
    await emulator?.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  test('every upload is aborted before the close is done; no orphan multipart upload, no socket or timer left', async () => {
    const credentials = { [SITE]: { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey } };
    const flow = [
      { id: TAB, type: 'tab', label: 'test' },
      { id: SITE, type: 'shotgrid-site', name: 'emulator', site: emulator.url, authType: 'script' },
      { id: 'upload', z: TAB, type: 'shotgrid-upload', site: 'site1', target: 'entity', targetType: 'msg', field: 'sg_uploaded_movie', fieldType: 'sgfield', filename: 'filename', filenameType: 'msg', displayName: '', displayNameType: 'str', tags: '', tagsType: 'json', concurrent: 0, wires: [['out']] },
      { id: 'out', z: TAB, type: 'helper' },
      ...catchNodes(),
    ];
    await helper.load([siteNode, uploadNode], flow, credentials);
    // Baseline: the flows deployed and idle (the site's client is made on first use).
    await delay(200);
    const baseline = resources();

    await emulator.configure({ shaping: { storageBandwidth: 256 * 1024 } });
    const upload = helper.getNode('upload');
    const warnings: string[] = [];
    upload.on('call:warn', (call: { args: unknown[] }) => warnings.push(String(call.args[0])));
    const silentOut = expectSilence(helper.getNode('out'), 2000);
    const silentCatch = expectSilence(helper.getNode('caught'), 2000);
    for (let i = 0; i < UPLOADS; i++) upload.receive({ entity: versions[i], filename: `clip${i}.mov` });
    await waitFor(async () => (await emulator.snapshot()).multipartOpen === UPLOADS, 20_000, `${UPLOADS} multipart uploads to start`);
    // Every upload is now sending parts to the slowed storage.
    await delay(300);
    assert.equal((await emulator.snapshot()).completions, 0, 'an upload finished before the redeploy');

    // Time the upload node's own close (the runtime calls node.close(); it resolves once done() ran).
    const node = upload as unknown as { close(removed: boolean): Promise<void> };
    const close = node.close.bind(node);
    let closeMs = -1;
    let openAtDone = -1;
    node.close = async (removed: boolean) => {
      const started = Date.now();
      await close(removed);
      closeMs = Date.now() - started;
      openAtDone = (await emulator.snapshot()).multipartOpen;
    };
    await helper.setFlows(flow, 'full', credentials);
    await emulator.configure({ shaping: { storageBandwidth: 0 } });

    assert.ok(closeMs >= 0, 'the upload node\'s close was not called or its done never ran');
    // The node gives up waiting at CLOSE_WAIT_MS and says so: no warning means all had settled.
    assert.deepEqual(warnings.filter((w) => /still running/.test(w)), [], 'uploads were still running when the close gave up waiting');
    assert.ok(closeMs < CLOSE_WAIT_MS + 500, `the close took ${closeMs} ms`);
    assert.equal(openAtDone, 0, 'multipart uploads were still open on the site when the close was done');
    assert.deepEqual(statuses(upload).at(-1), {}, 'the status was not cleared');
    await Promise.all([silentOut, silentCatch]);

    const counters = await emulator.snapshot();
    assert.equal(counters.multipartOpen, 0, 'orphan multipart uploads');
    assert.equal(counters.completions, 0);
    assert.equal(counters.attachmentsCreated, 0);

    // Give the event loop a moment to finish closing sockets, then compare with the baseline
    // (a moment only: keep-alive sockets an unclosed pool would hold expire on their own in ~4 s).
    let now = resources();
    await waitFor(() => Object.keys(grown(baseline, (now = resources()))).length === 0, 500, 'resources to return to the baseline').catch(() => undefined);
    if (process.env.SG_DEBUG_HANDLES) {
      for (const h of (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles()) {
        const s = h as { constructor: { name: string }; localPort?: number; remotePort?: number; _idleTimeout?: number; _onTimeout?: { toString(): string }; destroyed?: boolean; server?: unknown };
        console.log(s.constructor.name, s.localPort, s.remotePort, s.destroyed, s.server ? 'server-side' : '', s._idleTimeout, String(s._onTimeout ?? '').slice(0, 200));
      }
    }
    assert.deepEqual(grown(baseline, now), {}, `left behind after the redeploy: ${JSON.stringify(now)} (before: ${JSON.stringify(baseline)})`);
  });
});
