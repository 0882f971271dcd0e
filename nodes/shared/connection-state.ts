/**
 * The connection state a `shotgrid-site` node checks once after deploy and every node using it
 * shows (as the core MQTT broker node does): connecting, connected, "site unreachable, retrying
 * 2/5 in 4 s", or the failure's code and reason ("SG_AUTH: bad credentials").
 */
import { errorReason, isShotGridError, type RetryEvent } from '../../lib/index.js';
import type { NodeStatus } from './red-types.js';

/** `RED._` of the site node (whose catalogue holds the texts). */
export type Translate = (key: string, substitutions?: Record<string, string | number>) => string;

/** "site unreachable, retrying 2/5 in 4 s" for a retry the client announced. */
export function retryStatusText(translate: Translate, event: RetryEvent): string {
  return translate('shotgrid-site.status.retrying', {
    reason: errorReason(isShotGridError(event.error) ? event.error.code : ''),
    attempt: event.attempt,
    retries: event.retries,
    seconds: Math.max(1, Math.ceil(event.delayMs / 1000)),
  });
}

/** Receives each new state (a status ready to show). */
export type ConnectionListener = (status: NodeStatus) => void;

/** What a site node offers the nodes that show its state. */
export interface ConnectionSource {
  /** Calls `listener` with the current state at once and on every change; returns the unsubscribe. */
  watchConnection(listener: ConnectionListener): () => void;
  /** The status text of a retry, "site unreachable, retrying 2/5 in 4 s" (the texts are in the site node's catalogue). */
  retryText(event: RetryEvent): string;
}

/** The current state and its listeners. */
export class ConnectionState implements Pick<ConnectionSource, 'watchConnection'> {
  #current: NodeStatus | undefined;
  readonly #listeners = new Set<ConnectionListener>();
  readonly #onFirstWatch: () => void;
  #started = false;

  /** `onFirstWatch` starts the check: a site nobody uses never connects. */
  constructor(onFirstWatch: () => void) {
    this.#onFirstWatch = onFirstWatch;
  }

  watchConnection(listener: ConnectionListener): () => void {
    if (!this.#started) {
      this.#started = true;
      this.#onFirstWatch();
    }
    this.#listeners.add(listener);
    if (this.#current) listener(this.#current);
    return () => this.#listeners.delete(listener);
  }

  /** Sets and announces a new state. */
  set(status: NodeStatus): void {
    this.#current = status;
    for (const listener of this.#listeners) listener(status);
  }

  /** Forgets every listener (the site closed). */
  clear(): void {
    this.#listeners.clear();
  }
}

/** True when `value` offers {@link ConnectionSource.watchConnection} and {@link ConnectionSource.retryText}. */
export function isConnectionSource(value: unknown): value is ConnectionSource {
  if (typeof value !== 'object' || value === null) return false;
  const source = value as { watchConnection?: unknown; retryText?: unknown };
  return typeof source.watchConnection === 'function' && typeof source.retryText === 'function';
}
