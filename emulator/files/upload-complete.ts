/**
 * Upload completion (`POST .../_upload`, JSON `{upload_info, upload_data}` → 201 `" "`) and the
 * flat-body multipart abort (`POST .../_upload/multipart_abort` → 204).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Caller } from '../context.js';
import { ApiError, mediaType, readJson, sendEmpty } from '../http/respond.js';
import { applyUpload, attachmentTags } from './attachments.js';
import type { MultipartSession } from './multipart.js';
import type { PathTarget } from './paths.js';
import { guessType, uploadKey, type FileState } from './state.js';
import { isThumbnailTarget, missingParams, resolveTarget, type ResolvedTarget } from './targets.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** 415 unless the body is JSON (an absent Content-Type is tolerated, as on writes). */
function requireJson(req: IncomingMessage): void {
  const type = mediaType(req);
  if (type !== '' && type !== 'application/json') {
    throw new ApiError(415, 103, `Unsupported Content-Type '${type}'`, { content_type: "Content-Type must be one of: 'application/json'." });
  }
}

/** The site's 400 for a refused S3 completion, carrying S3's code. */
function completionError(code: string, message: string): ApiError {
  return new ApiError(400, 103, 'Error completing multipart upload.', { multipart_upload: code }, `${code}: ${message}`);
}

const sameTarget = (s: MultipartSession, t: ResolvedTarget): boolean => s.target.type === t.type && s.target.id === t.id && s.target.field === t.field;

/** Completes a multipart upload on the storage; returns the object key. */
async function completeMultipart(state: FileState, t: ResolvedTarget, info: Json, filename: string): Promise<string> {
  const etags = info.etags;
  if (!Array.isArray(etags) || etags.length === 0) {
    throw new ApiError(400, 103, "'multipart_upload' is True but no 'etags' send with request.", { etags: 'missing and required for multipart uploads.' });
  }
  const uploadId = typeof info.upload_id === 'string' ? info.upload_id : '';
  const session = state.multipart.openSession(uploadId);
  if (!session || !sameTarget(session, t)) {
    throw completionError('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.');
  }
  // Closed before the (async) storage call, so a concurrent second completion cannot pass too;
  // reopened when the storage refuses the list, so the client may complete again.
  session.state = 'completed';
  let refusal;
  try {
    refusal = await state.storage.completeMultipart(uploadId, session.key, etags, guessType(filename));
  } catch (err) {
    session.state = 'open';
    throw err;
  }
  if (refusal) {
    if (refusal.code !== 'NoSuchUpload') session.state = 'open';
    throw completionError(refusal.code, refusal.message);
  }
  state.multipart.close(session, 'completed');
  state.ctx.counters.multipartClosed();
  return session.key;
}

/** `POST .../_upload`. */
export async function handleComplete(state: FileState, req: IncomingMessage, res: ServerResponse, path: PathTarget, caller: Caller): Promise<void> {
  const { ctx } = state;
  requireJson(req);
  const t = resolveTarget(state, path);
  const body = await readJson(req);
  const info = isObject(body) ? body.upload_info : undefined;
  if (!isObject(info)) throw missingParams(['upload_info']);
  const uploadData = (body as Json).upload_data;
  if (uploadData === undefined) throw new ApiError(400, 103, 'upload_data is missing', { upload_data: ['upload_data is missing'] });
  const data = isObject(uploadData) ? uploadData : {};
  if (!isThumbnailTarget(t)) attachmentTags(state, data);
  const filename = typeof info.original_filename === 'string' && info.original_filename !== '' ? info.original_filename : undefined;

  let key: string;
  if (info.multipart_upload === true || info.multipart_upload === 'true') {
    key = await completeMultipart(state, t, info, filename ?? 'upload');
  } else if (info.storage_service === 'sg') {
    if (typeof info.upload_id !== 'string' || info.upload_id === '') throw missingParams(['upload_id']);
    // An unknown id is like a skipped PUT: the Attachment is created empty.
    key = state.sgUploads.get(info.upload_id) ?? `sg/${info.upload_id}/${filename ?? 'upload'}`;
  } else {
    const missing = [...(typeof info.timestamp === 'string' ? [] : ['timestamp']), ...(filename ? [] : ['original_filename'])];
    if (missing.length > 0) throw missingParams(missing);
    // A skipped PUT leaves the key without bytes: the site still answers 201 (empty Attachment).
    key = uploadKey(state, t, info.timestamp as string, filename!);
  }
  // The storage learns what was PUT (external buckets are asked; the size is counted there).
  await state.storage.settle(key);
  applyUpload(state, t, { key, filename: filename ?? key.split('/').pop()!, uploadData: data, caller });
  ctx.counters.completion();
  res.writeHead(201, { 'content-type': 'application/json', 'content-length': '1', 'cache-control': 'private, max-age=0, must-revalidate' });
  res.end(' ');
}

const ABORT_KEYS = ['timestamp', 'upload_type', 'upload_id', 'storage_service', 'original_filename'];

/** `POST .../_upload/multipart_abort` with the init `data` as a flat body. */
export async function handleAbort(state: FileState, req: IncomingMessage, res: ServerResponse, path: PathTarget): Promise<void> {
  requireJson(req);
  resolveTarget(state, path);
  const body = await readJson(req);
  const flat = isObject(body) ? body : {};
  const missing = ABORT_KEYS.filter((k) => !(k in flat));
  if (missing.length > 0) throw missingParams(missing);
  const session = typeof flat.upload_id === 'string' ? state.multipart.openSession(flat.upload_id) : undefined;
  if (!session) throw new ApiError(400, 103, 'Failed to abort S3 multipart upload', null);
  state.multipart.close(session, 'aborted');
  state.ctx.counters.multipartClosed();
  await state.storage.abortMultipart(session.uploadId, session.key);
  sendEmpty(res, 204);
}
