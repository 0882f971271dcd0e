/**
 * The REST surface beyond records: schema administration, text search, follows, activity
 * streams, Note threads, site preferences, a link field's links and the navigation tree. Each call is one request, shaped as the live site
 * answers it (see shotgrid-rest.md §4.4 and §8).
 */
import type { ApiCaller } from '../api-caller.js';
import { ShotGridError } from '../errors.js';
import { toRestFilter, type Filters } from './filters.js';
import { VENDOR_HASH } from './find.js';
import { checkEntityType, checkFieldName, checkId, dataOf, entityPath } from './records.js';
import type { CallOptions, EntityRef, SchemaField } from './types.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function answer(body: unknown, what: string): unknown {
  const data = dataOf(body);
  if (data === undefined) throw new ShotGridError('SG_BAD_RESPONSE', `the answer has no data (${what})`);
  return data;
}

/** Properties of a field to create or change, as `{property_name, value}` pairs on the wire. */
export interface SchemaFieldProperties {
  /** Display name; on create the site derives the `sg_` field name from it. */
  name?: string;
  description?: string;
  /** Entity types an entity / multi-entity field links to (exactly one on create). */
  valid_types?: string[];
  /** Values of a list / status_list field. */
  valid_values?: string[];
  [property: string]: unknown;
}

function propertyList(properties: SchemaFieldProperties): Array<{ property_name: string; value: unknown }> {
  return Object.entries(properties).filter(([, v]) => v !== undefined).map(([property_name, value]) => ({ property_name, value }));
}

/** Field schemas of several entity types (all of them by default), keyed by type then field. */
export async function readSchema(api: ApiCaller, types: string[] | undefined, options: CallOptions): Promise<Record<string, Record<string, SchemaField>>> {
  let names = types?.map((t) => checkEntityType(t));
  if (!names) {
    const res = await api.request({ method: 'GET', path: '/schema', idempotent: true, signal: options.signal });
    const all = answer(res.body, 'GET /api/v1/schema');
    if (!isPlainObject(all)) throw new ShotGridError('SG_BAD_RESPONSE', 'the answer has no entity schema (GET /api/v1/schema)');
    names = Object.keys(all);
  }
  const out: Record<string, Record<string, SchemaField>> = {};
  for (const type of names) {
    const res = await api.request({ method: 'GET', path: `/schema/${encodeURIComponent(type)}/fields`, idempotent: true, signal: options.signal });
    out[type] = answer(res.body, `GET /api/v1/schema/${type}/fields`) as Record<string, SchemaField>;
  }
  return out;
}

/** Creates a field; returns its programmatic name (`sg_...`, taken from the answer's `links.self`). */
export async function createSchemaField(api: ApiCaller, type: string, dataType: string, properties: SchemaFieldProperties, options: CallOptions): Promise<string> {
  if (typeof properties.name !== 'string' || properties.name.trim() === '') throw new ShotGridError('SG_CONFIG', 'schemaFieldCreate needs properties.name (the display name)');
  const res = await api.request({
    method: 'POST', path: `/schema/${encodeURIComponent(checkEntityType(type))}/fields`, json: { data_type: dataType, properties: propertyList(properties) },
    idempotent: false, signal: options.signal,
  });
  const self = isPlainObject(res.body) && isPlainObject(res.body.links) ? res.body.links.self : undefined;
  if (typeof self !== 'string') throw new ShotGridError('SG_BAD_RESPONSE', `the answer names no field (POST /api/v1/schema/${type}/fields)`);
  return decodeURIComponent(self.slice(self.lastIndexOf('/') + 1));
}

/** Changes a field's properties (the site never changes its data type). */
export async function updateSchemaField(api: ApiCaller, type: string, field: string, properties: SchemaFieldProperties, options: CallOptions & { project?: number }): Promise<SchemaField> {
  const json: Record<string, unknown> = { properties: propertyList(properties) };
  if (options.project !== undefined) json.project_id = checkId(options.project, 'project id');
  const path = `/schema/${encodeURIComponent(checkEntityType(type))}/fields/${encodeURIComponent(checkFieldName(field))}`;
  const res = await api.request({ method: 'PUT', path, json, idempotent: true, signal: options.signal });
  return answer(res.body, `PUT /api/v1${path}`) as SchemaField;
}

