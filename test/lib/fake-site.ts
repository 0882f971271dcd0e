/**
 * A tiny scripted HTTP site for request-layer tests whose answers the emulator cannot give
 * (HTML error pages, broken JSON, stalls): a token endpoint plus a per-test handler.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request the site received. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** Answers an API request (everything but the token endpoint). */
export type Handler = (req: SeenRequest, res: ServerResponse, index: number) => void | Promise<void>;

/** A running fake site. */
export interface FakeSite {
  url: string;
  /** API requests seen (token requests excluded). */
  requests: SeenRequest[];
  /** Token requests seen. */
  tokenRequests: SeenRequest[];
  /** Token lifetime sent in answers (seconds). */
  tokenTtl: number;
  handler: Handler;
  /** Answers a token request instead of the default grant when it returns true. */
  tokenHook?: (req: SeenRequest, res: ServerResponse, index: number) => boolean;
  /** Requests being handled right now, and the most at once. */
  inFlight: { now: number; max: number };
  close(): Promise<void>;
}

/** Sends a JSON answer. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The site's error envelope. */
export function apiError(res: ServerResponse, status: number, title: string, extra: Record<string, string> = {}): void {
  json(res, status, { errors: [{ id: 'abc123', status, code: 103, title, source: null, detail: null, meta: null }] }, { 'x-request-id': 'req-42', ...extra });
}

/** Starts a fake site on 127.0.0.1. */
export async function startFakeSite(handler: Handler = (_r, res) => json(res, 200, { data: [] })): Promise<FakeSite> {
  const sockets = new Set<Socket>();
  const site: FakeSite = {
    url: '',
    requests: [],
    tokenRequests: [],
    tokenTtl: 600,
    handler,
    inFlight: { now: 0, max: 0 },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  let tokenCounter = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      if (seen.url.startsWith('/api/v1/auth/access_token')) {
        const tokenIndex = site.tokenRequests.push(seen) - 1;
        if (site.tokenHook?.(seen, res, tokenIndex)) return;
        tokenCounter++;
        json(res, 200, { token_type: 'Bearer', access_token: `token-${tokenCounter}`, expires_in: site.tokenTtl, refresh_token: `refresh-${tokenCounter}` });
        return;
      }
      const index = site.requests.push(seen) - 1;
      site.inFlight.now++;
      site.inFlight.max = Math.max(site.inFlight.max, site.inFlight.now);
      res.on('close', () => site.inFlight.now--);
      Promise.resolve(site.handler(seen, res, index)).catch(() => res.destroy());
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  site.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return site;
}

/** Client options for a fake site: script auth, fast retries. */
export function fakeClientOptions(site: FakeSite, extra: Record<string, unknown> = {}) {
  return {
    site: site.url,
    auth: { scriptName: 'unit', scriptKey: 'unit-secret-key-123' },
    retry: { retries: 2, minTimeout: 10, maxTimeout: 50 },
    ...extra,
  };
}
