/**
 * A multipart upload's whole-file checksums (MD5, and SHA-256 when asked for: `UploadResult.checksums`),
 * computed on a thread of their own (hash-thread.ts) from the very part buffers that are sent.
 * Each part's own MD5 (its `Content-MD5`) is computed as it is read (checksums.ts readSpan); the
 * file's hashes are another ~1.5 CPU seconds per GiB (~2.3 with SHA-256), which on the event loop made the loop
 * the bottleneck of a fast upload (bench P1). On the thread they run on another core.
 *
 * One thread per process, shared by every upload, started on first use (~30 ms) and stopped when
 * idle (it keeps nothing between uploads). Part bytes must be in shared memory ({@link sharedBuffer}).
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ShotGridError } from '../errors.js';
import type { FileChecksums } from './checksums.js';
import type { HashAnswer, HashRequest } from './hash-thread.js';

/** An idle thread is stopped after this long. */
const IDLE_MS = 10_000;

/** A buffer the hash thread reads without a copy (shared memory). */
export function sharedBuffer(size: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(size));
}

interface Waiter {
  resolve(value: FileChecksums | undefined): void;
  reject(err: Error): void;
}

let worker: Worker | undefined;
let idleTimer: NodeJS.Timeout | undefined;
let nextFile = 1;
/** Answers awaited, by `file:part` (`file:end` for the checksums). */
const waiters = new Map<string, Waiter>();

function thread(): Worker {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = undefined;
  if (worker) return worker;
  const w = new Worker(join(__dirname, 'hash-thread.js'));
  w.on('message', (a: HashAnswer) => {
    const key = 'end' in a ? `${a.file}:end` : `${a.file}:${a.consumed}`;
    const waiter = waiters.get(key);
    waiters.delete(key);
    waiter?.resolve('end' in a ? a.end : undefined);
    if (waiters.size === 0) idle();
  });
  const gone = (why: string): void => {
    if (worker !== w) return;
    worker = undefined;
    const err = new ShotGridError('SG_INTEGRITY', `the file's checksums could not be computed: the hash thread ${why}`);
    for (const waiter of waiters.values()) waiter.reject(err);
    waiters.clear();
  };
  w.on('error', (err) => gone(`failed (${err.message})`));
  w.on('exit', (code) => gone(`exited (code ${code})`));
  worker = w;
  return w;
}

/** Nothing is awaited: the thread no longer keeps the process alive, and stops after a while. */
function idle(): void {
  const w = worker;
  if (!w || idleTimer) return;
  w.unref();
  idleTimer = setTimeout(() => {
    idleTimer = undefined;
    if (worker === w && waiters.size === 0) {
      worker = undefined;
      void w.terminate();
    }
  }, IDLE_MS);
  idleTimer.unref();
}

function ask(req: HashRequest, key: string): Promise<FileChecksums | undefined> {
  const w = thread();
  w.ref();
  const answer = new Promise<FileChecksums | undefined>((resolve, reject) => waiters.set(key, { resolve, reject }));
  w.postMessage(req);
  return answer;
}

/** One multipart upload's whole-file checksums, hashed on the hash thread in part order. */
export class FileDigest {
  readonly #file = nextFile++;
  readonly #sha256: boolean;
  #done = false;

  /** `sha256`: the file's SHA-256 too, besides its MD5. */
  constructor(sha256 = false) {
    this.#sha256 = sha256;
  }

  /**
   * Hands part `n` (in shared memory, see {@link sharedBuffer}) to the file's hashes; resolves
   * once they have taken it, after which its buffer may be reused.
   */
  add(n: number, bytes: Buffer): Promise<void> {
    if (!(bytes.buffer instanceof SharedArrayBuffer)) throw new TypeError('part bytes must be in shared memory (sharedBuffer)');
    const consumed = ask({ op: 'part', file: this.#file, n, bytes, sha256: this.#sha256 }, `${this.#file}:${n}`).then(() => undefined);
    // Awaited only while the upload goes on (a stopped upload's are rejected).
    consumed.catch(() => undefined);
    return consumed;
  }

  /** The file's checksums, once every part has been added. */
  async result(): Promise<FileChecksums> {
    this.#done = true;
    return (await ask({ op: 'end', file: this.#file }, `${this.#file}:end`))!;
  }

  /** The upload failed: the thread forgets it, and nothing of it is awaited any more. */
  stop(): void {
    if (this.#done) return;
    this.#done = true;
    for (const [key, waiter] of [...waiters]) {
      if (!key.startsWith(`${this.#file}:`)) continue;
      waiters.delete(key);
      waiter.reject(new Error('the upload stopped'));
    }
    worker?.postMessage({ op: 'drop', file: this.#file } satisfies HashRequest);
    if (waiters.size === 0) idle();
  }
}
