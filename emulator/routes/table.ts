/**
 * The site's one route table: every REST, files, storage and web route, in match order (the
 * first entry whose path and method match serves the request). Dispatch, the fault/counter
 * route class and the OpenAPI document (`GET /api/v1/spec.json`) are all derived from it, so
 * adding an endpoint is one entry here plus its handler.
 */
import type { Caller } from '../context.js';
import type { FileRoute, PathTarget } from '../files/paths.js';
import { handleAccessToken } from '../api/auth-token.js';
import { handleBatch } from '../api/batch.js';
import { handleInfo } from '../api/info.js';
import { handleList, handleReadOne, handleSearch } from '../api/read.js';
import { handleRelationship } from '../api/relationship.js';
import { entityType } from '../api/route-errors.js';
import { handleHierarchyExpand, handleHierarchySearch } from '../api/hierarchy.js';
import { handlePreferences, handlePreferencesUpdate } from '../api/preferences.js';
import { handleSchemaAll, handleSchemaField, handleSchemaFields, handleSchemaType } from '../api/schema.js';
import { handleFieldCreate, handleFieldDelete, handleFieldRevive, handleFieldUpdate } from '../api/schema-admin.js';
import { handleActivityStream, handleFollow, handleFollowers, handleFollowing, handleNoteThread, handleUnfollow } from '../api/social.js';
import { handleTextSearch } from '../api/text-search.js';
import type { ApiRequest, Site } from '../api/site.js';
import { handleSummarize } from '../api/summarize.js';
import { handleCreate, handleDelete, handleRevive, handleUpdate } from '../api/write.js';
import { PLACEHOLDER_PATH } from '../files/file-values.js';
import { keyOfPath } from '../files/signing.js';
import { sendJson, sendText } from '../http/respond.js';
import type { RouteClass } from '../types.js';
import { handleWeb } from '../web/index.js';
import { compilePattern, type PathPattern } from './path-pattern.js';
import { specDocument } from './spec.js';

/** Fault/counter class of a request, with the storage part number (a single PUT is part 1). */
export interface Classified {
  route: RouteClass;
  partNumber?: number;
}

/** What a handler gets: the request, its path parameters and (bearer routes) the caller. */
export interface RouteCall extends ApiRequest {
  site: Site;
  params: Record<string, string>;
}

/** How a route is authorised. */
export type RouteAuth =
  | 'none' // no credentials (server info, token endpoint, web view)
  | 'bearer' // `Authorization: Bearer`: checked before the handler runs
  | 'signed'; // a signed URL (storage, the `sg` PUT): the handler checks the signature

/** One route. */
export interface RouteEntry {
  /** Stable name (the spec's `operationId`). */
  id: string;
  /** Methods served; `*` = any (the handler answers unsupported ones). */
  methods: readonly string[];
  /** `api`: the path is under `/api/v1` or `/api/v1.1`; `root`: from the server root. */
  scope: 'api' | 'root';
  pattern: PathPattern;
  /** Route class for faults and counters (a function when it depends on the request). */
  class: RouteClass | ((method: string, url: URL) => Classified);
  auth: RouteAuth;
  /** One line for the spec. */
  summary: string;
  /** The request body's media type, for the spec. */
  body?: 'json' | 'vendor' | 'form' | 'bytes';
  /** Success status, for the spec (default 200). */
  success?: number;
  handle(call: RouteCall): void | Promise<void>;
}

type EntryInput = Omit<RouteEntry, 'pattern' | 'methods' | 'scope'> & { method: string | readonly string[]; path: string; scope?: 'api' | 'root' };

function route(input: EntryInput): RouteEntry {
  const { method, path, scope, ...rest } = input;
  return { ...rest, methods: typeof method === 'string' ? [method] : method, scope: scope ?? 'api', pattern: compilePattern(path) };
}

/** The record (and field) a files path names. */
function target(call: RouteCall): PathTarget {
  const { type, id, field } = call.params;
  return { prefix: call.prefix, entity: type!, id: Number(id), ...(field === undefined ? {} : { field }) };
}

