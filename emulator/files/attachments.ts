/**
 * What a completed upload produces: a thumbnail in an image field, or an Attachment row (in a
 * url field, or linked to the record for record-level uploads). A movie or image uploaded into
 * a url field also makes the record's `image` transient, then a thumbnail: the image itself, or
 * for a movie a generated tile with the record's name, since no transcoder is available.
 */
import { ApiError } from '../http/respond.js';
import type { StoredThumbnail, StoredUpload } from './file-values.js';
import { guessType, later, type FileState } from './state.js';
import { isThumbnailTarget, type ResolvedTarget } from './targets.js';
import { labelTile } from './thumbnails.js';

/** A completed upload to apply. */
export interface CompletedUpload {
  /** Object key (its bytes may be missing when the PUT was skipped: an empty Attachment). */
  key: string;
  filename: string;
  /** `upload_data` as sent. */
  uploadData: Record<string, unknown>;
  caller: { type: string; id: number };
}

type Link = { type: string; id: number };

const isLink = (v: unknown): v is Link =>
  typeof v === 'object' && v !== null && typeof (v as Link).type === 'string' && typeof (v as Link).id === 'number';

/** The Attachment's tags from `upload_data.tags`; anything but existing Tags → 400 code 104. */
export function attachmentTags(state: FileState, uploadData: Record<string, unknown>): Link[] {
  const tags = uploadData.tags;
  if (tags === undefined || tags === null) return [];
  const legal = Array.isArray(tags) && tags.every((t) => isLink(t) && t.type === 'Tag' && state.ctx.store.get('Tag', t.id) !== undefined);
  if (!legal) throw new ApiError(400, 104, 'Update failed for [Attachment.tags]: Value is not legal.', null);
  return (tags as Link[]).map((t) => ({ type: 'Tag', id: t.id }));
}

function projectOf(t: ResolvedTarget): Link | null {
  if (t.type === 'Project') return { type: 'Project', id: t.id };
  return isLink(t.record.fields.project) ? t.record.fields.project : null;
}

/** A short label for a generated thumbnail: the record's code or name. */
function labelOf(t: ResolvedTarget): string {
  for (const f of ['code', 'name', 'content', 'subject', 'display_name']) {
    const v = t.record.fields[f];
    if (typeof v === 'string' && v !== '') return v;
  }
  return `${t.type} ${t.id}`;
}

function thumbnailValue(key: string): StoredThumbnail {
  return { $file: 'thumbnail', key, uploadedAt: Date.now() };
}

/** After a movie/image lands in a url field: the record's thumbnail fields go transient, then ready. */
function transcode(state: FileState, t: ResolvedTarget, upload: CompletedUpload, contentType: string): void {
  const store = state.ctx.store;
  if (!store.field(t.type, 'image')) return;
  let key = upload.key;
  if (contentType.startsWith('video/')) {
    key = `thumbnails/${t.slug}/${t.id}/${Date.now()}-${upload.filename}.png`;
    // Stored in the background: the field reads as the placeholder meanwhile, and as null
    // (generation failed) if the storage refused the tile.
    state.storage.putGenerated(key, labelTile(labelOf(t), upload.filename), 'image/png').catch(() => undefined);
  } else if (!contentType.startsWith('image/')) {
    return;
  }
  const values: Record<string, unknown> = { image: thumbnailValue(key) };
  if (contentType.startsWith('video/') && store.field(t.type, 'filmstrip_image')) values.filmstrip_image = thumbnailValue(key);
  store.setFields(t.type, t.id, values);
}

/** Applies a completed upload to the store. */
export function applyUpload(state: FileState, t: ResolvedTarget, upload: CompletedUpload): void {
  const { ctx } = state;
  const store = ctx.store;
  if (isThumbnailTarget(t)) {
    store.setFields(t.type, t.id, { [t.field!]: thumbnailValue(upload.key) });
    return;
  }
  const tags = attachmentTags(state, upload.uploadData);
  const displayName = typeof upload.uploadData.display_name === 'string' && upload.uploadData.display_name !== '' ? upload.uploadData.display_name : upload.filename;
  const contentType = guessType(upload.filename);
  const author = { type: upload.caller.type, id: upload.caller.id };
  const att = store.insert('Attachment', {
    filename: upload.filename,
    display_name: displayName,
    original_fname: upload.filename,
    attachment_links: t.field ? [] : [{ type: t.type, id: t.id }],
    tags,
    processing_status: 'thumbnail_pending_us',
    project: projectOf(t),
    created_by: author,
    updated_by: author,
    description: null,
    file_size: null,
    file_extension: null,
  });
  const value: StoredUpload = { $file: 'upload', key: upload.key, name: upload.filename, contentType, attachmentId: att.id };
  store.setFields('Attachment', att.id, { this_file: value });
  ctx.counters.attachmentCreated();
  later(state, ctx.options.transcodeDelay, () => {
    if (store.get('Attachment', att.id)?.fields.processing_status === 'thumbnail_pending_us') store.setFields('Attachment', att.id, { processing_status: null });
  });
  if (t.field) {
    store.setFields(t.type, t.id, { [t.field]: value });
    transcode(state, t, upload, contentType);
    return;
  }
  // Record-level: the parent's own list of attachments (e.g. Note.attachments) shows it too.
  const list = store.field(t.type, 'attachments');
  if (list?.dataType === 'multi_entity') {
    const current = Array.isArray(t.record.fields.attachments) ? (t.record.fields.attachments as unknown[]) : [];
    store.setFields(t.type, t.id, { attachments: [...current, { type: 'Attachment', id: att.id }] });
  }
}
