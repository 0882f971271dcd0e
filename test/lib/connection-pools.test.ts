/**
 * Storage bodies and API calls do not share one connection pool. With the site's own storage
 * (same origin as the API, as the emulator's and ShotGrid's `sg` storage are), slow part PUTs
 * that fill the pool would otherwise make every API call — another upload's init, a find —
 * wait until a part finished.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinOnly, transferEnv, type TransferEnv } from './fixtures/transfer-env.js';

const MiB = 1024 * 1024;
let env: TransferEnv;

before(async () => {
  env = await transferEnv();
});
after(async () => {
  await env.close();
});

test('a find answers while slow part PUTs hold every storage connection', { skip: builtinOnly('storage shaping') }, async () => {
  const id = await env.version('pools');
  const file = env.file('pools.mov', 12 * MiB);
  // Two connections per pool, four 5 MiB parts in flight at 64 KiB/s each: the storage pool stays full.
  const sg = env.client({ maxConnections: 2, timeouts: { stall: 120_000, headers: 120_000, body: 120_000 } });
  await sg.find('Project', null, { limit: 1 }); // token and API connection ready
  env.emu.configure({ shaping: { storageBandwidth: 64 * 1024 } });
  const storedBefore = env.emu.counters.snapshot().bytesStored;
  const controller = new AbortController();
  let settled = false;
  let loaded = 0;
  const upload = sg
    .upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, file, { partSize: 5 * MiB, multipartThreshold: 5 * MiB, concurrency: 4, signal: controller.signal, onProgress: (p) => (loaded = p.loaded) })
    .finally(() => (settled = true));
  upload.catch(() => undefined);
  try {
    // Wait until the storage is receiving (two part PUTs own the two storage connections).
    while (loaded === 0) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    // A part needs 80 s at this rate; a find queued behind the part PUTs would wait that long.
    const found = await Promise.race([
      sg.find('Version', [['id', 'is', id]], { fields: ['code'] }),
      new Promise<'blocked'>((r) => setTimeout(() => r('blocked'), 15_000).unref()),
    ]);
    assert.notEqual(found, 'blocked', 'the find waited behind the storage PUTs');
    assert.equal(found !== 'blocked' && found[0]?.code, 'pools');
    // What the storage completed, not `loaded`: progress counts bytes handed to the socket, and
    // loopback socket buffers take megabytes before the shaped storage reads them.
    assert.ok(!settled && env.emu.counters.snapshot().bytesStored === storedBefore, 'no part had finished when the find answered');
  } finally {
    controller.abort();
    await upload.catch(() => undefined);
    env.emu.configure({ shaping: { storageBandwidth: 0 } });
  }
  assert.equal(env.emu.counters.snapshot().multipartOpen, 0, 'the aborted upload was aborted on the site');
});
