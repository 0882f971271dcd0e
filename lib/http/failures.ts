/**
 * The one failure classifier of the library, for API calls and storage transfers alike, and the
 * failure-kinds table that says, per kind, whether the request is repeated, what happens before
 * the next attempt, and which code comes out. The retry engine (`retry.ts`) reads nothing else.
 *
 * Errors made by the request layer are marked with their kind when they are made; errors from
 * elsewhere (a raw undici or Node error, a `ShotGridError` built by hand) are classified by their
 * status and code.
 */
import { ShotGridError, type ShotGridErrorCode } from '../errors.js';

/** Every way a request can fail, as far as repeating it is concerned. */
export type FailureKind =
  | 'connect'
  | 'connect-timeout'
  | 'tls'
  | 'proxy-refused'
  | 'proxy-failed'
  | 'exchange'
  | 'response-timeout'
  | 'stall'
  | 'rate-limited'
  | 'unavailable'
  | 'server-error'
  | 'gateway'
  | 'auth'
  | 'forbidden'
  | 'expired-link'
  | 'not-found'
  | 'refused'
  | 'bad-digest'
  | 'bad-response'
  | 'incomplete'
  | 'local-file'
  | 'settled';

/**
 * What a failure of a kind calls for:
 * - `always`: the server provably did not process the request (nothing was sent, or it said
 *   so): repeated, for creates too;
 * - `idempotent`: it may have been processed: repeated when that is harmless; a non-idempotent
 *   request reads back whether it landed when it can, else fails with `SG_OUTCOME_UNKNOWN`;
 * - `fresh-link`: a storage link expired or was refused: a fresh signed link, then again (final
 *   when the link cannot be renewed);
 * - `fresh-body-once`: the bytes arrived damaged: once more with a fresh body, then `SG_INTEGRITY`;
 * - `never`: repeating cannot help.
 */
export type Repeat = 'always' | 'idempotent' | 'fresh-link' | 'fresh-body-once' | 'never';

/** Which requests a row speaks of. */
export type Layer = 'api' | 'storage';

/** One row of the failure-kinds table. */
export interface FailureKindRow {
  kind: FailureKind;
  /** How it shows on the wire. */
  shows: string;
  /** Layers it occurs on. */
  layers: readonly Layer[];
  repeat: Repeat;
  /** The code a final failure of this kind carries, per layer. */
  code: Partial<Record<Layer, ShotGridErrorCode | 'its own'>>;
}

