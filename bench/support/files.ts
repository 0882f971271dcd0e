/** Test files for uploads: random-content files (so nothing compresses or dedups) and sparse ones. */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, ftruncateSync, writeSync } from 'node:fs';

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
