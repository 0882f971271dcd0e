/**
 * How file fields are stored after an upload, and how they read: a url field as the site's
 * url-hash with a fresh signed URL; an image field as the transient placeholder for
 * `transcodeDelay` ms after the upload, then a signed URL re-made on every read (or null when
 * transcoding fails). Values written through the API (web links) pass through unchanged.
 */
import type { EmulatorContext } from '../context.js';
import type { StorageBackend } from './storage-backend.js';

/** Path of the site's transient thumbnail placeholder. */
export const PLACEHOLDER_PATH = '/images/status/transient/thumbnail_pending.png';

/** A url field (or `Attachment.this_file`) holding uploaded bytes. */
export interface StoredUpload {
  $file: 'upload';
  key: string;
  name: string;
  contentType: string;
  attachmentId: number;
}

/** An image field after an upload: the object to serve once "transcoded". */
export interface StoredThumbnail {
  $file: 'thumbnail';
  key: string;
  /** Epoch ms of the upload; the field is transient until `transcodeDelay` has passed. */
  uploadedAt: number;
}

/** Whether a stored value is an uploaded file. */
export function isStoredUpload(v: unknown): v is StoredUpload {
  return typeof v === 'object' && v !== null && (v as StoredUpload).$file === 'upload';
}

/** Whether a stored value is an uploaded thumbnail. */
export function isStoredThumbnail(v: unknown): v is StoredThumbnail {
  return typeof v === 'object' && v !== null && (v as StoredThumbnail).$file === 'thumbnail';
}

/** Options of a render. */
export interface RenderOptions {
  /** Hand out an already-expired signed URL (`url_expire` fault on the request). */
  expired?: boolean;
}

/** The placeholder's absolute URL on this site. */
export function placeholderUrl(ctx: EmulatorContext): string {
  return `${ctx.baseUrl}${PLACEHOLDER_PATH}`;
}

/** What an image field reads as now. */
export function renderImage(ctx: EmulatorContext, storage: StorageBackend, stored: unknown, opts: RenderOptions = {}): unknown {
  if (!isStoredThumbnail(stored)) return stored ?? null;
  if (Date.now() - stored.uploadedAt < ctx.options.transcodeDelay) return placeholderUrl(ctx);
  if (ctx.options.transcodeFail || !storage.has(stored.key)) return null;
  return storage.sign({ method: 'GET', key: stored.key, expired: opts.expired });
}

/** What a url field reads as now. */
export function renderUrl(storage: StorageBackend, stored: unknown, opts: RenderOptions = {}): unknown {
  if (!isStoredUpload(stored)) return stored ?? null;
  return {
    url: storage.sign({ method: 'GET', key: stored.key, expired: opts.expired }),
    name: stored.name,
    content_type: stored.contentType,
    link_type: 'upload',
    type: 'Attachment',
    id: stored.attachmentId,
  };
}
