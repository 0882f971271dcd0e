/**
 * Internal seams of the emulator. `server.ts`/`api/**`/`store/**` (the REST side) and
 * `files/**`/`faults/**` (uploads, storage, downloads, transcoding, faults, counters, shaping)
 * meet only through these interfaces.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FileRoute } from './files/paths.js';
import type { IssuedLog } from './issued.js';
import type { CounterSnapshot, EmulatorCredentials, EmulatorOptions, FaultControl, OpenUpload, RouteClass } from './types.js';

/** Options with every default filled in. */
export interface ResolvedOptions extends Required<Omit<EmulatorOptions, 'faults' | 'dataDir' | 'shaping' | 'externalStorage'>> {
  faults: EmulatorOptions['faults'];
  externalStorage?: EmulatorOptions['externalStorage'];
  dataDir: string;
  /** The site keeps its records, bytes and open uploads in `dataDir` across restarts (`dataDir` was given). */
  persistent?: boolean;
  shaping: Required<NonNullable<EmulatorOptions['shaping']>>;
}

/** A row as stored: raw field values (entity links as `{type,id}`; file fields as the file service stores them). */
export interface StoredRecord {
  type: string;
  id: number;
  fields: Record<string, unknown>;
  retired: boolean;
}

/** The field data types the emulator knows. */
export type DataType =
  | 'text' | 'number' | 'float' | 'checkbox' | 'date' | 'date_time' | 'status_list' | 'list'
  | 'entity' | 'multi_entity' | 'image' | 'url' | 'tag_list' | 'uuid' | 'duration' | 'percent' | 'serializable';

/** Schema of one field. */
export interface FieldDef {
  name: string;
  dataType: DataType;
  /** Entity types allowed for entity / multi_entity fields. */
  validTypes?: string[];
  /** Values allowed for status_list / list fields. */
  validValues?: string[];
  editable: boolean;
  mandatory?: boolean;
  /** Display name when set through the schema API (else derived from `name`). */
  displayName?: string;
  /** Description set through the schema API. */
  description?: string;
}

/** The in-memory entity store (REST side owns it). */
export interface EntityStore {
  /** Canonical type name for a schema name or slug (`Shot`, `shot`, `shots`); undefined if unknown. */
  resolveType(nameOrSlug: string): string | undefined;
  /** Plural snake-case slug used in links (`human_users`). */
  slug(type: string): string;
  field(type: string, field: string): FieldDef | undefined;
  get(type: string, id: number, opts?: { includeRetired?: boolean }): StoredRecord | undefined;
  /** Creates a row bypassing API validation (used by upload completion for Attachments). */
  insert(type: string, fields: Record<string, unknown>): StoredRecord;
  /** Sets raw values bypassing API validation (file fields after an upload). */
  setFields(type: string, id: number, fields: Record<string, unknown>): void;
  /** All live rows of a type (no copy; do not mutate). */
  all(type: string): Iterable<StoredRecord>;
}

/** Bearer-token checks (REST side owns it). */
export interface AuthService {
  /**
   * Checks the request's bearer token. On failure it has already answered 401 code 102 and
   * returns undefined; on success returns the caller.
   */
  requireBearer(req: IncomingMessage, res: ServerResponse): Caller | undefined;
}

/** Who a valid bearer names. */
export interface Caller {
  type: 'ApiUser' | 'HumanUser';
  id: number;
  login?: string;
}

/** One exchange the route table hands to the file service. */
export interface FileExchange {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** The bearer's caller (routes that need a bearer; the route table checked it). */
  caller?: Caller;
}

/** Upload/storage/download routes and file-field rendering (files side owns it). */
export interface FileService {
  /**
   * Serves a files route the route table matched (upload init/complete/multipart/abort, sg PUT,
   * field read/download, storage object requests, transient placeholder image).
   */
  serve(route: FileRoute, exchange: FileExchange): Promise<void>;
  /** What a stored `image` or `url` value reads as now (placeholder, fresh signed URL, hash, null). */
  render(dataType: 'image' | 'url', stored: unknown): unknown;
  /** The multipart uploads still open. */
  openUploads(): OpenUpload[];
  /** Removes stored bytes on close. */
  close(): Promise<void>;
}

/** Fault injection, called by the server before every handler (files side owns it). */
export interface FaultEngine extends FaultControl {
  /**
   * Decides whether a fault applies to this request. Returns:
   *  - `none`: go on normally;
   *  - `handled`: the fault took over (answered, reset or stalled the exchange);
   *  - `token_expire`: answer 401 Token Expired for the bearer;
   *  - `url_expire`: treat the signed URL as expired;
   *  - `reset_after_handler`: run the handler, then destroy the socket instead of answering.
   */
  intercept(route: RouteClass, req: IncomingMessage, res: ServerResponse, info: { partNumber?: number }): Promise<'none' | 'handled' | 'token_expire' | 'url_expire' | 'reset_after_handler'>;
}

/** Counters (files side owns it). */
export interface Counters {
  request(route: RouteClass, status: number | 'reset' | 'stall'): void;
  tokenGrant(grant: string): void;
  recordCreated(type: string): void;
  attachmentCreated(): void;
  bytesStored(n: number): void;
  multipartOpened(): void;
  multipartClosed(): void;
  completion(): void;
  fault(kind: string): void;
  snapshot(): CounterSnapshot;
  reset(): void;
}

/** Traffic shaping (files side owns it). */
export interface Shaper {
  /** Waits the configured latency for this side. */
  delay(side: 'api' | 'storage'): Promise<void>;
  /** Bytes per second per connection for this side (0 = unlimited). */
  bandwidth(side: 'api' | 'storage'): number;
}

/** Everything handlers share. */
export interface EmulatorContext {
  options: ResolvedOptions;
  /** Base URL of the site (`http://127.0.0.1:<port>`), known once listening. */
  baseUrl: string;
  credentials: EmulatorCredentials;
  store: EntityStore;
  auth: AuthService;
  files: FileService;
  faults: FaultEngine;
  counters: Counters;
  shaper: Shaper;
  /** HMAC key for signing (per emulator instance). */
  secret: Buffer;
  /** Tokens and signatures handed out (absent in hand-made test contexts). */
  issued?: IssuedLog;
}
