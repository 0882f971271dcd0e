/**
 * Storage answers and failures as `ShotGridError`s, marked with their failure kind (see
 * `failures.ts`: 5xx/429/`SlowDown` and resets are repeated, a 403 gets a fresh link first,
 * damaged bytes are sent once more, other 4xx end the transfer with the storage's code and message).
 *
 * Messages carry the storage host and path only: never a URL's query (its signature).
 */
import { ShotGridError } from '../errors.js';
import { retryAfterOfAnswer, transportError } from './error-mapping.js';
import { kindForStatus, markFailure, type FailureKind } from './failures.js';
import { sanitizeSnippet } from './snippet.js';

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

/** The error for a non-2xx storage answer: `SG_NOT_FOUND` for a 404 (no such object or upload), else `SG_STORAGE`. */
export function storageHttpError(status: number, bodyText: string, headers: Record<string, string | string[] | undefined>, info: StorageRequestInfo): ShotGridError {
  const { code, message } = parseStorageErrorBody(bodyText);
  const text = sanitizeSnippet(message ?? '', 300);
  const err = new ShotGridError(status === 404 ? 'SG_NOT_FOUND' : 'SG_STORAGE', `${text || code || `the storage answered ${status}`} (${prefix(info)} → ${status}${code ? ` ${code}` : ''})`, {
    status,
    storageCode: code,
    method: info.method,
    path: describeUrl(info.url),
    retryAfterMs: retryAfterOfAnswer(status, headers),
  });
  return markFailure(err, kindForStatus(status, 'storage', code));
}

/** The error for a transport failure (reset, refused, timeout, TLS) of a storage request. */
export function storageTransportError(error: unknown, info: StorageRequestInfo): ShotGridError {
  if (error instanceof ShotGridError) return error;
  return transportError(error, { method: info.method, path: describeUrl(info.url) });
}

/** The error for an attempt that made no progress for `ms`. */
export function stallError(ms: number, info: StorageRequestInfo): ShotGridError {
  return markFailure(new ShotGridError('SG_TIMEOUT', `no progress for ${ms} ms (stalled); the attempt was abandoned (${prefix(info)})`, { method: info.method, path: describeUrl(info.url) }), 'stall');
}

/** Bytes that did not arrive intact: sent or fetched once more, then a final `SG_INTEGRITY`. */
export function integrityError(message: string, info: StorageRequestInfo): ShotGridError {
  return markFailure(new ShotGridError('SG_INTEGRITY', `${prefix(info)}: ${message}`, { method: info.method, path: describeUrl(info.url) }), 'bad-digest');
}

/** An answer that breaks the protocol (a part PUT without an ETag, a body cut short): `incomplete` unless said otherwise. */
export function storageProtocolError(message: string, info: StorageRequestInfo, kind: FailureKind = 'incomplete'): ShotGridError {
  return markFailure(new ShotGridError('SG_STORAGE', `${message} (${prefix(info)})`, { method: info.method, path: describeUrl(info.url) }), kind);
}
