/** Answers of the web view: bodies with validators, HEAD without body, the page's security headers. */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Locks the page to its own origin: scripts, styles and feed from this server only, images from
 * here or wherever the signed storage URLs point (http/https), nothing framed, no forms.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: http: https:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers every web answer carries. */
const BASE_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

/** Weak validator of a body. */
export function etagOf(body: Buffer | string): string {
  return `W/"${createHash('sha1').update(body).digest('hex').slice(0, 27)}"`;
}

/** Whether the request's If-None-Match names this validator. */
function notModified(req: IncomingMessage, etag: string): boolean {
  const inm = req.headers['if-none-match'];
  if (!inm) return false;
  return inm.split(',').some((t) => t.trim() === etag || t.trim() === '*');
}

/**
 * Answers 200 with a body (304 when the browser already holds it; headers only for HEAD).
 * `no-cache` makes the browser revalidate every time, so a poll is one cheap 304 when nothing moved.
 */
export function sendBody(req: IncomingMessage, res: ServerResponse, body: Buffer | string, contentType: string, headers: Record<string, string> = {}): void {
  const etag = etagOf(body);
  const common = { ...BASE_HEADERS, 'cache-control': 'no-cache', etag, ...headers };
  if (notModified(req, etag)) {
    res.writeHead(304, common);
    res.end();
    return;
  }
  res.writeHead(200, { ...common, 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Answers a short plain-text status (404, 405, 500). */
export function sendText(req: IncomingMessage, res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...BASE_HEADERS,
    'cache-control': 'no-store',
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : text);
}

/** Sends the browser elsewhere (never cached: signed URLs expire). */
export function sendRedirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { ...BASE_HEADERS, 'cache-control': 'no-store', location, 'content-length': '0' });
  res.end();
}
