/**
 * Internal contract between the client core (auth, request layer, retries) and the modules built
 * on it (transfers). Not part of the public API: the public surface is `ShotGridClient`.
 */
import type { Dispatcher } from 'undici';

/** HTTP methods the REST API uses. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One call to the ShotGrid REST API, made with the bearer token unless `anonymous`. */
export interface ApiRequest {
  method: HttpMethod;
  /**
   * Either a root-relative server link as the server gave it (starts with `/api/v1`, used as is,
   * never prefixed twice) or a path below `/api/v1` such as `/entity/shots/12`.
   */
  path: string;
  /** Query parameters (undefined values are left out). */
  query?: Record<string, string | number | boolean | undefined>;
  /** JSON body; sent with `contentType` or `application/json`. */
  json?: unknown;
  /** Form body (token endpoint): sent as `application/x-www-form-urlencoded`. */
  form?: Record<string, string>;
  /** Content-Type override, e.g. `application/vnd+shotgun.api3_hash+json` for `_search`. */
  contentType?: string;
  /**
   * Whether repeating the request is harmless. When false (create, batch, upload completion) the
   * request is retried only while it certainly did not reach the server (connect errors, 429/503
   * answered before the body); otherwise the call fails with `SG_OUTCOME_UNKNOWN`.
   */
  idempotent: boolean;
  /** Cancels the call, including waits between retries. */
  signal?: AbortSignal;
  /**
   * For a non-idempotent request: whether it was applied, asked when its answer was lost (a
   * reset after sending, a 500, a gateway error). True: the call succeeds (the answer's body is
   * then `undefined`); false: it is sent again; a failed read: `SG_OUTCOME_UNKNOWN`.
   */
  landed?: (signal?: AbortSignal) => Promise<boolean>;
  /** Statuses returned to the caller instead of thrown (e.g. `[404]` to test existence). */
  okStatuses?: number[];
  /** `json` (default) parses the body; `none` discards it (201 `" "` completion, 204). */
  responseType?: 'json' | 'none';
  /** Send no Authorization header (server info, token endpoint). */
  anonymous?: boolean;
}

/** The answer to an {@link ApiRequest}. */
export interface ApiResponse<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/** Resolved timeouts in milliseconds. */
export interface ResolvedTimeouts {
  /** TCP/TLS connect. */
  connect: number;
  /** Waiting for response headers. */
  headers: number;
  /** Idle time between body chunks (either direction). */
  body: number;
  /** No transfer progress for this long aborts and retries a storage transfer. */
  stall: number;
}

/**
 * What {@link ApiCaller.retryable} needs to know of the request it repeats; everything else
 * (which failures, attempts, backoff, `Retry-After`) is the client's one retry policy.
 */
export interface RetryRunOptions<T = unknown> {
  signal?: AbortSignal;
  /** Whether repeating the request is harmless (default true: storage PUTs and GETs, reads). */
  idempotent?: boolean;
  /**
   * A storage request whose link the storage refused (403): renews the link before the next
   * attempt. Without it such a 403 is final. Its own failures are final.
   */
  freshLink?: () => Promise<void>;
  /**
   * A non-idempotent request whose answer was lost (it may have been applied): reads back
   * whether it landed — `{value}` when it did (the call succeeds with it), `undefined` when it
   * provably did not (it is sent again). Without it, or when the read fails: `SG_OUTCOME_UNKNOWN`.
   */
  readBack?: (signal?: AbortSignal) => Promise<{ value: T } | undefined>;
  /** Number of retries (attempts − 1); defaults to the client's policy. */
  retries?: number;
  /** Called after each failed attempt that will be retried. */
  onFailedAttempt?: (error: unknown, attempt: number) => void;
}

/** What the transfer modules need from the client core. */
export interface ApiCaller {
  /** Makes one API call with auth renewal, retries (per `idempotent`) and error mapping. */
  request<T = unknown>(req: ApiRequest): Promise<ApiResponse<T>>;
  /**
   * Runs `fn` under the client's one retry policy (see `http/retry.ts`). `fn` gets the 1-based
   * attempt number. `fn` must not retry by itself (no retry inside a retry).
   */
  retryable<T>(fn: (attempt: number) => Promise<T>, options?: RetryRunOptions<T>): Promise<T>;
  /** The site's base URL (origin, no `/api/v1`). */
  readonly siteUrl: URL;
  /** The undici dispatcher for storage transfers (keep-alive pool, proxy and CA aware), apart from the API calls' pool. */
  readonly dispatcher: Dispatcher;
  /** Resolved timeouts. */
  readonly timeouts: ResolvedTimeouts;
  /** User-Agent header value. */
  readonly userAgent: string;
}
