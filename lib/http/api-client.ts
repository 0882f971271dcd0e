/**
 * The request layer: the `ApiCaller` the entity and transfer modules use. It adds the bearer
 * token (renewing once and replaying once on a 401), the per-site concurrency limit, and runs
 * every API call and storage transfer through the one retry engine (`retry.ts`, the failure
 * kinds in `failures.ts`) with the idempotency rule:
 *
 * - A request whose repetition is harmless (`idempotent: true`: reads, token, upload init, part
 *   links, updates, deletes) is retried on network errors, timeouts, 429, 500, 502, 503 and 504.
 * - A request that must not run twice (`idempotent: false`: create, batch, upload completion) is
 *   retried only when the failure proves the server did not process it: the connection could
 *   not be made, or the site answered 429 or 503. When it may have been processed (reset or
 *   timeout after the body was sent, 500, or 502/504 from a gateway), it fails with
 *   `SG_OUTCOME_UNKNOWN` instead of being repeated — unless the request can read back whether
 *   it landed (`landed`: the upload completion), then it is repeated only when it did not.
 */
import { setMaxListeners } from 'node:events';
import type { Dispatcher } from 'undici';
import type { ApiCaller, ApiRequest, ApiResponse, ResolvedTimeouts, RetryRunOptions } from '../api-caller.js';
import { parseTokenAnswer, TOKEN_PATH } from '../auth/grants.js';
import { TokenManager } from '../auth/token-manager.js';
import { isLoopbackHost, type ResolvedClientOptions } from '../config/resolve-options.js';
import type { RetryEvent } from '../options.js';
import { ShotGridError, isShotGridError } from '../errors.js';
import { createDispatcher } from './dispatcher.js';
import { settled } from './failures.js';
import { ConcurrencyLimiter } from './limiter.js';
import { linkSignals, reportRetries, retryListenerOf } from './abort.js';
import { prepareRequest } from './prepare.js';
import { retryPolicy, runRetryable, type RetryPolicy } from './retry.js';
import { sendOnce, type PreparedRequest } from './transport.js';

/** Replays after a 401 for a token that had already been replaced (beyond the one renewal). */
const MAX_SUPERSEDED_REPLAYS = 2;

/** The client core shared by all modules of one `ShotGridClient`. */
export class ApiClient implements ApiCaller {
  readonly siteUrl: URL;
  readonly dispatcher: Dispatcher;
  /**
   * API calls have their own pool: with the site's own storage (same origin) long storage bodies
   * would otherwise hold every connection and starve the calls an upload needs (init, part links).
   */
  readonly #apiDispatcher: Dispatcher;
  readonly timeouts: ResolvedTimeouts;
  readonly userAgent: string;
  readonly #retry: RetryPolicy;
  readonly #limiter: ConcurrencyLimiter;
  readonly #tokens: TokenManager;
  readonly #debug: (message: string) => void;
  readonly #onRetry: ((event: RetryEvent) => void) | undefined;
  #closed = false;
  /** Fires on `close()`: ends every backoff wait and the shared token renewal, which no caller's signal ends. */
  readonly #closing = closingController();