/** Retires a field (its name stays taken until revived). */
export async function deleteSchemaField(api: ApiCaller, type: string, field: string, options: CallOptions): Promise<void> {
  const path = `/schema/${encodeURIComponent(checkEntityType(type))}/fields/${encodeURIComponent(checkFieldName(field))}`;
  await api.request({ method: 'DELETE', path, idempotent: true, responseType: 'none', signal: options.signal });
}

/** Brings a retired field back, at the data type it was created with. */
export async function reviveSchemaField(api: ApiCaller, type: string, field: string, options: CallOptions): Promise<void> {
  const path = `/schema/${encodeURIComponent(checkEntityType(type))}/fields/${encodeURIComponent(checkFieldName(field))}`;
  await api.request({ method: 'POST', path, json: { revive: true }, idempotent: true, responseType: 'none', signal: options.signal });
}

/** One text-search hit: flattened, whatever its type. */
export interface TextSearchHit {
  type: string;
  id: number;
  /** The display name (`code`, `name`, ...). */
  name: string | null;
  /** The linked row's type and name (`['Sequence', 'bbb_010']`), or `['', '']`. */
  links: [string, string];
  status: string | null;
}

/** Options of `textSearch`. */
export interface TextSearchOptions extends CallOptions {
  /** Hits per page (the site serves at most 25). */
  limit?: number;
  /** 1-based page. */
  page?: number;
}

/** Finds records whose name holds every word of `text`, in each type with its own filters. Needs a user or sudo token. */
export async function searchText(api: ApiCaller, text: string, entityTypes: Record<string, Filters>, options: TextSearchOptions): Promise<TextSearchHit[]> {
  if (typeof text !== 'string' || text.trim() === '') throw new ShotGridError('SG_CONFIG', 'textSearch needs some text to search for');
  const types = Object.entries(entityTypes);
  if (types.length === 0) throw new ShotGridError('SG_CONFIG', 'textSearch needs at least one entity type');
  const entity_types = Object.fromEntries(types.map(([t, f]) => [checkEntityType(t), toRestFilter(f)]));
  const page: Record<string, number> = {};
  if (options.limit !== undefined) page.size = checkId(options.limit, 'limit');
  if (options.page !== undefined) page.number = checkId(options.page, 'page');
  const res = await api.request({ method: 'POST', path: '/entity/_text_search', contentType: VENDOR_HASH, json: { text, entity_types, page }, idempotent: true, signal: options.signal });
  const data = answer(res.body, 'POST /api/v1/entity/_text_search');
  if (!Array.isArray(data)) throw new ShotGridError('SG_BAD_RESPONSE', 'the answer has no hits (POST /api/v1/entity/_text_search)');
  return data.map((row: { type: string; id: number; attributes?: { name?: string | null; links?: [string, string]; status?: string | null } }) => ({
    type: row.type, id: row.id, name: row.attributes?.name ?? null, links: row.attributes?.links ?? ['', ''], status: row.attributes?.status ?? null,
  }));
}

/** A user as follow lists name one. */
export interface FollowerRef {
  type: 'HumanUser';
  id: number;
  name: string | null;
}

/** The HumanUsers following a record. */
export async function readFollowers(api: ApiCaller, type: string, id: number, options: CallOptions): Promise<FollowerRef[]> {
  const path = `${entityPath(type, id)}/followers`;
  const res = await api.request({ method: 'GET', path, idempotent: true, signal: options.signal });
  const data = answer(res.body, `GET /api/v1${path}`);
  if (!Array.isArray(data)) throw new ShotGridError('SG_BAD_RESPONSE', `the answer has no followers (GET /api/v1${path})`);
  return data.map((u: { id: number; attributes?: { name?: string | null } }) => ({ type: 'HumanUser' as const, id: u.id, name: u.attributes?.name ?? null }));
}

/** What a HumanUser follows (unpaged), narrowed to one entity type and/or one project. */
export async function readFollowing(api: ApiCaller, userId: number, options: CallOptions & { entity?: string; project?: number }): Promise<Array<{ type: string; id: number }>> {
  const path = `/entity/human_users/${checkId(userId, 'user id')}/following`;
  const query = {
    entity: options.entity === undefined ? undefined : checkEntityType(options.entity),
    project_id: options.project === undefined ? undefined : checkId(options.project, 'project id'),
  };
  const res = await api.request({ method: 'GET', path, query, idempotent: true, signal: options.signal });
  const data = answer(res.body, `GET /api/v1${path}`);
  if (!Array.isArray(data)) throw new ShotGridError('SG_BAD_RESPONSE', `the answer has no list (GET /api/v1${path})`);
  return data.map((row: { type: string; id: number }) => ({ type: row.type, id: row.id }));
}

