/**
 * The paired MD5 (md5-pair.ts: a part's and the file's MD5 over the same bytes, one pass) gives
 * exactly `node:crypto`'s digests: sizes around the padding limits (55, 56, 63, 64 bytes…), many
 * part sizes and read sizes (blocks split across reads), and the file's last part cut anywhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { isPairable, MD5_PAIR_CAPACITY, Md5Pair } from '../../lib/transfers/md5-pair.js';

const md5 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('hex');

/** Hashes `data` cut into `partSize` parts, fed `read` bytes at a time; returns the part and file MD5s. */
function paired(data: Buffer, partSize: number, read: number): { parts: string[]; file: string } {
  const pair = new Md5Pair();
  const parts: string[] = [];
  for (let start = 0; start < data.length; start += partSize) {
    const end = Math.min(data.length, start + partSize);
    for (let at = start; at < end; ) {
      const space = pair.space(Math.min(read, end - at));
      data.copy(space, 0, at, at + space.length);
      pair.commit(space.length);
      at += space.length;
    }
    parts.push(Buffer.from(pair.partDigest()).toString('hex'));
  }
  return { parts, file: pair.fileDigest() };
}

function expected(data: Buffer, partSize: number): { parts: string[]; file: string } {
  const parts: string[] = [];
  for (let start = 0; start < data.length; start += partSize) parts.push(md5(data.subarray(start, start + partSize)));
  return { parts, file: md5(data) };
}

test('the paired MD5s are the real ones for every size, part size and read size tried', () => {
  const sizes = [1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4096, 100_003];
  const partSizes = [64, 128, 1024, 64_000];
  const reads = [1, 7, 64, 100, 4096];
  let cases = 0;
  for (const size of sizes) {
    const data = randomBytes(size);
    for (const partSize of partSizes) {
      for (const read of reads) {
        if (size / read > 20_000) continue;
        assert.deepEqual(paired(data, partSize, read), expected(data, partSize), `size ${size}, parts of ${partSize}, reads of ${read}`);
        cases++;
      }
    }
  }
  assert.ok(cases > 250);
});

test('a 5 MiB-part file with a ragged end, read in full 1 MiB chunks', () => {
  const partSize = 5 * 1024 * 1024;
  const data = randomBytes(2 * partSize + 12_345);
  assert.deepEqual(paired(data, partSize, MD5_PAIR_CAPACITY), expected(data, partSize));
});

test('reads are capped at the capacity, and part sizes off 64-byte boundaries are not pairable', () => {
  assert.equal(new Md5Pair().space(10 * MD5_PAIR_CAPACITY).length, MD5_PAIR_CAPACITY);
  assert.equal(isPairable(5 * 1024 * 1024), true);
  assert.equal(isPairable(5 * 1024 * 1024 + 1), false);
  assert.equal(isPairable(20_000_010), false);
});

test('two pairs at once keep their own state', () => {
  const a = randomBytes(1000);
  const b = randomBytes(1000);
  const pa = new Md5Pair();
  const pb = new Md5Pair();
  for (let at = 0; at < 1000; at += 100) {
    a.copy(pa.space(100), 0, at, at + 100);
    pa.commit(100);
    b.copy(pb.space(100), 0, at, at + 100);
    pb.commit(100);
  }
  assert.equal(Buffer.from(pa.partDigest()).toString('hex'), md5(a));
  assert.equal(pb.fileDigest(), md5(b));
  assert.equal(pa.fileDigest(), md5(a));
});
