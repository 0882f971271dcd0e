/**
 * Turns `ShotGridClientOptions` into checked, defaulted settings. Every problem is a
 * `SG_CONFIG` error raised at construction; no message echoes a secret or a URL's userinfo.
 */
import type { ResolvedTimeouts } from '../api-caller.js';
import { ShotGridError } from '../errors.js';
import type { RetryEvent, ShotGridClientOptions, ShotGridLogger } from '../options.js';
import { LIBRARY_VERSION } from '../version.js';
import { parseCredentials, type Credentials } from './credentials.js';

/** Checked retry policy. */
export interface ResolvedRetry {
  retries: number;
  minTimeout: number;
  maxTimeout: number;
}

/** Everything the client needs, validated. */
export interface ResolvedClientOptions {
  /** Site origin (no path). */
  siteUrl: URL;
  credentials: Credentials;
  sudoAsLogin: string | undefined;
  timeouts: ResolvedTimeouts;
  retry: ResolvedRetry;
  /** Explicit proxy URL (may carry userinfo: never show it unredacted). */
  proxy: string | undefined;
  /** Extra CA certificates (PEM). */
  ca: Array<string | Buffer> | undefined;
  userAgent: string;
  maxConnections: number;
  logger: Required<ShotGridLogger>;
  onRetry: ((event: RetryEvent) => void) | undefined;
}

export const DEFAULT_TIMEOUTS: Readonly<ResolvedTimeouts> = Object.freeze({ connect: 10_000, headers: 60_000, body: 60_000, stall: 30_000 });
export const DEFAULT_RETRY: Readonly<ResolvedRetry> = Object.freeze({ retries: 5, minTimeout: 500, maxTimeout: 20_000 });
export const DEFAULT_MAX_CONNECTIONS = 10;

function configError(message: string): ShotGridError {
  return new ShotGridError('SG_CONFIG', message);
}

const SITE_HINT = 'site must be an absolute http(s) URL such as https://studio.shotgrid.autodesk.com';

/** Parses the site URL down to its origin; `/api/v1` (or `/api/v1.1`) suffixes are tolerated. */
export function parseSiteUrl(site: unknown): URL {
  if (!(typeof site === 'string' || site instanceof URL) || String(site).trim() === '') throw configError(SITE_HINT);
  let url: URL;
  try {
    url = new URL(String(site).trim());
  } catch {
    throw configError(SITE_HINT);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw configError(SITE_HINT);
  if (url.username || url.password) throw configError('site must not contain credentials; use the auth option');
  if (url.search || url.hash) throw configError('site must not contain a query or fragment');
  const path = url.pathname.replace(/\/+$/, '');
  if (path !== '' && !/^\/api\/v1(\.\d+)?$/.test(path)) {
    throw configError('site must be the site root (ShotGrid links are root-relative, so a path prefix cannot work)');
  }
  return new URL(url.origin);
}

function positiveNumber(value: unknown, name: string, { integer = false, min = 1, max = Number.MAX_SAFE_INTEGER } = {}): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw configError(`${name} must be ${integer ? 'an integer' : 'a number'} between ${min} and ${max}`);
  }
  return value;
}

function objectOption(value: unknown, name: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw configError(`${name} must be an object`);
  return value as Record<string, unknown>;
}

function resolveTimeouts(value: unknown): ResolvedTimeouts {
  const given = objectOption(value, 'timeouts');
  const out = { ...DEFAULT_TIMEOUTS };
  for (const key of Object.keys(given)) {
    if (!(key in out)) throw configError(`timeouts.${key} is not an option (connect, headers, body, stall)`);
    if (given[key] === undefined) continue;
    out[key as keyof ResolvedTimeouts] = positiveNumber(given[key], `timeouts.${key}`, { max: 24 * 3600_000 });
  }
  return out;
}

function resolveRetry(value: unknown): ResolvedRetry {
  const given = objectOption(value, 'retry');
  const out = { ...DEFAULT_RETRY };
  for (const key of Object.keys(given)) {
    if (!(key in out)) throw configError(`retry.${key} is not an option (retries, minTimeout, maxTimeout)`);
    if (given[key] === undefined) continue;
    out[key as keyof ResolvedRetry] = positiveNumber(given[key], `retry.${key}`, { integer: key === 'retries', min: 0, max: key === 'retries' ? 50 : 3600_000 });
  }
  if (out.maxTimeout < out.minTimeout) throw configError('retry.maxTimeout must not be below retry.minTimeout');
  return out;
}

function resolveProxy(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (!(typeof value === 'string' || value instanceof URL)) throw configError('proxy must be a URL string');
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw configError('proxy must be an absolute URL such as http://proxy.example.com:3128');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw configError('proxy must be an http:// or https:// URL');
  return url.href;
}

function resolveCa(value: unknown): Array<string | Buffer> | undefined {
  if (value === undefined || value === null) return undefined;
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) return undefined;
  for (const item of list) {
    if (!(typeof item === 'string' || Buffer.isBuffer(item)) || !String(item).includes('-----BEGIN CERTIFICATE-----')) {
      throw configError('ca must be PEM certificate text (a string or Buffer containing -----BEGIN CERTIFICATE-----), or a list of them');
    }
  }
  return list as Array<string | Buffer>;
}

function resolveLogger(value: unknown): Required<ShotGridLogger> {
  if (value === undefined || value === null) {
    return { warn: (message) => process.emitWarning(message, { code: 'SG_WARNING' }), debug: () => undefined };
  }
  const logger = value as Partial<ShotGridLogger>;
  if (typeof logger.warn !== 'function') throw configError('logger must have a warn(message) function');
  const warn = logger.warn.bind(logger);
  const debug = typeof logger.debug === 'function' ? logger.debug.bind(logger) : () => undefined;
  return { warn, debug };
}

/** Node's default User-Agent of the library. */
export function defaultUserAgent(): string {
  return `sgflow-shotgrid/${LIBRARY_VERSION} node/${process.versions.node}`;
}

/** Validates and defaults every option. Throws `SG_CONFIG`. */
export function resolveClientOptions(options: ShotGridClientOptions): ResolvedClientOptions {
  if (typeof options !== 'object' || options === null) throw configError('options must be an object with at least site and auth');
  const siteUrl = parseSiteUrl(options.site);
  const credentials = parseCredentials(options.auth);
  const sudo = options.sudoAsLogin;
  if (sudo !== undefined && (typeof sudo !== 'string' || sudo.trim() === '' || /\s/.test(sudo))) {
    throw configError('sudoAsLogin must be a non-empty login without spaces');
  }
  const userAgent = options.userAgent ?? defaultUserAgent();
  if (typeof userAgent !== 'string' || userAgent.trim() === '' || /[\r\n]/.test(userAgent)) {
    throw configError('userAgent must be a non-empty single-line string');
  }
  const maxConnections = options.maxConnections === undefined
    ? DEFAULT_MAX_CONNECTIONS
    : positiveNumber(options.maxConnections, 'maxConnections', { integer: true, max: 256 });
  return {
    siteUrl,
    credentials,
    sudoAsLogin: sudo,
    timeouts: resolveTimeouts(options.timeouts),
    retry: resolveRetry(options.retry),
    proxy: resolveProxy(options.proxy),
    ca: resolveCa(options.ca),
    userAgent,
    maxConnections,
    logger: resolveLogger(options.logger),
    onRetry: resolveOnRetry(options.onRetry),
  };
}

function resolveOnRetry(value: unknown): ((event: RetryEvent) => void) | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw configError('onRetry must be a function');
  return value as (event: RetryEvent) => void;
}

/** True for hosts that never leave the machine (plain http is fine there). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}