/** A HumanUser follows records (applied in order; not atomic on the site). */
export async function followRecords(api: ApiCaller, userId: number, records: Array<{ type: string; id: number }>, options: CallOptions): Promise<void> {
  const entities = records.map((r) => ({ entity: checkEntityType(r.type), record_id: checkId(r.id) }));
  await api.request({ method: 'POST', path: `/entity/human_users/${checkId(userId, 'user id')}/follow`, json: { entities }, idempotent: true, responseType: 'none', signal: options.signal });
}

/** A HumanUser stops following a record (also fine when it did not follow). */
export async function unfollowRecord(api: ApiCaller, userId: number, record: { type: string; id: number }, options: CallOptions): Promise<void> {
  const path = `${entityPath(record.type, record.id)}/unfollow`;
  await api.request({ method: 'PUT', path, json: { user_id: checkId(userId, 'user id') }, idempotent: true, responseType: 'none', signal: options.signal });
}

/** One update of an activity stream. */
export interface ActivityUpdate {
  id: number;
  update_type: string;
  meta: Record<string, unknown>;
  created_at: string | null;
  read: boolean;
  primary_entity: Record<string, unknown>;
  created_by: Record<string, unknown> | null;
}

/** A window of a record's activity stream. */
export interface ActivityStream {
  entity_type: string;
  entity_id: number;
  latest_update_id: number;
  /** Pass it back as `maxId` for the next (older) window; 0 when the stream ran out. */
  earliest_update_id: number;
  updates: ActivityUpdate[];
}

/** Options of `activityStream`. */
export interface ActivityStreamOptions extends CallOptions {
  /** Updates per window, 1-500 (site default 25). */
  limit?: number;
  /** Only updates with a lower id (the page-down key). */
  maxId?: number;
  /** Only updates with a higher id. */
  minId?: number;
}

/** A record's activity stream, newest first. */
export async function readActivityStream(api: ApiCaller, type: string, id: number, options: ActivityStreamOptions): Promise<ActivityStream> {
  const path = `${entityPath(type, id)}/activity_stream`;
  const res = await api.request({ method: 'GET', path, query: { limit: options.limit, max_id: options.maxId, min_id: options.minId }, idempotent: true, signal: options.signal });
  return answer(res.body, `GET /api/v1${path}`) as ActivityStream;
}

/** One row of a Note's thread: the Note, an Attachment or a Reply, with the fields asked for. */
export interface ThreadEntry {
  type: string;
  id: number;
  created_at: string | null;
  [field: string]: unknown;
}

/** A Note's thread in time order; `entityFields` adds fields per row type (`{Note: ['subject']}`). */
export async function readNoteThread(api: ApiCaller, noteId: number, options: CallOptions & { entityFields?: Record<string, string[]> }): Promise<ThreadEntry[]> {
  const query: Record<string, string> = {};
  for (const [t, fields] of Object.entries(options.entityFields ?? {})) query[`entity_fields[${checkEntityType(t)}]`] = fields.map((f) => checkFieldName(f)).join(',');
  const path = `/entity/notes/${checkId(noteId, 'note id')}/thread_contents`;
  const res = await api.request({ method: 'GET', path, query, idempotent: true, signal: options.signal });
  const data = answer(res.body, `GET /api/v1${path}`);
  if (!Array.isArray(data)) throw new ShotGridError('SG_BAD_RESPONSE', `the answer has no thread (GET /api/v1${path})`);
  return data as ThreadEntry[];
}

/** Site preferences (all, or the names given; unknown names are absent). */
export async function readPreferences(api: ApiCaller, names: string[] | undefined, options: CallOptions): Promise<Record<string, unknown>> {
  const res = await api.request({ method: 'GET', path: '/preferences', query: { prefs: names?.join(',') }, idempotent: true, signal: options.signal });
  const data = answer(res.body, 'GET /api/v1/preferences');
  if (!isPlainObject(data)) throw new ShotGridError('SG_BAD_RESPONSE', 'the answer has no preferences (GET /api/v1/preferences)');
  return data;
}

