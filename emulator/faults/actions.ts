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

const API_TITLES: Record<number, [code: number, title: string]> = {
  429: [103, 'Too Many Requests'],
  500: [100, 'Shotgun Server Error'],
  502: [100, 'Bad Gateway'],
  503: [100, 'Service Unavailable'],
};

const STORAGE_CODES: Record<number, string> = { 429: 'TooManyRequests', 500: 'InternalError', 502: 'BadGateway', 503: 'SlowDown' };

/** Answers an injected HTTP error after reading the request body. */
export async function answerHttpFault(req: IncomingMessage, res: ServerResponse, status: 429 | 500 | 502 | 503, retryAfter: number): Promise<void> {
  await drainBody(req);
  if (res.destroyed) return;
  const headers: Record<string, string> = status === 429 ? { 'retry-after': String(retryAfter) } : {};
  if (isStorageRequest(req)) {
    sendS3Error(res, status, STORAGE_CODES[status]!, { headers, head: req.method === 'HEAD' });
    return;
  }
  const [code, title] = API_TITLES[status]!;
  sendApiError(res, new ApiError(status, code, title, null), headers);
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
