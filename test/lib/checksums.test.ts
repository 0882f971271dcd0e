/**
 * Checksums end to end through `ShotGridClient` against the emulator (and, under `npm run
 * test:s3`, the uploads' bytes in Ceph radosgw): every PUT carries Content-MD5, the upload result
 * carries the file's MD5 (and SHA-256 when asked for), downloads are checked against plain-MD5 ETags, and bytes
 * damaged at rest or in transit are detected (the emulator's corruption faults, built-in storage only).
 */
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, statSync, utimesSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ShotGridClient } from '../../lib/index.js';
import { builtinOnly, filesIn, routeDelta, sha256File, transferEnv, type TransferEnv } from './fixtures/transfer-env.js';

let env: TransferEnv;
/** A client that counts attempts exactly: a stall limit no busy machine reaches by accident. */
let sg: ShotGridClient;
let small: string;
let multi: string;
const MiB = 1024 * 1024;
/** Three parts of 5 MiB, 5 MiB, 1 MiB. */
const multipartOptions = { partSize: 5 * MiB, multipartThreshold: 5 * MiB, concurrency: 2 };

const md5Hex = (path: string): string => createHash('md5').update(readFileSync(path)).digest('hex');

before(async () => {
  env = await transferEnv();
  small = env.file('small.mov', 300 * 1024);
  multi = env.file('multi.mov', 11 * MiB);
  sg = env.client({ timeouts: { stall: 15_000 } });
  await sg.find('Project', [], { limit: 1 }); // token in hand
});
beforeEach(() => env.emu.faults.clear());
after(async () => {
  await env?.close();
});

const field = (id: number) => ({ type: 'Version', id, field: 'sg_uploaded_movie' });

test('an upload reports the file MD5 (SHA-256 only when asked for); a download of a single-PUT object is checked against its ETag', async () => {
  const id = await env.version();
  const up = await sg.upload(field(id), small);
  assert.deepEqual(up.checksums, { md5: md5Hex(small) }, 'MD5 only by default');
  const down = await sg.download(field(id), 'buffer');
  assert.equal(down.verified, 'md5');
  assert.deepEqual(down.checksums, { md5: up.checksums.md5 });
  const again = await sg.upload(field(await env.version()), small, { sha256: true });
  assert.deepEqual(again.checksums, { md5: md5Hex(small), sha256: await sha256File(small) });
  const downSha = await sg.download(field(id), 'buffer', { sha256: true });
  assert.deepEqual(downSha.checksums, { md5: md5Hex(small), sha256: await sha256File(small) });
});

test('a multipart upload of more parts than the hash pass may read ahead reports the real MD5 and SHA-256 of the file', async () => {
  // Nine parts, one in flight: the pass reads at most three parts past the last part taken.
  const path = env.file('nine-parts.mov', 8 * 5 * MiB + 4321);
  const up = await sg.upload(field(await env.version()), path, { ...multipartOptions, concurrency: 1, sha256: true });
  assert.equal(up.parts, 9);
  assert.deepEqual(up.checksums, { md5: md5Hex(path), sha256: await sha256File(path) });
});

test('a part changed on disk after the hash pass and before its PUT: SG_FILE at once (not re-sent), the multipart upload aborted', { skip: builtinOnly('storage shaping') }, async () => {
  const id = await env.version();
  const path = env.file('changed-after-hash.mov', 11 * MiB);
  const { atime, mtime } = statSync(path);
  // One part at a time through a slow storage: part 2 starts (progress past part 1) over a second
  // after part 1, long after the pass hashed part 3, and part 3 waits for part 2.
  env.emu.configure({ shaping: { storageBandwidth: 4 * MiB } });
  let changed = false;
  const start = env.emu.counters.snapshot();
  const slow = env.client({ timeouts: { stall: 15_000 } });
  const upload = slow.upload(field(id), path, {
    ...multipartOptions,
    concurrency: 1,
    onProgress: (p) => {
      if (changed || p.loaded <= 5 * MiB) return;
      changed = true;
      // Part 3's bytes change in place, size and modification time kept: only the storage's
      // check of the Content-MD5 from the pass can tell.
      const fd = openSync(path, 'r+');
      writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 10 * MiB + 100);
      closeSync(fd);
      utimesSync(path, atime, mtime);
    },
  });
  const error = await upload.then(() => undefined, (err: unknown) => err);
  env.emu.configure({ shaping: { storageBandwidth: 0 } });
  assert.ok(changed, 'the file was not changed during the upload');
  assert.equal((error as { code?: string })?.code, 'SG_FILE', String(error));
  assert.match((error as Error).message, /changed-after-hash\.mov changed while it was being uploaded \(bytes 10485760-11534335 differ from those hashed\)/);
  assert.deepEqual(routeDelta(env.emu, start, 'storage_put'), { 200: 2, 400: 1 }, 'part 3 refused once and not sent again');
  const now = env.emu.counters.snapshot();
  assert.equal(now.multipartOpen, 0, 'aborted on the site');
  assert.equal(now.completions - start.completions, 0);
});

