/**
 * CORS as the site answers it under `/api/v1`: preflights for any origin (reflected, with
 * credentials), methods `GET, POST, PUT, PATCH, DELETE`, only the listed request headers,
 * `max-age 3600`, no exposed headers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const ALLOWED_HEADERS = ['authorization', 'content-type', 'accept', 'accept-language', 'content-language', 'range', 'origin'];

/** Whether this is a CORS preflight (OPTIONS with Access-Control-Request-Method). */
export function isPreflight(req: IncomingMessage): boolean {
  return req.method === 'OPTIONS' && typeof req.headers['access-control-request-method'] === 'string';
}

/** Answers a preflight. */
export function answerPreflight(req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers.origin;
  const requested = String(req.headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => ALLOWED_HEADERS.includes(h));
  const headers: Record<string, string> = {
    'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE',
    'access-control-max-age': '3600',
    'content-length': '0',
    vary: 'Origin',
  };
  if (origin) {
    headers['access-control-allow-origin'] = origin;
    headers['access-control-allow-credentials'] = 'true';
  }
  if (requested.length > 0) headers['access-control-allow-headers'] = requested.join(', ');
  res.writeHead(200, headers);
  res.end();
}

/** Adds the CORS headers of an actual (non-preflight) request that carries an Origin. */
export function addCorsHeaders(req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers.origin;
  if (!origin) return;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('access-control-allow-credentials', 'true');
  res.setHeader('vary', 'Origin');
}
