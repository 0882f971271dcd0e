/**
 * Routes `/api/v1[.1]/...` requests to their handlers: server info and the token endpoint
 * without a bearer, everything else behind `requireBearer`. Unknown routes and methods are the
 * site's 404 code 103.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendEmpty } from '../http/respond.js';
import { handleAccessToken } from './auth-token.js';
import { handleInfo } from './info.js';
import { handleList, handleReadOne, handleSearch } from './read.js';
import { entityRoutes } from './entity-routes.js';
import { schemaRoutes } from './schema.js';
import { entityType, notFound } from './route-errors.js';
import type { ApiRequest, Site } from './site.js';

const API_PATH = /^\/api\/(v1(?:\.1)?)(?:\/(.*))?$/;

function decodeSegments(rest: string | undefined): string[] {
  if (!rest) return [];
  try {
    return rest.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
  } catch {
    throw notFound();
  }
}

/** Handles an API request; false when the path is not under `/api/`. */
export async function handleApi(site: Site, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  if (!url.pathname.startsWith('/api/') && url.pathname !== '/api') return false;
  const m = API_PATH.exec(url.pathname);
  if (!m) throw notFound();
  const r: ApiRequest = { req, res, url, prefix: `/api/${m[1]}`, segments: decodeSegments(m[2]) };
  const method = req.method ?? 'GET';
  const s = r.segments;

  if (s.length === 0) {
    if (method !== 'GET' && method !== 'HEAD') throw notFound();
    handleInfo(r);
    return true;
  }
  if (s[0] === 'auth' && s[1] === 'access_token' && s.length === 2) {
    await handleAccessToken(site, r);
    return true;
  }
  const caller = site.ctx.auth.requireBearer(req, res);
  if (!caller) return true;
  r.caller = caller;
  if (/vnd\+shotgun/i.test(String(req.headers.accept ?? ''))) {
    sendEmpty(res, 406);
    return true;
  }
  if (s[0] === 'entity') await entityRoute(site, r, method);
  else if (s[0] === 'schema') schemaRoutes(site, r, method);
  else throw notFound();
  return true;
}

async function entityRoute(site: Site, r: ApiRequest, method: string): Promise<void> {
  const s = r.segments;
  if (s.length === 2 && s[1] === '_batch') {
    if (method !== 'POST') throw notFound();
    await entityRoutes.batch(site, r);
    return;
  }
  if (s.length < 2) throw notFound();
  const type = entityType(site, s[1]!);
  if (s.length === 2) {
    if (method === 'GET') return handleList(site, r, type);
    if (method === 'POST') return entityRoutes.create(site, r, type);
    throw notFound();
  }
  if (s.length === 3 && s[2] === '_search') {
    if (method !== 'POST') throw notFound();
    return handleSearch(site, r, type);
  }
  if (s.length === 3 && s[2] === '_summarize') {
    if (method !== 'POST') throw notFound();
    return entityRoutes.summarize(site, r, type);
  }
  if (!/^\d+$/.test(s[2]!)) throw notFound();
  const id = Number(s[2]);
  if (s.length === 3) {
    if (method === 'GET') return handleReadOne(site, r, type, id);
    if (method === 'PUT') return entityRoutes.update(site, r, type, id);
    if (method === 'DELETE') return entityRoutes.remove(site, r, type, id);
    if (method === 'POST') return entityRoutes.revive(site, r, type, id);
    throw notFound();
  }
  if (s.length === 5 && s[3] === 'relationships' && method === 'GET') return entityRoutes.relationship(site, r, type, id, s[4]!);
  throw notFound();
}
