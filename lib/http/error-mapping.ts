/**
 * Maps API answers and transport failures (API and storage) to `ShotGridError`s, each marked
 * with its failure kind (see `failures.ts`, which decides what a kind calls for).
 */
import { STATUS_CODES } from 'node:http';
import { ShotGridError, type ShotGridErrorCode, type ShotGridServerError } from '../errors.js';
import { errorCodeOf, kindForErrorCode, kindForStatus, markFailure } from './failures.js';
import { sanitizeSnippet } from './snippet.js';

export { errorCodeOf, retryClassOf, type RetryClass } from './failures.js';

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

/** One header's value (the first, when repeated). */
export function headerString(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The wait a 429 or 503 asks for (`Retry-After`, or S3's `x-amz-retry-after`). */
export function retryAfterOfAnswer(status: number, headers: Record<string, string | string[] | undefined>): number | undefined {
  return status === 429 || status === 503 ? parseRetryAfter(headers['retry-after'] ?? headers['x-amz-retry-after']) : undefined;
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
  const retryAfterMs = retryAfterOfAnswer(status, headers);
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
  return markFailure(err, kindForStatus(status, 'api'));
}

/** An error for an answer that is not what the protocol promises (HTML page, invalid JSON). */
export function badResponseError(status: number, text: string, headers: Record<string, string | string[] | undefined>, ctx: RequestContext, why: string, hint?: string): ShotGridError {
  const snippet = sanitizeSnippet(text, 160);
  const err = new ShotGridError('SG_BAD_RESPONSE', withRequest(`${why}${snippet ? ` (${JSON.stringify(snippet)})` : ''}${hint ? `; ${hint}` : ''}`, ctx, String(status)), {
    status,
    requestId: headerString(headers['x-request-id']),
    method: ctx.method,
    path: ctx.path,
    retryAfterMs: retryAfterOfAnswer(status, headers),
  });
  // A proxy's HTML 502/503 page is as transient as a JSON one.
  return markFailure(err, status >= 400 ? kindForStatus(status, 'api') : 'bad-response');
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Maps a transport failure (undici / Node error) of an API or storage request to a `ShotGridError` marked with its kind. */
export function transportError(err: unknown, ctx: RequestContext): ShotGridError {
  const code = errorCodeOf(err) ?? '';
  const details = { method: ctx.method, path: ctx.path, cause: err };
  const kind = kindForErrorCode(code);
  if (kind === 'tls') {
    return markFailure(new ShotGridError('SG_NETWORK', withRequest(`${/^ERR_SSL_/.test(code) ? 'TLS handshake failed' : 'TLS certificate verification failed'} (${code}); if the site uses a private CA, pass it with the ca option`, ctx), details), 'tls');
  }
  const proxyStatus = /Proxy response \((\d+)\)/.exec(messageOf(err));
  if (proxyStatus) {
    const status = Number(proxyStatus[1]);
    return markFailure(new ShotGridError('SG_NETWORK', withRequest(`the proxy refused the tunnel (${status})`, ctx), details), status === 407 || status === 403 ? 'proxy-refused' : 'proxy-failed');
  }
  if (kind === 'connect-timeout' || kind === 'response-timeout') {
    const phase = code === 'UND_ERR_CONNECT_TIMEOUT' ? 'connect' : code === 'UND_ERR_HEADERS_TIMEOUT' ? 'response headers' : code === 'UND_ERR_BODY_TIMEOUT' ? 'response body' : 'socket';
    return markFailure(new ShotGridError('SG_TIMEOUT', withRequest(`timed out waiting for the ${phase}`, ctx), details), kind);
  }
  if (kind === 'connect') {
    const to = ctx.origin ? ` to ${ctx.origin}` : '';
    return markFailure(new ShotGridError('SG_NETWORK', withRequest(`could not connect${to} (${code}); check the site URL and that it is reachable`, ctx), details), 'connect');
  }
  if (kind === 'exchange') {
    return markFailure(new ShotGridError('SG_NETWORK', withRequest(`connection failed during the exchange (${code})`, ctx), details), 'exchange');
  }
  return markFailure(new ShotGridError('SG_NETWORK', withRequest(`${sanitizeSnippet(messageOf(err), 200) || 'request failed'}${code ? ` (${code})` : ''}`, ctx), details), 'settled');
}
