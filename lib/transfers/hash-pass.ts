/**
 * A multipart upload's checksums, computed in one sequential read of the file: every part's MD5
 * (its `Content-MD5`) and the file's MD5 (and SHA-256 when asked for: `UploadResult.checksums`).
 * The two MD5s run paired (md5-pair.ts), ~1.4 CPU seconds per GiB (~2 with SHA-256). No part is
 * held in memory: each part is then streamed from the file by its PUT (storage-put.ts).
 *
 * Why what the storage keeps is what was hashed: each PUT carries the part's MD5 from this pass
 * as `Content-MD5`, and the storage refuses bytes that do not match it (400 `BadDigest`). A part
 * changed on disk between the pass and its PUT is therefore refused, never stored, and the
 * upload ends as `SG_FILE` (multipart-upload.ts tells that from damage in transit).
 *
 * The pass runs on the event loop, {@link SLICE} bytes at a time (~0.35 ms of hashing between
 * reads, so sockets and timers are served in between). It ran on a worker thread until the
 * paired MD5 halved its cost: a worker is a Node environment of its own, ~10 MiB of the
 * uploading process's peak RSS, and on 2 cores the thread was no faster (bench P1, P3).
 *
 * The pass starts as soon as the plan is known, alongside the init, so a distant site's round
 * trip overlaps the hashing (bench P11). It runs at most {@link HASH_AHEAD} parts past the last
 * part a worker took, so a slow upload never makes it read far ahead, and a stopped upload
 * stops it at its next read ({@link HashPass.close} waits for that).
 */
import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { ShotGridError } from '../errors.js';
import { fileEndedError, fileReadError, md5Hash, readAt, type FileChecksums } from './checksums.js';
import { isPairable, MD5_PAIR_CAPACITY, Md5Pair } from './md5-pair.js';
import type { UploadPlan } from './part-plan.js';

/**
 * Parts the pass may hash past the last part a worker took, besides the parts in flight: the next
 * part's MD5 is ready when a worker takes it, and a stopped upload wasted little reading.
 */
const HASH_AHEAD = 2;

/** Bytes read and hashed at a time: a read call costs little per byte, the hashing between reads stays short. */
const SLICE = MD5_PAIR_CAPACITY;

/** Passes whose file is still open. */
let running = 0;

/** Hash passes that still hold their file open (running, or ending: a read or the close in flight). */
export function runningHashPasses(): number {
  return running;
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(err: Error): void;
}

/** The two MD5s of a pass: both from one {@link Md5Pair}, or (parts not on 64-byte boundaries) two OpenSSL hashes. */
interface PassHashes {
  /** Where the next bytes are read to. */
  space(max: number): Buffer;
  /** The `n` bytes just read to `space` go into both. */
  commit(n: number): void;
  partDigest(): Uint8Array;
  fileDigest(): string;
}

function opensslHashes(): PassHashes {
  const buffer = Buffer.allocUnsafe(SLICE);
  const whole = md5Hash();
  let part = md5Hash();
  return {
    space: (max) => buffer.subarray(0, Math.min(max, SLICE)),
    commit(n) {
      part.update(buffer.subarray(0, n));
      whole.update(buffer.subarray(0, n));
    },
    partDigest() {
      const digest = part.digest();
      part = md5Hash();
      return digest;
    },
    fileDigest: () => whole.digest('hex'),
  };
}

/** One multipart upload's hash pass over its file (see the module comment). */
export class HashPass {
  readonly #path: string;
  readonly #ahead: number;
  /** Part MD5s hashed and not yet asked for. */
  readonly #md5s = new Map<number, Buffer>();
  readonly #partWaiters = new Map<number, Waiter<Buffer>>();
  #endWaiter: Waiter<FileChecksums> | undefined;
  #checksums: FileChecksums | undefined;
  #failure: Error | undefined;
  #allowed: number;
  #running = true;
  /** Wakes the pass waiting for a higher `#allowed` (or its stop). */
  #wake: (() => void) | undefined;
  /** The pass itself: settles (never rejects) once its file is closed. */
  readonly #ran: Promise<void>;

