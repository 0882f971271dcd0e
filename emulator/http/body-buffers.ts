/**
 * Reusable buffers for large JSON answers. A fresh buffer of a few hundred KB per answer is
 * memory the process has not touched yet, and its page faults cost about as much as encoding the
 * text into it (a 5,000-record page, ~0.8 MB: ~3 ms of ~8 on the bench machine, bench P4). A
 * buffer goes back to the pool once its response has closed: by then the socket has taken the
 * bytes or dropped them.
 */
import type { ServerResponse } from 'node:http';

/** Smaller answers are encoded into fresh buffers (Node's own pool serves those). */
export const MIN_POOLED_BYTES = 64 * 1024;
/** Larger answers get a buffer of their own, not kept. */
export const MAX_POOLED_BYTES = 8 * 1024 * 1024;
/** Most bytes kept in free buffers. */
export const MAX_FREE_BYTES = 32 * 1024 * 1024;

const free: Buffer[] = [];
let freeBytes = 0;

/** The smallest power of two ≥ `n`. */
function roundUp(n: number): number {
  return 2 ** Math.ceil(Math.log2(n));
}

/** A buffer of at least `size` bytes, used by `res` until it closes. */
export function bodyBuffer(res: ServerResponse, size: number): Buffer {
  if (size < MIN_POOLED_BYTES || size > MAX_POOLED_BYTES) return Buffer.allocUnsafe(size);
  let best = -1;
  for (let i = 0; i < free.length; i++) if (free[i]!.length >= size && (best < 0 || free[i]!.length < free[best]!.length)) best = i;
  let buf: Buffer;
  if (best >= 0) {
    buf = free.splice(best, 1)[0]!;
    freeBytes -= buf.length;
  } else {
    buf = Buffer.allocUnsafeSlow(roundUp(size));
  }
  res.once('close', () => {
    if (freeBytes + buf.length > MAX_FREE_BYTES) return;
    free.push(buf);
    freeBytes += buf.length;
  });
  return buf;
}
