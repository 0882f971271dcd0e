/**
 * Resumable multipart uploads across restarts (`resumeDir`). A process killed during an upload
 * (a crash, a hard stop, a host reboot) leaves the multipart upload open on the storage and its
 * state file behind; the next upload of the same file to the same target on the same site picks
 * the state up and sends only the parts that are not stored yet.
 *
 * Safety rules, so that a resume can never make a corrupt file:
 * - the state is used only when the file is the same (path, size, mtime) and cut the same way;
 *   otherwise the stale upload is aborted on the site and the upload starts over;
 * - when the site or the storage no longer knows the upload (links refused, `NoSuchUpload`, a
 *   completion refused for its parts), the upload is aborted, the state dropped and the upload
 *   starts over once from scratch (see {@link ResumeHandle.isStale});
 * - the completion lists every part's ETag as the storage gave it: S3 refuses a list that does
 *   not match what it holds.
 *
 * The state is written as soon as the site opens the upload (before any part), removed when the
 * upload completes or is aborted (a failure, the caller's signal; kept when the signal's reason is a
 * `pauseReason`, e.g. a Node-RED restart), and discarded (its upload
 * aborted) when a `skipIfSame` check finds the target already holds the file. States not updated for `resumeMaxAge` are swept: their uploads aborted on the site.
 * One process at a time per state folder: uploads of the same state in this process never
 * share it (the second one runs without resume).
 */
import { join } from 'node:path';
import type { ApiCaller } from '../api-caller.js';
import { ShotGridError, isShotGridError } from '../errors.js';
import type { UploadSourceFile } from './local-file.js';
import { partSpan, planUpload, type UploadPlan } from './part-plan.js';
import { DEFAULT_RESUME_MAX_AGE_MS, ensureStateDir, expiredStates, readState, removeLeftoverTemps, removeState, sameUpload, stateFileName, stateFits, writeState, type ResumeState } from './resume-state.js';
import type { UploadTarget } from './types.js';
import { abortUpload, type UploadSession } from './upload-api.js';

/** The resume side of one upload. */
export interface ResumeHandle {
  /** The saved session to carry on with (the init is skipped), when the state fitted. */
  readonly session?: UploadSession;
  /** ETags of the parts already stored, by part number (empty for a fresh upload). */
  readonly stored: ReadonlyMap<number, string>;
  /** Bytes of {@link stored}: on the storage already, not sent again. */
  readonly resumedBytes: number;
  /** Records a freshly initialised upload. */
  started(session: UploadSession): Promise<void>;
  /** Records a stored part (the state file is rewritten soon after). */
  partStored(partNumber: number, etag: string): void;
  /** Forgets the upload (completed or aborted): the state file is removed. */
  close(): Promise<void>;
  /**
   * Leaves the upload for a later run (a pause): the state is written out and kept. False when
   * there is no state on disk to carry on from (then the caller aborts the upload as usual).
   */
  keep(): Promise<boolean>;
  /** Whether `err`, met while carrying on a saved upload, means the saved upload is unusable. */
  isStale(err: unknown): boolean;
}

/** States in use by an upload of this process: never shared by two. */
const active = new Set<string>();
/** When each state folder was last swept (once an hour at most). */
const swept = new Map<string, number>();
const SWEEP_EVERY_MS = 60 * 60 * 1000;

/** Failures of a saved upload that starting over fixes: the site or storage does not know it any more. */
const STALE_CODES: ReadonlySet<string> = new Set(['SG_STORAGE', 'SG_NOT_FOUND', 'SG_BAD_REQUEST', 'SG_PERMISSION']);

/** Checks `resumeDir` / `resumeMaxAge` (`SG_CONFIG`); called before any request. */
export function checkResumeOptions(options: { resumeDir?: unknown; resumeMaxAge?: unknown }): { dir: string; maxAge: number } {
  return checkOptions(options.resumeDir, options.resumeMaxAge);
}

function checkOptions(dir: unknown, maxAge: unknown): { dir: string; maxAge: number } {
  if (typeof dir !== 'string' || dir.trim() === '') throw new ShotGridError('SG_CONFIG', 'resumeDir must be a folder path');
  if (maxAge !== undefined && (typeof maxAge !== 'number' || !Number.isFinite(maxAge) || maxAge <= 0)) {
    throw new ShotGridError('SG_CONFIG', 'resumeMaxAge must be a positive number of milliseconds');
  }
  return { dir, maxAge: (maxAge as number | undefined) ?? DEFAULT_RESUME_MAX_AGE_MS };
}

/** Aborts (on this site) and removes states not updated for `maxAge`. Best effort. */
async function sweep(api: ApiCaller, dir: string, maxAge: number): Promise<void> {
  const last = swept.get(dir) ?? 0;
  if (Date.now() - last < Math.min(SWEEP_EVERY_MS, maxAge)) return;
  swept.set(dir, Date.now());
  for (const { path, state } of await expiredStates(dir, maxAge)) {
    if (active.has(path)) continue;
    if (state && state.site === api.siteUrl.origin) await abortUpload(api, state.session);
    await removeState(path).catch(() => undefined);
  }
}

/**
 * Forgets a saved upload of this file to this target that is no longer needed because the target
 * already holds the file (a `skipIfSame` skip: another run, process or worker finished it): its
 * multipart upload is aborted on the site and the state removed, so nothing stays open until the
 * sweep. Best effort; a state in use by an upload of this process is left to that upload.
 */
