/** Public types of records and entity operations. */

/** A link to a record: `{type, id}`; reads add `name`. */
export interface EntityRef {
  /** Entity type, e.g. `Project`. */
  type: string;
  /** Record id. */
  id: number;
  /** Display name, present on links the site returns. */
  name?: string | null;
}

/** Value of a file/link (url) field, e.g. `Version.sg_uploaded_movie`. */
export interface UrlFieldValue {
  /** Signed download URL (uploads; expires) or the external link (web). */
  url?: string;
  /** Display name. */
  name?: string | null;
  /** MIME type of an upload. */
  content_type?: string | null;
  /** `upload` (bytes on storage), `web` (external link) or `local` (local file paths). */
  link_type?: 'upload' | 'web' | 'local' | (string & {});
  /** `Attachment`. */
  type?: string;
  /** Attachment id. */
  id?: number;
  /** Other keys (`local_path_linux`, `local_storage`, …). */
  [key: string]: unknown;
}

/**
 * A record in the shape the Python API returns: `type`, `id` and the requested fields as flat
 * keys (`code`, `project: {type, id, name}`, `'sg_sequence.Sequence.code'`); single links as
 * {@link EntityRef}, multi-entity fields as arrays of them. Fields the site did not return are
 * absent.
 */
export interface ShotGridRecord {
  /** Entity type, e.g. `Shot`. */
  type: string;
  /** Record id. */
  id: number;
  /** Requested fields by name or dotted path. */
  [field: string]: unknown;
}

/** One sort key: `code`, `-created_at` (descending) or the Python API's `{field_name, direction}`. */
export type SortSpec = string | { field_name: string; direction?: 'asc' | 'desc' } | { field: string; direction?: 'asc' | 'desc' };

/** Options shared by reads. */
export interface ReadOptions {
  /** Include records of archived projects (default true, as the Python API). */
  includeArchivedProjects?: boolean;
  /** Return only retired (deleted) records instead of live ones (default false). */
  retired?: boolean;
  /** Cancels the call (`SG_ABORTED`). */
  signal?: AbortSignal;
}

/** Options of `find`, `findOne` and `iterate`. */
export interface FindOptions extends ReadOptions {
  /**
   * Fields to return besides `type` and `id` (default: none, as the Python API). Dotted paths
   * through single-entity links work (`'sg_sequence.Sequence.code'`); `['*']` returns every field.
   */
  fields?: string[];
  /** Sort keys, applied in order (default: by id ascending). A string may list several: `'-created_at,code'`. */
  sort?: SortSpec | SortSpec[];
  /** Most records to return (default: all). */
  limit?: number;
  /** Return only this 1-based page of `pageSize` records (default: all pages). */
  page?: number;
  /** Records per request, 1..5000 (default 5000 when reading all pages, 500 with `page`, as the Python API's pages). */
  pageSize?: number;
  /** Top-level operator for a list of conditions: `all`/`and` (default) or `any`/`or`. */
  filterOperator?: 'all' | 'any' | 'and' | 'or';
}

/** One summary: a field and how to summarise it. */
export interface SummaryField {
  /** Field to summarise. */
  field: string;
  /** How to summarise it. */
  type:
    | 'record_count'
    | 'count'
    | 'sum'
    | 'maximum'
    | 'minimum'
    | 'average'
    | 'earliest'
    | 'latest'
    | 'percentage'
    | 'status_percentage'
    | 'status_percentage_as_float'
    | 'status_list'
    | 'checked'
    | 'unchecked';
}

/** One grouping level of a summary. */
export interface SummaryGrouping {
  /** Field to group by. */
  field: string;
  /** `exact`, `tens`, `hundreds`, `day`, `week`, `month`, `quarter`, `year`, … */
  type: string;
  /** Order of the groups (default `asc`). */
  direction?: 'asc' | 'desc';
}

/** Options of `summarize`. */
export interface SummarizeOptions extends Omit<ReadOptions, 'retired'> {
  /** Grouping levels, outermost first. */
  grouping?: SummaryGrouping[];
  /** Top-level operator for a list of conditions (default `all`). */
  filterOperator?: 'all' | 'any' | 'and' | 'or';
}

/** Options of `count`. */
export type CountOptions = Omit<SummarizeOptions, 'grouping'>;

/** A group of a summary answer. */
export interface SummaryGroup {
  /** Display name of the group. */
  group_name: string;
  /** The grouped value (a link for entity fields). */
  group_value: unknown;
  /** Summaries of the group, by field. */
  summaries: Record<string, unknown>;
  /** Sub-groups, with several grouping levels. */
  groups?: SummaryGroup[];
}

/** The answer of `summarize`. */
export interface SummaryResult {
  /** Totals per summarised field. */
  summaries: Record<string, unknown>;
  /** Groups, when `grouping` was given. */
  groups: SummaryGroup[];
}

/** How a multi-entity field given to `update` changes. */
export type MultiEntityUpdateMode = 'set' | 'add' | 'remove';