/** The failure-kinds table (shown in the README; `test/lib/failure-kinds.test.ts` drives each row). */
export const FAILURE_KINDS: readonly FailureKindRow[] = Object.freeze([
  { kind: 'connect', shows: 'connection refused, DNS failure, host unreachable (nothing sent)', layers: ['api', 'storage'], repeat: 'always', code: { api: 'SG_NETWORK', storage: 'SG_NETWORK' } },
  { kind: 'connect-timeout', shows: 'connect timeout (nothing sent)', layers: ['api', 'storage'], repeat: 'always', code: { api: 'SG_TIMEOUT', storage: 'SG_TIMEOUT' } },
  { kind: 'tls', shows: 'TLS verification or handshake (`CERT_*`, `ERR_TLS_*`, `ERR_SSL_*`)', layers: ['api', 'storage'], repeat: 'never', code: { api: 'SG_NETWORK', storage: 'SG_NETWORK' } },
  { kind: 'proxy-refused', shows: 'the proxy refused the tunnel (407, 403)', layers: ['api', 'storage'], repeat: 'never', code: { api: 'SG_NETWORK', storage: 'SG_NETWORK' } },
  { kind: 'proxy-failed', shows: 'the proxy could not open the tunnel (other status)', layers: ['api', 'storage'], repeat: 'always', code: { api: 'SG_NETWORK', storage: 'SG_NETWORK' } },
  { kind: 'exchange', shows: 'connection reset or closed after the request was sent', layers: ['api', 'storage'], repeat: 'idempotent', code: { api: 'SG_NETWORK', storage: 'SG_NETWORK' } },
  { kind: 'response-timeout', shows: 'no answer headers or body within the timeout', layers: ['api', 'storage'], repeat: 'idempotent', code: { api: 'SG_TIMEOUT', storage: 'SG_TIMEOUT' } },
  { kind: 'stall', shows: 'a transfer made no progress for the stall time', layers: ['storage'], repeat: 'idempotent', code: { storage: 'SG_TIMEOUT' } },
  { kind: 'rate-limited', shows: '429 (waits at least `Retry-After`)', layers: ['api', 'storage'], repeat: 'always', code: { api: 'SG_RATE_LIMITED', storage: 'SG_STORAGE' } },
  { kind: 'unavailable', shows: '503, S3 `SlowDown` / `RequestTimeout` / `InternalError`', layers: ['api', 'storage'], repeat: 'always', code: { api: 'SG_SERVER', storage: 'SG_STORAGE' } },
  { kind: 'server-error', shows: '500', layers: ['api', 'storage'], repeat: 'idempotent', code: { api: 'SG_SERVER', storage: 'SG_STORAGE' } },
  { kind: 'gateway', shows: '502, 504', layers: ['api', 'storage'], repeat: 'idempotent', code: { api: 'SG_SERVER', storage: 'SG_STORAGE' } },
  { kind: 'auth', shows: '401 after the one token renewal and replay', layers: ['api'], repeat: 'never', code: { api: 'SG_AUTH' } },
  { kind: 'forbidden', shows: '403 from the API', layers: ['api'], repeat: 'never', code: { api: 'SG_PERMISSION' } },
  { kind: 'expired-link', shows: '403 from the storage (expired link, `AccessDenied`, `SignatureDoesNotMatch`)', layers: ['storage'], repeat: 'fresh-link', code: { storage: 'SG_STORAGE' } },
  { kind: 'not-found', shows: '404', layers: ['api', 'storage'], repeat: 'never', code: { api: 'SG_NOT_FOUND', storage: 'SG_NOT_FOUND' } },
  { kind: 'refused', shows: 'other 4xx (and 5xx other than 500/502/503/504)', layers: ['api', 'storage'], repeat: 'never', code: { api: 'SG_BAD_REQUEST', storage: 'SG_STORAGE' } },
  { kind: 'bad-digest', shows: 'damaged bytes: 400 `BadDigest`, an ETag that is not the MD5 sent, a download that does not hash to its ETag', layers: ['storage'], repeat: 'fresh-body-once', code: { storage: 'SG_INTEGRITY' } },
  { kind: 'bad-response', shows: 'an answer that is not what the API promises (HTML, invalid JSON, over 64 MiB)', layers: ['api'], repeat: 'never', code: { api: 'SG_BAD_RESPONSE' } },
  { kind: 'incomplete', shows: 'a broken storage answer (body cut short, no ETag, a range that does not continue)', layers: ['storage'], repeat: 'idempotent', code: { storage: 'SG_STORAGE' } },
  { kind: 'local-file', shows: 'the local file cannot be read or changed while sent', layers: ['storage'], repeat: 'never', code: { storage: 'SG_FILE' } },
  { kind: 'settled', shows: 'a step that ran its own policy (token renewal, fresh link), an abort, anything else', layers: ['api', 'storage'], repeat: 'never', code: { api: 'its own', storage: 'its own' } },
] satisfies FailureKindRow[]);

const ROWS = new Map(FAILURE_KINDS.map((row) => [row.kind, row]));

/** The row of a kind. */
export function failureRow(kind: FailureKind): FailureKindRow {
  return ROWS.get(kind)!;
}

const marks = new WeakMap<object, FailureKind>();

/** Records the kind of an error (done where the error is made). */
export function markFailure<E>(error: E, kind: FailureKind): E {
  if (typeof error === 'object' && error !== null) marks.set(error, kind);
  return error;
}

/** Marks an error as final: it comes from a step that already ran its own retries. */
export function settled<E>(error: E): E {
  return markFailure(error, 'settled');
}

