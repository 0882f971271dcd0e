/**
 * The hash pass of a multipart upload (hash-pass.ts): one read of the file gives every part's MD5 and the file's MD5 and SHA-256; it reads no further than
 * the parts taken allow; a stopped pass rejects what is awaited and closes the file; several
 * uploads at once stay apart; a file that cannot be read or is shorter than planned is `SG_FILE`.
 * (Uploads through the client check the same checksums end to end in checksums.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, readlinkSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HashPass, runningHashPasses } from '../../lib/transfers/hash-pass.js';
import { MIN_PART_SIZE, type UploadPlan } from '../../lib/transfers/part-plan.js';
import { Md5Pair } from '../../lib/transfers/md5-pair.js';

const dir = mkdtempSync(join(tmpdir(), 'hash-pass-'));
let files = 0;

/** A file of `bytes` and a plan cutting it into `partSize` parts, `concurrency` in flight. */
function fileOf(bytes: Buffer, partSize: number, concurrency: number): { path: string; plan: UploadPlan } {
  const path = join(dir, `f${++files}.bin`);
  writeFileSync(path, bytes);
  const partCount = Math.ceil(bytes.length / partSize);
  return { path, plan: { size: bytes.length, multipart: true, partSize, partCount, concurrency } };
}

const md5 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('hex');
const expected = (bytes: Buffer) => ({ md5: md5(bytes), sha256: createHash('sha256').update(bytes).digest('hex') });
const partOf = (bytes: Buffer, partSize: number, n: number): Buffer => bytes.subarray((n - 1) * partSize, n * partSize);

/** Whether this process holds `path` open. */
function isOpen(path: string): boolean {
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) return true;
    } catch {
      // closed meanwhile
    }
  }
  return false;
}

test('every part MD5 and the file checksums come from one pass; the file MD5 and SHA-256 are the real ones', async () => {
  const bytes = randomBytes(3 * MIN_PART_SIZE + 12345);
  const { path, plan } = fileOf(bytes, MIN_PART_SIZE, 2);
  const pass = new HashPass(path, plan, true);
  for (let n = 1; n <= plan.partCount; n++) assert.equal((await pass.partMd5(n)).toString('hex'), md5(partOf(bytes, plan.partSize, n)), `part ${n}`);
  assert.deepEqual(await pass.result(), expected(bytes));
  await pass.close();
  assert.equal(isOpen(path), false, 'the file is closed once close() has resolved');
});

test('parts that do not start on 64-byte boundaries (a part size of 5 MiB + 1) get the same real checksums', async () => {
  // Such parts cannot share blocks with the file's MD5 (md5-pair.ts): the pass hashes them apart.
  const partSize = MIN_PART_SIZE + 1;
  const bytes = randomBytes(2 * partSize + 777);
  const { path, plan } = fileOf(bytes, partSize, 2);
  const pass = new HashPass(path, plan, true);
  for (let n = 1; n <= plan.partCount; n++) assert.equal((await pass.partMd5(n)).toString('hex'), md5(partOf(bytes, plan.partSize, n)), `part ${n}`);
  assert.deepEqual(await pass.result(), expected(bytes));
});

test('the pass reads no part past concurrency + 2 beyond the last part taken', async () => {
  const bytes = randomBytes(8 * MIN_PART_SIZE);
  const { path, plan } = fileOf(bytes, MIN_PART_SIZE, 1);
  const pass = new HashPass(path, plan);
  // Part 1 taken: the pass may go up to part 4 (1 + concurrency 1 + 2), not to part 5.
  assert.equal((await pass.partMd5(1)).toString('hex'), md5(partOf(bytes, plan.partSize, 1)));
  // Part 5 changes now: the pass must read it only after part 2 is taken, so it hashes the new bytes.
  // (Written in place: a rewrite would truncate the file under the parts being read.)
  const changed = Buffer.from(bytes);
  randomBytes(MIN_PART_SIZE).copy(changed, 4 * MIN_PART_SIZE);
  const fd = openSync(path, 'r+');
  writeSync(fd, changed, 4 * MIN_PART_SIZE, MIN_PART_SIZE, 4 * MIN_PART_SIZE);
  closeSync(fd);
  for (let n = 2; n <= plan.partCount; n++) assert.equal((await pass.partMd5(n)).toString('hex'), md5(partOf(changed, plan.partSize, n)), `part ${n}`);
  assert.deepEqual(await pass.result(), { md5: md5(changed) });
});

