/**
 * From a `shotgrid-site` config node's properties and credentials to `ShotGridClient` options.
 * Pure: used by the config node at run time and by the Test connection route for unsaved edits.
 */
import { ShotGridError, type ShotGridAuth, type ShotGridClientOptions, type ShotGridLogger } from '../../lib/index.js';

/** The config node's saved (non-secret) properties. */
export interface SiteConfig {
  site?: unknown;
  authType?: unknown;
  sudoAsLogin?: unknown;
  proxy?: unknown;
  /** Id of a core `tls-config` node whose CA the site trusts; blank = the public roots only. */
  tls?: unknown;
  /** Seconds; blank = default. */
  connectTimeout?: unknown;
  /** Seconds; blank = the `shotgridSiteRequestTimeout` setting or the library's default. */
  requestTimeout?: unknown;
}

/** The config node's credentials (Node-RED keeps them out of flow exports). */
export interface SiteCredentials {
  scriptName?: string;
  scriptKey?: string;
  login?: string;
  password?: string;
  sessionToken?: string;
  /** User and password of the proxy (kept here, not in the proxy URL, so they stay out of flows). */
  proxyUser?: string;
  proxyPassword?: string;
}

/** The credential names, with whether each is a secret (type `password`). */
export const SITE_CREDENTIALS = {
  scriptName: { type: 'text' },
  scriptKey: { type: 'password' },
  login: { type: 'text' },
  password: { type: 'password' },
  sessionToken: { type: 'password' },
  proxyUser: { type: 'text' },
  proxyPassword: { type: 'password' },
} as const;

/** Names of the secret credentials. */
export const SECRET_CREDENTIALS = ['scriptKey', 'password', 'sessionToken', 'proxyPassword'] as const;

/** Authentication methods the dialog offers. */
export type AuthType = 'script' | 'user' | 'session';

/** Defaults that come from `settings.js`. */
export interface SiteDefaults {
  /** Header/body timeout in ms when the node leaves it blank. */
  requestTimeoutMs?: number;
  /** Retries of a failed request (the library's backoff); undefined = the library's default. */
  retries?: number;
  /** Requests in flight to the site at once (a worker's share of the site's budget); undefined = the library's default. */
  maxConnections?: number;
}

/** Whole-value `${NAME}` substitution, as Node-RED applies it when flows load. */
export function substituteEnv(value: string, env: NodeJS.ProcessEnv = process.env): string {
  const m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value.trim());
  return m ? (env[m[1]!] ?? '') : value;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
}

/** Seconds from a blank/number/numeric string to ms; blank → undefined. */
function secondsToMs(value: unknown, label: string): number | undefined {
  const s = text(value);
  if (s === '') return undefined;
  const n = Number(s);
  if (!Number.isFinite(n) || n <= 0) throw new ShotGridError('SG_CONFIG', `${label} must be a positive number of seconds`);
  return Math.round(n * 1000);
}

/** The auth method, `script` when unset (older flows, imports). */
export function authTypeOf(config: SiteConfig): AuthType {
  const t = text(config.authType);
  return t === 'user' || t === 'session' ? t : 'script';
}

/** The credentials of the chosen method; a missing one is `SG_CONFIG` (no value is named). */
export function authFor(type: AuthType, creds: SiteCredentials): ShotGridAuth {
  const need = (value: string | undefined, what: string): string => {
    const v = (value ?? '').trim();
    if (v === '') throw new ShotGridError('SG_CONFIG', `the ShotGrid site has no ${what} (edit the shotgrid-site node)`);
    return v;
  };
  if (type === 'user') return { login: need(creds.login, 'login'), password: need(creds.password, 'password') };
  if (type === 'session') return { sessionToken: need(creds.sessionToken, 'session token') };
  return { scriptName: need(creds.scriptName, 'script name'), scriptKey: need(creds.scriptKey, 'script key') };
}

/** True when a proxy URL carries a user or password (flows saved before they became credentials). */
export function proxyHasUserInfo(proxy: unknown): boolean {
  const url = parseUrl(text(proxy));
  return url !== undefined && (url.username !== '' || url.password !== '');
}

function parseUrl(value: string): URL | undefined {
  try {
    return value === '' ? undefined : new URL(value);
  } catch {
    return undefined;
  }
}

/**
 * The proxy URL the client gets: the flow's URL with the proxy user and password from the
 * credentials (they win over any user info still in an old flow's URL). Blank → undefined.
 */
export function proxyWithCredentials(proxy: unknown, creds: SiteCredentials): string | undefined {
  const value = text(proxy);
  if (value === '') return undefined;
  const user = (creds.proxyUser ?? '').trim();
  const password = creds.proxyPassword ?? '';
  if (user === '' && password === '') return value;
  const url = parseUrl(value);
  // The library reports a malformed proxy URL (without echoing it); nothing to add credentials to.
  if (!url) return value;
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  return url.href;
}

/** Client options for a site node. Throws `SG_CONFIG` for anything missing or malformed. */
export function buildClientOptions(config: SiteConfig, creds: SiteCredentials, defaults: SiteDefaults = {}, logger?: ShotGridLogger): ShotGridClientOptions {
  const site = text(config.site);
  if (site === '') throw new ShotGridError('SG_CONFIG', 'the ShotGrid site has no URL (edit the shotgrid-site node)');
  const requestMs = secondsToMs(config.requestTimeout, 'request timeout') ?? defaults.requestTimeoutMs;
  const connectMs = secondsToMs(config.connectTimeout, 'connect timeout');
  const options: ShotGridClientOptions = { site, auth: authFor(authTypeOf(config), creds) };
  const sudo = text(config.sudoAsLogin);
  if (sudo !== '') options.sudoAsLogin = sudo;
  const proxy = proxyWithCredentials(config.proxy, creds);
  if (proxy !== undefined) options.proxy = proxy;
  if (requestMs !== undefined || connectMs !== undefined) {
    options.timeouts = {};
    if (requestMs !== undefined) {
      options.timeouts.headers = requestMs;
      options.timeouts.body = requestMs;
    }
    if (connectMs !== undefined) options.timeouts.connect = connectMs;
  }
  if (defaults.retries !== undefined) options.retry = { retries: Math.floor(defaults.retries) };
  if (defaults.maxConnections !== undefined) options.maxConnections = Math.floor(defaults.maxConnections);
  if (logger) options.logger = logger;
  return options;
}