/** Runs a step (a fresh link, a token) whose own failures are final for the caller's retries. */
export async function asStep<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw settled(err);
  }
}

/** Failures before any byte reached the server. */
const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_PRX_TLS']);
/** Failures once the request may have been sent. */
const EXCHANGE_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'ERR_STREAM_PREMATURE_CLOSE']);
const RESPONSE_TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
/** TLS failures: verification (certificates, names) and the handshake itself; no repeat heals them. */
const TLS_CODE = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_|ERR_SSL_|HOSTNAME_MISMATCH)/;

/** The `code` of an error or of its cause chain (not our own `SG_` codes). */
export function errorCodeOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR' && !code.startsWith('SG_')) return code;
  }
  return undefined;
}

/** The kind of a transport-level error code (undici / Node), if it is one. */
export function kindForErrorCode(code: string | undefined): FailureKind | undefined {
  if (code === undefined) return undefined;
  if (TLS_CODE.test(code)) return 'tls';
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'connect-timeout';
  if (CONNECT_CODES.has(code)) return 'connect';
  if (RESPONSE_TIMEOUT_CODES.has(code)) return 'response-timeout';
  if (EXCHANGE_CODES.has(code)) return 'exchange';
  return undefined;
}

/** S3 error codes that mean "busy, try again" whatever the status. */
const BUSY_STORAGE_CODES = new Set(['SlowDown', 'RequestTimeout', 'InternalError', 'ServiceUnavailable', 'Throttling', 'ThrottlingException']);

/** The kind of an HTTP error answer (`storageCode`: the S3 `<Code>`, on storage answers). */
export function kindForStatus(status: number, layer: Layer, storageCode?: string): FailureKind {
  if (layer === 'storage' && storageCode === 'BadDigest') return 'bad-digest';
  if (status === 429) return 'rate-limited';
  if (status === 503) return 'unavailable';
  if (status === 500) return 'server-error';
  if (status === 502 || status === 504) return 'gateway';
  if (layer === 'storage' && storageCode !== undefined && BUSY_STORAGE_CODES.has(storageCode)) return 'unavailable';
  if (status === 401 && layer === 'api') return 'auth';
  if (status === 403) return layer === 'storage' ? 'expired-link' : 'forbidden';
  if (status === 404) return 'not-found';
  return 'refused';
}

/** The kind of any error: as marked where it was made, else inferred from its status and code. */
export function failureKindOf(err: unknown): FailureKind {
  if (typeof err !== 'object' || err === null) return 'settled';
  const marked = marks.get(err);
  if (marked) return marked;
  if (err instanceof ShotGridError) {
    if (err.code === 'SG_ABORTED' || err.code === 'SG_OUTCOME_UNKNOWN' || err.code === 'SG_CONFIG') return 'settled';
    if (err.code === 'SG_FILE') return 'local-file';
    if (err.status !== undefined) return kindForStatus(err.status, err.code === 'SG_STORAGE' || err.storageCode !== undefined ? 'storage' : 'api', err.storageCode);
    if (err.code === 'SG_TIMEOUT') return 'response-timeout';
    if (err.code === 'SG_NETWORK') return kindForErrorCode(errorCodeOf(err)) ?? 'exchange';
    return 'settled';
  }
  return kindForErrorCode(errorCodeOf(err)) ?? 'settled';
}

/** What a failure calls for (the table's `repeat` of its kind). */
export function repeatOf(err: unknown): Repeat {
  return failureRow(failureKindOf(err)).repeat;
}

/**
 * Whether a failed request may be repeated, in the API's terms: `always` (provably not
 * processed), `idempotent` (perhaps processed: only harmless requests), `never`.
 */
export type RetryClass = 'always' | 'idempotent' | 'never';

/** The {@link RetryClass} of an error: a refused link is not repeated as it is; damaged bytes are sent again. */
export function retryClassOf(err: unknown): RetryClass {
  const repeat = repeatOf(err);
  if (repeat === 'fresh-link') return 'never';
  if (repeat === 'fresh-body-once') return 'idempotent';
  return repeat;
}
