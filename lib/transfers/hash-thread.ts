/**
 * The hash thread (a `worker_threads` worker started by hash-offload.ts): for each multipart
 * upload, one sequential pass over the file from its own handle into one small reused buffer,
 * computing in that pass every part's MD5 (its `Content-MD5`, posted in part order) and the
 * file's MD5 (and SHA-256 when asked for). The pass stays at most `allowed` parts deep: the
 * uploading thread raises the limit as its workers take parts, so a slow upload never makes
 * the thread hash far ahead, and a dropped upload stops the pass at its next read.
 *
 * Messages in ({@link HashRequest}), answers out ({@link HashAnswer}).
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { isPairable, MD5_PAIR_CAPACITY, Md5Pair } from './md5-pair.js';

/** What the uploading thread asks. */
export type HashRequest =
  /** Starts the pass of upload `file`: `path` cut into `partSize` parts (`size` bytes in all), parts 1..`allowed` at first. */
  | { op: 'start'; file: number; path: string; size: number; partSize: number; sha256: boolean; allowed: number }
  /** The pass may go on up to part `allowed`. */
  | { op: 'allow'; file: number; allowed: number }
  /** The upload stopped: the pass ends at its next read and answers nothing more. */
  | { op: 'drop'; file: number };

/** What the hash thread answers (digests: 16 bytes; checksums: lowercase hex). */
export type HashAnswer =
  | { file: number; part: number; md5: Uint8Array }
  | { file: number; end: { md5: string; sha256?: string } }
  /** The file could not be read (`code`: the system error's) or ended before `at` bytes. */
  | { file: number; failed: { code?: string; message: string; endedAt?: number } };

/**
 * Bytes read (and hashed) at a time: big enough that a read call costs little per byte, small
 * enough to stay in the CPU cache while the two or three hashes read it.
 */
const READ = MD5_PAIR_CAPACITY;

interface Pass {
  allowed: number;
  dropped: boolean;
  /** Wakes the pass waiting for a higher `allowed` (or its drop). */
  wake?: () => void;
}

const passes = new Map<number, Pass>();
const port = parentPort!;

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
  const buffer = Buffer.allocUnsafe(READ);
  const whole = createHash('md5');
  let part = createHash('md5');
  return {
    space: (max) => buffer.subarray(0, Math.min(max, READ)),
    commit(n) {
      part.update(buffer.subarray(0, n));
      whole.update(buffer.subarray(0, n));
    },
    partDigest() {
      const digest = part.digest();
      part = createHash('md5');
      return digest;
    },
    fileDigest: () => whole.digest('hex'),
  };
}

async function run(req: Extract<HashRequest, { op: 'start' }>, pass: Pass): Promise<void> {
  const { file, size, partSize } = req;
  const hashes: PassHashes = isPairable(partSize) ? new Md5Pair() : opensslHashes();
  const sha256 = req.sha256 ? createHash('sha256') : undefined;
  const handle = await open(req.path, 'r');
  try {
    for (let n = 1, start = 0; start < size; n++, start += partSize) {
      while (n > pass.allowed && !pass.dropped) await new Promise<void>((wake) => (pass.wake = wake));
      if (pass.dropped) return;
      const end = Math.min(size, start + partSize);
      for (let at = start; at < end; ) {
        if (pass.dropped) return;
        const space = hashes.space(end - at);
        const { bytesRead } = await handle.read(space, 0, space.length, at);
        if (bytesRead === 0) {
          port.postMessage({ file, failed: { message: 'ended early', endedAt: at } } satisfies HashAnswer);
          return;
        }
        sha256?.update(space.subarray(0, bytesRead));
        hashes.commit(bytesRead);
        at += bytesRead;
      }
      // Its own 16 bytes (a pooled Buffer would clone its whole 8 KiB pool into the message).
      port.postMessage({ file, part: n, md5: new Uint8Array(hashes.partDigest()) } satisfies HashAnswer);
    }
    const md5 = hashes.fileDigest();
    port.postMessage({ file, end: sha256 ? { md5, sha256: sha256.digest('hex') } : { md5 } } satisfies HashAnswer);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

port.on('message', (req: HashRequest) => {
  if (req.op === 'start') {
    const pass: Pass = { allowed: req.allowed, dropped: false };
    passes.set(req.file, pass);
    run(req, pass)
      .catch((err: unknown) => {
        if (pass.dropped) return;
        const e = err as { code?: unknown; message?: unknown };
        port.postMessage({ file: req.file, failed: { ...(typeof e.code === 'string' ? { code: e.code } : {}), message: String(e.message ?? err) } } satisfies HashAnswer);
      })
      .finally(() => passes.delete(req.file));
    return;
  }
  const pass = passes.get(req.file);
  if (!pass) return;
  if (req.op === 'drop') pass.dropped = true;
  else pass.allowed = Math.max(pass.allowed, req.allowed);
  pass.wake?.();
  pass.wake = undefined;
});
