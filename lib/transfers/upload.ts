/**
 * `uploadFile`: a file from disk to a record's field (thumbnail for `image`/`filmstrip_image`)
 * or as a record-level Attachment, straight to the storage (shotgrid-rest §6):
 *
 * 1. local checks (`SG_FILE` before any request), the plan (single PUT ≤ threshold, else parts);
 * 2. the record's state before the upload (so a lost completion can be checked, not repeated),
 *    read alongside the init;
 * 3. init → PUT(s) with retries, fresh links after 403s, stall detection, each span sent with
 *    its Content-MD5: a single PUT's read once into memory, parts streamed from the file, their
 *    MD5s (and the file's MD5, and SHA-256 when asked for) from one pass over the file that
 *    starts alongside the init (hash-pass.ts);
 * 4. completion exactly once; a multipart upload that fails or is aborted is aborted on the
 *    site (flat body) before the error is thrown, so no upload is left open;
 * 5. the field value / Attachment read back.
 */
import type { ApiCaller } from '../api-caller.js';
import { ShotGridError } from '../errors.js';
import { checkEntityType, checkFieldName, checkId } from '../entities/records.js';
import { abortError, checkTimeout, isPaused, raceAbort, runWithin } from '../http/abort.js';
import { completeExactlyOnce, completionProbe, THUMBNAIL_FIELDS } from './completion.js';
import { putContentType } from './content-type.js';
import { checkUnchanged, checkUploadFile, uploadFileName } from './local-file.js';
import { uploadParts } from './multipart-upload.js';
import { readSpan, StreamDigest, wantsSha256, type FileChecksums } from './checksums.js';
import { HashPass } from './hash-pass.js';
import { MAX_HELD_SPAN, planUpload, type UploadPlan } from './part-plan.js';
import { ProgressReporter } from './progress.js';
import { putToStorage, putWithRetries, type StoragePutResult } from './storage-put.js';
import { abortUpload, initUpload, type UploadInfo, type UploadSession } from './upload-api.js';
import { findSameFile, oneAfterAnother, sameUploadKey, skippedResult } from './skip-same.js';
import { checkResumeOptions, discardResume, openResume, resumedPlan, type ResumeHandle } from './resume-upload.js';
import type { UploadOptions, UploadResult, UploadTarget } from './types.js';

function configError(message: string): ShotGridError {
  return new ShotGridError('SG_CONFIG', message);
}

function checkTarget(target: unknown): UploadTarget {
  if (typeof target !== 'object' || target === null) throw configError('upload target must be {type, id[, field]}');
  const t = target as UploadTarget;
  const field = t.field === undefined || t.field === null || t.field === '' ? undefined : checkFieldName(t.field);
  if (field?.includes('.')) throw configError('upload field must be a field of the record itself (no dotted path)');
  return { type: checkEntityType(t.type), id: checkId(t.id), ...(field ? { field } : {}) };
}

/** `upload_data`: display name and tags for Attachments, `{}` for thumbnails (the site ignores them). */
function uploadData(target: UploadTarget, fileName: string, options: UploadOptions): Record<string, unknown> {
  if (target.field && THUMBNAIL_FIELDS.has(target.field)) return {};
  if (options.displayName !== undefined && typeof options.displayName !== 'string') throw configError('displayName must be a string');
  const data: Record<string, unknown> = { display_name: options.displayName || fileName };
  if (options.tags !== undefined) {
    const ok = Array.isArray(options.tags) && options.tags.every((t) => typeof t === 'object' && t !== null && t.type === 'Tag' && Number.isSafeInteger(t.id) && t.id > 0);
    if (!ok) throw configError(`tags must be a list of {type: 'Tag', id}`);
    if (options.tags.length > 0) data.tags = options.tags.map((t) => ({ type: 'Tag', id: t.id }));
  }
  return data;
}

/** What the `sg` storage's PUT answered: its `upload_id`/`original_filename` go into `upload_info`. */
function mergeSgReply(info: UploadInfo, put: StoragePutResult): UploadInfo {
  const data = typeof put.json === 'object' && put.json !== null ? (put.json as { data?: unknown }).data : undefined;
  if (typeof data !== 'object' || data === null) return info;
  const { upload_id: uploadId, original_filename: originalFilename } = data as Record<string, unknown>;
  return {
    ...info,
    ...(uploadId !== undefined && uploadId !== null ? { upload_id: uploadId } : {}),
    ...(typeof originalFilename === 'string' && originalFilename !== '' ? { original_filename: originalFilename } : {}),
  };
}

