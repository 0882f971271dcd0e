/**
 * Maps HTTP answers and transport failures to `ShotGridError`s, and records for each error
 * whether repeating the request is safe (see {@link RetryClass}).
 */
import { STATUS_CODES } from 'node:http';
import { ShotGridError, type ShotGridErrorCode, type ShotGridServerError } from '../errors.js';
import { sanitizeSnippet } from './snippet.js';

/**
 * Whether a failed request may be repeated:
 * - `always`: the server provably did not process it (connect failed, 429, 503) — safe even for creates;
 * - `idempotent`: it may have been processed (reset or timeout after sending, 500, 502, 504) — repeat only harmless requests;
 * - `never`: repeating cannot help (4xx, TLS verification, bad response to a 2xx).
 */
export type RetryClass = 'always' | 'idempotent' | 'never';

const retryClasses = new WeakMap<object, RetryClass>();

/** Records the retry class of an error. */
export function markRetry<E extends object>(error: E, retryClass: RetryClass): E {
  retryClasses.set(error, retryClass);
  return error;
}

/** Where a request failed, for messages. */
export interface RequestContext {
  method: string;
  /** Path without query string. */
  path: string;
  /** `https://site.example.com`, when the request went to the site (named in connect failures). */
  origin?: string;
}

/** The error code for an HTTP status. */
export function codeForStatus(status: number): ShotGridErrorCode {
  if (status === 401) return 'SG_AUTH';
  if (status === 403) return 'SG_PERMISSION';
  if (status === 404) return 'SG_NOT_FOUND';
  if (status === 429) return 'SG_RATE_LIMITED';
  if (status >= 500) return 'SG_SERVER';
  return 'SG_BAD_REQUEST';
}

/**
 * Retry class of an HTTP status. A 500 is usually transient on ShotGrid (a worker restarting, a
 * database hiccup) but may come after the change was made: like 502/504, it is repeated only
 * for harmless requests, and a create it hits fails as `SG_OUTCOME_UNKNOWN`.
 */
export function retryClassForStatus(status: number): RetryClass {
  if (status === 429 || status === 503) return 'always';
  if (status === 500 || status === 502 || status === 504) return 'idempotent';
  return 'never';
}

/** Parses `Retry-After` (seconds or HTTP date) into ms, capped at one hour. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(raw.trim())) ms = Number(raw.trim()) * 1000;
  else {
    const at = Date.parse(raw);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(Math.max(0, Math.ceil(ms)), 3600_000);
}

function headerString(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The server's `errors[]`, when the body is the documented envelope. */
export function serverErrors(body: unknown): ShotGridServerError[] | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const errors = (body as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return undefined;
  return errors.filter((e): e is ShotGridServerError => typeof e === 'object' && e !== null);
}

function describeServerErrors(errors: ShotGridServerError[] | undefined, statusText: string): string {
  const first = errors?.[0];
  if (!first) return '';
  // A title that only repeats the status ("Not Found") adds nothing when there is a detail.
  const title = first.detail && first.title?.trim().toLowerCase() === statusText.toLowerCase() ? undefined : first.title;
  const parts = [title, first.detail].filter((p): p is string => typeof p === 'string' && p.trim() !== '' && p !== 'null');
  const text = [...new Set(parts)].join(' — ');
  return text ? sanitizeSnippet(text, 300) : '';
}

/**
 * Messages lead with the reason (the site's words or ours) and name the request after it, so the
 * Debug sidebar's one-line preview shows why before where.
 */
function withRequest(reason: string, ctx: RequestContext, status?: string): string {
  return `${reason} (${ctx.method} ${ctx.path}${status ? ` → ${status}` : ''})`;
}

/** An error for a non-2xx JSON (or empty) answer. */
export function httpError(status: number, body: unknown, headers: Record<string, string | string[] | undefined>, ctx: RequestContext): ShotGridError {
  const errors = serverErrors(body);
  const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(headers['retry-after']) : undefined;
  const statusText = STATUS_CODES[status] ?? 'HTTP error';
  const siteText = describeServerErrors(errors, statusText);
  const message = siteText ? withRequest(siteText, ctx, `${status} ${statusText}`) : withRequest(`${status} ${statusText}`, ctx);
  const err = new ShotGridError(codeForStatus(status), message, {
    status,
    errors,
    requestId: headerString(headers['x-request-id']),
    method: ctx.method,
    path: ctx.path,
    retryAfterMs,
  });
  return markRetry(err, retryClassForStatus(status));
}

