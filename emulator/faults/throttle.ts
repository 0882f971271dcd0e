/**
 * Bandwidth shaping: a pass-through Transform that releases at most `bytesPerSecond`, in small
 * slices, so a shaped transfer is smooth rather than bursty. Backpressure is kept (nothing is
 * buffered beyond one slice), and its timer dies with the stream.
 */
import { Transform, type TransformCallback } from 'node:stream';

/** Slices per second: small enough to be smooth, large enough to stay cheap. */
const SLICES_PER_SECOND = 20;

/** A Transform limited to `bytesPerSecond` (0 or less = unlimited pass-through). */
export function createThrottle(bytesPerSecond: number): Transform {
  if (!(bytesPerSecond > 0)) return new Transform({ transform: (chunk, _enc, cb) => cb(null, chunk) });
  const slice = Math.max(1, Math.floor(bytesPerSecond / SLICES_PER_SECOND));
  // When the next byte may go out, on the monotonic clock (ms).
  let nextAt = performance.now();
  let timer: NodeJS.Timeout | undefined;

  const throttle = new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      let offset = 0;
      const sendNext = (): void => {
        timer = undefined;
        if (throttle.destroyed) return;
        if (offset >= chunk.length) {
          done();
          return;
        }
        const now = performance.now();
        if (nextAt > now) {
          timer = setTimeout(sendNext, Math.ceil(nextAt - now));
          return;
        }
        const piece = chunk.subarray(offset, offset + slice);
        offset += piece.length;
        nextAt = Math.max(nextAt, now - 1000 / SLICES_PER_SECOND) + (piece.length * 1000) / bytesPerSecond;
        throttle.push(piece);
        sendNext();
      };
      sendNext();
    },
    destroy(err, cb) {
      if (timer) clearTimeout(timer);
      cb(err);
    },
  });
  return throttle;
}
