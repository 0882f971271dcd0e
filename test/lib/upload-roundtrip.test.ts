/**
 * Uploads through `ShotGridClient` against the emulator, checked byte for byte by downloading
 * again (SHA-256): the size boundaries around the 20,000,000-byte threshold, unicode and
 * space-containing names, record-level Attachments, thumbnails, parallel parts, `sg` storage.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { truncateSync } from 'node:fs';
import { join } from 'node:path';
import { builtinOnly, EXTERNAL_S3, filesIn, routeDelta, sha256, sha256File, totalRequests, transferEnv, type TransferEnv } from './fixtures/transfer-env.js';

let env: TransferEnv;

before(async () => {
  env = await transferEnv();
});
after(async () => {
  await env?.close();
});

test('a 0-byte file is refused with SG_FILE before any request', async () => {
  const empty = env.file('empty.mov', Buffer.alloc(0));
  const fresh = env.client(); // no token yet: even the token request would show
  const start = env.emu.counters.snapshot();
  await assert.rejects(fresh.upload({ type: 'Version', id: 1, field: 'sg_uploaded_movie' }, empty), { code: 'SG_FILE', message: /empty/ });
  await assert.rejects(fresh.upload({ type: 'Version', id: 1 }, join(env.dir, 'missing.mov')), { code: 'SG_FILE' });
  await assert.rejects(fresh.upload({ type: 'Version', id: 1 }, env.dir), { code: 'SG_FILE', message: /not a regular file/ });
  assert.equal(totalRequests(env.emu, start), 0);
});

test('1 byte round-trips through a file field', async () => {
  const id = await env.version();
  const path = env.file('one.bin', Buffer.from([0x5a]));
  const result = await env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, path);
  assert.equal(result.multipart, false);
  assert.equal(result.bytes, 1);
  assert.equal(result.attempts, 1);
  assert.equal((result.value as { name?: string }).name, 'one.bin');
  assert.ok(result.attachment && result.attachment.type === 'Attachment');
  const back = await env.sg.download({ type: 'Version', id, field: 'sg_uploaded_movie' }, 'buffer');
  assert.deepEqual(back.buffer, Buffer.from([0x5a]));
});

test('exactly 20,000,000 bytes go in one PUT; 20,000,001 bytes in three 8 MiB parts; both byte-exact', async () => {
  for (const [size, multipart, parts] of [[20_000_000, false, 1], [20_000_001, true, 3]] as const) {
    const id = await env.version();
    const path = env.file(`plate-${size}.mov`, size);
    const start = env.emu.counters.snapshot();
    const result = await env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, path);
    assert.equal(result.multipart, multipart, `${size}`);
    assert.equal(result.parts, parts);
    assert.equal(result.bytes, size);
    // Against real S3 (SG_TEST_S3) the PUTs go straight to the bucket, past the emulator.
    if (!EXTERNAL_S3) assert.deepEqual(routeDelta(env.emu, start, 'storage_put'), { 200: parts });
    assert.equal(env.emu.counters.snapshot().multipartOpen, 0);
    const out = join(env.dir, `back-${size}.mov`);
    const down = await env.sg.download({ type: 'Version', id, field: 'sg_uploaded_movie' }, out);
    assert.equal(down.bytes, size);
    assert.equal(await sha256File(out), await sha256File(path));
  }
});

test('unicode and space-containing names round-trip (record-level Attachment, download into a folder)', async () => {
  const id = await env.version();
  const name = 'plate v1 – ünïcødé 日本 #1.mov';
  const bytes = Buffer.from('unicode bytes \u00e9\u00e8');
  const path = env.file(name, bytes);
  const result = await env.sg.upload({ type: 'Version', id }, path, { displayName: 'Plate v1', tags: [] });
  assert.ok(result.attachment, 'the Attachment is returned');
  const [att] = await env.sg.find('Attachment', [['id', 'is', result.attachment.id]], { fields: ['original_fname', 'display_name', 'attachment_links', 'this_file'] });
  assert.equal(att!.original_fname, name);
  assert.equal(att!.display_name, 'Plate v1');
  assert.deepEqual((att!.attachment_links as Array<{ id: number }>).map((l) => l.id), [id]);
  const folder = join(env.dir, 'unicode-out');
  (await import('node:fs')).mkdirSync(folder);
  const down = await env.sg.download(att!.this_file as { url: string; name: string }, folder);
  assert.equal(down.path, join(folder, name));
  assert.equal(await sha256File(down.path!), sha256(bytes));
  assert.deepEqual(filesIn(folder), [name]);
});

test('a custom file name is what ShotGrid records', async () => {
  const id = await env.version();
  const path = env.file('local-name.bin', 10);
  const result = await env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, path, { fileName: 'shown name ü.mov' });
  assert.equal((result.value as { name: string }).name, 'shown name ü.mov');
});

test('a thumbnail upload turns the image transient, then ready, and downloads byte-exact', async () => {
  const id = await env.version();
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108020000009077535d0000000c4944415408d763f8cfc0f00f0004fe01fea7f1b5a20000000049454e44ae426082', 'hex');
  const path = env.file('thumb.png', png);
  const result = await env.sg.upload({ type: 'Version', id, field: 'image' }, path);
  assert.equal(typeof result.value, 'string');
  assert.match(result.value as string, /\/images\/status\/transient\//);
  assert.equal(result.attachment, undefined);
  await assert.rejects(env.sg.download({ type: 'Version', id, field: 'image' }, 'buffer'), { code: 'SG_THUMBNAIL_PENDING' });
  const ready = await env.sg.waitForThumbnail('Version', id, { interval: 50, timeout: 5000 });
  assert.equal(ready.status, 'ready');
  const back = await env.sg.download({ type: 'Version', id, field: 'image' }, 'buffer');
  assert.deepEqual(back.buffer, png);
});

test('parts go up in parallel: while part 1 stalls, the other parts are stored', { skip: builtinOnly('a stalled storage PUT (test/s3 proves parallel parts through a counting proxy)') }, async () => {
  const id = await env.version();
  const partSize = 5 * 1024 * 1024;
  const path = env.file('parallel.bin', 4 * partSize);
  const stallTimeout = 2000;
  env.emu.faults.script({ route: 'storage_put', kind: 'stall', partNumber: 1, stallMs: 10_000 });
  const start = env.emu.counters.snapshot();
  const t0 = performance.now();
  let storedBeforeStallTimeout = 0;
  // Part 1's first attempt hangs until the client gives up on it after `stallTimeout`: parts
  // stored before that moment can only have run alongside it.
  const watcher = setInterval(() => {
    if (performance.now() - t0 < stallTimeout) storedBeforeStallTimeout = env.emu.counters.snapshot().bytesStored - start.bytesStored;
  }, 10);
  try {
    const fast = env.client({ timeouts: { stall: stallTimeout } });
    const result = await fast.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, path, { partSize, multipartThreshold: partSize, concurrency: 4 });
    assert.equal(result.parts, 4);
    assert.equal(result.attempts, 5, 'four parts, one of them twice');
  } finally {
    clearInterval(watcher);
  }
  assert.equal(storedBeforeStallTimeout, 3 * partSize, 'parts 2–4 were stored while part 1 stalled');
  assert.deepEqual(routeDelta(env.emu, start, 'storage_put'), { 200: 4 });
  assert.equal(env.emu.counters.snapshot().faultsInjected.stall! - (start.faultsInjected.stall ?? 0), 1);
  const back = join(env.dir, 'parallel-back.bin');
  await env.sg.download({ type: 'Version', id, field: 'sg_uploaded_movie' }, back);
  assert.equal(await sha256File(back), await sha256File(path));
});

test('a sparse file uploads in parts streamed from disk', async () => {
  const id = await env.version();
  const path = join(env.dir, 'sparse.bin');
  env.file('sparse.bin', Buffer.from('head'));
  truncateSync(path, 12 * 1024 * 1024 + 5);
  const result = await env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, path, { partSize: 5 * 1024 * 1024, multipartThreshold: 6 * 1024 * 1024 });
  assert.equal(result.parts, 3);
  const back = join(env.dir, 'sparse-back.bin');
  await env.sg.download({ type: 'Version', id, field: 'sg_uploaded_movie' }, back);
  assert.equal(await sha256File(back), await sha256File(path));
});

test('progress is reported in bytes and parts, ending at the total', async () => {
  const id = await env.version();
  const size = 11 * 1024 * 1024;
  const path = env.file('progress.bin', size);
  const seen: Array<{ loaded: number; partsDone: number; partsTotal: number; total: number | undefined }> = [];
  await env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, path, {
    partSize: 5 * 1024 * 1024,
    multipartThreshold: 5 * 1024 * 1024,
    onProgress: (p) => seen.push({ loaded: p.loaded, partsDone: p.partsDone, partsTotal: p.partsTotal, total: p.total }),
  });
  const last = seen.at(-1)!;
  assert.deepEqual(last, { loaded: size, partsDone: 3, partsTotal: 3, total: size });
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.partsDone >= seen[i - 1]!.partsDone);
});

test('sg storage: the PUT goes to the site, its upload_id is completed, multipart falls back to one PUT', { skip: builtinOnly('sg storage mode keeps bytes on the site') }, async () => {
  const sgEnv = await transferEnv({ storage: 'sg' });
  try {
    const id = await sgEnv.version();
    const path = sgEnv.file('on site.mov', 7 * 1024 * 1024);
    const start = sgEnv.emu.counters.snapshot();
    const result = await sgEnv.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, path, { multipartThreshold: 5 * 1024 * 1024 });
    assert.equal(result.multipart, false);
    assert.equal(result.parts, 1);
    assert.deepEqual(routeDelta(sgEnv.emu, start, 'storage_put'), { 200: 1 });
    assert.deepEqual(routeDelta(sgEnv.emu, start, 'upload_init'), { 400: 1, 200: 1 }, 'multipart refused, then a single-PUT init');
    assert.equal(sgEnv.emu.counters.snapshot().attachmentsCreated, 1);
    const back = await sgEnv.sg.download({ type: 'Version', id, field: 'sg_uploaded_movie' }, 'buffer', { maxBufferBytes: 8 * 1024 * 1024 });
    assert.equal(sha256(back.buffer!), await sha256File(path));
  } finally {
    await sgEnv.close();
  }
});
