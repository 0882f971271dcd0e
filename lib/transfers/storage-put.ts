/**
 * One PUT of a file span to a signed storage URL (S3 presigned, or the site's own `sg` link).
 *
 * - The body is a fresh stream of exactly that span for every attempt (a consumed stream cannot
 *   be re-sent: the official client's bug), with `Content-Length` always set, so it is never
 *   chunked: from memory with `Content-MD5` when the span was read whole (small files); from
 *   the file with `Content-MD5` when its MD5 is known beforehand (parts: hash-pass.ts); else
 *   from the file, hashed on the way.
 * - A plain-MD5 ETag in the answer must be the MD5 of what was sent (`SG_INTEGRITY` otherwise).
 * - Sent through the storage transport (`http/storage-transport.ts`: no bearer, stall watchdog,
 *   classified failures) and repeated under the client's one retry policy ({@link putWithRetries}).
 */
import { open } from 'node:fs/promises';
import type { ApiCaller } from '../api-caller.js';
import { isShotGridError, ShotGridError } from '../errors.js';
import { asStep, errorCodeOf, markFailure } from '../http/failures.js';
import { integrityError, storageProtocolError } from '../http/storage-errors.js';
import { storageExchange } from '../http/storage-transport.js';
import { fileEndedError, fileReadError, plainMd5Etag, readAt, StreamDigest, type FileChecksums } from './checksums.js';

/**
 * What a PUT sends: a span held in memory with its MD5 (sent as `Content-MD5`, so the storage
 * checks the bytes in transit); a span streamed from the file with its MD5 computed beforehand
 * (also sent as `Content-MD5`: the storage refuses bytes that changed since); or a span too
 * large to hold, streamed from the file and hashed on the way (then only the ETag can confirm it).
 * A span streamed from the file reads through two buffers (see {@link sendBuffers}): the
 * caller's, or fresh ones.
 */
export type PutBody = { bytes: Buffer; md5: Buffer } | (FileSpan & { buffers?: SendBuffers }) | PartBody;

/** A span streamed from the file with its known MD5 (a multipart part). */
export type PartBody = FileSpan & { md5: Buffer; buffers?: SendBuffers };

/** `[start, end)` of a file. */
export interface FileSpan {
  file: string;
  start: number;
  end: number;
}