  constructor(options: ResolvedClientOptions) {
    this.siteUrl = options.siteUrl;
    this.timeouts = options.timeouts;
    this.userAgent = options.userAgent;
    this.#retry = retryPolicy(options.retry);
    this.#debug = options.logger.debug;
    this.#onRetry = options.onRetry;
    this.#limiter = new ConcurrencyLimiter(options.maxConnections);
    this.#apiDispatcher = createDispatcher(options);
    this.dispatcher = createDispatcher(options);
    this.#tokens = new TokenManager({
      credentials: options.credentials,
      sudoAsLogin: options.sudoAsLogin,
      debug: this.#debug,
      // The renewal is shared and ends only with the client; its retries are told where the
      // caller that started it hears its own (see reportRetries).
      fetchToken: async (form, caller) => {
        const heard = retryListenerOf(caller);
        const link = heard ? linkSignals(this.#closing.signal) : undefined;
        if (link && heard) reportRetries(link.signal, heard);
        try {
          const res = await this.request({ method: 'POST', path: TOKEN_PATH, form, anonymous: true, idempotent: true, signal: link?.signal ?? this.#closing.signal });
          return parseTokenAnswer(res.body);
        } finally {
          link?.dispose();
        }
      },
    });
    if (this.siteUrl.protocol === 'http:' && !isLoopbackHost(this.siteUrl.hostname)) {
      options.logger.warn(`ShotGrid site ${this.siteUrl.origin} uses plain http://: credentials and tokens travel unencrypted`);
    }
  }

  /** Makes one API call: auth, concurrency limit, retries per `idempotent`, error mapping. */
  async request<T = unknown>(req: ApiRequest): Promise<ApiResponse<T>> {
    if (this.#closed) throw new ShotGridError('SG_CONFIG', 'the client is closed');
    const prepared = prepareRequest(req, this.siteUrl, this.userAgent);
    const { landed } = req;
    return this.retryable(() => this.#attempt<T>(prepared, req), {
      signal: req.signal,
      idempotent: req.idempotent,
      ...(landed ? { readBack: async (signal?: AbortSignal) => ((await landed(signal)) ? { value: { status: 0, headers: {}, body: undefined as T } } : undefined) } : {}),
    });
  }

  /**
   * One attempt, with a single token renewal and replay after a 401 (the site did not process
   * it). A 401 for a token another request had already replaced (this one waited with it while
   * the token expired and was renewed) is no verdict on the renewal: it is replayed with the
   * current token without counting as this request's renewal, a bounded number of times.
   */
  async #attempt<T>(prepared: PreparedRequest, req: ApiRequest): Promise<ApiResponse<T>> {
    const { signal } = req;
    let token = req.anonymous ? undefined : await this.#token(signal);
    let renewed = false;
    for (let superseded = 0; ; ) {
      const release = await this.#limiter.acquire(signal);
      try {
        return await sendOnce<T>(prepared, { dispatcher: this.#apiDispatcher, timeouts: this.timeouts, authorization: token && `Bearer ${token}`, signal });
      } catch (err) {
        if (!(token && isShotGridError(err) && err.status === 401)) throw err;
        if (this.#tokens.invalidate(token)) {
          if (renewed) throw err;
          renewed = true;
        } else if (++superseded > MAX_SUPERSEDED_REPLAYS) {
          throw err;
        }
        this.#debug(`${prepared.method} ${prepared.displayPath}: token refused (401); renewing and replaying`);
      } finally {
        release();
      }
      token = await this.#token(signal);
    }
  }

  /**
   * Proves the credentials: a token from the cache, else one token request (with the retry
   * policy); `SG_AUTH` when the site refuses them.
   */
  async authenticate(signal?: AbortSignal): Promise<void> {
    if (this.#closed) throw new ShotGridError('SG_CONFIG', 'the client is closed');
    await this.#token(signal);
  }

  /** A token; its failures already went through their own retries, so they end the call. */
  async #token(signal?: AbortSignal): Promise<string> {
    try {
      return await this.#tokens.getToken(signal);
    } catch (err) {
      throw settled(err);
    }
  }

  /** Runs `fn` under the client's retry policy; ends with `SG_ABORTED` on `close()`. */
  async retryable<T>(fn: (attempt: number) => Promise<T>, options: RetryRunOptions<T> = {}): Promise<T> {
    const { signal, dispose } = linkSignals(options.signal, this.#closing.signal);
    const heard = retryListenerOf(signal);
    const clientHears = this.#onRetry;
    const onRetry = heard
      ? (event: RetryEvent): void => {
          try {
            clientHears?.(event);
          } finally {
            heard(event);
          }
        }
      : clientHears;
    try {
      return await runRetryable(fn, this.#retry, { ...options, signal, debug: this.#debug, onRetry });
    } finally {
      dispose();
    }
  }

  /**
   * Closes the connection pools; calls still waiting to retry end with `SG_ABORTED`, later
   * requests fail with `SG_CONFIG`.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort(new ShotGridError('SG_ABORTED', 'the client was closed'));
    await Promise.all([this.#apiDispatcher.close(), this.dispatcher.close()]);
  }
}

/** The close signal: every call in flight listens to it (each detaches when it settles), so no listener cap. */
function closingController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
