/** What the file handlers share: the context, stored bytes, upload sessions and timers. */
import { createHmac, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { lookup } from 'mime-types';
import type { EmulatorContext } from '../context.js';
import { MultipartRegistry, type UploadTarget } from './multipart.js';
import { ObjectStore } from './object-store.js';
import { openPersistentFiles } from './persist.js';
import { signatureOf } from '../issued.js';
import { builtinStorage, type StorageBackend } from './storage-backend.js';

/** Shared state of one file service. */
export interface FileState {
  ctx: EmulatorContext;
  /** The built-in storage's bytes (its own routes and `sg` uploads). */
  objects: ObjectStore;
  /** Where uploads of the `s3` storage mode go: the built-in storage or an external bucket. */
  storage: StorageBackend;
  multipart: MultipartRegistry;
  /** `sg`-storage uploads: `upload_id` → object key. */
  sgUploads: Map<string, string>;
  /** Timers to clear on close (Attachment processing status). */
  timers: Set<NodeJS.Timeout>;
  /** Last init timestamp handed out (epoch ms), so every init gets a distinct one. */
  lastTimestamp: number;
  /** A persistent site's files journal (closed with the service). */
  journal?: { close(): void };
}

/**
 * Creates the state. A persistent site reads its bytes, uploads and sessions back from the data
 * folder (`persist.ts`); otherwise built-in bytes go to a fresh folder under `dataDir` (never
 * shared by two sites), removed on close. `external` replaces the built-in storage for `s3` uploads.
 */
export function createFileState(ctx: EmulatorContext, external?: StorageBackend): FileState {
  const timers = new Set<NodeJS.Timeout>();
  if (ctx.options.persistent) {
    const { objects, multipart, sgUploads, journal } = openPersistentFiles(ctx.options.dataDir, ctx.counters);
    const storage = recordingSignatures(ctx, external ?? builtinStorage(ctx, objects));
    return { ctx, objects, storage, multipart, sgUploads, timers, lastTimestamp: 0, journal };
  }
  const root = join(ctx.options.dataDir, `storage-${process.pid}-${randomBytes(4).toString('hex')}`);
  const objects = new ObjectStore(root);
  const storage = recordingSignatures(ctx, external ?? builtinStorage(ctx, objects));
  return { ctx, objects, storage, multipart: new MultipartRegistry(), sgUploads: new Map(), timers, lastTimestamp: 0 };
}

/** `backend` with every URL it signs recorded in the site's issued-secrets log. */
function recordingSignatures(ctx: EmulatorContext, backend: StorageBackend): StorageBackend {
  const sign = backend.sign.bind(backend);
  backend.sign = (req) => {
    const url = sign(req);
    const signature = signatureOf(url);
    if (signature) ctx.issued?.record('signatures', signature);
    return url;
  };
  return backend;
}

/**
 * A distinct init timestamp (ISO with milliseconds). The single-PUT object key is derived from
 * it, because completion only gets the init's `data` back.
 */
export function nextTimestamp(state: FileState): string {
  state.lastTimestamp = Math.max(Date.now(), state.lastTimestamp + 1);
  return new Date(state.lastTimestamp).toISOString();
}

/** Object key of an upload: derived from its target, init timestamp and file name. */
export function uploadKey(state: FileState, target: UploadTarget, timestamp: string, filename: string): string {
  const digest = createHmac('sha256', state.ctx.secret)
    .update(`${target.type}\n${target.id}\n${target.field ?? ''}\n${timestamp}\n${filename}`)
    .digest('hex')
    .slice(0, 24);
  return `uploads/${digest}/${filename}`;
}

/** Content type guessed from a file name, as the site does for url fields. */
export function guessType(filename: string): string {
  return lookup(filename) || 'application/octet-stream';
}

/** Runs `fn` after `ms` unless the service closes first. */
export function later(state: FileState, ms: number, fn: () => void): void {
  const timer = setTimeout(() => {
    state.timers.delete(timer);
    fn();
  }, ms);
  timer.unref();
  state.timers.add(timer);
}
