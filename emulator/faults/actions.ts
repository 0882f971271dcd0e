/**
 * How each injected fault plays out on the wire: an error answer (S3 XML on storage paths, the
 * API's JSON envelope elsewhere), a connection reset after some request bytes, or a stall.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, drainBody, sendApiError } from '../http/respond.js';
import { sendS3Error } from '../http/s3-xml.js';

/** Path prefix of the built-in storage (answers in S3 XML). */
export const STORAGE_PREFIX = '/storage/';

/** Whether a request goes to the built-in storage rather than the API. */
export function isStorageRequest(req: IncomingMessage): boolean {
  return (req.url ?? '').startsWith(STORAGE_PREFIX);
}

/** Statuses an injected HTTP fault can answer. */
export type FaultStatus = 400 | 403 | 404 | 429 | 500 | 502 | 503 | 504;

const API_TITLES: Record<FaultStatus, [code: number, title: string]> = {
  400: [103, 'Bad Request'],
  403: [103, 'Forbidden'],
  404: [103, 'Not Found'],
  429: [103, 'Too Many Requests'],
  500: [100, 'Shotgun Server Error'],
  502: [100, 'Bad Gateway'],
  503: [100, 'Service Unavailable'],
  504: [100, 'Gateway Timeout'],
};

const STORAGE_CODES: Record<FaultStatus, string> = {
  400: 'InvalidRequest', 403: 'AccessDenied', 404: 'NoSuchKey', 429: 'TooManyRequests', 500: 'InternalError', 502: 'BadGateway', 503: 'SlowDown', 504: 'GatewayTimeout',
};

/** Answers an injected HTTP error after reading the request body. */
export async function answerHttpFault(req: IncomingMessage, res: ServerResponse, status: FaultStatus, retryAfter: number): Promise<void> {
  await drainBody(req);
  if (res.destroyed) return;
  const headers: Record<string, string> = status === 429 ? { 'retry-after': String(retryAfter) } : {};
  if (isStorageRequest(req)) {
    sendS3Error(res, status, STORAGE_CODES[status]!, { headers, head: req.method === 'HEAD' });
    return;
  }
  const [code, title] = API_TITLES[status];
  sendApiError(res, new ApiError(status, code, title, null), headers);
}

/** Answers 200 with an HTML page instead of the API's JSON (a captive proxy, a web server on the wrong port). */
export async function answerHtmlPage(req: IncomingMessage, res: ServerResponse): Promise<void> {
  await drainBody(req);
  if (res.destroyed) return;
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end('<!doctype html><html><head><title>Welcome</title></head><body><h1>It works!</h1></body></html>');
}

/** Reads `afterBytes` of the request body (fewer if it ends first), then destroys the socket. */
export function resetAfterRequestBytes(req: IncomingMessage, afterBytes: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const cut = (): void => {
      req.removeAllListeners('data');
      req.socket.destroy();
      resolve();
    };
    if (afterBytes <= 0 || req.readableEnded) return cut();
    let seen = 0;
    req.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen >= afterBytes) cut();
    });
    req.once('end', cut);
    req.once('close', () => resolve());
    req.once('error', () => resolve());
  });
}

/**
 * Holds the exchange silent for `ms` (nothing read, nothing written), then destroys the socket.
 * Ends early, and lets its timer go, when the client or `close()` drops the connection.
 */
export function stall(req: IncomingMessage, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const socket = req.socket;
    const done = (): void => {
      clearTimeout(timer);
      socket.off('close', done);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref();
    req.pause();
    if (socket.destroyed) done();
    else socket.once('close', done);
  });
}
