/**
 * What checksums cost the client's CPU: MD5 and SHA-256 throughput on one core of this machine,
 * and from them the CPU seconds an upload spends hashing per GiB. A multipart upload hashes every
 * byte twice: the part's MD5 (its Content-MD5) and the file's MD5 (`UploadResult.checksums`), in
 * one interleaved pass (lib/transfers/md5-pair.ts); a third time with the `sha256` option (off by
 * default). A single PUT once (its MD5 is the file's).
 */
import { createHash, randomBytes } from 'node:crypto';
import { LIBRARY_DEFAULTS } from '../../lib/index.js';
import { MD5_PAIR_CAPACITY, Md5Pair } from '../../lib/transfers/md5-pair.js';
import { GiB, MiB, round } from './stats.js';

/** Per-core throughput and the multipart upload's hashing CPU per GiB. */
export interface HashCost {
  /** One MD5 (OpenSSL). */
  md5MiBps: number;
  /** Both MD5s of a multipart upload's pass (bytes through the pair). */
  md5PairMiBps: number;
  sha256MiBps: number;
  /** Part MD5 + file MD5 (the defaults, paired), CPU seconds per GiB. */
  multipartCpuSecondsPerGiB: number;
  /** What the `sha256` option adds, CPU seconds per GiB. */
  sha256CpuSecondsPerGiB: number;
}

function throughput(algorithm: 'md5' | 'sha256', block: Buffer, rounds: number): number {
  const start = process.cpuUsage();
  const hash = createHash(algorithm);
  for (let i = 0; i < rounds; i++) for (let off = 0; off < block.length; off += MiB) hash.update(block.subarray(off, off + MiB));
  hash.digest();
  const used = process.cpuUsage(start);
  return (rounds * block.length) / MiB / ((used.user + used.system) / 1e6);
}

/** Bytes per second through both MD5s of the pair, in the upload's slices and default parts. */
function pairThroughput(block: Buffer, rounds: number): number {
  const start = process.cpuUsage();
  const pair = new Md5Pair();
  const slice = MD5_PAIR_CAPACITY;
  let sincePart = 0;
  for (let i = 0; i < rounds; i++) {
    for (let off = 0; off < block.length; off += slice) {
      block.copy(pair.space(slice), 0, off, off + slice);
      pair.commit(slice);
      sincePart += slice;
      if (sincePart === LIBRARY_DEFAULTS.upload.partSize) {
        pair.partDigest();
        sincePart = 0;
      }
    }
  }
  pair.fileDigest();
  const used = process.cpuUsage(start);
  return (rounds * block.length) / MiB / ((used.user + used.system) / 1e6);
}

/** Measures it (CPU time of this thread, so a busy machine slows it less than wall time would). */
export function hashCost(): HashCost {
  const block = randomBytes(16 * MiB);
  // Best of three: another process taking the core only ever makes a figure worse.
  const best = (algorithm: 'md5' | 'sha256'): number => Math.max(...[0, 1, 2].map(() => throughput(algorithm, block, 8)));
  const md5 = best('md5');
  const md5Pair = Math.max(...[0, 1, 2].map(() => pairThroughput(block, 8)));
  const sha256 = best('sha256');
  const perGiB = GiB / MiB;
  return {
    md5MiBps: round(md5, 0), md5PairMiBps: round(md5Pair, 0), sha256MiBps: round(sha256, 0),
    multipartCpuSecondsPerGiB: round(perGiB / md5Pair, 2), sha256CpuSecondsPerGiB: round(perGiB / sha256, 2),
  };
}
