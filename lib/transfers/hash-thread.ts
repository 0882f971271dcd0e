/**
 * The hash thread (a `worker_threads` worker started by hash-offload.ts): a multipart upload's
 * whole-file MD5 (and SHA-256 when asked for), fed with the parts in file order. The part bytes are shared memory
 * (the `SharedArrayBuffer` the upload read the part into): nothing is copied, and the uploading
 * thread stays free for the network while this one hashes.
 *
 * Messages in ({@link HashRequest}), answers out ({@link HashAnswer}).
 */
import { createHash, type Hash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

/** What the uploading thread asks. */
export type HashRequest =
  /** Part `n` of upload `file`: answer `consumed` once the file's hashes have taken it (in part order). */
  | { op: 'part'; file: number; n: number; bytes: Uint8Array; sha256: boolean }
  /** Every part was given: answer the file's checksums and forget the upload. */
  | { op: 'end'; file: number }
  /** The upload failed: forget it (parts waiting for their turn are never hashed). */
  | { op: 'drop'; file: number };

/** What the hash thread answers (hex lowercase). */
export type HashAnswer = { file: number; consumed: number } | { file: number; end: { md5: string; sha256?: string } };

/** Hashed at a time: a slice stays in the CPU cache while both hashes read it. */
const SLICE = 1024 * 1024;

interface FileState {
  md5: Hash;
  sha256: Hash | undefined;
  next: number;
  waiting: Map<number, Uint8Array>;
}

const files = new Map<number, FileState>();
const port = parentPort!;

port.on('message', (req: HashRequest) => {
  let state = files.get(req.file);
  if (req.op === 'drop') {
    files.delete(req.file);
    return;
  }
  if (!state) {
    const sha256 = req.op === 'part' && req.sha256 ? createHash('sha256') : undefined;
    files.set(req.file, (state = { md5: createHash('md5'), sha256, next: 1, waiting: new Map() }));
  }
  if (req.op === 'end') {
    files.delete(req.file);
    const md5 = state.md5.digest('hex');
    port.postMessage({ file: req.file, end: state.sha256 ? { md5, sha256: state.sha256.digest('hex') } : { md5 } } satisfies HashAnswer);
    return;
  }
  state.waiting.set(req.n, req.bytes);
  // A part read ahead of its turn waits (its buffer untouched) until every earlier one is hashed.
  for (let bytes = state.waiting.get(state.next); bytes; bytes = state.waiting.get(state.next)) {
    const n = state.next++;
    state.waiting.delete(n);
    for (let off = 0; off < bytes.length; off += SLICE) {
      const slice = bytes.subarray(off, off + SLICE);
      state.md5.update(slice);
      state.sha256?.update(slice);
    }
    port.postMessage({ file: req.file, consumed: n } satisfies HashAnswer);
  }
});