  /** Starts hashing `path` as `plan` cuts it (a multipart plan); `sha256`: the file's SHA-256 too. */
  constructor(path: string, plan: UploadPlan, sha256 = false) {
    this.#path = path;
    this.#ahead = plan.concurrency + HASH_AHEAD;
    this.#allowed = this.#ahead;
    running++;
    this.#ran = this.#run(plan, sha256 ? createHash('sha256') : undefined);
  }

  /**
   * Part `n`'s MD5, once the pass has hashed it; asking for it tells the pass that a worker took
   * part `n` (it may then go on to part `n + concurrency + HASH_AHEAD`). Each part is asked once.
   */
  partMd5(n: number): Promise<Buffer> {
    if (n + this.#ahead > this.#allowed && this.#running) {
      this.#allowed = n + this.#ahead;
      this.#wakeUp();
    }
    const known = this.#md5s.get(n);
    if (known) {
      this.#md5s.delete(n);
      return Promise.resolve(known);
    }
    if (this.#failure) return Promise.reject(this.#failure);
    const md5 = new Promise<Buffer>((resolve, reject) => this.#partWaiters.set(n, { resolve, reject }));
    // Awaited only while the upload goes on (a stopped upload's are rejected).
    md5.catch(() => undefined);
    return md5;
  }

  /** The file's checksums, once the pass has read the whole file. */
  result(): Promise<FileChecksums> {
    if (this.#checksums) return Promise.resolve(this.#checksums);
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise<FileChecksums>((resolve, reject) => (this.#endWaiter = { resolve, reject }));
  }

  /**
   * Ends the pass if it still runs (the upload failed, was aborted, or went in one PUT after all:
   * what is awaited of it is rejected) and resolves once its file is closed, so that an upload
   * returns or throws with nothing left open. Waits at most for a read in flight.
   */
  close(): Promise<void> {
    if (this.#running) this.#fail(new Error('the upload stopped'));
    return this.#ran;
  }

  async #run(plan: UploadPlan, sha256: Hash | undefined): Promise<void> {
    const { size, partSize } = plan;
    let handle: FileHandle | undefined;
    try {
      handle = await open(this.#path, 'r');
      const hashes: PassHashes = isPairable(partSize) ? new Md5Pair() : opensslHashes();
      for (let n = 1, start = 0; start < size; n++, start += partSize) {
        while (n > this.#allowed && this.#running) await new Promise<void>((wake) => (this.#wake = wake));
        const end = Math.min(size, start + partSize);
        for (let at = start; at < end; ) {
          if (!this.#running) return;
          const space = hashes.space(end - at);
          const bytesRead = await readAt(handle.fd, space, space.length, at);
          if (!this.#running) return;
          if (bytesRead === 0) throw fileEndedError(this.#path, at);
          sha256?.update(space.subarray(0, bytesRead));
          hashes.commit(bytesRead);
          at += bytesRead;
        }
        this.#hashed(n, Buffer.from(hashes.partDigest()));
      }
      const md5 = hashes.fileDigest();
      this.#checksums = sha256 ? { md5, sha256: sha256.digest('hex') } : { md5 };
      this.#end();
      this.#endWaiter?.resolve(this.#checksums);
    } catch (err) {
      if (this.#running) this.#fail(err instanceof ShotGridError ? err : fileReadError(this.#path, err));
    } finally {
      await handle?.close().catch(() => undefined);
      running--;
    }
  }

  #hashed(n: number, md5: Buffer): void {
    const waiter = this.#partWaiters.get(n);
    this.#partWaiters.delete(n);
    if (waiter) waiter.resolve(md5);
    else this.#md5s.set(n, md5);
  }

  /** The pass ended in `err` (read failure, stop): every waiter gets it. */
  #fail(err: Error): void {
    this.#failure ??= err;
    this.#end();
    for (const waiter of this.#partWaiters.values()) waiter.reject(this.#failure);
    this.#partWaiters.clear();
    this.#md5s.clear();
    this.#endWaiter?.reject(this.#failure);
    this.#endWaiter = undefined;
  }

  #end(): void {
    if (!this.#running) return;
    this.#running = false;
    this.#wakeUp();
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
