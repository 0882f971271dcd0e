/**
 * A multipart upload's checksums, computed on a thread of their own (hash-thread.ts) in one
 * sequential read of the file: every part's MD5 (its `Content-MD5`) and the file's MD5 (and
 * SHA-256 when asked for: `UploadResult.checksums`). The two MD5s run paired (md5-pair.ts),
 * ~1.4 CPU seconds per GiB (~2 with SHA-256); on the event loop hashing made the loop the
 * bottleneck of a fast upload (bench P1). On the thread they run on another core, and no part is held in memory: each part
 * is then streamed from the file by its PUT (storage-put.ts).
 *
 * Why what the storage keeps is what was hashed: each PUT carries the part's MD5 from this pass
 * as `Content-MD5`, and the storage refuses bytes that do not match it (400 `BadDigest`). A part
 * changed on disk between the pass and its PUT is therefore refused, never stored, and the
 * upload ends as `SG_FILE` (multipart-upload.ts tells that from damage in transit).
 *
 * The pass starts as soon as the plan is known, alongside the init, so a distant site's round
 * trip overlaps the hashing (bench P11). It runs at most {@link HASH_AHEAD} parts past the last
 * part a worker took, so a slow upload never makes it read far ahead, and a stopped upload
 * stops it.
 *
 * One thread per process, shared by every upload, started on first use (~30 ms) and stopped when
 * idle (it keeps nothing between uploads).
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ShotGridError } from '../errors.js';
import { fileReadError, type FileChecksums } from './checksums.js';
import type { HashAnswer, HashRequest } from './hash-thread.js';
import type { UploadPlan } from './part-plan.js';

/** An idle thread is stopped after this long. */
const IDLE_MS = 10_000;
/**
 * Parts the pass may hash past the last part a worker took, besides the parts in flight: the next
 * part's MD5 is ready when a worker takes it, and a stopped upload wasted little reading.
 */
const HASH_AHEAD = 2;

let worker: Worker | undefined;
let idleTimer: NodeJS.Timeout | undefined;
let nextFile = 1;
/** Passes running, by id. */
const passes = new Map<number, HashPass>();

function thread(): Worker {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = undefined;
  if (worker) return worker;
  // Its JavaScript makes little garbage (a promise per read): a small young generation is enough,
  // and the thread's share of the process's peak RSS drops by ~2.5 MiB (bench P3).
  const w = new Worker(join(__dirname, 'hash-thread.js'), { resourceLimits: { maxYoungGenerationSizeMb: 1 } });
  w.on('message', (a: HashAnswer) => passes.get(a.file)?.answer(a));
  const gone = (why: string): void => {
    if (worker !== w) return;
    worker = undefined;
    const err = new ShotGridError('SG_INTEGRITY', `the file's checksums could not be computed: the hash thread ${why}`);
    for (const pass of [...passes.values()]) pass.fail(err);
  };
  w.on('error', (err) => gone(`failed (${err.message})`));
  w.on('exit', (code) => gone(`exited (code ${code})`));
  worker = w;
  return w;
}

/** No pass runs: the thread no longer keeps the process alive, and stops after a while. */
function idle(): void {
  const w = worker;
  if (!w || idleTimer || passes.size > 0) return;
  w.unref();
  idleTimer = setTimeout(() => {
    idleTimer = undefined;
    if (worker === w && passes.size === 0) {
      worker = undefined;
      void w.terminate();
    }
  }, IDLE_MS);
  idleTimer.unref();
}

/** Hash passes not yet ended (finished, failed or stopped): what keeps the thread busy. */
export function runningHashPasses(): number {
  return passes.size;
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(err: Error): void;
}

/** One multipart upload's hash pass over its file (see the module comment). */
export class HashPass {
  readonly #id = nextFile++;
  readonly #path: string;
  readonly #ahead: number;
  /** Part MD5s answered and not yet asked for. */
  readonly #md5s = new Map<number, Buffer>();
  readonly #partWaiters = new Map<number, Waiter<Buffer>>();
  #endWaiter: Waiter<FileChecksums> | undefined;
  #checksums: FileChecksums | undefined;
  #failure: Error | undefined;
  #allowed: number;
  #running = true;

  /** Starts hashing `path` as `plan` cuts it (a multipart plan); `sha256`: the file's SHA-256 too. */
  constructor(path: string, plan: UploadPlan, sha256 = false) {
    this.#path = path;
    this.#ahead = plan.concurrency + HASH_AHEAD;
    this.#allowed = this.#ahead;
    const w = thread();
    w.ref();
    passes.set(this.#id, this);
    w.postMessage({ op: 'start', file: this.#id, path, size: plan.size, partSize: plan.partSize, sha256, allowed: this.#allowed } satisfies HashRequest);
  }

  /**
   * Part `n`'s MD5, once the pass has hashed it; asking for it tells the pass that a worker took
   * part `n` (it may then go on to part `n + concurrency + HASH_AHEAD`). Each part is asked once.
   */
  partMd5(n: number): Promise<Buffer> {
    if (n + this.#ahead > this.#allowed && this.#running) {
      this.#allowed = n + this.#ahead;
      worker?.postMessage({ op: 'allow', file: this.#id, allowed: this.#allowed } satisfies HashRequest);
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

  /** The upload stopped (failed, aborted, or no multipart after all): the pass ends, nothing of it is awaited any more. */
  stop(): void {
    if (!this.#running) return;
    worker?.postMessage({ op: 'drop', file: this.#id } satisfies HashRequest);
    this.fail(new Error('the upload stopped'));
  }

  /** @internal An answer of the thread for this pass. */
  answer(a: HashAnswer): void {
    if ('part' in a) {
      const md5 = Buffer.from(a.md5.buffer, a.md5.byteOffset, a.md5.byteLength);
      const waiter = this.#partWaiters.get(a.part);
      this.#partWaiters.delete(a.part);
      if (waiter) waiter.resolve(md5);
      else this.#md5s.set(a.part, md5);
    } else if ('end' in a) {
      this.#checksums = a.end;
      this.#end();
      this.#endWaiter?.resolve(a.end);
    } else {
      const { code, message, endedAt } = a.failed;
      const err = endedAt !== undefined
        ? new ShotGridError('SG_FILE', `${this.#path} changed while it was being uploaded (it ended at byte ${endedAt})`)
        : fileReadError(this.#path, Object.assign(new Error(message), code ? { code } : {}));
      this.fail(err);
    }
  }

  /** @internal The pass ended in `err` (read failure, thread gone, stop): every waiter gets it. */
  fail(err: Error): void {
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
    passes.delete(this.#id);
    idle();
  }
}
