/**
 * Upload init (`GET .../_upload?filename=`) and the multipart part links
 * (`GET .../_upload/multipart?...&part_number=N`), as the site answers them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Caller } from '../context.js';
import { urlExpiredByFault } from '../faults/decisions.js';
import { ApiError, sendJson } from '../http/respond.js';
import { MAX_PART_NUMBER } from './multipart.js';
import type { PathTarget } from './paths.js';
import { signSgUploadUrl } from './signing.js';
import { guessType, nextTimestamp, uploadKey, type FileState } from './state.js';
import { invalidParams, isThumbnailTarget, missingParams, resolveTarget, uploadPath, type ResolvedTarget } from './targets.js';

/** The `get_next_part` link for part `n`. */
function partLink(t: ResolvedTarget, filename: string, n: number, timestamp: string, uploadId: string, uploadType: string): string {
  const q = new URLSearchParams({ filename, part_number: String(n), timestamp, upload_id: uploadId, upload_type: uploadType });
  return `${uploadPath(t)}/multipart?${q.toString()}`;
}

/** `GET .../_upload?filename=[&multipart_upload=true]`. */
export async function handleInit(state: FileState, req: IncomingMessage, res: ServerResponse, url: URL, path: PathTarget, caller: Caller): Promise<void> {
  const { ctx } = state;
  const t = resolveTarget(state, path);
  const filename = url.searchParams.get('filename');
  if (!filename) throw missingParams(['filename']);
  const multipart = /^(true|1)$/i.test(url.searchParams.get('multipart_upload') ?? '');
  const storage = ctx.options.storage;
  if (multipart && storage === 'sg') {
    throw new ApiError(400, 103, 'Multi-part is not supported for this upload.', { multipart_upload: 'not supported for this storage service (sg).' });
  }
  const uploadType = isThumbnailTarget(t) ? 'Thumbnail' : 'Attachment';
  const timestamp = nextTimestamp(state);
  const key = uploadKey(state, t, timestamp, filename);
  const expired = urlExpiredByFault(req);
  const links: Record<string, string> = {};
  let uploadId: string | null = null;
  if (storage === 'sg') {
    links.upload = signSgUploadUrl(ctx, uploadPath(t), filename, caller, expired);
  } else if (multipart) {
    uploadId = await state.storage.createMultipart(key, guessType(filename));
    state.multipart.open(uploadId, key, t);
    ctx.counters.multipartOpened();
    links.upload = state.storage.sign({ method: 'PUT', key, part: { uploadId, partNumber: 1 }, expired });
  } else {
    links.upload = state.storage.sign({ method: 'PUT', key, expired });
  }
  links.complete_upload = uploadPath(t);
  if (uploadId) links.get_next_part = partLink(t, filename, 2, timestamp, uploadId, uploadType);
  sendJson(res, 200, {
    data: { timestamp, upload_type: uploadType, upload_id: uploadId, storage_service: storage, original_filename: filename, multipart_upload: multipart },
    links,
  });
}

/** `GET .../_upload/multipart?filename=&part_number=&timestamp=&upload_id=&upload_type=`. */
export function handlePartLink(state: FileState, req: IncomingMessage, res: ServerResponse, url: URL, path: PathTarget): void {
  const t = resolveTarget(state, path);
  const q = url.searchParams;
  const missing = ['filename', 'upload_type', 'timestamp', 'part_number'].filter((p) => !q.get(p));
  if (missing.length > 0) throw missingParams(missing);
  const uploadId = q.get('upload_id');
  if (!uploadId) throw new ApiError(400, 103, 'Could not generate upload url. Check the site settings.', null);
  const n = Number(q.get('part_number'));
  if (!Number.isInteger(n) || n < 1 || n > MAX_PART_NUMBER) {
    throw invalidParams({ part_number: [`part_number must be an integer between 1 and ${MAX_PART_NUMBER}`] });
  }
  const filename = q.get('filename')!;
  const timestamp = q.get('timestamp')!;
  // An invented upload id still gets a link (as on the site); its PUT then meets NoSuchUpload.
  const key = state.multipart.get(uploadId)?.key ?? uploadKey(state, t, timestamp, filename);
  sendJson(res, 200, {
    links: {
      upload: state.storage.sign({ method: 'PUT', key, part: { uploadId, partNumber: n }, expired: urlExpiredByFault(req) }),
      get_next_part: partLink(t, filename, n + 1, timestamp, uploadId, q.get('upload_type')!),
    },
  });
}
