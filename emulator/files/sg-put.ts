/**
 * `sg` storage mode: the upload link is the site's own `_upload` path with signed parameters;
 * the PUT stores the bytes and answers `{data:{upload_id, original_filename}, links:{complete_upload}}`.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { urlExpiredByFault } from '../faults/decisions.js';
import { ApiError, drainBody, sendApiError, sendJson } from '../http/respond.js';
import type { PathTarget } from './paths.js';
import { declaredLength, receiveBody } from './receive-body.js';
import { checkSgUploadUrl } from './signing.js';
import { guessType, type FileState } from './state.js';
import { missingParams, resolveTarget, uploadPath, type ResolvedTarget } from './targets.js';

/** `PUT .../_upload?expiration=&filename=&signature=&user_id=&user_type=`. */
export async function handleSgPut(state: FileState, req: IncomingMessage, res: ServerResponse, url: URL, path: PathTarget): Promise<void> {
  const check = checkSgUploadUrl(state.ctx, url.pathname, url.searchParams, urlExpiredByFault(req));
  if (!check.ok) {
    const err = 'missing' in check
      ? missingParams(check.missing)
      : new ApiError(403, 102, 'Forbidden', null, check.reason === 'expired' ? 'Upload link has expired.' : 'Upload link signature is invalid.');
    await drainBody(req);
    sendApiError(res, err);
    return;
  }
  let t: ResolvedTarget;
  try {
    t = resolveTarget(state, path);
  } catch (err) {
    await drainBody(req);
    throw err;
  }
  const expected = declaredLength(req);
  if (expected === undefined) {
    await drainBody(req);
    sendApiError(res, new ApiError(411, 103, 'Length Required', null, 'Content-Length is required.'));
    return;
  }
  const outcome = await receiveBody(state, req, expected);
  if (!outcome.ok) {
    if (outcome.idle && !res.headersSent) sendApiError(res, new ApiError(400, 103, 'Request Timeout', null), { connection: 'close' });
    else req.socket.destroy();
    return;
  }
  const uploadId = randomUUID();
  const key = `sg/${uploadId}/${check.filename}`;
  await state.objects.commitObject(key, outcome.received, String(req.headers['content-type'] ?? '') || guessType(check.filename));
  state.sgUploads.set(uploadId, key);
  state.ctx.counters.bytesStored(outcome.received.size);
  sendJson(res, 200, { data: { upload_id: uploadId, original_filename: check.filename }, links: { complete_upload: uploadPath(t) } });
}