/** Options of `create`. */
export interface CreateOptions {
  /** Fields to read back after the create (besides those sent and `type`/`id`). */
  returnFields?: string[];
  /** Cancels the call (`SG_ABORTED`). */
  signal?: AbortSignal;
}

/** Options of `findOrCreate`. */
export interface FindOrCreateOptions {
  /**
   * Fields that identify the record, each compared with `is` to its value in the data (default:
   * those of `code`, `entity` and `project` that the data sets). Single values only: text,
   * numbers, single-entity links.
   */
  key?: string[];
  /** Fields to return besides those in the data (and `type`/`id`). */
  returnFields?: string[];
  /** Cancels the call (`SG_ABORTED`). */
  signal?: AbortSignal;
}

/** The answer of `findOrCreate`. */
export interface FindOrCreateResult<T extends ShotGridRecord = ShotGridRecord> {
  /** The one live record with the key: the oldest (lowest id) when several matched. */
  record: T;
  /** Whether this call created `record` (false: it was found). */
  created: boolean;
  /**
   * Duplicates this call retired: records it created while a concurrent call created an older
   * one with the same key, or that a concurrent call created and had not retired yet (made
   * within `RACE_DUPLICATE_WINDOW_MS` after `record`). Each retired record is listed by the one
   * call whose delete retired it. Absent when none.
   */
  retired?: EntityRef[];
  /**
   * The create's answer was lost (`SG_OUTCOME_UNKNOWN`) and the look-up found the record instead.
   * `created` is then true, though a concurrent call with the same key may have made it.
   */
  resolvedByLookup?: boolean;
}

/** Options of `update`. */
export interface UpdateOptions {
  /** Per multi-entity field: add to, remove from, or replace (default) its links. */
  multiEntityUpdateModes?: Record<string, MultiEntityUpdateMode>;
  /** Cancels the call (`SG_ABORTED`). */
  signal?: AbortSignal;
}

/** Options of calls taking only a signal. */
export interface CallOptions {
  /** Cancels the call (`SG_ABORTED`). */
  signal?: AbortSignal;
}

/** One request of a `batch`, in the Python API's shape. */
export type BatchRequest =
  | { request_type: 'create'; entity_type: string; data: Record<string, unknown> }
  | {
      request_type: 'update';
      entity_type: string;
      entity_id: number;
      data: Record<string, unknown>;
      multi_entity_update_modes?: Record<string, MultiEntityUpdateMode>;
    }
  | { request_type: 'delete'; entity_type: string; entity_id: number };

/** One result of a `batch`: the record for creates/updates, `true` for deletes. */
export type BatchResult = ShotGridRecord | boolean;

/** A schema property: `{value, editable}`. */
export interface SchemaProperty<T = unknown> {
  /** The property's value. */
  value: T;
  /** Whether it can be changed through the schema API. */
  editable: boolean;
}

/** One entity type's schema as the site describes it. */
export interface SchemaEntity {
  /** Display name (e.g. "Episode" for `CustomEntity01`). */
  name?: SchemaProperty<string>;
  /** Whether the type is enabled on the site. */
  visible?: SchemaProperty<boolean>;
}

/** One field's schema as the site describes it. */
export interface SchemaField {
  /** Display name. */
  name?: SchemaProperty<string>;
  /** Description. */
  description?: SchemaProperty<string>;
  /** Entity type the field belongs to. */
  entity_type?: SchemaProperty<string>;
  /** Data type: `text`, `entity`, `multi_entity`, `image`, `url`, `status_list`, … */
  data_type?: SchemaProperty<string>;
  /** Whether values can be written. */
  editable?: SchemaProperty<boolean>;
  /** Whether a create must set it. */
  mandatory?: SchemaProperty<boolean>;
  /** Whether values must be unique. */
  unique?: SchemaProperty<boolean>;
  /** Whether the field is visible. */
  visible?: SchemaProperty<boolean>;
  /** Type-specific properties (`valid_types`, `valid_values`, `default_value`, …). */
  properties?: Record<string, SchemaProperty>;
  /** Other properties the site sends. */
  [property: string]: unknown;
}

/** Options of `schemaFieldRead`. */
export interface SchemaFieldReadOptions {
  /** Project whose visibility settings apply (adds `hidden_values`). */
  project?: EntityRef | number;
  /** Cancels the call (`SG_ABORTED`). */
  signal?: AbortSignal;
}

/** Server information from `info()` (no authentication needed). */
export interface ServerInfo {
  /** e.g. `v8.89.0.0 (build abc123)`. */
  shotgun_version?: string;
  /** REST API version. */
  api_version?: string;
  /** e.g. `8.89.0.0`. */
  shotgun_version_number?: string;
  /** Build id. */
  shotgun_build_number?: string;
  /** `default` (logins allowed) or `oxygen` (SSO: user/password grants fail). */
  user_authentication_method?: string;
  /** Whether the unified login flow is on. */
  unified_login_flow_enabled?: boolean;
  /** Site id. */
  site_id?: string;
  /** Site name. */
  site_name?: string;
  /** Other keys the site sends. */
  [key: string]: unknown;
}
