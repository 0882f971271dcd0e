/**
 * Create, update, delete (retire) and revive, as plain functions over the store so `_batch` can
 * run them inside one transaction, plus the HTTP handlers around them.
 */
import type { StoredRecord } from '../context.js';
import { ApiError, mediaType, readJson, sendEmpty, sendJson } from '../http/respond.js';
import { syncReverseLinks } from '../store/reverse-links.js';
import { asLink } from './field-paths.js';
import { missingFieldError } from './filters.js';
import { invalidParams } from './read-options.js';
import { renderRecord, selectFields, type RecordJson } from './render.js';
import { rubyInspect } from './ruby-inspect.js';
import type { ApiRequest, Site } from './site.js';
import type { Caller } from '../context.js';
import type { LocalLinkValue } from './local-links.js';
import { isDiscarded, isUrlWrite, storedValue, type UrlWrite, type WriteVerb } from './write-values.js';

/** 404 code 104 for a write on a row that is not there. */
export function noSuchRow(type: string, id: number): ApiError {
  return new ApiError(404, 104, 'Not Found', null, `Entity of type [${type}] with id=${id} does not exist.`);
}

/** 415 unless the write body is JSON (an absent Content-Type is tolerated). */
export function requireJsonType(r: ApiRequest): void {
  const type = mediaType(r.req);
  if (type !== '' && type !== 'application/json') {
    throw new ApiError(415, 103, `Unsupported Content-Type '${type}'`, { content_type: "Content-Type must be one of: 'application/json'." });
  }
}

/** Reads a JSON object body for a write. */
export async function readWriteBody(r: ApiRequest): Promise<Record<string, unknown>> {
  requireJsonType(r);
  const body = await readJson(r.req);
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 103, 'Invalid JSON body', { body: 'Expected a JSON object' });
  return body as Record<string, unknown>;
}

/** The link that authored a write: the impersonated human when sudo'd, else the token's user. */
function authorLink(site: Site, caller: Caller | undefined): { type: string; id: number } | null {
  if (!caller) return null;
  if (caller.login) {
    for (const u of site.store.all('HumanUser')) if (u.fields.login === caller.login) return { type: 'HumanUser', id: u.id };
  }
  return { type: caller.type, id: caller.id };
}

/** Converts a body to stored values (url writes kept aside until the row exists). */
function convert(site: Site, verb: WriteVerb, type: string, body: Record<string, unknown>, current: Record<string, unknown>): { values: Record<string, unknown>; urls: Map<string, UrlWrite> } {
  const values: Record<string, unknown> = {};
  const urls = new Map<string, UrlWrite>();
  for (const [key, raw] of Object.entries(body)) {
    const f = site.store.field(type, key);
    if (!f) throw missingFieldError(`${type}.${key}`, verb);
    if (isDiscarded(key)) continue;
    const v = storedValue(site.store, verb, type, f, raw, current[key]);
    if (isUrlWrite(v)) urls.set(key, v);
    else values[key] = v;
    // Clearing `image` also clears `filmstrip_image`, as on the site.
    if (f.dataType === 'image' && f.name === 'image' && v === null && site.store.field(type, 'filmstrip_image')) values.filmstrip_image = null;
  }
  return { values, urls };
}

/** Stores url-field writes: each becomes a `web` Attachment linked to the row. */
function applyUrls(site: Site, rec: StoredRecord, urls: Map<string, UrlWrite>, author: { type: string; id: number } | null): void {
  for (const [field, w] of urls) {
    if (w.local) {
      applyLocalLink(site, rec, field, w.local, author);
      continue;
    }
    const url = String(w.value.url);
    const name = typeof w.value.name === 'string' ? w.value.name : url;
    if (rec.type === 'Attachment') {
      site.store.setFields(rec.type, rec.id, { [field]: { url, name, content_type: null, link_type: 'web', type: 'Attachment', id: rec.id } });
      continue;
    }
    const project = asLink(rec.fields.project);
    const att = site.store.insert('Attachment', {
      display_name: name, attachment_links: [{ type: rec.type, id: rec.id }], project: project ?? null, created_by: author, updated_by: author,
      tags: [], processing_status: null, description: null, filename: null, original_fname: null,
    });
    const value = { url, name, content_type: null, link_type: 'web', type: 'Attachment', id: att.id };
    site.store.setFields('Attachment', att.id, { this_file: value });
    site.store.setFields(rec.type, rec.id, { [field]: value });
  }
}

/**
 * Stores a local file link: like a web link, each accepted write mints an Attachment holding it;
 * a PublishedFile's `path` also names its storage in `path_cache_storage` (`path_cache` stays null).
 */
function applyLocalLink(site: Site, rec: StoredRecord, field: string, local: LocalLinkValue, author: { type: string; id: number } | null): void {
  const att = rec.type === 'Attachment' ? rec : site.store.insert('Attachment', {
    display_name: local.name, attachment_links: [{ type: rec.type, id: rec.id }], project: asLink(rec.fields.project) ?? null, created_by: author, updated_by: author,
    tags: [], processing_status: null, description: null, filename: null, original_fname: null,
  });
  const value = { ...local, type: 'Attachment', id: att.id };
  if (att !== rec) site.store.setFields('Attachment', att.id, { this_file: value });
  const extra = rec.type === 'PublishedFile' && field === 'path' ? { path_cache_storage: { type: 'LocalStorage', id: local.local_storage.id } } : {};
  site.store.setFields(rec.type, rec.id, { [field]: value, ...extra });
}