/** Hands a files route to the file service. */
function files(call: RouteCall, fileRoute: FileRoute): Promise<void> {
  const exchange: { req: RouteCall['req']; res: RouteCall['res']; url: URL; caller?: Caller } = { req: call.req, res: call.res, url: call.url };
  if (call.caller) exchange.caller = call.caller;
  return call.site.ctx.files.serve(fileRoute, exchange);
}

const type = (c: RouteCall): string => entityType(c.site, c.params.type!);
const id = (c: RouteCall): number => Number(c.params.id);

/** Storage PUTs are counted by part; any other storage request is a download. */
function storageClass(method: string, url: URL): Classified {
  if (method !== 'PUT') return { route: 'download' };
  const n = Number(url.searchParams.get('partNumber'));
  return { route: 'storage_put', partNumber: Number.isInteger(n) && n > 0 ? n : 1 };
}

const UPLOAD_ROUTES = (field: string): RouteEntry[] => [
  route({
    id: `upload.init${field}`, method: 'GET', path: `/entity/{type}/{id:int}${field}/_upload`, class: 'upload_init', auth: 'bearer',
    summary: 'Start an upload: storage URL and completion link', handle: (c) => files(c, { kind: 'init', ...target(c) }),
  }),
  route({
    id: `upload.complete${field}`, method: 'POST', path: `/entity/{type}/{id:int}${field}/_upload`, class: 'complete', auth: 'bearer', body: 'json', success: 201,
    summary: 'Complete an upload (creates the Attachment or thumbnail)', handle: (c) => files(c, { kind: 'complete', ...target(c) }),
  }),
  route({
    id: `upload.sg_put${field}`, method: 'PUT', path: `/entity/{type}/{id:int}${field}/_upload`, class: () => ({ route: 'storage_put', partNumber: 1 }), auth: 'signed', body: 'bytes',
    summary: 'Upload bytes to the site itself (storage "sg")', handle: (c) => files(c, { kind: 'sg_put', ...target(c) }),
  }),
  route({
    id: `upload.part_link${field}`, method: 'GET', path: `/entity/{type}/{id:int}${field}/_upload/multipart`, class: 'part_link', auth: 'bearer',
    summary: 'Storage URL of the next multipart part', handle: (c) => files(c, { kind: 'part_link', ...target(c) }),
  }),
  route({
    id: `upload.abort${field}`, method: 'POST', path: `/entity/{type}/{id:int}${field}/_upload/multipart_abort`, class: 'abort', auth: 'bearer', body: 'json', success: 204,
    summary: 'Abort a multipart upload', handle: (c) => files(c, { kind: 'abort', ...target(c) }),
  }),
];