/** State of one upload run. */
interface UploadRun {
  api: ApiCaller;
  target: UploadTarget;
  file: string;
  fileName: string;
  plan: UploadPlan;
  progress: ProgressReporter;
  signal?: AbortSignal;
  attempts: number;
  /** Whether the file's SHA-256 is computed too (`UploadOptions.sha256`). */
  sha256: boolean;
}

/** The single PUT; a 403 re-inits for a fresh link. Returns the session the bytes went to and the file's checksums. */
async function sendSingle(run: UploadRun, first: UploadSession): Promise<{ session: UploadSession; info: UploadInfo; checksums: FileChecksums }> {
  let session = first;
  // Read whole when small enough (sent with Content-MD5), else streamed and hashed on the way.
  let held: { bytes: Buffer; md5: Buffer; checksums: FileChecksums } | undefined;
  if (run.plan.size <= MAX_HELD_SPAN) {
    const digest = new StreamDigest(run.sha256);
    const bytes = await readSpan(run.file, 0, run.plan.size, undefined, digest, run.signal);
    const checksums = digest.result();
    held = { bytes, md5: Buffer.from(checksums.md5, 'hex'), checksums };
  }
  const put = await putWithRetries(run.api, {
    link: session.uploadUrl,
    freshLink: async () => {
      session = await initUpload(run.api, run.target, run.fileName, false, run.signal);
      return session.uploadUrl;
    },
    signal: run.signal,
    onAttempt: () => run.attempts++,
    put: async (url) => {
      let sent = 0;
      try {
        return await putToStorage(run.api, {
          url,
          body: held ?? { file: run.file, start: 0, end: run.plan.size },
          contentType: putContentType(url, run.fileName, false),
          sha256: run.sha256,
          signal: run.signal,
          onBytes: (bytes) => {
            sent += bytes;
            run.progress.add(bytes, 1);
          },
        });
      } catch (err) {
        run.progress.add(-sent, 1);
        throw err;
      }
    },
  });
  run.progress.partDone(1);
  const checksums = held?.checksums ?? put.streamed!;
  return { session, info: session.storage === 'sg' ? mergeSgReply(session.info, put) : { ...session.info }, checksums };
}

/**
 * Uploads a file from disk to a record's field or as a record-level Attachment; with
 * `skipIfSame`, not when the target already holds this file (see skip-same.ts).
 */
export async function uploadFile(api: ApiCaller, targetIn: UploadTarget, path: string, options: UploadOptions = {}): Promise<UploadResult> {
  // A total time limit: when it runs out the upload stops as an abort would (a multipart upload
  // is aborted on the site) and fails with SG_TIMEOUT.
  const timeout = checkTimeout(options.timeout);
  return runWithin('the upload', timeout, options.signal, (signal) => uploadUntimed(api, targetIn, path, { ...options, signal }));
}

async function uploadUntimed(api: ApiCaller, targetIn: UploadTarget, path: string, options: UploadOptions): Promise<UploadResult> {
  if (options.skipIfSame !== undefined && typeof options.skipIfSame !== 'boolean') throw configError('skipIfSame must be true or false');
  if (!options.skipIfSame) return transferFile(api, targetIn, path, options);
  // Checked here too: the comparison reads the file (and hashes it) before any transfer.
  const sha256 = wantsSha256(options.sha256);
  const target = checkTarget(targetIn);
  const local = await checkUploadFile(path);
  const fileName = uploadFileName(options.fileName, local.name);
  const plan = planUpload(local.size, options);
  return oneAfterAnother(api, sameUploadKey(target, local, fileName), options.signal, async () => {
    const same = await findSameFile(api, target, local, fileName, plan, sha256, options.signal);
    if (!same) return transferFile(api, targetIn, path, options);
    // A run cut off by a crash may have left this file's multipart upload open: not needed now.
    if (options.resumeDir !== undefined) await discardResume(api, options, target, local, fileName);
    return skippedResult(targetIn, same);
  });
}

