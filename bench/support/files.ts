/** Test files for uploads: random-content files (so nothing compresses or dedups) and sparse ones. */
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, ftruncateSync, writeSync } from 'node:fs';

/**
 * Writes the machine's dirty pages out (`sync`) before a timed upload: the storage's disk writes
 * of one sample are otherwise flushed during the next and charged to it (on this VM a 1 GiB
 * sample after another ran up to 30 % slower, whichever side it was).
 */
export function flushDirtyPages(): void {
  execFileSync('sync');
}

/** Writes `size` bytes of pseudo-random content (a 16 MiB random block repeated) to `path`. */
export function writeRandomFile(path: string, size: number): string {
  const block = randomBytes(Math.min(size, 16 * 1024 * 1024));
  const fd = openSync(path, 'w');
  try {
    for (let at = 0; at < size; at += block.length) writeSync(fd, block, 0, Math.min(block.length, size - at), at);
  } finally {
    closeSync(fd);
  }
  return path;
}

/** A sparse file of `size` bytes (no disk blocks; reads return zeros). */
export function writeSparseFile(path: string, size: number): string {
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
  return path;
}
