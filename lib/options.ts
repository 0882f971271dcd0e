/** Public option types of {@link ShotGridClient}. */

/** Script (API user) credentials: the script's name and its application key. */
export interface ScriptAuth {
  /** The script name as shown on the site's Scripts page (sent as `client_id`). */
  scriptName: string;
  /** The script's application key (sent as `client_secret`). Never logged. */
  scriptKey: string;
}

/** Human user credentials (sites with legacy login; SSO sites refuse them). */
export interface UserAuth {
  /** The user's login. */
  login: string;
  /** The user's password. Never logged. */
  password: string;
}

/** An existing session token (e.g. handed over by Toolkit). */
export interface SessionTokenAuth {
  /** The session token. Never logged. */
  sessionToken: string;
}

/** Exactly one kind of credentials. Mixing kinds is a `SG_CONFIG` error. */
export type ShotGridAuth = ScriptAuth | UserAuth | SessionTokenAuth;

/** Timeouts in milliseconds; omitted ones take the defaults. */
export interface TimeoutOptions {
  /** TCP/TLS connect (default 10,000). */
  connect?: number;
  /** Waiting for response headers once the request is sent (default 60,000). */
  headers?: number;
  /** Idle time between body chunks (default 60,000). */
  body?: number;
  /** No transfer progress for this long aborts and retries a storage transfer (default 30,000). */
  stall?: number;
}

/** Retry policy: jittered exponential backoff between `minTimeout` and `maxTimeout`. */
export interface RetryOptions {
  /** Retries after the first attempt (default 5; 0 disables retries). */
  retries?: number;
  /** First backoff in ms before jitter (default 500). */
  minTimeout?: number;
  /** Longest backoff in ms (default 20,000). A server's `Retry-After` may ask for longer. */
  maxTimeout?: number;
}

/** Where the client reports warnings and debug lines. Messages never contain secrets. */
export interface ShotGridLogger {
  /** Something the operator should know (e.g. a plain `http://` site). */
  warn(message: string): void;
  /** Retries, token renewals. */
  debug?(message: string): void;
}

/** Options of `new ShotGridClient(...)`. */
export interface ShotGridClientOptions {
  /** Site URL, e.g. `https://studio.shotgrid.autodesk.com` (an `/api/v1` suffix is accepted). */
  site: string | URL;
  /** Credentials: script, user or session token. */
  auth: ShotGridAuth;
  /** Act as this user (sent as the `sudo_as_login:<login>` scope of every token request). */
  sudoAsLogin?: string;
  /** Timeouts in ms. */
  timeouts?: TimeoutOptions;
  /** Retry policy. */
  retry?: RetryOptions;
  /**
   * Explicit proxy URL (`http://[user:pass@]host:port`). Without it, `HTTP_PROXY`,
   * `HTTPS_PROXY` and `NO_PROXY` from the environment are honoured.
   */
  proxy?: string | URL;
  /** Extra trusted CA certificate(s), PEM. Added to Node's bundled roots; verification stays on. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** User-Agent header value (default `sgflow-shotgrid/<version> node/<version>`). */
  userAgent?: string;
  /** Most requests in flight to the site at once, and connections per origin (default 10). */
  maxConnections?: number;
  /** Warning/debug sink (default: warnings go to `process.emitWarning`). */
  logger?: ShotGridLogger;
  /**
   * Told before each wait between two attempts of a call (token requests included), e.g. to
   * show "retrying 2/5 in 4 s". Runs in the async context of the call that retries; must not throw.
   * To hear the retries of one operation only, give its signal a listener with `reportRetries`.
   */
  onRetry?: (event: RetryEvent) => void;
}

/** A failed attempt that will be tried again (see {@link ShotGridClientOptions.onRetry}). */
export interface RetryEvent {
  /** The attempt that failed, from 1. */
  attempt: number;
  /** Most retries this call makes (the policy's `retries`). */
  retries: number;
  /** Wait before the next attempt, in ms. */
  delayMs: number;
  /** Why the attempt failed (a `ShotGridError` for API calls). */
  error: unknown;
}
