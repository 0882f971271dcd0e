/**
 * The one error class of the library. Every failure a caller can see is a {@link ShotGridError}
 * with a stable {@link ShotGridErrorCode} as an own enumerable property, so Node-RED's Catch node
 * (which copies only own `code`) and `JSON.stringify` both see it.
 *
 * Secrets never enter an error: messages are built from status lines, server titles and
 * redacted URLs only (see {@link redactUrl}).
 */

/** Stable machine-readable error codes. */
export type ShotGridErrorCode =
  /** Invalid client options (constructor or call arguments). */
  | 'SG_CONFIG'
  /** Authentication refused: wrong credentials, refused sudo, token not renewable. */
  | 'SG_AUTH'
  /** Authenticated but not allowed. */
  | 'SG_PERMISSION'
  /** Entity, record, field value or file not found. */
  | 'SG_NOT_FOUND'
  /** The server refused the request as malformed (400 and similar). */
  | 'SG_BAD_REQUEST'
  /** 429 after the retries ran out. */
  | 'SG_RATE_LIMITED'
  /** 5xx after the retries ran out. */
  | 'SG_SERVER'
  /** A connect, header, body or stall timeout after the retries ran out, or a transfer's total `timeout`. */
  | 'SG_TIMEOUT'
  /** A network failure (reset, refused, DNS) after the retries ran out. */
  | 'SG_NETWORK'
  /** The caller's AbortSignal fired. */
  | 'SG_ABORTED'
  /** The answer was not what the protocol promises (HTML error page, invalid JSON). */
  | 'SG_BAD_RESPONSE'
  /**
   * A non-idempotent request (create, batch, upload completion) failed after its body may have
   * reached the server, so it was not repeated: the record may or may not exist.
   */
  | 'SG_OUTCOME_UNKNOWN'
  /** A local file problem: missing, not a regular file, empty, unreadable, destination exists. */
  | 'SG_FILE'
  /** The storage (S3 or the site's own) refused an upload or download. */
  | 'SG_STORAGE'
  /** A thumbnail is still the transient placeholder. */
  | 'SG_THUMBNAIL_PENDING'
  /**
   * The bytes are not what was sent or stored: a checksum (Content-MD5, ETag, download MD5) or
   * length did not match even after one fresh attempt. Nothing was completed or kept.
   */
  | 'SG_INTEGRITY';

/** One entry of the server's `errors[]` envelope. */
export interface ShotGridServerError {
  /** Per-request error id (32 hex characters on the site). */
  id?: string | number | null;
  /** HTTP status. */
  status?: number | null;
  /** Site error code: 102 authentication, 103 bad request, 104 not found / not editable, 100 server. */
  code?: number | null;
  /** Human-readable summary. */
  title?: string | null;
  /** What caused it, e.g. `{"page": {"size": ["size must be greater than 0"]}}`. */
  source?: unknown;
  /** More detail, e.g. `Token Expired`. */
  detail?: string | null;
  /** Extra data (usually null). */
  meta?: unknown;
}

/** Details attached to a {@link ShotGridError}. */
export interface ShotGridErrorDetails {
  /** HTTP status of the failed answer, when there was one. */
  status?: number;
  /** The server's `errors[]` array, when it sent one. */
  errors?: ShotGridServerError[];
  /** The `x-request-id` response header, when present. */
  requestId?: string;
  /** HTTP method of the failed request. */
  method?: string;
  /** Path of the failed request, without query string (secrets never live in paths we build). */
  path?: string;
  /** Storage error code (S3 XML `<Code>`), for {@link ShotGridErrorCode} `SG_STORAGE`. */
  storageCode?: string;
  /** Number of attempts made before giving up. */
  attempts?: number;
  /** How long the server asked to wait before trying again (`Retry-After`), in ms. */
  retryAfterMs?: number;
  /** The underlying error. */
  cause?: unknown;
}

/** The single error class thrown by the library. */
export class ShotGridError extends Error {
  /** Stable machine-readable code. */
  declare code: ShotGridErrorCode;
  /** HTTP status, when the failure was an HTTP answer. */
  declare status?: number;
  /** The server's `errors[]`, when it sent one. */
  declare errors?: ShotGridServerError[];
  /** The server's request id (`x-request-id`). */
  declare requestId?: string;
  /** HTTP method of the failed request. */
  declare method?: string;
  /** Path of the failed request (no query string). */
  declare path?: string;
  /** Storage error code (S3 XML `<Code>`). */
  declare storageCode?: string;
  /** Attempts made before giving up. */
  declare attempts?: number;
  /** How long the server asked to wait before trying again (`Retry-After`), in ms. */
  declare retryAfterMs?: number;

  constructor(code: ShotGridErrorCode, message: string, details: ShotGridErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    // Own enumerable properties (not class fields on the prototype): Node-RED's Catch copies own `code`.
    Object.defineProperty(this, 'name', { value: 'ShotGridError', enumerable: false, configurable: true, writable: true });
    this.code = code;
    if (details.status !== undefined) this.status = details.status;
    if (details.errors !== undefined) this.errors = details.errors;
    if (details.requestId !== undefined) this.requestId = details.requestId;
    if (details.method !== undefined) this.method = details.method;
    if (details.path !== undefined) this.path = details.path;
    if (details.storageCode !== undefined) this.storageCode = details.storageCode;
    if (details.attempts !== undefined) this.attempts = details.attempts;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

/** True for a {@link ShotGridError}, also across duplicated copies of the library. */
export function isShotGridError(value: unknown): value is ShotGridError {
  return value instanceof ShotGridError || (value instanceof Error && value.name === 'ShotGridError' && typeof (value as { code?: unknown }).code === 'string');
}

const SECRET_QUERY_KEYS = /^(x-amz-signature|x-amz-credential|x-amz-security-token|signature|access_token|refresh_token|client_secret|password|session_token|token|key)$/i;

/**
 * A URL safe to show: query values that could be credentials or signatures are replaced by `***`.
 * Anything unparsable is cut to its path.
 */
export function redactUrl(url: string | URL): string {
  try {
    const u = new URL(String(url), 'http://redacted.invalid');
    for (const key of [...u.searchParams.keys()]) {
      if (SECRET_QUERY_KEYS.test(key)) u.searchParams.set(key, '***');
    }
    u.username = '';
    u.password = '';
    const s = u.toString();
    return s.startsWith('http://redacted.invalid') ? s.slice('http://redacted.invalid'.length) : s;
  } catch {
    return String(url).split('?')[0] ?? '';
  }
}