/** Sends the file (the upload proper). */
async function transferFile(api: ApiCaller, targetIn: UploadTarget, path: string, options: UploadOptions): Promise<UploadResult> {
  const target = checkTarget(targetIn);
  const local = await checkUploadFile(path);
  const fileName = uploadFileName(options.fileName, local.name);
  let plan = planUpload(local.size, options);
  const data = uploadData(target, fileName, options);
  const sha256 = wantsSha256(options.sha256);
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw configError('onProgress must be a function');
  if (options.resumeDir !== undefined) checkResumeOptions(options);
  const { signal } = options;
  if (signal?.aborted) throw abortError(signal);

  // A saved upload of this file keeps the part size it was started with.
  if (options.resumeDir !== undefined && plan.multipart) plan = await resumedPlan(api, options, target, local, fileName, plan);
  const probe = completionProbe(api, target, fileName);
  // The parts' MD5s are needed before their bytes go: the pass over the file starts now, so the
  // init's round trip (and the resume's look-up) overlap it (bench P11). Stopped on any failure.
  const pass = plan.multipart ? new HashPass(local.path, plan, sha256) : undefined;
  let resume: ResumeHandle | undefined;
  let session: UploadSession;
  try {
    // Resumable (resumeDir): a saved upload of this file is carried on instead of a new init.
    resume = options.resumeDir !== undefined && plan.multipart ? await openResume(api, options, target, local, fileName, plan) : undefined;
    // The record's state before and the init are independent round trips: asked for together
    // (one round trip less in series on a distant site, bench P11). The state must be known
    // before the completion; it is awaited here so that no byte is sent for an upload that
    // cannot finish (a new multipart upload is then aborted; a resumed one is kept for later).
    // A new multipart upload's state is written as soon as the site names it, before anything
    // else is awaited: a crash from then on leaves a state that the next run resumes or aborts.
    const init = resume?.session
      ? Promise.resolve(resume.session)
      : initUpload(api, target, fileName, plan.multipart, signal).then(async (s) => {
        await resume?.started(s);
        return s;
      });
    const [inited, looked] = await Promise.allSettled([init, probe.before(signal)]);
    if (inited.status === 'rejected') throw inited.reason;
    session = inited.value;
    if (looked.status === 'rejected') {
      if (session.multipart && !resume?.session) await abortUpload(api, session);
      throw looked.reason;
    }
  } catch (err) {
    await pass?.close();
    await resume?.close();
    throw err;
  }
  if (plan.multipart && !session.multipart) {
    // A site without multipart uploads: one PUT after all.
    await pass?.close();
    plan = { ...plan, multipart: false, partSize: plan.size, partCount: 1, concurrency: 1 };
  }
  const run: UploadRun = {
    api, target, file: local.path, fileName, plan, signal, attempts: 0, sha256,
    progress: new ProgressReporter({ total: local.size, partsTotal: plan.partCount, onProgress: options.onProgress }),
  };

  let checksums: FileChecksums;
  let completing = false;
  try {
    let info: UploadInfo;
    if (plan.multipart && pass) {
      const etags = await uploadParts({
        api, session, plan, file: local.path, fileName, progress: run.progress, signal, onAttempt: () => run.attempts++, pass,
        ...(resume ? { stored: resume.stored, onPartStored: (n: number, etag: string) => resume.partStored(n, etag) } : {}),
      });
      info = { ...session.info, etags };
      checksums = await raceAbort(pass.result(), signal);
      await pass.close();
    } else {
      ({ session, info, checksums } = await sendSingle(run, session));
    }
    if (signal?.aborted) throw abortError(signal);
    await checkUnchanged(local);
    completing = true;
    await completeExactlyOnce(api, session, info, data, probe, signal);
  } catch (err) {
    await pass?.close();
    // A pause (a restart, not a cancel) before the completion: the upload stays open on the site
    // and its state on disk, and the next run of the same upload sends only the missing parts.
    // Once the completion was sent it may have landed, so then the upload is aborted as usual.
    if (resume && session.multipart && !completing && isPaused(signal) && (await resume.keep())) {
      throw abortError(signal, { attempts: run.attempts });
    }
    // No orphan: an open multipart upload is aborted before the error goes to the caller.
    if (session.multipart) await abortUpload(api, session);
    await resume?.close();
    // A saved upload the site or storage no longer knows: aborted above; start over, once.
    if (resume?.isStale(err) && !signal?.aborted) return transferFile(api, targetIn, path, options);
    throw signal?.aborted ? abortError(signal, { attempts: run.attempts }) : err;
  }
  await resume?.close();
  run.progress.finish();
  // The upload is done: a failed read-back must not look like a failed upload (and invite a duplicate).
  const outcome = await probe.outcome().catch(() => ({ value: null, attachment: undefined }));
  return {
    target: targetIn,
    value: outcome.value,
    ...(outcome.attachment ? { attachment: outcome.attachment } : {}),
    bytes: local.size - (resume?.resumedBytes ?? 0),
    ...(resume?.resumedBytes ? { resumedBytes: resume.resumedBytes } : {}),
    parts: plan.partCount,
    attempts: run.attempts,
    multipart: plan.multipart,
    skipped: false,
    checksums,
  };
}
