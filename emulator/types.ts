/**
 * Public contract of the local ShotGrid site (emulator): its options, the programmatic control
 * surface tests use (faults, counters, clock) and the handle `startEmulator` returns.
 * The emulator never imports `lib/`.
 */

/** Routes that faults and counters are keyed by. */
export type RouteClass =
  | 'info' // GET /api/v1/
  | 'token' // POST /api/v1/auth/access_token
  | 'api' // every other /api/v1 call not listed below
  | 'upload_init' // GET .../_upload?filename=
  | 'part_link' // GET .../_upload/multipart?part_number=
  | 'complete' // POST .../_upload (completion)
  | 'abort' // POST .../_upload/multipart_abort
  | 'storage_put' // PUT to storage (single or part), and the sg-storage PUT
  | 'download' // GET .../{field}?alt=... and GET of a storage object
  | 'web'; // the browser page and its assets

/** Kinds of injected faults. */
export type FaultKind =
  | 'http500'
  | 'http502'
  | 'http503' // storage routes answer S3 XML SlowDown
  | 'http504'
  | 'http400' // API: code 103 'Bad Request'; storage: S3 InvalidRequest
  | 'http403' // API: code 103 'Forbidden'; storage: S3 AccessDenied
  | 'http404' // API: code 103 'Not Found'; storage: S3 NoSuchKey
  | 'bad_answer' // API routes: 200 with an HTML page (a proxy's or a web server's), not JSON
  | 'http429' // with Retry-After (seconds, default 1)
  | 'reset' // connection destroyed part-way through the request or response body
  | 'stall' // no bytes for `stallMs` (default 30 s) then the socket is destroyed
  | 'token_expire' // the bearer on this request is treated as expired → 401 code 102
  | 'url_expire' // the signed storage URL on this request is treated as expired → 403 AccessDenied
  | 'corrupt_transit' // one byte flipped on the wire: a storage PUT's body as it arrives (Content-MD5 → 400 BadDigest), a download's answer body
  | 'corrupt_at_rest' // a storage PUT is stored and answered intact, then one byte of the stored bytes is flipped (the ETag still names the original)
  | 'etag_mismatch'; // a storage PUT is stored intact but answered with an ETag that is not the MD5 of its bytes (a storage that does not check Content-MD5)

/** A scripted fault: applied to the next `count` matching requests, in order of scripting. */
export interface ScriptedFault {
  route: RouteClass;
  kind: FaultKind;
  /** How many matching requests it applies to (default 1). */
  count?: number;
  /** Only storage PUTs of this part number (1-based; a single PUT is part 1). */
  partNumber?: number;
  /** Only requests with this method. */
  method?: string;
  /** Only requests whose path contains this string. */
  pathIncludes?: string;
  /** Only requests whose path (without query) ends with this string, e.g. `/entity/Version` (a create, not its `_search`). */
  pathEndsWith?: string;
  /** Retry-After seconds for `http429` (default 1). */
  retryAfter?: number;
  /** Stall length in ms for `stall` (default 30,000). */
  stallMs?: number;
  /**
   * For `reset`: bytes of the request body read (storage PUTs, completion) or response body
   * written (downloads) before the socket is destroyed. For API writes, `afterHandler: true`
   * applies the request (e.g. creates the record) and then resets instead of answering.
   */
  resetAfterBytes?: number;
  /** For `reset` on API routes: run the handler (commit the change), then destroy the socket. */
  afterHandler?: boolean;
  /** For `corrupt_transit` / `corrupt_at_rest`: offset of the flipped byte (default: the middle). */
  corruptAt?: number;
}

/** Random fault rates (0..1) per kind, optionally limited to some routes. */
export interface FaultRates {
  rates: Partial<Record<FaultKind, number>>;
  /** Routes the rates apply to (default: all but `info` and `web`). */
  routes?: RouteClass[];
  retryAfter?: number;
  stallMs?: number;
  /**
   * Share (0..1, default 0) of random `reset` faults on API writes (not GETs, not storage) that first
   * apply the request — create the record, complete the upload — and then reset instead of
   * answering: the answer is lost after the change was made.
   */
  afterHandler?: number;
  /**
   * Kinds that cannot happen on a route (an expired bearer on a storage PUT, an expired URL on
   * a search) pass their share to the kinds that can, so every route sees the whole rate
   * (default false: such draws are no fault).
   */
  spread?: boolean;
}

/** Fault control. */
export interface FaultControl {
  /** Queue a scripted fault. */
  script(fault: ScriptedFault): void;
  /** Set random fault rates (deterministic from the emulator's seed). */
  setRates(rates: FaultRates | null): void;
  /** Remove scripted faults and rates. */
  clear(): void;
  /** Scripted faults not yet consumed. */
  pending(): ScriptedFault[];
}

/** Counters tests assert on. */
export interface CounterSnapshot {
  /** Requests by route class, then by final HTTP status (`"reset"`/`"stall"` for destroyed exchanges). */
  requests: Record<string, Record<string, number>>;
  /** Token requests by grant type. */
  tokenGrants: Record<string, number>;
  /** Attachments created by upload completions. */
  attachmentsCreated: number;
  /** Records created through the API (create + batch), by entity type. */
  recordsCreated: Record<string, number>;
  /** Bytes written to storage (all PUT attempts that completed). */
  bytesStored: number;
  /** Multipart uploads initiated and neither completed nor aborted. */
  multipartOpen: number;
  /** Upload completions that succeeded. */
  completions: number;
  /** Faults injected, by kind. */
  faultsInjected: Record<string, number>;
}