/** An error for an answer that is not what the protocol promises (HTML page, invalid JSON). */
export function badResponseError(status: number, text: string, headers: Record<string, string | string[] | undefined>, ctx: RequestContext, why: string, hint?: string): ShotGridError {
  const snippet = sanitizeSnippet(text, 160);
  const err = new ShotGridError('SG_BAD_RESPONSE', withRequest(`${why}${snippet ? ` (${JSON.stringify(snippet)})` : ''}${hint ? `; ${hint}` : ''}`, ctx, String(status)), {
    status,
    requestId: headerString(headers['x-request-id']),
    method: ctx.method,
    path: ctx.path,
    retryAfterMs: status === 429 || status === 503 ? parseRetryAfter(headers['retry-after']) : undefined,
  });
  // A proxy's HTML 502/503 page is as transient as a JSON one.
  return markRetry(err, status >= 400 ? retryClassForStatus(status) : 'never');
}

/** Failures before any byte reached the server. */
const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_PRX_TLS']);
/** Failures once the request may have been sent. */
const EXCHANGE_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'ERR_STREAM_PREMATURE_CLOSE']);
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const TLS_CODE = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_CERT_ALTNAME_INVALID|ERR_SSL_|HOSTNAME_MISMATCH)/;

/** The `code` of an error or of its cause chain. */
export function errorCodeOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR' && !code.startsWith('SG_')) return code;
  }
  return undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Maps a transport failure (undici / Node error) to a `ShotGridError` with its retry class. */
export function transportError(err: unknown, ctx: RequestContext): ShotGridError {
  const code = errorCodeOf(err) ?? '';
  const details = { method: ctx.method, path: ctx.path, cause: err };
  if (TLS_CODE.test(code)) {
    return markRetry(new ShotGridError('SG_NETWORK', withRequest(`TLS certificate verification failed (${code}); if the site uses a private CA, pass it with the ca option`, ctx), details), 'never');
  }
  const proxyStatus = /Proxy response \((\d+)\)/.exec(messageOf(err));
  if (proxyStatus) {
    const status = Number(proxyStatus[1]);
    return markRetry(new ShotGridError('SG_NETWORK', withRequest(`the proxy refused the tunnel (${status})`, ctx), details), status === 407 || status === 403 ? 'never' : 'always');
  }
  if (TIMEOUT_CODES.has(code)) {
    const phase = code === 'UND_ERR_CONNECT_TIMEOUT' ? 'connect' : code === 'UND_ERR_HEADERS_TIMEOUT' ? 'response headers' : code === 'UND_ERR_BODY_TIMEOUT' ? 'response body' : 'socket';
    return markRetry(new ShotGridError('SG_TIMEOUT', withRequest(`timed out waiting for the ${phase}`, ctx), details), CONNECT_CODES.has(code) ? 'always' : 'idempotent');
  }
  if (CONNECT_CODES.has(code)) {
    const to = ctx.origin ? ` to ${ctx.origin}` : '';
    return markRetry(new ShotGridError('SG_NETWORK', withRequest(`could not connect${to} (${code}); check the site URL and that it is reachable`, ctx), details), 'always');
  }
  if (EXCHANGE_CODES.has(code)) {
    return markRetry(new ShotGridError('SG_NETWORK', withRequest(`connection failed during the exchange (${code})`, ctx), details), 'idempotent');
  }
  return markRetry(new ShotGridError('SG_NETWORK', withRequest(`${sanitizeSnippet(messageOf(err), 200) || 'request failed'}${code ? ` (${code})` : ''}`, ctx), details), 'never');
}

/**
 * The retry class of any error: recorded for errors made here; inferred for others (errors
 * made by transfer modules, raw undici errors).
 */
export function retryClassOf(err: unknown): RetryClass {
  if (typeof err !== 'object' || err === null) return 'never';
  const marked = retryClasses.get(err);
  if (marked) return marked;
  if (err instanceof ShotGridError) {
    if (err.code === 'SG_ABORTED' || err.code === 'SG_OUTCOME_UNKNOWN') return 'never';
    if (err.status !== undefined) return err.status === 500 ? 'idempotent' : retryClassForStatus(err.status);
    if (err.code === 'SG_TIMEOUT' || err.code === 'SG_NETWORK') return 'idempotent';
    return 'never';
  }
  const code = errorCodeOf(err);
  if (code === undefined || TLS_CODE.test(code)) return 'never';
  if (CONNECT_CODES.has(code)) return 'always';
  if (EXCHANGE_CODES.has(code)) return 'idempotent';
  return 'never';
}
