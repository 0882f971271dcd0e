/**
 * The storage transport, beside the API transport (`transport.ts`): one exchange with a signed
 * storage URL (S3 presigned, or the site's own `sg` link), for uploads (PUT) and downloads (GET).
 *
 * - No Authorization header: the signature in the URL is the credential; messages never show
 *   the URL's query.
 * - Sent on the client's storage pool, apart from the API calls' pool.
 * - A stall watchdog abandons the exchange when no byte moved for `timeouts.stall` (body sent,
 *   answer received); `SG_TIMEOUT` of kind `stall`.
 * - GETs follow redirects (a non-API link that forwards to storage).
 * - Failures come out classified (see `failures.ts`): error answers through
 *   {@link StorageAnswer.fail}, transport failures through `transportError`.
 * No retries here: the caller runs an exchange under `ApiCaller.retryable`.
 */
import { Readable } from 'node:stream';
import type { ApiCaller } from '../api-caller.js';
import { linkSignals } from './abort.js';
import { exchange, exchangeFailure, headerOf, readText, type AnswerHeaders } from './exchange.js';
import { describeUrl, stallError, storageHttpError, type StorageRequestInfo } from './storage-errors.js';
import { StallWatchdog } from './watchdog.js';

/** Largest storage answer body read as text (an error or a small JSON); the rest is dropped. */
const MAX_ANSWER_BYTES = 256 * 1024;

/** Redirects a GET follows. */
const MAX_REDIRECTS = 5;

/** What the storage transport needs from the client. */
export type StorageCaller = Pick<ApiCaller, 'dispatcher' | 'timeouts' | 'userAgent'>;

/** One storage request. */
export interface StorageRequest {
  method: 'GET' | 'PUT';
  url: string | URL;
  /** Beyond `user-agent`, which is always sent. */
  headers?: Record<string, string>;
  /**
   * PUT: the bytes, as they are to be sent (set `content-length` in `headers`), made for each
   * exchange with `sent`, which the body calls as it hands each chunk on (the stall watchdog's
   * progress). A callback rather than a wrapping generator: a layer of async generator per chunk
   * was a third of a part's garbage (bench P3).
   */
  body?: (sent: () => void) => AsyncIterable<Buffer>;
  /**
   * Bytes of a PUT body read ahead of the socket (through a stream). Without it the body goes to
   * undici as it is, asked for chunk by chunk as the socket takes them: what a body that reuses
   * its buffers needs (storage-put.ts, a part's body).
   */
  bodyHighWaterMark?: number;
  /** For messages, e.g. `part 3 of 8`. */
  what?: string;
  signal?: AbortSignal;
  /**
   * A failure that is not the network's (the local file could not be read): returned as the
   * error to throw, checked before the transport's own classification.
   */
  ownFailure?: (err: unknown) => unknown;
}

/** An answer being read. */
export interface StorageAnswer {
  status: number;
  headers: AnswerHeaders;
  /** The URL that answered (after redirects). */
  url: URL;
  info: StorageRequestInfo;
  header(name: string): string | undefined;
  /** The body; each chunk counts as progress. */
  body: AsyncIterable<Buffer>;
  /** The body as text, capped. */
  text(): Promise<string>;
  /** Drops the body (a large one closes the connection rather than being read). */
  discard(): Promise<void>;
  /** The storage's error for this answer (its code and message read from the body). */
  fail(): Promise<never>;
  /** We, not the storage, are the slow side for a while (a busy disk): the watchdog waits. */
  pauseWatch(): void;
}

/**
 * Runs one storage exchange: `use` reads the answer. Everything thrown is a classified
 * `ShotGridError` (or what `ownFailure` returned).
 */
export async function storageExchange<T>(api: StorageCaller, req: StorageRequest, use: (answer: StorageAnswer) => Promise<T>): Promise<T> {
  const { controller, dispose } = linkSignals(req.signal);
  const watchdog = new StallWatchdog(api.timeouts.stall, () => controller.abort(new Error('stalled')));
  let url = new URL(req.url);
  const info: StorageRequestInfo = { method: req.method, url, what: req.what };
  const headers = { 'user-agent': api.userAgent, ...req.headers };
  const kick = (): void => watchdog.kick();
  // Each chunk of the answer is progress. The countdown also restarts when the reader asks for
  // more: it may have paused it meanwhile (a busy disk).
  async function* watched(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of chunks) {
      watchdog.kick();
      yield chunk;
      watchdog.kick();
    }
  }
  try {
    for (let redirects = 0; ; redirects++) {
      const chunks = req.body?.(kick);
      const body = chunks && req.bodyHighWaterMark !== undefined ? Readable.from(chunks, { objectMode: false, highWaterMark: req.bodyHighWaterMark }) : chunks;
      const res = await exchange(api, { url, method: req.method, headers, body, signal: controller.signal });
      watchdog.kick();
      const resHeaders = res.headers as AnswerHeaders;
      const location = headerOf(resHeaders, 'location');
      if (req.method === 'GET' && res.statusCode >= 300 && res.statusCode < 400 && location && redirects < MAX_REDIRECTS) {
        await res.body.dump({ limit: MAX_ANSWER_BYTES }).catch(() => undefined);
        url = new URL(location, url);
        info.url = url;
        continue;
      }
      const text = (): Promise<string> => readText(res.body, MAX_ANSWER_BYTES, { onChunk: () => watchdog.kick() });
      return await use({
        status: res.statusCode,
        headers: resHeaders,
        url,
        info,
        header: (name) => headerOf(resHeaders, name),
        body: watched(res.body as AsyncIterable<Buffer>),
        text,
        discard: () => res.body.dump({ limit: MAX_ANSWER_BYTES }).catch(() => undefined),
        fail: async () => {
          throw storageHttpError(res.statusCode, await text().catch(() => ''), resHeaders, info);
        },
        pauseWatch: () => watchdog.pause(),
      });
    }
  } catch (err) {
    if (!req.signal?.aborted && watchdog.stalled) throw stallError(api.timeouts.stall, info);
    throw (!req.signal?.aborted && req.ownFailure?.(err)) || exchangeFailure(err, req.signal, { method: req.method, path: describeUrl(url) });
  } finally {
    watchdog.stop();
    dispose();
  }
}
