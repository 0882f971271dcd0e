/** Receiving an upload body: Content-Length required, storage bandwidth applied, nothing kept if short. */
import type { IncomingMessage } from 'node:http';
import { createThrottle } from '../faults/throttle.js';
import { ShortBodyError, type Received } from './object-store.js';
import type { FileState } from './state.js';

/** The declared body length, or undefined when the request has none (chunked). */
export function declaredLength(req: IncomingMessage): number | undefined {
  const raw = req.headers['content-length'];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/** Outcome of receiving a body. */
export type ReceiveOutcome = { ok: true; received: Received } | { ok: false; idle: boolean };

/** Streams the request body to a temp file at the storage's bandwidth (`flipAt`: a fault damages that byte on the way). */
export async function receiveBody(state: FileState, req: IncomingMessage, expected: number, flipAt?: number): Promise<ReceiveOutcome> {
  try {
    const received = await state.objects.receive(req, expected, createThrottle(state.ctx.shaper.bandwidth('storage')), undefined, flipAt);
    return { ok: true, received };
  } catch (err) {
    if (err instanceof ShortBodyError) return { ok: false, idle: err.idle };
    throw err;
  }
}