/** One storage PUT. */
export interface StoragePut {
  url: string;
  body: PutBody;
  contentType?: string;
  /** For messages, e.g. `part 3`. */
  what?: string;
  /** Whether the answer must carry an ETag (multipart parts). */
  requireEtag?: boolean;
  /** A streamed span's SHA-256 too, besides its MD5 (`StoragePutResult.streamed`). */
  sha256?: boolean;
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
 * slow as a raw PUT. With a part's two buffers reused (see {@link sendBuffers}), 256 KiB chunks
 * held 4 MiB less than 512 KiB ones with 8 parts in flight at the same CPU (1 GiB upload: peak
 * RSS ~111.5 vs ~116.5 MiB, ~4.0-4.7 CPU s both); 128 KiB saved nothing more and cost CPU.
 * Above any socket's buffer limit (16-64 KiB), which {@link fromSpan} relies on.
 */
const READ_CHUNK = 256 * 1024;

/** The two read buffers of a part's PUT: reusable by the caller after a PUT that succeeded. */
export interface SendBuffers {
  readonly pair: readonly [Buffer, Buffer];
}

/**
 * Fresh buffers for a span streamed from the file. Memory: a fresh buffer for every read (what a file stream
 * does) is garbage V8 frees only when the young generation is collected, which it forces once
 * ~32 MiB of such buffers are waiting: the uploading process's RSS swung by that much (bench P3).
 * Two buffers per part in flight, reused, keep it flat. They are reused only when no socket can
 * still be writing them: within a PUT, see {@link fromSpan}; from one PUT to the next only after
 * a 2xx answer, which the storage sends once it has every byte (it checked their Content-MD5).
 * After a failed attempt the caller takes fresh ones (its socket may not be done with them).
 */
export function sendBuffers(): SendBuffers {
  return { pair: [Buffer.allocUnsafeSlow(READ_CHUNK), Buffer.allocUnsafeSlow(READ_CHUNK)] };
}

/**
 * A span's bytes through its two buffers, the next chunk read while the last one is sent (and
 * fed to `digest` first, when the span's MD5 is not known beforehand). The
 * chunk read into a buffer was yielded two chunks earlier, and undici asks an iterable body for
 * its next chunk only once the socket took the previous one whole (`write` returned true, or
 * after `drain`); a full chunk is above any socket's buffer limit (16-64 KiB), so that write
 * returned false and the socket drained it: no socket still holds a buffer when it is refilled.
 * Should that ever fail, the bytes sent would not match their Content-MD5 and the storage would
 * refuse them (BadDigest): never stored (a span hashed on the way: its plain-MD5 ETag would not
 * match, SG_INTEGRITY). The body must reach undici as this iterable, not
 * through a stream that reads ahead (storage-transport.ts).
 */
async function* fromSpan(body: FileSpan & { buffers?: SendBuffers }, hooks: ChunkHooks): AsyncGenerator<Buffer> {
  const [a, b] = (body.buffers ?? sendBuffers()).pair;
  let handle;
  try {
    handle = await open(body.file, 'r');
  } catch (err) {
    hooks.onReadError(err);
    throw err;
  }
  const { fd } = handle;
  let reading: Promise<number> | undefined;
  const read = (into: Buffer, at: number): Promise<number> => readAt(fd, into, Math.min(READ_CHUNK, body.end - at), at);
  try {
    reading = read(a, body.start);
    for (let at = body.start, i = 0; at < body.end; i++) {
      const into = i % 2 === 0 ? a : b;
      let bytesRead: number;
      try {
        bytesRead = await reading!;
      } catch (err) {
        hooks.onReadError(err);
        throw err;
      }
      reading = undefined;
      if (bytesRead === 0) {
        const err = fileEndedError(body.file, at, body.end);
        hooks.onReadError(err);
        throw err;
      }
      at += bytesRead;
      if (at < body.end) reading = read(i % 2 === 0 ? b : a, at);
      const chunk = into.subarray(0, bytesRead);
      hooks.digest?.update(chunk);
      hooks.sent(bytesRead);
      yield chunk;
    }
  } finally {
    // A read still landing in a buffer is waited for before the file is closed.
    await reading?.catch(() => undefined);
    await handle.close().catch(() => undefined);
  }
}

/** What a body does with each chunk besides yielding it. */
interface ChunkHooks {
  /** Hashes the chunk (a span whose MD5 is not known beforehand). */
  digest: StreamDigest | undefined;
  /** The chunk is handed on (progress, and the transport's stall watchdog). */
  sent: (bytes: number) => void;
  /** Records a failure reading the local file. */
  onReadError: (err: unknown) => void;
}

/** A span held in memory, in chunks the stall watchdog and progress can follow. */
async function* fromMemory(bytes: Buffer, hooks: ChunkHooks): AsyncGenerator<Buffer> {
  for (let off = 0; off < bytes.length; off += READ_CHUNK) {
    const chunk = bytes.subarray(off, off + READ_CHUNK);
    hooks.sent(chunk.length);
    yield chunk;
  }
}

/** Sends the span once. Throws classified `ShotGridError`s (see `http/failures.ts`). */
export async function putToStorage(api: ApiCaller, put: StoragePut): Promise<StoragePutResult> {
  const { body } = put;
  const length = 'bytes' in body ? body.bytes.length : body.end - body.start;
  // A failure reading the local file (deleted, replaced by a folder, unreadable) is not a network
  // failure: it is kept apart so it is reported as SG_FILE and not retried.
  let readError: unknown;
  // A span whose MD5 is known is not hashed again on the way.
  const digest = 'md5' in body ? undefined : new StreamDigest(put.sha256);
  const onReadError = (err: unknown): void => void (readError = err);
  // One generator per body, no layer around it: each layer of async generator is garbage per chunk.
  const chunks = (kick: () => void): AsyncGenerator<Buffer> => {
    const hooks: ChunkHooks = { digest, onReadError, sent: put.onBytes ? (n) => (kick(), put.onBytes!(n)) : kick };
    return 'bytes' in body ? fromMemory(body.bytes, hooks) : fromSpan(body, hooks);
  };
  const headers: Record<string, string> = { 'content-length': String(length) };
  if ('md5' in body) headers['content-md5'] = body.md5.toString('base64');
  if (put.contentType) headers['content-type'] = put.contentType;
  const ownFailure = (err: unknown): unknown => {
    if (readError !== undefined && !('bytes' in body)) return markFailure(isShotGridError(readError) ? readError : fileReadError(body.file, readError), 'local-file');
    if (errorCodeOf(err) === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH' || errorCodeOf(err) === 'ERR_OUT_OF_RANGE') {
      // The file shrank (or grew) under us: sending it again cannot help.
      return markFailure(new ShotGridError('SG_FILE', `${'file' in body ? body.file : 'the file'} changed while it was being uploaded`, { cause: err }), 'local-file');
    }
    return undefined;
  };
  return storageExchange(api, { method: 'PUT', url: put.url, headers, body: chunks, ...('bytes' in body ? { bodyHighWaterMark: READ_CHUNK } : {}), what: put.what, signal: put.signal, ownFailure }, async (answer) => {
    const { info } = answer;
    if (answer.status < 200 || answer.status >= 300) return answer.fail();
    const text = await answer.text();
    const etag = answer.header('etag');
    if (put.requireEtag && !etag) throw storageProtocolError(`answered ${answer.status} without an ETag`, info);
    const streamed = digest?.result();
    const sent = streamed?.md5 ?? ('md5' in body ? body.md5.toString('hex') : '');
    const stored = plainMd5Etag(etag, answer.headers);
    if (stored !== undefined && stored !== sent) throw integrityError(`the storage's ETag ${stored} is not the MD5 of the bytes sent (${sent})`, info);
    let json: unknown;
    if (/json/i.test(answer.header('content-type') ?? '') && text.trim() !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        throw storageProtocolError(`answered ${answer.status} with invalid JSON`, info);
      }
    }
    return { status: answer.status, etag, json, ...(streamed ? { streamed } : {}) };
  });
}

/** One PUT repeated under the client's retry policy. */
export interface RetriedPut {
  /** The link to try first; without it a fresh one is asked for before the first attempt. */
  link?: string;
  /** Asks the site for a fresh signed link (a request under its own policy). */
  freshLink: () => Promise<string>;
  /** One attempt against `url`. */
  put: (url: string) => Promise<StoragePutResult>;
  signal?: AbortSignal;
  /** Called before each attempt (attempt counting). */
  onAttempt?: () => void;
}

/**
 * Runs the PUT until it succeeds or the policy says stop: a new body on every attempt, a fresh
 * link after the storage refused one (403), one re-send after damaged bytes.
 */
export async function putWithRetries(api: ApiCaller, run: RetriedPut): Promise<StoragePutResult> {
  let link = run.link;
  const renew = async (): Promise<void> => {
    link = await run.freshLink();
  };
  return api.retryable(
    async () => {
      if (link === undefined) await asStep(renew);
      run.onAttempt?.();
      return run.put(link!);
    },
    { signal: run.signal, freshLink: renew },
  );
}