/** Counter access. */
export interface CounterControl {
  snapshot(): CounterSnapshot;
  reset(): void;
}

/** Bandwidth (bytes/s per connection) and added latency (ms per request), for API and storage. */
export interface ShapingOptions {
  apiBandwidth?: number;
  apiLatency?: number;
  storageBandwidth?: number;
  storageLatency?: number;
}

/**
 * An external S3 bucket to keep uploads in instead of the built-in storage (e.g. Ceph radosgw
 * started by `npm run s3:start`). The site then hands out real SigV4 presigned URLs of that
 * bucket and creates, completes and aborts multipart uploads there. Needs the development
 * dependency `@aws-sdk/client-s3`. The bucket must exist.
 */
export interface ExternalStorageOptions {
  /** Endpoint origin, e.g. `http://127.0.0.1:7480`. */
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Signing region (default `us-east-1`). */
  region?: string;
  /** Path-style URLs (`endpoint/bucket/key`): the only style supported, so only `true` is accepted. */
  forcePathStyle?: boolean;
}

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** Port (default 0 = any free port). */
  port?: number;
  /** Host to bind (default 127.0.0.1). */
  host?: string;
  /** `s3` (default) or `sg`. */
  storage?: 's3' | 'sg';
  /** Access-token lifetime in seconds (default 600). */
  tokenTtl?: number;
  /** Refresh-token lifetime in seconds (default 86,400). */
  refreshTtl?: number;
  /** Signed storage URL lifetime in seconds (default 900). */
  signedUrlTtl?: number;
  /** How long image fields stay transient after an upload, ms (default 3,000). */
  transcodeDelay?: number;
  /** Thumbnail generation fails (field becomes null) after the delay. */
  transcodeFail?: boolean;
  /** Random fault rates from the start. */
  faults?: FaultRates;
  /** Seed for random faults and generated ids (default 1). */
  seed?: number;
  /** Traffic shaping. */
  shaping?: ShapingOptions;
  /**
   * A folder to keep the site in: records, stored bytes and open multipart uploads outlive the
   * emulator (a stop or a kill) and come back when it starts again on the same folder (see
   * emulator/README.md, "Persistence"). Default: a fresh temp folder, removed on close, nothing
   * kept.
   */
  dataDir?: string;
  /** Extra seeded records: number of Shots per Sequence etc. (default small studio). */
  seedScale?: number;
  /**
   * Also seed this many production records (default 0): Shots and their Versions (1:9) in
   * Projects of 50,000 records ("Scale 001", ...), for scale tests and benchmarks. 1,000,000
   * take a few seconds and about half a gigabyte.
   */
  seedRecords?: number;
  /** Log requests to stderr. */
  verbose?: boolean;
  /**
   * Keep uploads in this S3 bucket instead of the built-in storage (storage `s3` only). Faults
   * and shaping then apply to the site's own routes only: storage requests go to the bucket.
   */
  externalStorage?: ExternalStorageOptions;
}

/** The credentials the seeded site accepts. */
export interface EmulatorCredentials {
  scriptName: string;
  scriptKey: string;
  login: string;
  password: string;
}

/** Secrets the site handed out, for leak checks. */
export interface IssuedSecrets {
  /** Access tokens from every token grant. */
  accessTokens: string[];
  /** Refresh tokens from every token grant. */
  refreshTokens: string[];
  /** Signatures of signed storage URLs (`X-Amz-Signature`, or the `sg` links' `signature`). */
  signatures: string[];
}

/** A multipart upload the site opened and nobody completed or aborted yet. */
export interface OpenUpload {
  uploadId: string;
  /** The storage key; it ends in the uploaded file's name. */
  key: string;
  /** When the init opened it (ms since the epoch; 0 if replayed from an older data folder). */
  openedAt: number;
}

/** A running emulator. */
export interface Emulator {
  /** Base URL, e.g. `http://127.0.0.1:34567`. */
  readonly url: string;
  readonly port: number;
  readonly credentials: EmulatorCredentials;
  readonly faults: FaultControl;
  readonly counters: CounterControl;
  /** Every token and storage URL signature the site handed out so far (newest 5,000 of each). */
  issued(): IssuedSecrets;
  /** Change options at run time (token TTL, transcode delay/fail, shaping, signed URL TTL). */
  configure(options: Partial<Pick<EmulatorOptions, 'tokenTtl' | 'refreshTtl' | 'signedUrlTtl' | 'transcodeDelay' | 'transcodeFail' | 'shaping' | 'storage'>>): void;
  /**
   * The multipart uploads still open (neither completed nor aborted), oldest first: what
   * `counters.snapshot().multipartOpen` counts, with the storage key and when the init opened each.
   */
  openUploads(): OpenUpload[];
  /** Seed many records fast (benchmarks, paging tests): returns their ids. */
  bulkCreate(type: string, records: Array<Record<string, unknown>>): number[];
  /** Stops the server, destroys open sockets, removes a temp data folder. */
  close(): Promise<void>;
}
