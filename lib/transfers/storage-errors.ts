/**
 * Storage answers and failures as `ShotGridError`s, each with what to do next:
 *
 * - `retry`: 500/502/503/504, 429, S3 `SlowDown`/`RequestTimeout`, resets, stalls — the same
 *   request with a new body after a backoff;
 * - `refresh`: 403 (expired link, `AccessDenied`, `SignatureDoesNotMatch`) — a fresh signed link
 *   first, then the request again;
 * - `integrity`: the bytes arrived damaged (`BadDigest`, an ETag or MD5 that does not match) —
 *   once more with a fresh body, then `SG_INTEGRITY`;
 * - `fail`: anything else (other 4xx): the storage's code and message go to the caller at once.
 *
 * Messages carry the storage host and path only: never a URL's query (its signature).
 */
import { ShotGridError, isShotGridError } from '../errors.js';
import { errorCodeOf, parseRetryAfter, transportError } from '../http/error-mapping.js';
import { sanitizeSnippet } from '../http/snippet.js';

/**
 * What a failed storage request calls for. `integrity`: the bytes did not arrive intact (400
 * `BadDigest`, an ETag or download MD5 that does not match): sent or fetched once more with a
 * fresh body, then `SG_INTEGRITY`.
 */
export type StorageAction = 'retry' | 'refresh' | 'integrity' | 'fail';

const actions = new WeakMap<object, StorageAction>();

function mark<E extends object>(error: E, action: StorageAction): E {
  actions.set(error, action);
  return error;
}

/** What to do after `error`: recorded for errors made here; `retry` for network failures and timeouts. */
export function storageActionOf(error: unknown): StorageAction {
  if (typeof error !== 'object' || error === null) return 'fail';
  const marked = actions.get(error);
  if (marked) return marked;
  if (isShotGridError(error)) {
    if (error.code === 'SG_NETWORK' || error.code === 'SG_TIMEOUT') return 'retry';
    return 'fail';
  }
  return 'fail';
}

/** `https://host/path` of a URL, without its query (where signatures live). */
export function describeUrl(url: URL | string): string {
  try {
    const u = new URL(String(url));
    return `${u.origin}${u.pathname}`;
  } catch {
    return String(url).split('?')[0] ?? '';
  }
}

function decodeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|apos|quot|#\d+|#x[0-9a-f]+);/gi, (m, name: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };
    const lower = name.toLowerCase();
    if (named[lower]) return named[lower];
    const code = lower.startsWith('#x') ? parseInt(lower.slice(2), 16) : parseInt(lower.slice(1), 10);
    return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
  });
}

/** Code and message of a storage error body: S3 XML `<Error>`, or the site's JSON envelope (`sg` storage). */
export function parseStorageErrorBody(text: string): { code?: string; message?: string } {
  const xmlCode = /<Code>([^<]*)<\/Code>/.exec(text);
  if (xmlCode) {
    const message = /<Message>([^<]*)<\/Message>/.exec(text);
    return { code: decodeXml(xmlCode[1]!.trim()), message: message ? decodeXml(message[1]!.trim()) : undefined };
  }
  try {
    const body = JSON.parse(text) as { errors?: Array<{ title?: unknown; detail?: unknown; code?: unknown }> };
    const first = Array.isArray(body.errors) ? body.errors[0] : undefined;
    if (first) {
      const parts = [first.title, first.detail].filter((p): p is string => typeof p === 'string' && p !== '');
      return { code: first.code === undefined || first.code === null ? undefined : String(first.code), message: parts.join(' — ') || undefined };
    }
  } catch {
    // Neither XML nor JSON: the status alone speaks.
  }
  return {};
}

const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);
const RETRY_CODES = new Set(['SlowDown', 'RequestTimeout', 'InternalError', 'ServiceUnavailable', 'Throttling', 'ThrottlingException']);

/** The action an HTTP status and storage code call for. */
export function actionForStatus(status: number, storageCode?: string): StorageAction {
  if (storageCode === 'BadDigest') return 'integrity';
  if (RETRY_STATUSES.has(status) || (storageCode !== undefined && RETRY_CODES.has(storageCode))) return 'retry';
  if (status === 403) return 'refresh';
  return 'fail';
}