/** Every route, in match order: literal segments before parameters that would also match. */
export const ROUTES: readonly RouteEntry[] = [
  route({ id: 'info', method: ['GET', 'HEAD'], path: '/', class: 'info', auth: 'none', summary: 'Server info', handle: (c) => handleInfo(c) }),
  route({
    id: 'auth.access_token', method: 'POST', path: '/auth/access_token', class: 'token', auth: 'none', body: 'form',
    summary: 'Grant an access token (client_credentials, password, refresh_token, session_token)', handle: (c) => handleAccessToken(c.site, c),
  }),
  route({ id: 'spec', method: 'GET', path: '/spec.json', class: 'api', auth: 'bearer', summary: "This site's OpenAPI document", handle: (c) => sendJson(c.res, 200, specDocument(ROUTES, c.prefix)) }),
  route({
    id: 'spec.yaml', method: 'GET', path: '/spec.yaml', class: 'api', auth: 'bearer', summary: "This site's OpenAPI document as YAML",
    // JSON is YAML 1.2, so the same text is a valid YAML document.
    handle: (c) => sendText(c.res, 200, JSON.stringify(specDocument(ROUTES, c.prefix)), 'application/yaml; charset=utf-8'),
  }),
  route({ id: 'schema.read', method: 'GET', path: '/schema', class: 'api', auth: 'bearer', summary: 'Every entity type', handle: (c) => handleSchemaAll(c.site, c) }),
  route({ id: 'schema.entity', method: 'GET', path: '/schema/{type}', class: 'api', auth: 'bearer', summary: 'One entity type', handle: (c) => handleSchemaType(c.site, c, type(c)) }),
  route({ id: 'schema.fields', method: 'GET', path: '/schema/{type}/fields', class: 'api', auth: 'bearer', summary: "An entity type's fields", handle: (c) => handleSchemaFields(c.site, c, type(c)) }),
  route({ id: 'schema.field', method: 'GET', path: '/schema/{type}/fields/{field}', class: 'api', auth: 'bearer', summary: 'One field', handle: (c) => handleSchemaField(c.site, c, type(c), c.params.field!) }),
  route({ id: 'schema.field_create', method: 'POST', path: '/schema/{type}/fields', class: 'api', auth: 'bearer', body: 'json', success: 201, summary: 'Create a field', handle: (c) => handleFieldCreate(c.site, c, type(c)) }),
  route({ id: 'schema.field_update', method: 'PUT', path: '/schema/{type}/fields/{field}', class: 'api', auth: 'bearer', body: 'json', summary: "Change a field's properties", handle: (c) => handleFieldUpdate(c.site, c, type(c), c.params.field!) }),
  route({ id: 'schema.field_delete', method: 'DELETE', path: '/schema/{type}/fields/{field}', class: 'api', auth: 'bearer', success: 204, summary: 'Retire a field', handle: (c) => handleFieldDelete(c.site, c, type(c), c.params.field!) }),
  route({ id: 'schema.field_revive', method: 'POST', path: '/schema/{type}/fields/{field}', class: 'api', auth: 'bearer', body: 'json', success: 204, summary: 'Revive a retired field (revive: true)', handle: (c) => handleFieldRevive(c.site, c, type(c), c.params.field!) }),
  route({ id: 'preferences', method: 'GET', path: '/preferences', class: 'api', auth: 'bearer', summary: 'Site preferences (?prefs=a,b)', handle: (c) => handlePreferences(c) }),
  route({ id: 'preferences.update', method: 'PUT', path: '/preferences/update', class: 'api', auth: 'bearer', body: 'json', summary: 'Enable a custom entity (refused: code 111, as recorded)', handle: (c) => handlePreferencesUpdate(c) }),
  route({ id: 'hierarchy.expand', method: 'POST', path: '/hierarchy/_expand', class: 'api', auth: 'bearer', body: 'json', summary: 'One level of the navigation tree', handle: (c) => handleHierarchyExpand(c.site, c) }),
  route({ id: 'hierarchy.search', method: 'POST', path: '/hierarchy/_search', class: 'api', auth: 'bearer', body: 'json', summary: 'The navigation path to a record', handle: (c) => handleHierarchySearch(c.site, c) }),
  route({ id: 'entity.text_search', method: 'POST', path: '/entity/_text_search', class: 'api', auth: 'bearer', body: 'vendor', summary: 'Search words across entity types (a user or sudo token)', handle: (c) => handleTextSearch(c.site, c) }),
  route({ id: 'entity.batch', method: 'POST', path: '/entity/_batch', class: 'api', auth: 'bearer', body: 'json', summary: 'Create, update and delete atomically', handle: (c) => handleBatch(c.site, c) }),
  route({ id: 'entity.list', method: 'GET', path: '/entity/{type}', class: 'api', auth: 'bearer', summary: 'List records (filter[...] equality)', handle: (c) => handleList(c.site, c, type(c)) }),
  route({ id: 'entity.create', method: 'POST', path: '/entity/{type}', class: 'api', auth: 'bearer', body: 'json', success: 201, summary: 'Create a record', handle: (c) => handleCreate(c.site, c, type(c)) }),
  route({ id: 'entity.search', method: 'POST', path: '/entity/{type}/_search', class: 'api', auth: 'bearer', body: 'vendor', summary: 'Search with array or hash filters', handle: (c) => handleSearch(c.site, c, type(c)) }),
  route({ id: 'entity.summarize', method: 'POST', path: '/entity/{type}/_summarize', class: 'api', auth: 'bearer', body: 'vendor', summary: 'Summaries and groups', handle: (c) => handleSummarize(c.site, c, type(c)) }),
  route({ id: 'entity.read', method: 'GET', path: '/entity/{type}/{id:int}', class: 'api', auth: 'bearer', summary: 'Read one record', handle: (c) => handleReadOne(c.site, c, type(c), id(c)) }),
  route({ id: 'entity.update', method: 'PUT', path: '/entity/{type}/{id:int}', class: 'api', auth: 'bearer', body: 'json', summary: 'Update a record', handle: (c) => handleUpdate(c.site, c, type(c), id(c)) }),
  route({ id: 'entity.delete', method: 'DELETE', path: '/entity/{type}/{id:int}', class: 'api', auth: 'bearer', success: 204, summary: 'Retire a record', handle: (c) => handleDelete(c.site, c, type(c), id(c)) }),
  route({ id: 'entity.revive', method: 'POST', path: '/entity/{type}/{id:int}', class: 'api', auth: 'bearer', summary: 'Revive a retired record (?revive=true)', handle: (c) => handleRevive(c.site, c, type(c), id(c)) }),
  route({
    id: 'entity.relationship', method: 'GET', path: '/entity/{type}/{id:int}/relationships/{field}', class: 'api', auth: 'bearer',
    summary: 'The links of an entity or multi-entity field', handle: (c) => handleRelationship(c.site, c, type(c), id(c), c.params.field!),
  }),
  route({ id: 'entity.followers', method: 'GET', path: '/entity/{type}/{id:int}/followers', class: 'api', auth: 'bearer', summary: 'The users following a record', handle: (c) => handleFollowers(c.site, c, type(c), id(c)) }),
  route({ id: 'entity.following', method: 'GET', path: '/entity/{type}/{id:int}/following', class: 'api', auth: 'bearer', summary: 'The records a HumanUser follows', handle: (c) => handleFollowing(c.site, c, type(c), id(c)) }),
  route({ id: 'entity.follow', method: 'POST', path: '/entity/{type}/{id:int}/follow', class: 'api', auth: 'bearer', body: 'json', success: 204, summary: 'A HumanUser follows records', handle: (c) => handleFollow(c.site, c, type(c), id(c)) }),
  route({ id: 'entity.unfollow', method: 'PUT', path: '/entity/{type}/{id:int}/unfollow', class: 'api', auth: 'bearer', body: 'json', success: 204, summary: 'A user stops following a record', handle: (c) => handleUnfollow(c.site, c, type(c), id(c)) }),
  route({ id: 'entity.activity_stream', method: 'GET', path: '/entity/{type}/{id:int}/activity_stream', class: 'api', auth: 'bearer', summary: "A record's activity, newest first", handle: (c) => handleActivityStream(c.site, c, type(c), id(c)) }),
  route({ id: 'entity.thread_contents', method: 'GET', path: '/entity/{type}/{id:int}/thread_contents', class: 'api', auth: 'bearer', summary: 'A Note with its attachments, in time order', handle: (c) => handleNoteThread(c.site, c, type(c), id(c)) }),
  ...UPLOAD_ROUTES(''),
  ...UPLOAD_ROUTES('/{field}'),
  route({
    id: 'entity.file_field', method: 'GET', path: '/entity/{type}/{id:int}/{field}', auth: 'bearer',
    class: (_m, url) => ({ route: url.searchParams.has('alt') ? 'download' : 'api' }),
    summary: 'Read an image or file field; ?alt=original|thumbnail redirects to the bytes',
    handle: (c) => files(c, { kind: 'download', ...target(c), field: c.params.field! }),
  }),
  route({
    id: 'storage', scope: 'root', method: '*', path: '/storage/{key*}', class: storageClass, auth: 'signed', summary: 'Built-in S3-like storage',
    handle: (c) => files(c, { kind: 'storage', key: keyOfPath(c.url.pathname) ?? '' }),
  }),
  route({
    id: 'placeholder', scope: 'root', method: ['GET', 'HEAD'], path: PLACEHOLDER_PATH, class: 'web', auth: 'none',
    summary: 'The transient thumbnail placeholder', handle: (c) => files(c, { kind: 'placeholder' }),
  }),
  route({ id: 'web.page', scope: 'root', method: '*', path: '/', class: 'web', auth: 'none', summary: 'The read-only site view', handle: async (c) => void (await handleWeb(c.site.ctx, c.req, c.res, c.url)) }),
  route({ id: 'web.files', scope: 'root', method: '*', path: '/web/{path*}', class: 'web', auth: 'none', summary: "The site view's files and feed", handle: async (c) => void (await handleWeb(c.site.ctx, c.req, c.res, c.url)) }),
];
