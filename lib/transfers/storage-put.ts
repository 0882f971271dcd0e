/**
 * One PUT of a file span to a signed storage URL (S3 presigned, or the site's own `sg` link).
 *
 * - The body is a fresh stream of exactly that span for every attempt (a consumed stream cannot
 *   be re-sent: the official client's bug), with `Content-Length` always set, so it is never
 *   chunked: from memory with `Content-MD5` when the span was read whole (parts, small files),
 *   else from the file, hashed on the way.
 * - A plain-MD5 ETag in the answer must be the MD5 of what was sent (`SG_INTEGRITY` otherwise).
 * - Sent with `undici`'s `request` on the client's dispatcher (no redirects, no buffering).
 * - No Authorization header: the signature in the URL is the credential.
 * - A watchdog abandons the attempt when no byte moved for `stallMs` (body or answer).
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { ApiCaller } from '../api-caller.js';
import { ShotGridError } from '../errors.js';
import { abortError, linkSignals } from '../http/abort.js';
import { errorCodeOf } from '../http/error-mapping.js';
import { fileReadError, plainMd5Etag, StreamDigest, type FileChecksums } from './checksums.js';
import { finalStorageError, integrityError, storageHttpError, storageProtocolError, storageTransportError, stallError, type StorageRequestInfo } from './storage-errors.js';
import { StallWatchdog } from './watchdog.js';

/**
 * What a PUT sends: a span held in memory with its MD5 (sent as `Content-MD5`, so the storage
 * checks the bytes in transit), or a span too large to hold, streamed from the file and hashed on
 * the way (then only the ETag can confirm it).
 */
export type PutBody = { bytes: Buffer; md5: Buffer } | { file: string; start: number; end: number };

/** One storage PUT. */
export interface StoragePut {
  url: string;
  body: PutBody;
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
  /** Checksums of a streamed span, computed as it was sent. */
  streamed?: FileChecksums;
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

/** The bytes to send, in chunks the stall watchdog and progress can follow; records read errors. */
function bodyChunks(body: PutBody, digest: StreamDigest | undefined, onReadError: (err: unknown) => void, onStream: (s: ReadStream) => void): () => AsyncGenerator<Buffer> {
  if ('bytes' in body) {
    return async function* fromMemory() {
      for (let off = 0; off < body.bytes.length; off += READ_CHUNK) yield body.bytes.subarray(off, off + READ_CHUNK);
    };
  }
  return async function* fromFile() {
    const stream = createReadStream(body.file, { start: body.start, end: body.end - 1, highWaterMark: READ_CHUNK });
    onStream(stream);
    try {
      for await (const chunk of stream) {
        digest?.update(chunk as Buffer);
        yield chunk as Buffer;
      }
    } catch (err) {
      onReadError(err);
      throw err;
    }
  };
}

/** Sends the span once. Throws `ShotGridError`s marked with their storage action (see storage-errors). */
export async function putToStorage(api: ApiCaller, put: StoragePut): Promise<StoragePutResult> {
  const url = new URL(put.url);
  const info: StorageRequestInfo = { method: 'PUT', url, what: put.what };
  const { body } = put;
  const length = 'bytes' in body ? body.bytes.length : body.end - body.start;
  const { controller, dispose } = linkSignals(put.signal);
  const watchdog = new StallWatchdog(api.timeouts.stall, () => controller.abort(new Error('stalled')));
  let stream: ReadStream | undefined;
  // A failure reading the local file (deleted, replaced by a folder, unreadable) is not a network
  // failure: it is kept apart so it is reported as SG_FILE and not retried.
  let readError: unknown;
  const digest = 'bytes' in body ? undefined : new StreamDigest();
  const chunks = bodyChunks(body, digest, (err) => void (readError = err), (s) => void (stream = s));
  async function* watched(): AsyncGenerator<Buffer> {
    for await (const chunk of chunks()) {
      watchdog.kick();
      put.onBytes?.(chunk.length);
      yield chunk;
    }
  }
  const headers: Record<string, string> = { 'content-length': String(length), 'user-agent': api.userAgent };
  if ('bytes' in body) headers['content-md5'] = body.md5.toString('base64');
  if (put.contentType) headers['content-type'] = put.contentType;
  try {
    const res = await api.dispatcher.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: 'PUT',
      headers,
      body: Readable.from(watched(), { objectMode: false, highWaterMark: READ_CHUNK }),
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
    const streamed = digest?.result();
    const sent = streamed?.md5 ?? ('bytes' in body ? body.md5.toString('hex') : '');
    const stored = plainMd5Etag(etag, resHeaders);
    if (stored !== undefined && stored !== sent) throw integrityError(`the storage's ETag ${stored} is not the MD5 of the bytes sent (${sent})`, info);
    let json: unknown;
    if (/json/i.test(header(resHeaders, 'content-type') ?? '') && text.trim() !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        throw storageProtocolError(`answered ${res.statusCode} with invalid JSON`, info);
      }
    }
    return { status: res.statusCode, etag, json, ...(streamed ? { streamed } : {}) };
  } catch (err) {
    if (put.signal?.aborted) throw abortError(put.signal, { method: 'PUT' });
    if (watchdog.stalled) throw stallError(api.timeouts.stall, info);
    if (readError !== undefined && !('bytes' in body)) throw finalStorageError(fileReadError(body.file, readError));
    if (errorCodeOf(err) === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH' || errorCodeOf(err) === 'ERR_OUT_OF_RANGE') {
      // The file shrank (or grew) under us: sending it again cannot help.
      throw finalStorageError(new ShotGridError('SG_FILE', `${'file' in body ? body.file : 'the file'} changed while it was being uploaded`, { cause: err }));
    }
    throw storageTransportError(err, info);
  } finally {
    watchdog.stop();
    dispose();
    stream?.destroy();
  }
}