/** Context of a storage request, for messages. */
export interface StorageRequestInfo {
  method: string;
  url: URL | string;
  /** `part 3` and similar. */
  what?: string;
}

function prefix(info: StorageRequestInfo): string {
  return `${info.method} ${describeUrl(info.url)}${info.what ? ` (${info.what})` : ''}`;
}

/** The error for a non-2xx storage answer. */
export function storageHttpError(status: number, bodyText: string, headers: Record<string, string | string[] | undefined>, info: StorageRequestInfo): ShotGridError {
  const { code, message } = parseStorageErrorBody(bodyText);
  const text = sanitizeSnippet(message ?? '', 300);
  const err = new ShotGridError('SG_STORAGE', `${text || code || `the storage answered ${status}`} (${prefix(info)} → ${status}${code ? ` ${code}` : ''})`, {
    status,
    storageCode: code,
    method: info.method,
    path: describeUrl(info.url),
    retryAfterMs: status === 429 || status === 503 ? parseRetryAfter(headers['retry-after'] ?? headers['x-amz-retry-after']) : undefined,
  });
  return mark(err, actionForStatus(status, code));
}

/** The error for a transport failure (reset, refused, timeout) of a storage request: retried. */
export function storageTransportError(error: unknown, info: StorageRequestInfo): ShotGridError {
  if (isShotGridError(error)) return error;
  const mapped = transportError(error, { method: info.method, path: describeUrl(info.url) });
  // TLS verification failures cannot heal by retrying; everything else on the wire can.
  const code = errorCodeOf(error) ?? '';
  return mark(mapped, /^(CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_TLS_CERT)/.test(code) ? 'fail' : 'retry');
}

/** The error for an attempt that made no progress for `ms`: retried. */
export function stallError(ms: number, info: StorageRequestInfo): ShotGridError {
  return mark(new ShotGridError('SG_TIMEOUT', `no progress for ${ms} ms (stalled); the attempt was abandoned (${prefix(info)})`, { method: info.method, path: describeUrl(info.url) }), 'retry');
}

/** Bytes that did not arrive intact (`SG_INTEGRITY`): tried once more with a fresh body, then final. */
export function integrityError(message: string, info: StorageRequestInfo): ShotGridError {
  return mark(new ShotGridError('SG_INTEGRITY', `${prefix(info)}: ${message}`, { method: info.method, path: describeUrl(info.url) }), 'integrity');
}

/** Fresh attempts after damaged bytes before `SG_INTEGRITY` is final. */
export const INTEGRITY_RESENDS = 1;

/**
 * Counts damaged-bytes failures of one transfer: the first {@link INTEGRITY_RESENDS} pass (the
 * caller tries again with a fresh body); after that the error becomes a final `SG_INTEGRITY`.
 */
export function integrityCounter(): (err: unknown) => void {
  let seen = 0;
  return (err) => {
    if (storageActionOf(err) !== 'integrity' || ++seen <= INTEGRITY_RESENDS) return;
    const e = err as ShotGridError;
    throw mark(new ShotGridError('SG_INTEGRITY', `${e.message} (still so after ${INTEGRITY_RESENDS} fresh attempt)`, {
      status: e.status, storageCode: e.storageCode, method: e.method, path: e.path, cause: err,
    }), 'fail');
  };
}

/** An answer that breaks the protocol (e.g. a part PUT without an ETag). */
export function storageProtocolError(message: string, info: StorageRequestInfo, action: StorageAction = 'retry'): ShotGridError {
  return mark(new ShotGridError('SG_STORAGE', `${message} (${prefix(info)})`, { method: info.method, path: describeUrl(info.url) }), action);
}

/** Marks an error as final for the storage retry loop (e.g. a link request that already ran its own retries). */
export function finalStorageError<E>(error: E): E {
  if (typeof error === 'object' && error !== null) mark(error, 'fail');
  return error;
}
