/**
 * Checksums of uploads and downloads, computed from the bytes as they are read or received:
 *
 * - a single PUT's span is read once into memory ({@link readSpan}); its MD5 becomes the PUT's
 *   `Content-MD5`, so the storage checks the bytes in transit (400 `BadDigest`);
 * - a multipart upload's part MD5s (each part's `Content-MD5`) and the file's MD5 (and SHA-256
 *   when asked for, `UploadResult.checksums`) come from one pass over the file
 *   (hash-pass.ts); the parts are then streamed from the file, checked by the storage
 *   against those MD5s;
 * - {@link plainMd5Etag} tells whether a storage ETag is the MD5 of the object's bytes, the only
 *   case in which it can be compared (not a multipart `…-N` ETag, not an SSE-KMS / SSE-C object).
 */
import { createHash, type Hash } from 'node:crypto';
import { read as fsRead } from 'node:fs';
import { open } from 'node:fs/promises';
import { ShotGridError } from '../errors.js';
import { abortError } from '../http/abort.js';
import { errorCodeOf } from '../http/error-mapping.js';

/** The checksums of an uploaded or downloaded file (lowercase hex); `sha256` only when asked for. */
export interface FileChecksums {
  md5: string;
  sha256?: string;
}

/**
 * Checks the `sha256` option of an upload or download: whether the file's SHA-256 is computed
 * besides its MD5. Off by default because it is not cheap: ~0.6 CPU s per GiB at this machine's
 * ~1.7 GiB/s (bench P1 `params.hashing`), a quarter of a fast upload's client CPU.
 */
export function wantsSha256(value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new ShotGridError('SG_CONFIG', 'sha256 must be true or false');
  return value;
}

/**
 * Bytes asked of the file system per read call (reads land straight in the span's buffer), and
 * hashed at a time: small enough that hashing never holds the event loop for long (aborts and
 * other uploads' progress stay prompt on a busy machine).
 */
const READ_CALL = 1024 * 1024;

/** `SG_FILE` for a file that could not be read mid-upload (deleted, replaced, unreadable). */
export function fileReadError(file: string, err: unknown): ShotGridError {
  const code = errorCodeOf(err);
  const why = code === 'ENOENT' ? 'was deleted while it was being uploaded' : `could not be read while it was being uploaded (${code ?? String(err)})`;
  return new ShotGridError('SG_FILE', `${file} ${why}`, { cause: err });
}

/** `SG_FILE` for a file that ended at byte `at` before the bytes planned (`end`, when known). */
export function fileEndedError(file: string, at: number, end?: number): ShotGridError {
  return new ShotGridError('SG_FILE', `${file} changed while it was being uploaded (it ended at byte ${at}${end === undefined ? '' : `, ${end} planned`})`);
}

/**
 * Reads up to `length` bytes of the open file `fd` at `position` into the start of `into`;
 * resolves the bytes read (0 at the end of the file). `fs.read` with a callback: `FileHandle.read` makes a
 * result object and more promises per call, garbage per chunk on an upload's hot path (bench P3).
 */
export function readAt(fd: number, into: Buffer, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => fsRead(fd, into, 0, length, position, (err, n) => (err ? reject(err) : resolve(n))));
}

/**
 * Reads `[start, end)` of `file` into `into` (reused between spans to keep memory flat), or a new
 * buffer, feeding `hash` as the bytes arrive. `SG_FILE` when the file is gone, unreadable or
 * shorter than planned; `SG_ABORTED` between reads once `signal` fires.
 */
export async function readSpan(file: string, start: number, end: number, into?: Buffer, hash?: { update(bytes: Buffer): unknown }, signal?: AbortSignal): Promise<Buffer> {
  const length = end - start;
  const bytes = into && into.length >= length ? into.subarray(0, length) : Buffer.allocUnsafeSlow(length);
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw fileReadError(file, err);
  }
  try {
    for (let off = 0; off < length; ) {
      if (signal?.aborted) throw abortError(signal);
      let bytesRead: number;
      try {
        bytesRead = await readAt(handle.fd, bytes.subarray(off), Math.min(READ_CALL, length - off), start + off);
      } catch (err) {
        throw fileReadError(file, err);
      }
      if (bytesRead === 0) throw fileEndedError(file, start + off, end);
      hash?.update(bytes.subarray(off, off + bytesRead));
      off += bytesRead;
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
  return bytes;
}

/**
 * Feeds `[start, end)` of `file` to `hash` through one small buffer (a part checked again after
 * the storage refused it). `SG_FILE` as {@link readSpan}.
 */
export async function hashSpan(file: string, start: number, end: number, hash: { update(bytes: Buffer): unknown }, signal?: AbortSignal): Promise<void> {
  const buffer = Buffer.allocUnsafeSlow(Math.min(READ_CALL, end - start));
  for (let at = start; at < end; at += READ_CALL) {
    await readSpan(file, at, Math.min(end, at + READ_CALL), buffer, hash, signal);
  }
}

/** A fresh MD5 hash (a span's `Content-MD5`). */
export function md5Hash(): Hash {
  return createHash('md5');
}

/**
 * The ETag's hex digest when it is the plain MD5 of the bytes (`"<32 hex>"`), else undefined:
 * multipart ETags (`…-N`), weak ETags, and objects encrypted with SSE-KMS or SSE-C (whose ETag
 * is not an MD5 of the content) cannot be compared.
 */
export function plainMd5Etag(etag: string | undefined, headers: Record<string, string | string[] | undefined>): string | undefined {
  if (etag === undefined) return undefined;
  const sse = String(headers['x-amz-server-side-encryption'] ?? '').toLowerCase();
  if (sse.startsWith('aws:kms') || headers['x-amz-server-side-encryption-customer-algorithm'] !== undefined) return undefined;
  const m = /^"?([0-9a-f]{32})"?$/i.exec(etag.trim());
  return m ? m[1]!.toLowerCase() : undefined;
}

/** MD5 (and SHA-256 when `sha256`) of a byte stream, fed in order. */
export class StreamDigest {
  readonly #withSha256: boolean;
  #md5: Hash = createHash('md5');
  #sha256: Hash | undefined;

  constructor(sha256 = false) {
    this.#withSha256 = sha256;
    this.#sha256 = sha256 ? createHash('sha256') : undefined;
  }

  update(bytes: Buffer): void {
    this.#md5.update(bytes);
    this.#sha256?.update(bytes);
  }

  /** Starts over (a download restarted from byte 0). */
  reset(): void {
    this.#md5 = createHash('md5');
    this.#sha256 = this.#withSha256 ? createHash('sha256') : undefined;
  }

  /** The MD5 so far, without ending the hash. */
  md5Hex(): string {
    return this.#md5.copy().digest('hex');
  }

  result(): FileChecksums {
    const md5 = this.#md5.copy().digest('hex');
    return this.#sha256 ? { md5, sha256: this.#sha256.copy().digest('hex') } : { md5 };
  }
}