test('a stopped pass rejects what is awaited, closes the file, and other passes go on', async () => {
  const bytes = randomBytes(6 * MIN_PART_SIZE);
  const { path, plan } = fileOf(bytes, MIN_PART_SIZE, 1);
  const pass = new HashPass(path, plan, true);
  await pass.partMd5(1);
  // Part 6 is beyond what the pass may read: it waits until the stop.
  const waiting = pass.partMd5(6);
  const result = pass.result();
  const closing = pass.close();
  await assert.rejects(waiting, /the upload stopped/);
  await assert.rejects(result, /the upload stopped/);
  await closing;
  assert.equal(runningHashPasses(), 0);
  assert.equal(isOpen(path), false, 'the file is closed once close() has resolved');
  const other = randomBytes(2 * MIN_PART_SIZE + 3);
  const next = fileOf(other, MIN_PART_SIZE, 2);
  const p2 = new HashPass(next.path, next.plan, true);
  await Promise.all([1, 2, 3].map((n) => p2.partMd5(n)));
  assert.deepEqual(await p2.result(), expected(other));
});

test('two passes at the same time keep their own checksums', async () => {
  const a = randomBytes(2 * MIN_PART_SIZE + 1);
  const b = randomBytes(3 * MIN_PART_SIZE + 7);
  const fa = fileOf(a, MIN_PART_SIZE, 1);
  const fb = fileOf(b, MIN_PART_SIZE, 1);
  const pa = new HashPass(fa.path, fa.plan, true);
  const pb = new HashPass(fb.path, fb.plan);
  const parts = async (pass: HashPass, count: number): Promise<string[]> => {
    const out: string[] = [];
    for (let n = 1; n <= count; n++) out.push((await pass.partMd5(n)).toString('hex'));
    return out;
  };
  const [ma, mb] = await Promise.all([parts(pa, fa.plan.partCount), parts(pb, fb.plan.partCount)]);
  assert.deepEqual(ma, [1, 2, 3].map((n) => md5(partOf(a, MIN_PART_SIZE, n))));
  assert.deepEqual(mb, [1, 2, 3, 4].map((n) => md5(partOf(b, MIN_PART_SIZE, n))));
  assert.deepEqual(await pa.result(), expected(a));
  assert.deepEqual(await pb.result(), { md5: md5(b) });
});

test('a file shorter than planned, or gone, is SG_FILE for the part awaited', async () => {
  const bytes = randomBytes(3 * MIN_PART_SIZE);
  const cut = fileOf(bytes, MIN_PART_SIZE, 1);
  truncateSync(cut.path, MIN_PART_SIZE + 10);
  const pass = new HashPass(cut.path, cut.plan);
  await pass.partMd5(1);
  await assert.rejects(pass.partMd5(2), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'SG_FILE');
    assert.match(err.message, /changed while it was being uploaded \(it ended at byte 5242890\)/);
    return true;
  });
  const gone = new HashPass(join(dir, 'no-such.bin'), cut.plan);
  await assert.rejects(gone.partMd5(1), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'SG_FILE');
    assert.match(err.message, /no-such\.bin was deleted while it was being uploaded/);
    return true;
  });
  assert.equal(runningHashPasses(), 0);
});

test('the pass hashes in slices: the event loop is never held for as long as a part takes to hash', async () => {
  const partSize = 2 * MIN_PART_SIZE;
  const bytes = randomBytes(6 * partSize);
  const { path, plan } = fileOf(bytes, partSize, 6);
  // What one part costs when hashed in one go, here and now.
  const pair = new Md5Pair();
  const started = performance.now();
  for (let at = 0; at < partSize; ) {
    const space = pair.space(partSize - at);
    bytes.copy(space, 0, at, at + space.length);
    pair.commit(space.length);
    at += space.length;
  }
  pair.partDigest();
  const partMs = performance.now() - started;
  // The gaps between turns of the loop while the pass runs.
  const gaps: number[] = [];
  let last = performance.now();
  let done = false;
  const spin = (): void => {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
    if (!done) setImmediate(spin);
  };
  setImmediate(spin);
  const pass = new HashPass(path, plan);
  for (let n = 1; n <= plan.partCount; n++) await pass.partMd5(n);
  assert.deepEqual(await pass.result(), { md5: md5(bytes) });
  done = true;
  gaps.push(performance.now() - last);
  // A pass that hashed each part in one go would hold the loop about a part's time once per part
  // (6 times); in slices the longest holds are a slice's (~1/40 of a part). Two are allowed for
  // a garbage collection or a busy machine taking the core away.
  const long = gaps.filter((g) => g >= partMs / 2);
  assert.ok(long.length <= 2, `${long.length} turns of the loop waited ≥ ${(partMs / 2).toFixed(1)} ms (a part: ${partMs.toFixed(1)} ms): ${long.map((g) => g.toFixed(1)).join(', ')}`);
});
