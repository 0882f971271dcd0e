/**
 * Finding a request's entry in the route table, its fault/counter class, and serving it: the
 * bearer check for `bearer` routes (and the 406 for a vendor `Accept`), then the handler. A path
 * no entry matches, or a method no entry serves there, is the site's 404 code 103.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Site } from '../api/site.js';
import { notFound } from '../api/route-errors.js';
import { sendEmpty } from '../http/respond.js';
import { matchPattern, pathSegments } from './path-pattern.js';
import { ROUTES, type Classified, type RouteCall, type RouteEntry } from './table.js';

/** A request's place in the table. */
export interface FoundRoute {
  /** Undefined when no entry serves this path and method. */
  entry?: RouteEntry;
  params: Record<string, string>;
  /** `/api/v1` or `/api/v1.1` for API paths, else ''. */
  prefix: string;
}

const API_VERSION = /^v1(?:\.1)?$/;

/** The entry (first match in table order) for a method and URL. */
export function findRoute(method: string, url: URL): FoundRoute {
  const { parts, malformed } = pathSegments(url.pathname);
  const api = parts[0] === 'api' && parts[1] !== undefined && API_VERSION.test(parts[1]);
  const prefix = api ? `/api/${parts[1]}` : '';
  const rest = api ? parts.slice(2) : parts;
  for (const entry of ROUTES) {
    if ((entry.scope === 'api') !== api) continue;
    // An undecodable API path is no route (the site's 404); storage decodes its key itself.
    if (malformed && entry.scope === 'api') break;
    if (!entry.methods.includes(method) && !entry.methods.includes('*')) continue;
    const params = matchPattern(entry.pattern, rest);
    if (params) return { entry, params, prefix };
  }
  return { params: {}, prefix };
}

/** Route class (and storage part number) of a request, for faults and counters. */
export function classifyFound(found: FoundRoute, method: string, url: URL): Classified {
  const c = found.entry?.class;
  if (c === undefined) return { route: url.pathname.startsWith('/api/') || url.pathname === '/api' ? 'api' : 'web' };
  return typeof c === 'function' ? c(method, url) : { route: c };
}

/** Route class of a request (tests and tools; the server classifies what it already found). */
export function classifyRoute(method: string, url: URL): Classified {
  return classifyFound(findRoute(method, url), method, url);
}

const VENDOR_ACCEPT = /vnd\+shotgun/i;
const SPEC_FORMAT = /^\/spec\.[^/]+$/;

/** Serves a request the table matched; throws the 404 when it matched nothing. */
export async function dispatch(site: Site, found: FoundRoute, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const { entry } = found;
  if (!entry) {
    // The spec in a format the site does not serve is a 406 with an empty body (no suffix: 404).
    if (found.prefix !== '' && SPEC_FORMAT.test(url.pathname.slice(found.prefix.length))) return sendEmpty(res, 406);
    throw notFound();
  }
  const call: RouteCall = { site, req, res, url, prefix: found.prefix, params: found.params };
  if (entry.auth === 'bearer') {
    const caller = site.ctx.auth.requireBearer(req, res);
    if (!caller) return;
    call.caller = caller;
    // The vendor types select filter syntax; as an Accept header the site refuses them.
    if (VENDOR_ACCEPT.test(String(req.headers.accept ?? ''))) {
      sendEmpty(res, 406);
      return;
    }
  }
  await entry.handle(call);
}
