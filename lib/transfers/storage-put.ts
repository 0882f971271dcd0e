/**
 * One PUT of a file span to a signed storage URL (S3 presigned, or the site's own `sg` link).
 *
 * - The body is a fresh read stream of exactly that span for every attempt (a consumed stream
 *   cannot be re-sent: the official client's bug), with `Content-Length` always set, so it is
 *   never chunked and never held in memory.
 * - Sent with `undici`'s `request` on the client's dispatcher (no redirects, no buffering).
 * - No Authorization header: the signature in the URL is the credential.
 * - A watchdog abandons the attempt when no byte moved for `stallMs` (body or answer).
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { ApiCaller } from '../api-caller.js';
import { ShotGridError } from '../errors.js';
import { abortError } from '../http/abort.js';
import { errorCodeOf } from '../http/error-mapping.js';
import { finalStorageError, storageHttpError, storageProtocolError, storageTransportError, stallError, type StorageRequestInfo } from './storage-errors.js';
import { childController, StallWatchdog } from './watchdog.js';

/** One storage PUT. */
export interface StoragePut {
  url: string;
  /** Absolute file path and the span `[start, end)` to send. */
  file: string;
  start: number;
  end: number;
  contentType?: string;
  /** For messages, e.g. `part 3`. */
  what?: string;
  /** Whether the answer must carry an ETag (multipart parts). */
  requireEtag?: boolean;
  /** The upload's signal (caller abort, or another part's final failure). */
  signal?: AbortSignal;
  /** Bytes handed to the connection, as they go. */
  onBytes?: (bytes: number) => void;
}

/** The storage's answer. */
export interface StoragePutResult {
  status: number;
  /** The ETag header as received (quotes kept). */
  etag?: string;
  /** Parsed JSON body, when the storage answered JSON (`sg` storage: `{data:{upload_id,...}}`). */
  json?: unknown;
}

/**
 * Bytes read from disk at a time. 64 KiB chunks cost several times the CPU per byte (one pread,
 * buffer and generator step each; bench P1 profile) and made a loopback upload about twice as
 * slow as a raw PUT. Larger chunks are not free either: sent chunks are garbage V8 collects late
 * (few, large buffers), so 1 MiB chunks raised the uploading process's peak RSS by ~12 MiB over
 * 512 KiB ones at no measurable CPU gain (bench P3).
 */
const READ_CHUNK = 512 * 1024;

/** Largest answer body read (success or error); the rest is discarded. */
const MAX_ANSWER_BYTES = 256 * 1024;

async function readCapped(body: AsyncIterable<Buffer>, onChunk: () => void): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    onChunk();
    if (size < MAX_ANSWER_BYTES) chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, MAX_ANSWER_BYTES);
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Sends the span once. Throws `ShotGridError`s marked with their storage action (see storage-errors). */
export async function putToStorage(api: ApiCaller, put: StoragePut): Promise<StoragePutResult> {
  const url = new URL(put.url);
  const info: StorageRequestInfo = { method: 'PUT', url, what: put.what };
  const length = put.end - put.start;
  const { controller, dispose } = childController(put.signal);
  const watchdog = new StallWatchdog(api.timeouts.stall, () => controller.abort(new Error('stalled')));
  let stream: ReadStream | undefined;
  // A failure reading the local file (deleted, replaced by a folder, unreadable) is not a network
  // failure: it is kept apart so it is reported as SG_FILE and not retried.
  let readError: unknown;
  async function* body(): AsyncGenerator<Buffer> {
    stream = createReadStream(put.file, { start: put.start, end: put.end - 1, highWaterMark: READ_CHUNK });
    try {
      for await (const chunk of stream) {
        const buf = chunk as Buffer;
        watchdog.kick();
        put.onBytes?.(buf.length);
        yield buf;
      }
    } catch (err) {
      readError = err;
      throw err;
    }
  }
  const headers: Record<string, string> = { 'content-length': String(length), 'user-agent': api.userAgent };
  if (put.contentType) headers['content-type'] = put.contentType;
  try {
    const res = await api.dispatcher.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: 'PUT',
      headers,
      body: Readable.from(body(), { objectMode: false, highWaterMark: READ_CHUNK }),
      signal: controller.signal,
      headersTimeout: api.timeouts.headers,
      bodyTimeout: api.timeouts.body,
    });
    watchdog.kick();
    const resHeaders = res.headers as Record<string, string | string[] | undefined>;
    const text = await readCapped(res.body as AsyncIterable<Buffer>, () => watchdog.kick());
    if (res.statusCode < 200 || res.statusCode >= 300) throw storageHttpError(res.statusCode, text, resHeaders, info);
    const etag = header(resHeaders, 'etag');
    if (put.requireEtag && !etag) throw storageProtocolError(`answered ${res.statusCode} without an ETag`, info);
    let json: unknown;
    if (/json/i.test(header(resHeaders, 'content-type') ?? '') && text.trim() !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        throw storageProtocolError(`answered ${res.statusCode} with invalid JSON`, info);
      }
    }
    return { status: res.statusCode, etag, json };
  } catch (err) {
    if (put.signal?.aborted) throw abortError(put.signal, { method: 'PUT' });
    if (watchdog.stalled) throw stallError(api.timeouts.stall, info);
    if (readError !== undefined) {
      const code = errorCodeOf(readError);
      const why = code === 'ENOENT' ? 'was deleted while it was being uploaded' : `could not be read while it was being uploaded (${code ?? String(readError)})`;
      throw finalStorageError(new ShotGridError('SG_FILE', `${put.file} ${why}`, { cause: readError }));
    }
    if (errorCodeOf(err) === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH' || errorCodeOf(err) === 'ERR_OUT_OF_RANGE') {
      // The file shrank (or grew) under us: sending it again cannot help.
      throw finalStorageError(new ShotGridError('SG_FILE', `${put.file} changed while it was being uploaded`, { cause: err }));
    }
    throw storageTransportError(err, info);
  } finally {
    watchdog.stop();
    dispose();
    stream?.destroy();
  }
}