/** The link (entity field: one or null) or links (multi-entity field) of a record's field, as `{type, id, name}`. */
export async function readRelationship(api: ApiCaller, type: string, id: number, field: string, options: CallOptions & { retired?: boolean }): Promise<EntityRef | EntityRef[] | null> {
  const path = `${entityPath(type, id)}/relationships/${encodeURIComponent(checkFieldName(field))}`;
  const query = options.retired ? { 'options[return_only]': 'retired' } : {};
  const res = await api.request({ method: 'GET', path, query, idempotent: true, signal: options.signal });
  const data = answer(res.body, `GET /api/v1${path}`);
  if (data !== null && !isPlainObject(data) && !Array.isArray(data)) throw new ShotGridError('SG_BAD_RESPONSE', `the answer has no links (GET /api/v1${path})`);
  return data as EntityRef | EntityRef[] | null;
}

/** What a navigation tree node stands for. */
export interface HierarchyRef {
  /** `entity` (value `{type, id}`), `entity_type` (value a type name), `list_value` or `root`. */
  kind: string;
  value: unknown;
}

/** A child of an expanded node: expand its `path` next when `has_children`. */
export interface HierarchyChild {
  label: string;
  /** Tree path (`/Project/70/Shot`); may be absent on some sites. */
  path?: string;
  ref: HierarchyRef;
  has_children: boolean;
}

/** One level of the navigation tree (`/hierarchy/_expand`). */
export interface HierarchyNode {
  label: string;
  path: string;
  parent_path: string | null;
  ref: HierarchyRef;
  /** The records the web page lists at this node (Versions on the stock tree). */
  target_entities?: { type: string; additional_filter_presets?: unknown[] };
  has_children: boolean;
  children: HierarchyChild[];
}

/** Where a record sits in the navigation tree (`/hierarchy/_search`). */
export interface HierarchyHit {
  label: string;
  /** The breadcrumb, one path per level from the project; the last is the record. */
  incremental_path: string[];
  /** The breadcrumb for a person (`Shots > bbb_010`), project left out. */
  path_label: string;
  ref: { type: string; id: number };
  project_id: number;
}

function checkTreePath(path: unknown, what: string): string {
  if (typeof path !== 'string' || !path.startsWith('/')) throw new ShotGridError('SG_CONFIG', `${what} must be a tree path such as '/Project/70' (got ${JSON.stringify(path) ?? String(path)})`);
  return path;
}

/** One level of the navigation tree at `path` (`/Project/<id>` at a project's root). Sent as plain JSON, as this endpoint requires. */
export async function expandHierarchy(api: ApiCaller, path: string, options: CallOptions): Promise<HierarchyNode> {
  const json = { path: checkTreePath(path, 'hierarchy path') };
  const res = await api.request({ method: 'POST', path: '/hierarchy/_expand', json, contentType: 'application/json', idempotent: true, signal: options.signal });
  const data = answer(res.body, 'POST /api/v1/hierarchy/_expand');
  if (!isPlainObject(data) || !Array.isArray(data.children)) throw new ShotGridError('SG_BAD_RESPONSE', 'the answer has no tree node (POST /api/v1/hierarchy/_expand)');
  return data as unknown as HierarchyNode;
}

/** Where a record sits in the navigation tree ([] when it has no place there), searched from `rootPath` (a `/Project/<id>`). */
export async function searchHierarchy(api: ApiCaller, record: { type: string; id: number }, options: CallOptions & { rootPath?: string }): Promise<HierarchyHit[]> {
  const json: Record<string, unknown> = { search_criteria: { entity: { type: checkEntityType(record.type), id: checkId(record.id) } } };
  if (options.rootPath !== undefined) json.root_path = checkTreePath(options.rootPath, 'rootPath');
  const res = await api.request({ method: 'POST', path: '/hierarchy/_search', json, contentType: 'application/json', idempotent: true, signal: options.signal });
  const data = answer(res.body, 'POST /api/v1/hierarchy/_search');
  if (!Array.isArray(data)) throw new ShotGridError('SG_BAD_RESPONSE', 'the answer has no hits (POST /api/v1/hierarchy/_search)');
  return data as HierarchyHit[];
}
