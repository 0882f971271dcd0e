/**
 * Total time limits through `ShotGridClient` against the emulator: a thumbnail wait whose poll
 * hangs still ends at its deadline with `timeout`; an upload or download with `timeout` on a
 * trickling storage (bytes keep moving, so no stall fires) fails `SG_TIMEOUT` with nothing left
 * (the multipart upload aborted on the site, no file at the destination); a bad `timeout` is
 * `SG_CONFIG` before any request.
 */
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { builtinOnly, filesIn, transferEnv, type TransferEnv } from './fixtures/transfer-env.js';

let env: TransferEnv;
const MiB = 1024 * 1024;

before(async () => {
  env = await transferEnv();
  await env.sg.find('Project', [], { limit: 1 }); // token in hand
});
beforeEach(() => {
  env.emu.faults.clear();
  env.emu.configure({ shaping: { storageBandwidth: 0 } });
});
after(async () => {
  env?.emu.configure({ shaping: { storageBandwidth: 0 } });
  await env?.close();
});

test('a 500 ms thumbnail wait against a site whose search hangs returns timeout within 1.5 s', async () => {
  const id = await env.version();
  env.emu.faults.script({ route: 'api', kind: 'stall', pathIncludes: '_search', stallMs: 20_000 });
  const t0 = performance.now();
  const [result] = await env.sg.waitForThumbnails('Version', [id], { timeout: 500 });
  const elapsed = performance.now() - t0;
  assert.deepEqual(result, { id, status: 'timeout' });
  assert.ok(elapsed >= 450 && elapsed < 1500, `ended after ${Math.round(elapsed)} ms`);
});

test('an upload with a 1 s timeout on a trickling storage fails SG_TIMEOUT and its multipart upload is aborted', { skip: builtinOnly('storage shaping') }, async () => {
  const id = await env.version();
  const path = env.file('trickle.mov', 11 * MiB);
  env.emu.configure({ shaping: { storageBandwidth: 256 * 1024 } });
  const start = env.emu.counters.snapshot();
  const t0 = performance.now();
  await assert.rejects(
    env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, path, { partSize: 5 * MiB, multipartThreshold: 5 * MiB, timeout: 1000 }),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'SG_TIMEOUT');
      assert.match(err.message, /the upload did not finish within 1000 ms/);
      return true;
    },
  );
  assert.ok(performance.now() - t0 < 10_000, 'ended at its deadline, not at the end of the transfer');
  const now = env.emu.counters.snapshot();
  assert.equal(now.multipartOpen, 0, 'aborted on the site');
  assert.equal(now.attachmentsCreated - start.attachmentsCreated, 0);
});

test('a download with a 1 s timeout on a trickling storage fails SG_TIMEOUT and leaves nothing', { skip: builtinOnly('storage shaping') }, async () => {
  const id = await env.version();
  await env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, env.file('slow-down.mov', 2 * MiB));
  env.emu.configure({ shaping: { storageBandwidth: 256 * 1024 } });
  const out = mkdtempSync(join(env.dir, 'timeout-'));
  await assert.rejects(env.sg.download({ type: 'Version', id, field: 'sg_uploaded_movie' }, out, { timeout: 1000 }), { code: 'SG_TIMEOUT', message: /the download did not finish within 1000 ms/ });
  assert.deepEqual(filesIn(out), []);
});

test('timeout must be a positive number of milliseconds (SG_CONFIG, no request)', async () => {
  const path = env.file('cfg.mov', 1000);
  for (const timeout of [0, -1, Number.NaN, '5' as unknown as number]) {
    await assert.rejects(env.sg.upload({ type: 'Version', id: 1, field: 'sg_uploaded_movie' }, path, { timeout }), { code: 'SG_CONFIG', message: /timeout must be a positive number/ });
    await assert.rejects(env.sg.download({ type: 'Version', id: 1, field: 'sg_uploaded_movie' }, 'buffer', { timeout }), { code: 'SG_CONFIG' });
  }
});
