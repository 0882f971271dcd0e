/**
 * `ShotGridClient`: the public face of the library. It validates its options, owns one request
 * layer (connection pool, tokens, retries) and delegates every operation to a module.
 */
import { resolveClientOptions } from './config/resolve-options.js';
import { runBatch } from './entities/batch.js';
import type { Filters } from './entities/filters.js';
import { findOneRecord, findRecords, iteratePages, iterateRecords } from './entities/find.js';
import { findOrCreateRecord } from './entities/find-or-create.js';
import { readEntitySchema, readFieldSchema, readServerInfo } from './entities/schema.js';
import {
  createSchemaField, deleteSchemaField, expandHierarchy, followRecords, readActivityStream, readFollowers, readFollowing, readNoteThread, readPreferences, readRelationship,
  readSchema, reviveSchemaField, searchHierarchy, searchText, unfollowRecord, updateSchemaField,
  type ActivityStream, type ActivityStreamOptions, type FollowerRef, type HierarchyHit, type HierarchyNode, type SchemaFieldProperties, type TextSearchHit,
  type TextSearchOptions, type ThreadEntry,
} from './entities/site-extras.js';
import { countRecords, summarizeRecords } from './entities/summarize.js';
import type {
  BatchRequest,
  BatchResult,
  CallOptions,
  CountOptions,
  CreateOptions,
  EntityRef,
  FindOptions,
  FindOrCreateOptions,
  FindOrCreateResult,
  SchemaEntity,
  SchemaField,
  SchemaFieldReadOptions,
  ServerInfo,
  ShotGridRecord,
  SummarizeOptions,
  SummaryField,
  SummaryResult,
  UpdateOptions,
} from './entities/types.js';
import { createRecord, deleteRecord, reviveRecord, updateRecord } from './entities/write.js';
import { ApiClient } from './http/api-client.js';
import type { ShotGridClientOptions } from './options.js';
import { downloadFile, uploadFile, waitForThumbnail, waitForThumbnails } from './transfers/index.js';
import type {
  DownloadOptions,
  DownloadResult,
  DownloadSource,
  ThumbnailResult,
  ThumbnailWaitOptions,
  UploadOptions,
  UploadResult,
  UploadTarget,
} from './transfers/types.js';

/**
 * A connection to one ShotGrid (Flow Production Tracking) site.
 *
 * Every method takes an `AbortSignal` (in its options) and fails only with `ShotGridError`.
 * Reads, updates and deletes are retried on transient failures; creates and batches are never
 * repeated once they may have reached the site (`SG_OUTCOME_UNKNOWN`). Call {@link close} when done.
 *
 * @example
 * ```ts
 * const sg = new ShotGridClient({ site: 'https://studio.shotgrid.autodesk.com', auth: { scriptName, scriptKey } });
 * const shots = await sg.find('Shot', [['sg_status_list', 'is', 'ip']], { fields: ['code', 'sg_sequence.Sequence.code'] });
 * await sg.close();
 * ```
 */
export class ShotGridClient {
  readonly #api: ApiClient;

  /** Validates the options (`SG_CONFIG` on any problem) and prepares the connection pool. No request is made. */
  constructor(options: ShotGridClientOptions) {
    this.#api = new ApiClient(resolveClientOptions(options));
  }