export async function discardResume(api: ApiCaller, options: { resumeDir?: unknown; resumeMaxAge?: unknown }, target: UploadTarget, local: UploadSourceFile, fileName: string): Promise<void> {
  const { dir } = checkOptions(options.resumeDir, options.resumeMaxAge);
  const path = join(dir, stateFileName(api.siteUrl.origin, target, local.path, fileName));
  if (active.has(path)) return;
  const saved = await readState(path);
  if (!saved) return;
  if (saved.site === api.siteUrl.origin) await abortUpload(api, saved.session);
  await removeState(path).catch(() => undefined);
}

/**
 * The plan of this upload when a saved upload of the same file to the same target was cut into
 * parts of another size (started before the default or the `partSize` setting changed): that
 * size, so the parts already stored are used rather than thrown away. Otherwise `plan`.
 */
export async function resumedPlan(
  api: ApiCaller,
  options: { resumeDir?: unknown; resumeMaxAge?: unknown; concurrency?: number },
  target: UploadTarget,
  local: UploadSourceFile,
  fileName: string,
  plan: UploadPlan,
): Promise<UploadPlan> {
  const { dir } = checkOptions(options.resumeDir, options.resumeMaxAge);
  const site = api.siteUrl.origin;
  const saved = await readState(join(dir, stateFileName(site, target, local.path, fileName)));
  if (!saved || saved.partSize === plan.partSize || !sameUpload(saved, site, fileName, local)) return plan;
  let theirs: UploadPlan;
  try {
    theirs = planUpload(local.size, { partSize: saved.partSize, multipartThreshold: 1, concurrency: options.concurrency });
  } catch {
    return plan;
  }
  return theirs.partSize === saved.partSize && theirs.partCount === saved.partCount ? theirs : plan;
}

/**
 * Opens the resume side of a multipart upload: a fitting saved state to carry on, or a fresh
 * record. `undefined` when another upload of this process holds the same state.
 */
export async function openResume(
  api: ApiCaller,
  options: { resumeDir?: unknown; resumeMaxAge?: unknown },
  target: UploadTarget,
  local: UploadSourceFile,
  fileName: string,
  plan: UploadPlan,
): Promise<ResumeHandle | undefined> {
  const { dir, maxAge } = checkOptions(options.resumeDir, options.resumeMaxAge);
  try {
    await ensureStateDir(dir);
  } catch (err) {
    throw new ShotGridError('SG_FILE', `cannot use the resume folder ${dir} (${String((err as { code?: unknown }).code ?? err)})`, { cause: err });
  }
  await sweep(api, dir, maxAge);
  const site = api.siteUrl.origin;
  const path = join(dir, stateFileName(site, target, local.path, fileName));
  if (active.has(path)) return undefined;
  active.add(path);

  // Only this upload writes this state now: what a killed writer left half-written goes.
  await removeLeftoverTemps(path);
  let saved = await readState(path);
  if (saved && !stateFits(saved, site, fileName, local, plan)) {
    // Another file (or the same path rewritten): its upload can only be thrown away.
    if (saved.site === site) await abortUpload(api, saved.session);
    await removeState(path);
    saved = undefined;
  }
  const stored = new Map<number, string>();
  for (const [n, etag] of Object.entries(saved?.parts ?? {})) {
    const partNumber = Number(n);
    if (Number.isInteger(partNumber) && partNumber >= 1 && partNumber <= plan.partCount && typeof etag === 'string' && etag !== '') stored.set(partNumber, etag);
  }
  let resumedBytes = 0;
  for (const n of stored.keys()) resumedBytes += partSpan(plan, n).end - partSpan(plan, n).start;

  let state: ResumeState | undefined = saved;
  let closed = false;
  // Writes run one at a time; parts stored meanwhile are folded into the next write.
  let writing: Promise<void> = Promise.resolve();
  let dirty = false;
  let durable = false;
  let failedWrites = false;
  // `sync`: this write must reach the disk (see resume-state.ts: the upload itself, not its parts).
  const flush = (sync = false): void => {
    durable ||= sync;
    if (dirty) return;
    dirty = true;
    writing = writing.then(async () => {
      dirty = false;
      const mustSync = durable;
      durable = false;
      if (closed || !state || failedWrites) return;
      state.updatedAt = Date.now();
      try {
        await writeState(path, state, mustSync);
      } catch {
        // Without a state file the upload still runs; it just cannot be resumed.
        failedWrites = true;
      }
    });
  };

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await writing;
    await removeState(path).catch(() => undefined);
    active.delete(path);
  };

  const keep = async (): Promise<boolean> => {
    if (closed) return false;
    await writing;
    if (!state || failedWrites) {
      await close();
      return false;
    }
    closed = true;
    active.delete(path);
    return true;
  };

  return {
    session: saved?.session,
    stored,
    resumedBytes,
    async started(session) {
      if (!session.multipart) return close();
      const now = Date.now();
      state = {
        version: 1, site, target, fileName, file: { path: local.path, size: local.size, mtimeMs: local.mtimeMs },
        partSize: plan.partSize, partCount: plan.partCount, session, parts: {}, createdAt: now, updatedAt: now,
      };
      // First on the page cache, then on the disk: the upload exists on the site from the init's
      // answer on, and a kill before the state is written leaves it open with nobody holding its
      // id (REST cannot list open uploads). Renamed into place at once, a crash from here on finds
      // it; the fsync that a power cut needs follows.
      flush();
      await writing;
      flush(true);
      await writing;
    },
    partStored(partNumber, etag) {
      if (!state || closed) return;
      state.parts[String(partNumber)] = etag;
      flush();
    },
    close,
    keep,
    isStale(err) {
      return saved !== undefined && isShotGridError(err) && STALE_CODES.has(err.code);
    },
  };
}
