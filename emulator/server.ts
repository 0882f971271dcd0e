/**
 * The emulator's HTTP server. Every request is found in the route table (which also gives its
 * fault/counter class), shaped, offered to the fault engine, counted once when it finishes (or
 * `reset` when it closes unfinished), then served by its route's handler. Thrown `ApiError`s
 * become the error envelope; anything else is a 500 `Shotgun Server Error`, never a crash or a hang.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Site } from './api/site.js';
import { unauthorized } from './api/token-service.js';
import type { EmulatorContext } from './context.js';
import { addCorsHeaders, answerPreflight, isPreflight } from './http/cors.js';
import { paceResponse } from './http/pacing.js';
import { ApiError, sendApiError } from './http/respond.js';
import { classifyFound, dispatch, findRoute } from './routes/dispatch.js';
import type { RouteClass } from './types.js';

/** A running server plus the sockets it has open (so close() can cut keep-alive clients). */
export interface ApiServer {
  server: Server;
  sockets: Set<Socket>;
}

const STORAGE_ROUTES: ReadonlySet<RouteClass> = new Set(['storage_put', 'download']);
const NO_BEARER_ROUTES: ReadonlySet<RouteClass> = new Set(['info', 'token', 'web', 'storage_put']);

/** Replaces the response's writers so the handler's answer is dropped and the socket reset. */
function resetInsteadOfAnswer(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead = (() => res) as unknown as ServerResponse['writeHead'];
  res.setHeader = (() => res) as unknown as ServerResponse['setHeader'];
  res.write = (() => true) as unknown as ServerResponse['write'];
  res.end = (() => {
    req.socket.destroy();
    return res;
  }) as unknown as ServerResponse['end'];
}

function answerError(res: ServerResponse, err: unknown, verbose: boolean): void {
  const apiError = err instanceof ApiError ? err : new ApiError(500, 100, 'Shotgun Server Error', null);
  if (!(err instanceof ApiError) && verbose) process.stderr.write(`emulator: unhandled error: ${err instanceof Error ? err.stack : String(err)}\n`);
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  sendApiError(res, apiError);
}

async function handle(ctx: EmulatorContext, site: Site, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://emulator.local');
  } catch {
    sendApiError(res, new ApiError(400, 103, 'Bad Request', null));
    return;
  }
  const method = req.method ?? 'GET';
  const found = findRoute(method, url);
  const { route, partNumber } = classifyFound(found, method, url);
  const started = Date.now();
  let counted = false;
  const count = (status: number | 'reset'): void => {
    if (counted) return;
    counted = true;
    ctx.counters.request(route, status);
    if (ctx.options.verbose) process.stderr.write(`emulator: ${method} ${url.pathname} → ${status} (${Date.now() - started} ms)\n`);
  };
  res.once('finish', () => count(res.statusCode));
  res.once('close', () => count(res.writableFinished ? res.statusCode : 'reset'));

  if (url.pathname.startsWith('/api/')) {
    if (isPreflight(req)) {
      answerPreflight(req, res);
      return;
    }
    addCorsHeaders(req, res);
  }
  const side = STORAGE_ROUTES.has(route) ? 'storage' : 'api';
  await ctx.shaper.delay(side);
  const fault = await ctx.faults.intercept(route, req, res, partNumber === undefined ? {} : { partNumber });
  if (fault === 'handled') return;
  if (fault === 'token_expire' && !NO_BEARER_ROUTES.has(route) && url.pathname.startsWith('/api/')) {
    sendApiError(res, unauthorized('Token Expired'));
    return;
  }
  if (fault === 'reset_after_handler') resetInsteadOfAnswer(req, res);
  else if (side === 'api') paceResponse(res, ctx.shaper.bandwidth('api'));

  await dispatch(site, found, req, res, url);
}

/** Creates (not yet listening) the server for a context. */
export function createApiServer(ctx: EmulatorContext, site: Site): ApiServer {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handle(ctx, site, req, res).catch((err: unknown) => answerError(res, err, ctx.options.verbose));
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // A malformed request line or header: answer 400 instead of leaving the client hanging.
  server.on('clientError', (_err, socket: Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  return { server, sockets };
}
