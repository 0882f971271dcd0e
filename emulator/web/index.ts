/**
 * The read-only browser view of the local site: `GET /` (the page), `/web/*` (its files, the
 * `state.json` feed it polls, and `/web/file/...` links that redirect to fresh signed storage
 * URLs). Nothing here authenticates or changes anything, and nothing here touches `/api/v1`:
 * the API keeps requiring bearer tokens.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorContext } from '../context.js';
import { asset } from './assets.js';
import { buildFeed } from './feed.js';
import { FILE_ROUTE_TYPES, fileRedirectTarget } from './file-views.js';
import { PAGE_CSP, sendBody, sendRedirect, sendText } from './http.js';

/** `/web/file/{slug}/{id}/{field}`. */
const FILE_ROUTE = /^\/web\/file\/([a-z_]+)\/(\d+)\/([a-z0-9_]+)$/i;

/** Whether a path belongs to the web view. */
function isWebPath(path: string): boolean {
  return path === '/' || path === '/web' || path.startsWith('/web/');
}

/** Handles `GET /` and `/web/*`; returns false when the path is not a web route. */
export async function handleWeb(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const path = url.pathname;
  if (!isWebPath(path)) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendText(req, res, 405, 'The local site view is read-only.\n', { allow: 'GET, HEAD' });
    return true;
  }
  if (path === '/' || path === '/web' || path === '/web/') {
    const page = asset('index.html')!;
    sendBody(req, res, page.body, page.contentType, { 'content-security-policy': PAGE_CSP });
  } else if (path === '/web/state.json') {
    sendFeed(ctx, req, res);
  } else if (path.startsWith('/web/file/')) {
    sendFile(ctx, req, res, path);
  } else {
    const found = asset(path.slice('/web/'.length));
    if (found) sendBody(req, res, found.body, found.contentType);
    else sendText(req, res, 404, 'Not found.\n');
  }
  return true;
}

/** The feed the page polls (a 304 when nothing changed since the browser's copy). */
function sendFeed(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse): void {
  let body: string;
  try {
    body = JSON.stringify(buildFeed(ctx));
  } catch (err) {
    sendText(req, res, 500, `The site view could not read the store: ${err instanceof Error ? err.message : String(err)}\n`);
    return;
  }
  sendBody(req, res, body, 'application/json; charset=utf-8');
}

/** Redirects a page link to the fresh signed URL of a Version/Shot/Attachment file field. */
function sendFile(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse, path: string): void {
  const m = FILE_ROUTE.exec(path);
  const type = m ? ctx.store.resolveType(m[1]!) : undefined;
  const rec = type && FILE_ROUTE_TYPES.has(type) ? ctx.store.get(type, Number(m![2])) : undefined;
  const target = rec ? fileRedirectTarget(ctx, rec, m![3]!) : undefined;
  if (target === undefined) sendText(req, res, 404, 'No such file on the local site.\n');
  else sendRedirect(res, target);
}
