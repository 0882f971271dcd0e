/**
 * How the other nodes reach their `shotgrid-site` config node's one `ShotGridClient`: through
 * `useClient`, which keeps the client open until the call settles, so a redeploy that closes the
 * site waits for uploads to finish aborting (and abort their multipart uploads) first.
 */
import { ShotGridError, type ShotGridClient } from '../../lib/index.js';
import { isConnectionSource, type ConnectionSource } from './connection-state.js';
import type { NodeAPI } from './red-types.js';

/** What a `shotgrid-site` node offers the nodes that use it. */
export interface SiteHandle {
  /** Runs `fn` with the site's client (created on first use); the client stays open until it settles. */
  useClient<T>(fn: (client: ShotGridClient) => Promise<T>): Promise<T>;
}

function isSiteHandle(value: unknown): value is SiteHandle {
  return typeof value === 'object' && value !== null && typeof (value as { useClient?: unknown }).useClient === 'function';
}

/** The site node with id `siteId`; `SG_CONFIG` when none is selected or it is not deployed. */
export function siteHandle(RED: NodeAPI, siteId: unknown): SiteHandle {
  const node = typeof siteId === 'string' && siteId !== '' ? RED.nodes.getNode(siteId) : null;
  if (!isSiteHandle(node)) throw new ShotGridError('SG_CONFIG', 'no ShotGrid site is configured for this node (pick a shotgrid-site)');
  return node;
}

/** The connection state of the site node `siteId`, when one is deployed. */
export function siteConnection(RED: NodeAPI, siteId: unknown): ConnectionSource | undefined {
  const node = typeof siteId === 'string' && siteId !== '' ? RED.nodes.getNode(siteId) : null;
  return isConnectionSource(node) ? node : undefined;
}

/**
 * Counts calls in flight on a client so that closing can wait for them. `close` resolves once
 * every call settled or `maxWaitMs` passed, whichever comes first.
 */
export class ClientLeases {
  #active = 0;
  #idle: Array<() => void> = [];

  /** Runs `fn`, counted as in flight until it settles. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    this.#active++;
    try {
      return await fn();
    } finally {
      this.#active--;
      if (this.#active === 0) for (const wake of this.#idle.splice(0)) wake();
    }
  }

  /** Calls in flight. */
  get active(): number {
    return this.#active;
  }

  /** Resolves when nothing is in flight, or after `maxWaitMs`. */
  idle(maxWaitMs: number): Promise<void> {
    if (this.#active === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, maxWaitMs);
      this.#idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
