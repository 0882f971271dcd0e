/** Turns an `ApiRequest` into the URL, headers and body to send. */
import type { ApiRequest } from '../api-caller.js';
import { ShotGridError } from '../errors.js';
import type { PreparedRequest } from './transport.js';

/** The REST API's base path. */
export const API_BASE = '/api/v1';

/**
 * Resolves a request path against the site: server links (`/api/v1…`, or absolute URLs, whose
 * host the site may have guessed wrong behind proxies) are used as they are, on the site's
 * origin; anything else is a path below `/api/v1`.
 */
export function resolveApiPath(path: string): URL {
  const base = 'http://site.invalid';
  if (/^https?:\/\//i.test(path)) {
    const u = new URL(path);
    return new URL(`${u.pathname}${u.search}`, base);
  }
  if (!path.startsWith('/')) throw new ShotGridError('SG_CONFIG', `request path must start with '/'`);
  if (/^\/api\/v\d/.test(path)) return new URL(path, base);
  return new URL(`${API_BASE}${path}`, base);
}

/** Prepares a request for `sendOnce`. */
export function prepareRequest(req: ApiRequest, siteUrl: URL, userAgent: string): PreparedRequest {
  const url = resolveApiPath(req.path);
  for (const [key, value] of Object.entries(req.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': userAgent };
  let body: string | undefined;
  if (req.json !== undefined && req.form !== undefined) throw new ShotGridError('SG_CONFIG', 'a request has either a JSON or a form body, not both');
  if (req.json !== undefined) {
    body = JSON.stringify(req.json);
    headers['content-type'] = req.contentType ?? 'application/json';
  } else if (req.form !== undefined) {
    body = new URLSearchParams(req.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else if (req.contentType) {
    headers['content-type'] = req.contentType;
  }
  return {
    method: req.method,
    origin: siteUrl.origin,
    pathWithQuery: `${url.pathname}${url.search}`,
    displayPath: url.pathname,
    headers,
    body,
    responseType: req.responseType ?? 'json',
    okStatuses: req.okStatuses ?? [],
  };
}
