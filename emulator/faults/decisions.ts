/**
 * Fault decisions the file handlers must carry out themselves (the server only passes the
 * request on): a signed URL treated as expired, a download reset part-way through its body, or
 * bytes corrupted in transit or at rest.
 * Keyed by the request object, so nothing outlives the exchange.
 */
import type { IncomingMessage } from 'node:http';

/** What the handler of this request must do. */
export type HandlerFault =
  | { kind: 'url_expire' }
  | { kind: 'reset'; afterBytes?: number }
  /** Flip one byte: of a PUT body as it arrives, or of a download's answer as it leaves. */
  | { kind: 'corrupt_transit'; at?: number }
  /** Store a PUT intact, then flip one byte of what was stored. */
  | { kind: 'corrupt_at_rest'; at?: number }
  /** Store a PUT intact, answer an ETag that is not its MD5. */
  | { kind: 'etag_mismatch' };

const decisions = new WeakMap<IncomingMessage, HandlerFault>();

/** Records a decision for the handler of `req`. */
export function setHandlerFault(req: IncomingMessage, fault: HandlerFault): void {
  decisions.set(req, fault);
}

/** The decision for `req`, if the fault engine made one. */
export function handlerFault(req: IncomingMessage): HandlerFault | undefined {
  return decisions.get(req);
}

/** Whether the signed URL of this request is to be treated as expired. */
export function urlExpiredByFault(req: IncomingMessage): boolean {
  return decisions.get(req)?.kind === 'url_expire';
}
