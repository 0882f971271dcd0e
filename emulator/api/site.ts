/** What every API handler gets: the shared context plus the REST side's own concrete services. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Caller, EmulatorContext } from '../context.js';
import type { MemoryStore } from '../store/memory-store.js';
import type { TokenService } from './token-service.js';

/** The REST side's view of the running site. */
export interface Site {
  ctx: EmulatorContext;
  store: MemoryStore;
  tokens: TokenService;
}

/** One API request as the route table hands it to a handler. */
export interface ApiRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** `/api/v1` or `/api/v1.1`, echoed in links (empty outside the API). */
  prefix: string;
  /** The caller (set once the bearer is checked). */
  caller?: Caller;
}
