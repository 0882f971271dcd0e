/**
 * The farm's movies: sizes spread from a few MiB to ~60 MiB (most small, a few large: a night's
 * renders), each file's bytes unique to its job (a random block stamped with the job id and
 * offset), hashed while written so the byte-exact check needs no second read.
 */
import { createHash, randomBytes } from 'node:crypto';
import { openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { Prng } from './prng.js';

/** One job's movie. */
export interface Movie {
  jobId: string;
  /** Path relative to the workers' `fileWorkingDirectory`. */
  relPath: string;
  size: number;
  sha256: string;
}

/**
 * `count` sizes: 89 % between min and 2·min, 9 % up to 8·min, 2 % large (maxSize/2 … maxSize),
 * in a deterministic order from `seed` (mean ≈ 2.2·min + 0.02·0.75·max: ~4.5 MiB for 2 and 60 MiB).
 */
export function movieSizes(count: number, minSize: number, maxSize: number, seed: number): number[] {
  const rnd = new Prng(seed);
  const sizes: number[] = [];
  for (let i = 0; i < count; i++) {
    const r = rnd.next();
    const [lo, hi] = r < 0.89 ? [minSize, 2 * minSize] : r < 0.98 ? [2 * minSize, 8 * minSize] : [maxSize / 2, maxSize];
    sizes.push(Math.floor(lo + rnd.next() * (Math.min(hi, maxSize) - lo)));
  }
  return sizes;
}

const BLOCK = 1024 * 1024;

/** Writes `<dir>/<jobId>.mov` of `size` bytes and returns it with its SHA-256. */
export function writeMovie(dir: string, mediaFolder: string, jobId: string, size: number): Movie {
  const relPath = join(mediaFolder, `${jobId}.mov`);
  const block = randomBytes(BLOCK);
  const hash = createHash('sha256');
  const fd = openSync(join(dir, relPath), 'w');
  try {
    for (let offset = 0; offset < size; offset += BLOCK) {
      // The stamp makes every block of every job different (no two movies share a byte run).
      block.write(`${jobId}@${offset};`, 0, 'latin1');
      const chunk = block.subarray(0, Math.min(BLOCK, size - offset));
      hash.update(chunk);
      writeSync(fd, chunk);
    }
  } finally {
    closeSync(fd);
  }
  return { jobId, relPath, size, sha256: hash.digest('hex') };
}
