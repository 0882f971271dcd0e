/**
 * Bandwidth shaping of a response: what a handler writes is queued and released in slices so
 * the body leaves at about `bytesPerSecond` (the API side of `shaping.apiBandwidth`; the storage
 * side paces its own streams).
 */
import type { ServerResponse } from 'node:http';

const TICK_MS = 50;

type Callback = (err?: Error | null) => void;

function toBuffer(chunk: unknown, encoding?: BufferEncoding): Buffer {
  if (chunk === undefined || chunk === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk);
  return Buffer.from(String(chunk), encoding ?? 'utf8');
}

/** Makes `res` release its body at `bytesPerSecond` (no-op when 0). */
export function paceResponse(res: ServerResponse, bytesPerSecond: number): void {
  if (!(bytesPerSecond > 0)) return;
  const write = res.write.bind(res) as (chunk: Buffer) => boolean;
  const end = res.end.bind(res) as (cb?: () => void) => ServerResponse;
  const perTick = Math.max(1, Math.floor((bytesPerSecond * TICK_MS) / 1000));
  const queue: Buffer[] = [];
  let ended = false;
  let endCallback: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;

  const pump = (): void => {
    timer = undefined;
    if (res.destroyed) return;
    let budget = perTick;
    while (budget > 0 && queue.length > 0) {
      const head = queue[0]!;
      const slice = head.subarray(0, budget);
      write(slice);
      budget -= slice.length;
      if (slice.length === head.length) queue.shift();
      else queue[0] = head.subarray(slice.length);
    }
    if (queue.length > 0) timer = setTimeout(pump, TICK_MS);
    else if (ended) end(endCallback);
  };
  const schedule = (): void => {
    timer ??= setTimeout(pump, 0);
  };
  res.once('close', () => timer && clearTimeout(timer));

  res.write = ((chunk: unknown, encodingOrCb?: BufferEncoding | Callback, cb?: Callback): boolean => {
    queue.push(toBuffer(chunk, typeof encodingOrCb === 'string' ? encodingOrCb : undefined));
    const done = typeof encodingOrCb === 'function' ? encodingOrCb : cb;
    if (done) process.nextTick(done);
    schedule();
    return true;
  }) as ServerResponse['write'];
  res.end = ((chunk?: unknown, encodingOrCb?: BufferEncoding | (() => void), cb?: () => void): ServerResponse => {
    if (typeof chunk === 'function') {
      endCallback = chunk as () => void;
    } else {
      if (chunk !== undefined && chunk !== null) queue.push(toBuffer(chunk, typeof encodingOrCb === 'string' ? encodingOrCb : undefined));
      endCallback = typeof encodingOrCb === 'function' ? encodingOrCb : cb;
    }
    ended = true;
    schedule();
    return res;
  }) as ServerResponse['end'];
}