  /** The site's origin. */
  get siteUrl(): URL {
    return new URL(this.#api.siteUrl.href);
  }

  /**
   * Checks the credentials (and any `sudoAsLogin`) with one token request, retried like any
   * call; resolves at once when a valid token is already held. `SG_AUTH` when the site refuses them.
   */
  authenticate(options: CallOptions = {}): Promise<void> {
    return this.#api.authenticate(options.signal);
  }

  /** Server information (`GET /api/v1/`, no authentication). */
  info(options: CallOptions = {}): Promise<ServerInfo> {
    return readServerInfo(this.#api, options);
  }

  /**
   * Matching records as flat objects (`{type, id, code, project: {type, id, name}, …}`). Reads every
   * page unless `limit` or `page` is given.
   */
  find<T extends ShotGridRecord = ShotGridRecord>(type: string, filters: Filters | null | undefined, options: FindOptions = {}): Promise<T[]> {
    return findRecords(this.#api, type, filters, options) as Promise<T[]>;
  }

  /**
   * Matching records one at a time; the next page is fetched while the caller handles the
   * current one, and at most two pages are held in memory. Breaking out of the loop cancels
   * the prefetch.
   */
  iterate<T extends ShotGridRecord = ShotGridRecord>(type: string, filters: Filters | null | undefined, options: FindOptions = {}): AsyncGenerator<T, void, undefined> {
    return iterateRecords(this.#api, type, filters, options) as AsyncGenerator<T, void, undefined>;
  }

  /**
   * Matching records a page (`pageSize` records, the last one shorter) at a time, for callers
   * that hand records on in batches; memory is bounded as with {@link iterate}.
   */
  pages<T extends ShotGridRecord = ShotGridRecord>(type: string, filters: Filters | null | undefined, options: FindOptions = {}): AsyncGenerator<T[], void, undefined> {
    return iteratePages(this.#api, type, filters, options) as AsyncGenerator<T[], void, undefined>;
  }

  /** The first matching record, or `null`. */
  findOne<T extends ShotGridRecord = ShotGridRecord>(type: string, filters: Filters | null | undefined, options: Omit<FindOptions, 'limit' | 'page' | 'pageSize'> = {}): Promise<T | null> {
    return findOneRecord(this.#api, type, filters, options) as Promise<T | null>;
  }

  /** Summaries (counts, sums, …) over matching records, optionally grouped. */
  summarize(type: string, filters: Filters | null | undefined, summaryFields: SummaryField[], options: SummarizeOptions = {}): Promise<SummaryResult> {
    return summarizeRecords(this.#api, type, filters, summaryFields, options);
  }

  /** The number of matching records. */
  count(type: string, filters: Filters | null | undefined, options: CountOptions = {}): Promise<number> {
    return countRecords(this.#api, type, filters, options);
  }

  /**
   * Creates a record and returns it. Never repeated once the request may have reached the site:
   * such a failure is `SG_OUTCOME_UNKNOWN` (look the record up before creating it again).
   */
  create<T extends ShotGridRecord = ShotGridRecord>(type: string, data: Record<string, unknown>, options: CreateOptions = {}): Promise<T> {
    return createRecord(this.#api, type, data, options) as Promise<T>;
  }

  /**
   * Finds the live record whose `key` fields equal those of `data`, or creates it: safe to call
   * again and again (a farm job delivered twice), and from many workers at once — they end with
   * one live record. After a create the key is looked up again; when several live records match,
   * the oldest is kept and the ones this call created are retired (`retired`). A create whose
   * answer was lost (`SG_OUTCOME_UNKNOWN`) is resolved by that look-up.
   *
   * @example
   * ```ts
   * const { record, created } = await sg.findOrCreate('Version', { code: 'sh010_comp_v003', entity: shot, project }, { key: ['code', 'entity', 'project'] });
   * ```
   */
  findOrCreate<T extends ShotGridRecord = ShotGridRecord>(type: string, data: Record<string, unknown>, options: FindOrCreateOptions = {}): Promise<FindOrCreateResult<T>> {
    return findOrCreateRecord(this.#api, type, data, options) as Promise<FindOrCreateResult<T>>;
  }

  /** Updates a record and returns it; `multiEntityUpdateModes` adds/removes links instead of replacing them. */
  update<T extends ShotGridRecord = ShotGridRecord>(type: string, id: number, data: Record<string, unknown>, options: UpdateOptions = {}): Promise<T> {
    return updateRecord(this.#api, type, id, data, options) as Promise<T>;
  }

  /** Retires (soft-deletes) a record. */
  delete(type: string, id: number, options: CallOptions = {}): Promise<boolean> {
    return deleteRecord(this.#api, type, id, options);
  }

  /** Revives a retired record; `false` when it was not retired. */
  revive(type: string, id: number, options: CallOptions = {}): Promise<boolean> {
    return reviveRecord(this.#api, type, id, options);
  }

  /**
   * Runs creates, updates and deletes in one transaction (all or nothing). Like `create`, never
   * repeated once it may have reached the site.
   */
  batch(requests: BatchRequest[], options: CallOptions = {}): Promise<BatchResult[]> {
    return runBatch(this.#api, requests, options);
  }

  /** The site's entity types, keyed by name (the Python API's `schema_entity_read`). */
  schemaEntityRead(options: CallOptions = {}): Promise<Record<string, SchemaEntity>> {
    return readEntitySchema(this.#api, options);
  }

  /** Field schemas of an entity type (or of one field), keyed by field name. */
  schemaFieldRead(type: string, field?: string, options: SchemaFieldReadOptions = {}): Promise<Record<string, SchemaField>> {
    return readFieldSchema(this.#api, type, field, options);
  }

  /** Field schemas of several entity types (all by default), keyed by type then field (the Python API's `schema_read`). */
  schemaRead(types?: string[], options: CallOptions = {}): Promise<Record<string, Record<string, SchemaField>>> {
    return readSchema(this.#api, types, options);
  }

  /** Creates a field (`properties.name` is the display name); returns its `sg_` field name. */
  schemaFieldCreate(type: string, dataType: string, properties: SchemaFieldProperties, options: CallOptions = {}): Promise<string> {
    return createSchemaField(this.#api, type, dataType, properties, options);
  }

  /** Changes a field's properties (display name, description, valid values...); returns the field's schema. */
  schemaFieldUpdate(type: string, field: string, properties: SchemaFieldProperties, options: CallOptions & { project?: number } = {}): Promise<SchemaField> {
    return updateSchemaField(this.#api, type, field, properties, options);
  }

  /** Retires a field; its name stays taken until {@link schemaFieldRevive}. */
  schemaFieldDelete(type: string, field: string, options: CallOptions = {}): Promise<void> {
    return deleteSchemaField(this.#api, type, field, options);
  }

  /** Brings a retired field back (at the data type it was created with). */
  schemaFieldRevive(type: string, field: string, options: CallOptions = {}): Promise<void> {
    return reviveSchemaField(this.#api, type, field, options);
  }

  /** Records whose name holds every word of `text`, per type with its own filters (needs a user or sudo token). */
  textSearch(text: string, entityTypes: Record<string, Filters>, options: TextSearchOptions = {}): Promise<TextSearchHit[]> {
    return searchText(this.#api, text, entityTypes, options);
  }

  /** The HumanUsers following a record. */
  followers(type: string, id: number, options: CallOptions = {}): Promise<FollowerRef[]> {
    return readFollowers(this.#api, type, id, options);
  }

  /** The records a HumanUser follows (`{type, id}`, unpaged), narrowed by `entity` type and/or `project` id. */
  following(userId: number, options: CallOptions & { entity?: string; project?: number } = {}): Promise<Array<{ type: string; id: number }>> {
    return readFollowing(this.#api, userId, options);
  }

  /** A HumanUser follows records (applied in order; a missing record fails after the ones before it). */
  follow(userId: number, records: Array<{ type: string; id: number }>, options: CallOptions = {}): Promise<void> {
    return followRecords(this.#api, userId, records, options);
  }

  /** A HumanUser stops following a record (fine when it did not follow). */
  unfollow(userId: number, record: { type: string; id: number }, options: CallOptions = {}): Promise<void> {
    return unfollowRecord(this.#api, userId, record, options);
  }

  /** A window of a record's activity stream, newest first (page down with `maxId: earliest_update_id`). */
  activityStream(type: string, id: number, options: ActivityStreamOptions = {}): Promise<ActivityStream> {
    return readActivityStream(this.#api, type, id, options);
  }

  /** A Note with its attachments and replies, in time order. */
  noteThread(noteId: number, options: CallOptions & { entityFields?: Record<string, string[]> } = {}): Promise<ThreadEntry[]> {
    return readNoteThread(this.#api, noteId, options);
  }

  /** Site preferences (all, or the names given; unknown names are absent). */
  preferences(names?: string[], options: CallOptions = {}): Promise<Record<string, unknown>> {
    return readPreferences(this.#api, names, options);
  }

  /**
   * The link (entity field: a ref or null) or links (multi-entity field: a list) of one field of a
   * record, unpaged; `retired: true` reads a retired record's field.
   */
  relationship(type: string, id: number, field: string, options: CallOptions & { retired?: boolean } = {}): Promise<EntityRef | EntityRef[] | null> {
    return readRelationship(this.#api, type, id, field, options);
  }

  /** One level of the site's navigation tree at `path` (`'/Project/70'`): the node and its children to expand next. */
  hierarchyExpand(path: string, options: CallOptions = {}): Promise<HierarchyNode> {
    return expandHierarchy(this.#api, path, options);
  }

  /** Where a record sits in the navigation tree (its breadcrumb), or [] when it has no place there. */
  hierarchySearch(record: { type: string; id: number }, options: CallOptions & { rootPath?: string } = {}): Promise<HierarchyHit[]> {
    return searchHierarchy(this.#api, record, options);
  }

  /** Uploads a file to a record's field (thumbnail for `image`) or as a record-level Attachment. */
  upload(target: UploadTarget, path: string, options: UploadOptions = {}): Promise<UploadResult> {
    return uploadFile(this.#api, target, path, options);
  }

  /** Downloads a file field, attachment or URL to a file path, a directory, or `'buffer'`. */
  download(source: DownloadSource, dest: string, options: DownloadOptions = {}): Promise<DownloadResult> {
    return downloadFile(this.#api, source, dest, options);
  }

  /** Waits until each record's thumbnail is ready (or failed, or the timeout passes). */
  waitForThumbnails(type: string, ids: number[], options: ThumbnailWaitOptions = {}): Promise<ThumbnailResult[]> {
    return waitForThumbnails(this.#api, type, ids, options);
  }

  /** Single-record form of {@link waitForThumbnails}. */
  waitForThumbnail(type: string, id: number, options: ThumbnailWaitOptions = {}): Promise<ThumbnailResult> {
    return waitForThumbnail(this.#api, type, id, options);
  }

  /**
   * Closes the connection pool. Calls still waiting to retry (and a token renewal in backoff) end
   * at once with `SG_ABORTED`, leaving no timer behind; later calls fail with `SG_CONFIG`.
   */
  close(): Promise<void> {
    return this.#api.close();
  }
}
