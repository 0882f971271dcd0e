/**
 * The hash thread that computes a multipart upload's whole-file MD5 and SHA-256 (hash-offload.ts):
 * parts handed over in any order are hashed in file order, several uploads at once stay apart,
 * a stopped upload's parts are never awaited, and only shared memory is accepted. (Uploads through
 * the client check the same checksums end to end in checksums.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { FileDigest, sharedBuffer } from '../../lib/transfers/hash-offload.js';

const PART = 256 * 1024;

/** A file's bytes cut into parts, each copied into its own shared buffer. */
function parts(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < bytes.length; off += PART) {
    const part = bytes.subarray(off, off + PART);
    const shared = sharedBuffer(part.length);
    part.copy(shared);
    out.push(shared);
  }
  return out;
}

const expected = (bytes: Buffer) => ({ md5: createHash('md5').update(bytes).digest('hex'), sha256: createHash('sha256').update(bytes).digest('hex') });

test('parts handed over out of order are hashed in file order; a part waits (consumed later) until its turn', async () => {
  const file = randomBytes(5 * PART + 1000);
  const digest = new FileDigest(true);
  const ps = parts(file);
  const consumed = new Set<number>();
  // Parts 2..6 first: none can be taken before part 1.
  const later = ps.slice(1).map((p, i) => digest.add(i + 2, p).then(() => consumed.add(i + 2)));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(consumed.size, 0, 'no part is taken before part 1 arrives');
  await digest.add(1, ps[0]!);
  await Promise.all(later);
  assert.deepEqual(await digest.result(), expected(file));
});

test('two uploads hashed at the same time keep their own checksums', async () => {
  const a = randomBytes(3 * PART);
  const b = randomBytes(4 * PART + 7);
  const da = new FileDigest(true);
  const db = new FileDigest(true);
  const pa = parts(a);
  const pb = parts(b);
  await Promise.all([...pa.map((p, i) => da.add(i + 1, p)), ...pb.map((p, i) => db.add(i + 1, p))]);
  assert.deepEqual(await da.result(), expected(a));
  assert.deepEqual(await db.result(), expected(b));
});

test('a stopped upload: its waiting parts are rejected at once, and the thread goes on serving others', async () => {
  const digest = new FileDigest(true);
  const ps = parts(randomBytes(3 * PART));
  // Part 1 never comes: part 2 waits for its turn.
  const waiting = digest.add(2, ps[1]!);
  digest.stop();
  await assert.rejects(waiting, /the upload stopped/);
  const other = randomBytes(2 * PART);
  const d2 = new FileDigest(true);
  await Promise.all(parts(other).map((p, i) => d2.add(i + 1, p)));
  assert.deepEqual(await d2.result(), expected(other));
});

test('bytes outside shared memory are refused (the thread must read the very bytes that are sent)', () => {
  assert.throws(() => new FileDigest(true).add(1, Buffer.alloc(10)), TypeError);
});

test('without sha256 the thread computes the MD5 alone', async () => {
  const file = randomBytes(2 * PART + 3);
  const digest = new FileDigest();
  await Promise.all(parts(file).map((p, i) => digest.add(i + 1, p)));
  assert.deepEqual(await digest.result(), { md5: expected(file).md5 });
});
