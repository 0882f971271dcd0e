/**
 * One PUT of a file span to a signed storage URL (S3 presigned, or the site's own `sg` link).
 *
 * - The body is a fresh stream of exactly that span for every attempt (a consumed stream cannot
 *   be re-sent: the official client's bug), with `Content-Length` always set, so it is never
 *   chunked: from memory with `Content-MD5` when the span was read whole (small files); from
 *   the file with `Content-MD5` when its MD5 is known beforehand (parts: hash-offload.ts); else
 *   from the file, hashed on the way.
 * - A plain-MD5 ETag in the answer must be the MD5 of what was sent (`SG_INTEGRITY` otherwise).
 * - Sent through the storage transport (`http/storage-transport.ts`: no bearer, stall watchdog,
 *   classified failures) and repeated under the client's one retry policy ({@link putWithRetries}).
 */
import { createReadStream, type ReadStream } from 'node:fs';
import type { ApiCaller } from '../api-caller.js';
import { ShotGridError } from '../errors.js';
import { asStep, errorCodeOf, markFailure } from '../http/failures.js';
import { integrityError, storageProtocolError } from '../http/storage-errors.js';
import { storageExchange } from '../http/storage-transport.js';
import { fileReadError, plainMd5Etag, StreamDigest, type FileChecksums } from './checksums.js';

/**
 * What a PUT sends: a span held in memory with its MD5 (sent as `Content-MD5`, so the storage
 * checks the bytes in transit); a span streamed from the file with its MD5 computed beforehand
 * (also sent as `Content-MD5`: the storage refuses bytes that changed since); or a span too
 * large to hold, streamed from the file and hashed on the way (then only the ETag can confirm it).
 */
export type PutBody = { bytes: Buffer; md5: Buffer } | FileSpan | (FileSpan & { md5: Buffer });

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
 * slow as a raw PUT. Larger chunks are not free either: sent chunks are garbage V8 collects late
 * (few, large buffers), so 1 MiB chunks raised the uploading process's peak RSS by ~12 MiB over
 * 512 KiB ones at no measurable CPU gain (bench P3).
 */
const READ_CHUNK = 512 * 1024;

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

/** Sends the span once. Throws classified `ShotGridError`s (see `http/failures.ts`). */
export async function putToStorage(api: ApiCaller, put: StoragePut): Promise<StoragePutResult> {
  const { body } = put;
  const length = 'bytes' in body ? body.bytes.length : body.end - body.start;
  let stream: ReadStream | undefined;
  // A failure reading the local file (deleted, replaced by a folder, unreadable) is not a network
  // failure: it is kept apart so it is reported as SG_FILE and not retried.
  let readError: unknown;
  // A span whose MD5 is known is not hashed again on the way.
  const digest = 'md5' in body ? undefined : new StreamDigest(put.sha256);
  const chunks = bodyChunks(body, digest, (err) => void (readError = err), (s) => void (stream = s));
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of chunks()) {
      put.onBytes?.(chunk.length);
      yield chunk;
    }
  }
  const headers: Record<string, string> = { 'content-length': String(length) };
  if ('md5' in body) headers['content-md5'] = body.md5.toString('base64');
  if (put.contentType) headers['content-type'] = put.contentType;
  const ownFailure = (err: unknown): unknown => {
    if (readError !== undefined && !('bytes' in body)) return markFailure(fileReadError(body.file, readError), 'local-file');
    if (errorCodeOf(err) === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH' || errorCodeOf(err) === 'ERR_OUT_OF_RANGE') {
      // The file shrank (or grew) under us: sending it again cannot help.
      return markFailure(new ShotGridError('SG_FILE', `${'file' in body ? body.file : 'the file'} changed while it was being uploaded`, { cause: err }), 'local-file');
    }
    return undefined;
  };
  try {
    return await storageExchange(api, { method: 'PUT', url: put.url, headers, body: counted(), bodyHighWaterMark: READ_CHUNK, what: put.what, signal: put.signal, ownFailure }, async (answer) => {
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
  } finally {
    stream?.destroy();
  }
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
