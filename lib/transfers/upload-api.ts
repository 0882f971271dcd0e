/**
 * The site's side of an upload (shotgrid-rest §6): init, part links, completion and the
 * flat-body multipart abort. Storage PUTs live in `storage-put.ts`.
 */
import type { ApiCaller } from '../api-caller.js';
import { ShotGridError, isShotGridError } from '../errors.js';
import { checkEntityType, checkFieldName, checkId } from '../entities/records.js';
import type { UploadTarget } from './types.js';

/** The init answer's `data`, sent back verbatim as `upload_info` (and, flat, to abort). */
export type UploadInfo = Record<string, unknown> & {
  timestamp?: unknown;
  upload_type?: unknown;
  upload_id?: unknown;
  storage_service?: unknown;
  original_filename?: unknown;
  multipart_upload?: unknown;
};

/** One initialised upload. */
export interface UploadSession {
  info: UploadInfo;
  /** Signed link of the single PUT, or of part 1. */
  uploadUrl: string;
  /** Root-relative completion link. */
  completePath: string;
  /** Link of part 2, used as the template for any part number. */
  nextPartTemplate?: string;
  storage: 's3' | 'sg' | string;
  multipart: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function badAnswer(what: string): ShotGridError {
  return new ShotGridError('SG_BAD_RESPONSE', `upload init: ${what}`);
}

/** `/entity/{type}/{id}[/{field}]/_upload`. */
export function uploadPath(target: UploadTarget): string {
  const base = `/entity/${encodeURIComponent(checkEntityType(target.type))}/${checkId(target.id)}`;
  return target.field === undefined || target.field === null || target.field === ''
    ? `${base}/_upload`
    : `${base}/${encodeURIComponent(checkFieldName(target.field))}/_upload`;
}

/**
 * A storage link as usable from here. `sg` storage links point at the site itself, with a host
 * the site guessed (wrong behind proxies): they are sent to the configured site's origin.
 */
export function storageLink(api: ApiCaller, link: string, storage: string): string {
  const u = new URL(link, api.siteUrl);
  if (storage === 'sg' && u.pathname.startsWith('/api/')) return new URL(`${u.pathname}${u.search}`, api.siteUrl.origin).href;
  return u.href;
}

function parseInit(api: ApiCaller, body: unknown, multipart: boolean): UploadSession {
  if (!isObject(body) || !isObject(body.data) || !isObject(body.links)) throw badAnswer('the answer has no data/links');
  const { data, links } = body;
  if (typeof links.upload !== 'string' || links.upload === '') throw badAnswer('the answer has no upload link');
  if (typeof links.complete_upload !== 'string' || links.complete_upload === '') throw badAnswer('the answer has no completion link');
  const storage = typeof data.storage_service === 'string' ? data.storage_service : 's3';
  const isMultipart = multipart && data.multipart_upload !== false;
  if (isMultipart && typeof links.get_next_part !== 'string') throw badAnswer('a multipart answer has no get_next_part link');
  return {
    info: { ...data },
    uploadUrl: storageLink(api, links.upload, storage),
    completePath: links.complete_upload,
    nextPartTemplate: isMultipart ? (links.get_next_part as string) : undefined,
    storage,
    multipart: isMultipart,
  };
}

/** Whether a site refused multipart for its storage (`sg` sites: 400 with `source.multipart_upload`). */
function multipartRefused(err: unknown): boolean {
  return isShotGridError(err) && err.status === 400 && (err.errors ?? []).some((e) => isObject(e.source) && 'multipart_upload' in e.source);
}

/**
 * Initialises an upload (idempotent: a repeated init only makes an unused link). A multipart
 * request that the site refuses for its storage falls back to a single PUT.
 */
export async function initUpload(api: ApiCaller, target: UploadTarget, fileName: string, multipart: boolean, signal?: AbortSignal): Promise<UploadSession> {
  const path = uploadPath(target);
  try {
    const res = await api.request({ method: 'GET', path, query: { filename: fileName, multipart_upload: multipart ? 'true' : undefined }, idempotent: true, signal });
    return parseInit(api, res.body, multipart);
  } catch (err) {
    if (!multipart || !multipartRefused(err)) throw err;
    const res = await api.request({ method: 'GET', path, query: { filename: fileName }, idempotent: true, signal });
    return parseInit(api, res.body, false);
  }
}

/** A signed link for part `partNumber` (any number: the template's `part_number` is rewritten). */
export async function partLink(api: ApiCaller, session: UploadSession, partNumber: number, signal?: AbortSignal): Promise<string> {
  if (!session.nextPartTemplate) throw new ShotGridError('SG_BAD_RESPONSE', 'upload has no part link template');
  const res = await api.request({ method: 'GET', path: session.nextPartTemplate, query: { part_number: partNumber }, idempotent: true, signal });
  const links = isObject(res.body) && isObject(res.body.links) ? res.body.links : undefined;
  if (!links || typeof links.upload !== 'string' || links.upload === '') throw new ShotGridError('SG_BAD_RESPONSE', `part link ${partNumber}: the answer has no upload link`);
  return storageLink(api, links.upload, session.storage);
}

/** The completion body (`upload_info` = init data + etags/upload id; `upload_data` always present). */
export function completionBody(info: UploadInfo, uploadData: Record<string, unknown>): Record<string, unknown> {
  return { upload_info: info, upload_data: uploadData };
}

/**
 * Completes the upload (`idempotent: false`): a lost answer is read back with `landed` when
 * given, else it is `SG_OUTCOME_UNKNOWN`.
 */
export async function completeUpload(api: ApiCaller, session: UploadSession, info: UploadInfo, uploadData: Record<string, unknown>, signal?: AbortSignal, landed?: (signal?: AbortSignal) => Promise<boolean>): Promise<void> {
  await api.request({ method: 'POST', path: session.completePath, json: completionBody(info, uploadData), idempotent: false, responseType: 'none', signal, ...(landed ? { landed } : {}) });
}

/**
 * Aborts a multipart upload (body: the init data, flat). Best effort: its own failure is
 * swallowed so the caller sees the error that caused the abort. Runs without the caller's
 * signal, which may be the reason for the abort.
 */
export async function abortUpload(api: ApiCaller, session: UploadSession): Promise<boolean> {
  if (!session.multipart) return true;
  const path = `${session.completePath.replace(/\/$/, '')}/multipart_abort`;
  const flat: Record<string, unknown> = { ...session.info };
  delete flat.etags;
  try {
    await api.request({ method: 'POST', path, json: flat, idempotent: true, responseType: 'none', signal: AbortSignal.timeout(Math.max(api.timeouts.headers, 10_000) * 2) });
    return true;
  } catch {
    return false;
  }
}
