/**
 * Access tokens: fetched lazily, renewed ahead of expiry, renewed with the refresh token and,
 * when the site refuses that, with the original grant. Renewal is single-flight: any number of
 * callers finding the token stale (or getting a 401 for the same token) share one token request.
 */
import type { Credentials } from '../config/credentials.js';
import { isShotGridError } from '../errors.js';
import { raceAbort } from '../http/abort.js';
import { authFailure, originalGrantForm, refreshGrantForm, type TokenGrant } from './grants.js';

/**
 * Posts a token form and returns the validated answer (errors unscrubbed, as the request layer
 * made them). `caller` is the signal of the call that started the renewal: it does not end the
 * shared renewal, but hears of its retries (see reportRetries).
 */
export type TokenFetcher = (form: Record<string, string>, caller?: AbortSignal) => Promise<TokenGrant>;

/** Renew this long before expiry, at most (a quarter of the lifetime for short-lived tokens). */
export const RENEW_LEEWAY_MS = 60_000;

interface TokenState {
  accessToken: string;
  /** After this instant (ms) the token counts as stale. */
  renewAt: number;
  refreshToken?: string;
  refreshExpiresAt?: number;
}

/** Settings of a {@link TokenManager}. */
export interface TokenManagerOptions {
  credentials: Credentials;
  sudoAsLogin?: string;
  fetchToken: TokenFetcher;
  /** Clock (tests). */
  now?: () => number;
  debug?: (message: string) => void;
}

/** Holds the current token of one client. */
export class TokenManager {
  #state: TokenState | undefined;
  #inflight: Promise<string> | undefined;
  readonly #options: TokenManagerOptions;
  readonly #now: () => number;

  constructor(options: TokenManagerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** A fresh access token. A caller's signal only ends its own wait, never a shared renewal. */
  getToken(signal?: AbortSignal): Promise<string> {
    const state = this.#state;
    if (state && this.#now() < state.renewAt) return Promise.resolve(state.accessToken);
    this.#inflight ??= this.#renew(signal).finally(() => {
      this.#inflight = undefined;
    });
    return raceAbort(this.#inflight, signal);
  }

  /**
   * Marks `token` stale after the site refused it (401); a newer token is left alone. Returns
   * whether `token` was the current one (so the next `getToken` renews), false when another
   * caller had already replaced it.
   */
  invalidate(token: string): boolean {
    if (this.#state?.accessToken !== token) return false;
    this.#state.renewAt = 0;
    return true;
  }

  async #renew(caller: AbortSignal | undefined): Promise<string> {
    const { credentials, sudoAsLogin, fetchToken } = this.#options;
    const refreshToken = this.#usableRefreshToken();
    let grant: TokenGrant | undefined;
    if (refreshToken) {
      try {
        grant = await fetchToken(refreshGrantForm(refreshToken), caller);
        this.#options.debug?.('access token renewed with the refresh token');
      } catch (err) {
        // A refused refresh (expired, single-use, revoked) falls back to the original grant.
        if (!isShotGridError(err) || err.status === undefined || ![400, 401, 403].includes(err.status)) throw err;
        this.#options.debug?.('refresh token refused; authenticating again');
      }
    }
    if (!grant) {
      try {
        grant = await fetchToken(originalGrantForm(credentials, sudoAsLogin), caller);
      } catch (err) {
        throw authFailure(err, credentials, sudoAsLogin);
      }
    }
    const received = this.#now();
    const leeway = Math.min(RENEW_LEEWAY_MS, grant.expiresInMs / 4);
    this.#state = {
      accessToken: grant.accessToken,
      renewAt: received + grant.expiresInMs - leeway,
      refreshToken: grant.refreshToken,
      refreshExpiresAt: grant.refreshExpiresAt,
    };
    return grant.accessToken;
  }

  #usableRefreshToken(): string | undefined {
    const state = this.#state;
    if (!state?.refreshToken) return undefined;
    if (state.refreshExpiresAt !== undefined && this.#now() >= state.refreshExpiresAt - RENEW_LEEWAY_MS / 2) return undefined;
    return state.refreshToken;
  }
}
