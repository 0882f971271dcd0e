/** Resolves the record and field an upload or download path names, with the site's errors. */
import type { FieldDef, StoredRecord } from '../context.js';
import { ApiError } from '../http/respond.js';
import type { UploadTarget } from './multipart.js';
import type { PathTarget } from './paths.js';
import type { FileState } from './state.js';

/** A resolved path target. */
export interface ResolvedTarget extends UploadTarget {
  prefix: string;
  slug: string;
  record: StoredRecord;
  fieldDef?: FieldDef;
}

/** 400 `Request Parameters invalid.` with `source` mapping each parameter to its messages. */
export function invalidParams(source: Record<string, string[]>): ApiError {
  return new ApiError(400, 103, 'Request Parameters invalid.', source);
}

/** 400 `Request Parameters invalid.` naming each missing parameter. */
export function missingParams(names: string[]): ApiError {
  return invalidParams(Object.fromEntries(names.map((n) => [n, [`${n} is missing`]])));
}

/** Whether a field holds files (thumbnails or attachments). */
export function isFileField(f: FieldDef): boolean {
  return f.dataType === 'image' || f.dataType === 'url';
}

/**
 * Resolves entity, field and record. Unknown entity → 404 code 103; unknown field → 404 code 103
 * `Field 'Shot.x' does not exist.`; a field that holds no files → 400; missing or retired
 * record → 404 code 104.
 */
export function resolveTarget(state: FileState, t: PathTarget): ResolvedTarget {
  const store = state.ctx.store;
  const type = store.resolveType(t.entity);
  if (!type) throw new ApiError(404, 103, 'Not Found', null, `Entity type '${t.entity}' does not exist.`);
  let fieldDef: FieldDef | undefined;
  if (t.field !== undefined) {
    fieldDef = store.field(type, t.field);
    if (!fieldDef) throw new ApiError(404, 103, `Field '${type}.${t.field}' does not exist.`, null);
    if (!isFileField(fieldDef)) throw new ApiError(400, 103, `Field ${type}.${t.field} is not an image or attachment.`, null);
  }
  const record = store.get(type, t.id);
  if (!record) throw new ApiError(404, 104, 'Not Found', null, `${type}: ${t.id} not found`);
  return { prefix: t.prefix, type, id: t.id, slug: store.slug(type), record, ...(fieldDef ? { field: fieldDef.name, fieldDef } : {}) };
}

/** Whether an upload into this target is a thumbnail (`image`/`filmstrip_image` fields). */
export function isThumbnailTarget(t: ResolvedTarget): boolean {
  return t.fieldDef?.dataType === 'image';
}

/** `<prefix>/entity/<slug>/<id>[/<field>]/_upload`: init, completion and `sg` PUT path. */
export function uploadPath(t: ResolvedTarget): string {
  return `${t.prefix}/entity/${t.slug}/${t.id}${t.field ? `/${encodeURIComponent(t.field)}` : ''}/_upload`;
}