/** Server-side defaults of a new row. */
function defaults(site: Site, type: string, author: { type: string; id: number } | null): Record<string, unknown> {
  const out: Record<string, unknown> = { created_by: author, updated_by: author };
  for (const f of site.store.typeDef(type)!.fields.values()) {
    if (f.dataType === 'status_list' && f.validValues) out[f.name] = f.validValues[0];
    else if (f.dataType === 'checkbox') out[f.name] = false;
    else if (f.dataType === 'multi_entity' || f.dataType === 'tag_list') out[f.name] = [];
  }
  if (type === 'HumanUser') out.can_impersonate_this_user = true;
  return out;
}

/** Creates a row (validation, defaults, web Attachments for url fields). */
export function createRow(site: Site, type: string, body: Record<string, unknown>, caller: Caller | undefined): StoredRecord {
  const def = site.store.typeDef(type)!;
  const { values, urls } = convert(site, 'create', type, body, {});
  if (def.projectScoped && !asLink(values.project)) throw new ApiError(400, 103, `API create() missing 'project' attribute: ${rubyInspect(body)}`, {});
  const author = authorLink(site, caller);
  const rec = site.store.insert(type, { ...defaults(site, type, author), ...values });
  const named = rec.fields[def.nameField];
  if ((named === null || named === undefined) && ['code', 'content', 'name'].includes(def.nameField)) {
    const name = type === 'HumanUser' ? [rec.fields.firstname, rec.fields.lastname].filter(Boolean).join(' ') || `New ${type} ${rec.id}` : `New ${type} ${rec.id}`;
    site.store.setFields(type, rec.id, { [def.nameField]: name });
  }
  applyUrls(site, rec, urls, author);
  for (const field of Object.keys(values)) syncReverseLinks(site.store, rec, field, undefined);
  return rec;
}

/** Updates a live row with the body's fields. */
export function updateRow(site: Site, type: string, id: number, body: Record<string, unknown>, caller: Caller | undefined): StoredRecord {
  const rec = site.store.get(type, id);
  if (!rec) throw noSuchRow(type, id);
  if (Object.keys(body).length === 0) return rec;
  const { values, urls } = convert(site, 'update', type, body, rec.fields);
  const author = authorLink(site, caller);
  if (type === 'HumanUser' && ('firstname' in values || 'lastname' in values)) {
    values.name = [values.firstname ?? rec.fields.firstname, values.lastname ?? rec.fields.lastname].filter(Boolean).join(' ');
  }
  const before = Object.fromEntries(Object.keys(values).map((k) => [k, rec.fields[k]]));
  site.store.setFields(type, id, { ...values, updated_by: author });
  for (const field of Object.keys(values)) syncReverseLinks(site.store, rec, field, before[field]);
  applyUrls(site, rec, urls, author);
  return rec;
}

/** Retires a live row. */
export function deleteRow(site: Site, type: string, id: number): void {
  if (!site.store.retire(type, id)) throw noSuchRow(type, id);
}

/** Renders a written row: every field; a create shows date-times as `2021-06-16 08:55:13 UTC`. */
export function renderWritten(site: Site, rec: StoredRecord, prefix: string, created: boolean): RecordJson {
  const sel = selectFields(site, rec.type, null);
  const json = renderRecord(site, rec, sel, prefix);
  if (created) {
    for (const f of sel.plain) {
      const v = json.attributes[f.name];
      if (f.dataType === 'date_time' && typeof v === 'string') json.attributes[f.name] = v.replace('T', ' ').replace(/Z$/, ' UTC');
    }
  }
  return json;
}

/** `POST /entity/{e}`. */
export async function handleCreate(site: Site, r: ApiRequest, type: string): Promise<void> {
  const body = await readWriteBody(r);
  const rec = site.store.transaction(() => createRow(site, type, body, r.caller));
  site.ctx.counters.recordCreated(type);
  sendJson(r.res, 201, { data: renderWritten(site, rec, r.prefix, true) });
}

/** `PUT /entity/{e}/{id}`. */
export async function handleUpdate(site: Site, r: ApiRequest, type: string, id: number): Promise<void> {
  const body = await readWriteBody(r);
  const rec = site.store.transaction(() => updateRow(site, type, id, body, r.caller));
  sendJson(r.res, 200, { data: renderWritten(site, rec, r.prefix, false), links: {}, status: 'successful' });
}

/** `DELETE /entity/{e}/{id}`. */
export async function handleDelete(site: Site, r: ApiRequest, type: string, id: number): Promise<void> {
  deleteRow(site, type, id);
  sendEmpty(r.res, 204);
}

/** `POST /entity/{e}/{id}?revive=true`. */
export async function handleRevive(site: Site, r: ApiRequest, type: string, id: number): Promise<void> {
  const flag = r.url.searchParams.get('revive');
  if (flag === null) throw invalidParams({ revive: ['revive is missing'] });
  if (!['1', 'true', 'yes'].includes(flag.toLowerCase())) throw invalidParams({ revive: ['revive must be true'] });
  const rec = site.store.get(type, id, { includeRetired: true });
  if (!rec) throw noSuchRow(type, id);
  const didRevive = site.store.revive(type, id);
  // `links.self` is the request path as sent, without the query (`/api/v1/entity/Asset/1481`, recorded).
  sendJson(r.res, 200, { data: { type, id }, links: { self: r.url.pathname }, meta: { did_revive: didRevive } });
}