test('a multipart upload reports the whole file checksums; its download can only be checked by length', async () => {
  const id = await env.version();
  const up = await sg.upload(field(id), multi, { ...multipartOptions, sha256: true });
  assert.equal(up.parts, 3);
  assert.deepEqual(up.checksums, { md5: md5Hex(multi), sha256: await sha256File(multi) });
  const out = mkdtempSync(join(env.dir, 'multi-'));
  const down = await sg.download(field(id), join(out, 'back.mov'), { sha256: true });
  assert.equal(down.verified, 'length', 'a multipart ETag is not an MD5 of the file');
  assert.equal(down.checksums.sha256, up.checksums.sha256);
  const md5Only = await sg.upload(field(await env.version()), multi, multipartOptions);
  assert.deepEqual(md5Only.checksums, { md5: md5Hex(multi) }, 'MD5 only by default');
});

test('a skipped upload reports the checksums of the one read that compared the file', async () => {
  const id = await env.version();
  await sg.upload(field(id), multi, multipartOptions);
  const start = env.emu.counters.snapshot();
  const skipped = await sg.upload(field(id), multi, { ...multipartOptions, skipIfSame: true, sha256: true });
  assert.equal(skipped.skipped, true);
  assert.deepEqual(routeDelta(env.emu, start, 'storage_put'), {}, 'nothing sent');
  assert.deepEqual(skipped.checksums, { md5: md5Hex(multi), sha256: await sha256File(multi) });
});

test('a sha256 option that is not true or false is SG_CONFIG before any request', async () => {
  const start = env.emu.counters.snapshot();
  const bad = { sha256: 'yes' as unknown as boolean };
  await assert.rejects(sg.upload(field(1), small, bad), (err: Error & { code?: string }) => err.code === 'SG_CONFIG' && /sha256 must be true or false/.test(err.message));
  await assert.rejects(sg.download(field(1), 'buffer', bad), (err: Error & { code?: string }) => err.code === 'SG_CONFIG' && /sha256 must be true or false/.test(err.message));
  assert.deepEqual(env.emu.counters.snapshot().requests, start.requests, 'no request');
});

test('a bit flipped at rest: the download is SG_INTEGRITY and no file is left', { skip: builtinOnly('the corrupt_at_rest fault') }, async () => {
  const id = await env.version();
  env.emu.faults.script({ route: 'storage_put', kind: 'corrupt_at_rest' });
  await sg.upload(field(id), small);
  const out = mkdtempSync(join(env.dir, 'rest-'));
  const start = env.emu.counters.snapshot();
  await assert.rejects(sg.download(field(id), out), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'SG_INTEGRITY');
    assert.match(err.message, /hash to [0-9a-f]{32}, not to the object's ETag/);
    return true;
  });
  assert.deepEqual(routeDelta(env.emu, start, 'download'), { 200: 2 }, 'fetched once more, then final');
  assert.deepEqual(filesIn(out), [], 'nothing at the destination, no temporary file');
});

test('a bit flipped in transit on a download is fetched once more and the file is exact', { skip: builtinOnly('the corrupt_transit fault') }, async () => {
  const id = await env.version();
  await sg.upload(field(id), small);
  env.emu.faults.script({ route: 'download', kind: 'corrupt_transit' });
  const out = mkdtempSync(join(env.dir, 'wire-'));
  const down = await sg.download(field(id), join(out, 'back.mov'));
  assert.equal(down.attempts, 2);
  assert.equal(await sha256File(join(out, 'back.mov')), await sha256File(small));
});

test('a bit flipped in transit on a part: the storage answers BadDigest, that part is re-sent, the upload is byte-exact', { skip: builtinOnly('the corrupt_transit fault') }, async () => {
  const id = await env.version();
  env.emu.faults.script({ route: 'storage_put', kind: 'corrupt_transit', partNumber: 2 });
  const start = env.emu.counters.snapshot();
  const up = await sg.upload(field(id), multi, multipartOptions);
  assert.equal(up.attempts, 4, 'three parts, one re-sent');
  assert.deepEqual(routeDelta(env.emu, start, 'storage_put'), { 200: 3, 400: 1 });
  const back = join(mkdtempSync(join(env.dir, 'part-')), 'back.mov');
  await sg.download(field(id), back);
  assert.equal(await sha256File(back), await sha256File(multi));
});

test('a part whose ETag does not match twice: SG_INTEGRITY after one re-send, the multipart upload aborted', { skip: builtinOnly('the etag_mismatch fault') }, async () => {
  const id = await env.version();
  env.emu.faults.script({ route: 'storage_put', kind: 'etag_mismatch', partNumber: 2, count: 2 });
  const start = env.emu.counters.snapshot();
  await assert.rejects(sg.upload(field(id), multi, multipartOptions), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'SG_INTEGRITY');
    assert.match(err.message, /part 2 of 3.*is not the MD5 of the bytes sent/);
    return true;
  });
  const now = env.emu.counters.snapshot();
  assert.equal(now.multipartOpen, 0, 'aborted on the site');
  assert.equal(now.attachmentsCreated - start.attachmentsCreated, 0);
  assert.equal(now.completions - start.completions, 0);
});

test('a single PUT damaged in transit once is re-sent with the same Content-MD5 and lands intact', { skip: builtinOnly('the corrupt_transit fault') }, async () => {
  const id = await env.version();
  env.emu.faults.script({ route: 'storage_put', kind: 'corrupt_transit' });
  const start = env.emu.counters.snapshot();
  const up = await sg.upload(field(id), small);
  assert.equal(up.attempts, 2);
  assert.deepEqual(routeDelta(env.emu, start, 'storage_put'), { 200: 1, 400: 1 });
  const down = await sg.download(field(id), 'buffer');
  assert.equal(down.verified, 'md5');
  assert.equal(down.checksums.md5, md5Hex(small));
});
