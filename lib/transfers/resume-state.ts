/**
 * The state file of a resumable multipart upload, one JSON file per (site, target, file, name) in
 * the state folder: what a new process needs to carry on where a killed one stopped — the file's
 * identity (path, size, mtime), the plan's part size, the site's upload info and links, and the
 * parts already stored with their ETags.
 *
 * Written atomically (temp file, rename) as parts complete, so a kill at any moment leaves either
 * the previous or the next state, never a torn one. The first write (the upload the site opened)
 * is also flushed to the disk (fsync) before it counts, so even a power cut leaves the upload to
 * resume or abort; the part updates are not: an fsync can take seconds on a disk busy with other
 * writes (the movies themselves), and a state that trails the storage by seconds makes a crashed
 * process's successor send those parts again. The page cache survives a process crash; a power
 * cut may cost the latest part updates (the parts are then sent again). A state that cannot be
 * read is ignored (and replaced): the upload then starts over, which is always safe.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { UploadSourceFile } from './local-file.js';
import type { UploadPlan } from './part-plan.js';
import type { UploadTarget } from './types.js';
import type { UploadSession } from './upload-api.js';

/** Format version of the state files. */
const STATE_VERSION = 1;
/** State files end with this; anything else in the folder is left alone. */
const SUFFIX = '.upload.json';

/** A state older than this (since its last update) is swept: its upload aborted, its file removed. */
export const DEFAULT_RESUME_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** What is kept of an upload in progress. */
export interface ResumeState {
  version: number;
  /** Origin of the site the upload belongs to. */
  site: string;
  target: UploadTarget;
  fileName: string;
  file: { path: string; size: number; mtimeMs: number };
  partSize: number;
  partCount: number;
  session: UploadSession;
  /** ETag of each stored part, by part number. */
  parts: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

/** The state file's name for an upload: a digest of everything that makes it the same upload. */
export function stateFileName(site: string, target: UploadTarget, path: string, fileName: string): string {
  const id = createHash('sha256').update(JSON.stringify([site, target.type, target.id, target.field ?? '', path, fileName])).digest('hex').slice(0, 32);
  return `${id}${SUFFIX}`;
}

/** Whether a saved state is this upload's: the same site and name, the same bytes on disk (path, size, mtime). */
export function sameUpload(state: ResumeState, site: string, fileName: string, local: UploadSourceFile): boolean {
  return state.site === site && state.fileName === fileName && state.file.path === local.path && state.file.size === local.size && state.file.mtimeMs === local.mtimeMs;
}

/** Whether a saved state is this upload's, cut the same way. */
export function stateFits(state: ResumeState, site: string, fileName: string, local: UploadSourceFile, plan: UploadPlan): boolean {
  return sameUpload(state, site, fileName, local) && state.partSize === plan.partSize && state.partCount === plan.partCount;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseState(text: string): ResumeState | undefined {
  try {
    const s = JSON.parse(text) as unknown;
    if (!isObject(s) || s.version !== STATE_VERSION || !isObject(s.session) || !isObject(s.parts) || !isObject(s.file) || !isObject(s.target)) return undefined;
    if (typeof s.site !== 'string' || typeof (s.session as Record<string, unknown>).completePath !== 'string') return undefined;
    return s as unknown as ResumeState;
  } catch {
    return undefined;
  }
}

/** Reads a state file; `undefined` when absent or unreadable. */
export async function readState(path: string): Promise<ResumeState | undefined> {
  try {
    return parseState(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Writes a state file atomically: a kill leaves the old or the new state, never half of one.
 * `durable`: flushed to the disk before the rename (survives a power cut, not only a crash).
 */
export async function writeState(path: string, state: ResumeState, durable: boolean): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(JSON.stringify(state));
    if (durable) await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Removes a state file (absent is fine). */
export async function removeState(path: string): Promise<void> {
  await rm(path, { force: true });
}

/** Removes the temp files a killed process left mid-write for the state at `path`. Best effort. */
export async function removeLeftoverTemps(path: string): Promise<void> {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) if (name.startsWith(prefix) && name.endsWith('.tmp')) await rm(join(dir, name), { force: true }).catch(() => undefined);
}

/** Creates the state folder (private to the user: it holds upload ids and site paths). */
export async function ensureStateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

/**
 * States in `dir` not updated for `maxAgeMs`, with their paths; leftover temp files of the same
 * age are removed on the way.
 */
export async function expiredStates(dir: string, maxAgeMs: number, now = Date.now()): Promise<Array<{ path: string; state: ResumeState | undefined }>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out: Array<{ path: string; state: ResumeState | undefined }> = [];
  for (const name of names) {
    const isTemp = name.endsWith('.tmp') && name.includes(SUFFIX);
    if (!name.endsWith(SUFFIX) && !isTemp) continue;
    const path = join(dir, name);
    try {
      const info = await stat(path);
      if (now - info.mtimeMs < maxAgeMs) continue;
      if (isTemp) await rm(path, { force: true });
      else out.push({ path, state: await readState(path) });
    } catch {
      // Gone meanwhile (another upload finished it): nothing to sweep.
    }
  }
  return out;
}
