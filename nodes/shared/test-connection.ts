/**
 * The `shotgrid-site` dialog's Test connection: an admin route that takes the dialog's current
 * (possibly unsaved) values, fills in stored secrets for fields still showing the editor's
 * `__PWRD__` placeholder, and reads the site's info plus one authenticated record.
 * It makes server-side requests to a user-supplied URL, so:
 * - it needs `shotgrid-site.write` (callers without it never cause a request);
 * - it accepts only http(s) URLs and is time-boxed;
 * - a stored secret is only sent to the site URL (and through the proxy) the deployed node was
 *   saved with: a caller cannot point it at another server to collect the key;
 * - its answer is built from error codes and HTTP statuses only, never from the body of what
 *   answered, so it cannot be used to read pages the server can reach (no open proxy);
 * - it never puts a secret in its answer.
 */
import { ShotGridClient, isShotGridError, type ShotGridClientOptions, type ShotGridError } from '../../lib/index.js';
import type { AdminHandler, NodeAPI } from './red-types.js';
import { buildClientOptions, SECRET_CREDENTIALS, SITE_CREDENTIALS, substituteEnv, type SiteConfig, type SiteCredentials } from './site-options.js';
import { tlsCa } from './site-tls.js';

/** Admin path (editor code calls it relative: `shotgrid-site/test`). */
export const TEST_ROUTE = '/shotgrid-site/test';
/** Permission the route requires. */
export const TEST_PERMISSION = 'shotgrid-site.write';
/** The editor's stand-in for a stored secret it was not sent. */
export const PASSWORD_PLACEHOLDER = '__PWRD__';
/** Longest a test may take before it is answered as a timeout. */
export const TEST_TIMEOUT_MS = 10_000;

/** The route's answer (HTTP 200 unless the request itself was malformed). */
export interface TestAnswer {
  ok: boolean;
  /** Human-readable outcome; never contains a secret. */
  message: string;
  /** Error code on failure (`SG_AUTH`, `SG_NETWORK`, `SG_TIMEOUT`, `SG_CONFIG`, …). */
  code?: string;
  /** What the site said about itself, on success. */
  site?: { name?: string; version?: string };
}

/** Where a deployed `shotgrid-site` sends its stored secrets. */
export interface StoredSite {
  /** The deployed node's site URL (environment variables already substituted). */
  site: string;
  /** Its proxy URL, blank when none. */
  proxy: string;
}

/** What a test needs: the dialog's values, and how to find stored secrets. */
export interface TestRequest {
  body: unknown;
  /** The stored credentials of the deployed site node `id`. */
  storedCredentials(id: string): SiteCredentials | undefined;
  /**
   * Where the deployed site node `id` connects. Stored secrets are used only when the dialog's
   * site URL and proxy are the same; without this, a `__PWRD__` placeholder is never filled.
   */
  storedSite?(id: string): StoredSite | undefined;
  /** The CA of the dialog's TLS configuration node id (throws `SG_CONFIG` when it is unusable). */
  caFor?(tlsId: string): string | Buffer | undefined;
  createClient?(options: ShotGridClientOptions): ShotGridClient;
  timeoutMs?: number;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The dialog values with `${ENV}` substituted and `__PWRD__` replaced by the stored secret. */
export function resolveDialogValues(body: unknown, stored: (id: string) => SiteCredentials | undefined): { config: SiteConfig; credentials: SiteCredentials; usesStored: boolean } {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const given = (typeof b.credentials === 'object' && b.credentials !== null ? b.credentials : {}) as Record<string, unknown>;
  const id = str(b.id);
  let saved: SiteCredentials | undefined;
  let usesStored = false;
  const credentials: SiteCredentials = {};
  for (const name of Object.keys(SITE_CREDENTIALS) as Array<keyof SiteCredentials>) {
    let value = str(given[name]);
    if (value === PASSWORD_PLACEHOLDER && (SECRET_CREDENTIALS as readonly string[]).includes(name)) {
      saved ??= (id !== '' ? stored(id) : undefined) ?? {};
      value = saved[name] ?? '';
      usesStored = true;
    }
    credentials[name] = substituteEnv(value);
  }
  const config: SiteConfig = {
    site: substituteEnv(str(b.site)),
    authType: str(b.authType),
    sudoAsLogin: substituteEnv(str(b.sudoAsLogin)),
    proxy: substituteEnv(str(b.proxy)),
    tls: str(b.tls),
    connectTimeout: str(b.connectTimeout),
    requestTimeout: str(b.requestTimeout),
  };
  return { config, credentials, usesStored };
}

/** Replaces every secret's occurrences in `text` (a message from a failure) by `***`. */
export function scrubSecrets(text: string, credentials: SiteCredentials): string {
  let out = text;
  for (const name of SECRET_CREDENTIALS) {
    const secret = credentials[name];
    if (secret && secret.length >= 3) out = out.split(secret).join('***');
  }
  return out;
}

/** The origin a site URL connects to (`https://host:port`), or undefined. */
function originOf(site: string): string | undefined {
  try {
    return new URL(site.trim()).origin;
  } catch {
    return undefined;
  }
}

/** True when the dialog's site and proxy are where the deployed node sends its secrets. */
export function sameDestination(config: SiteConfig, saved: StoredSite | undefined): boolean {
  if (!saved) return false;
  const origin = originOf(str(config.site));
  return origin !== undefined && origin === originOf(saved.site) && str(config.proxy).trim() === saved.proxy.trim();
}

/** Low-level causes worth naming (`ECONNREFUSED`, `CERT_HAS_EXPIRED`, …): short upper-case tokens only. */
function causeCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{2,40}$/.test(code) && !code.startsWith('SG_')) return code;
  }
  return undefined;
}

const REASONS: Record<string, string> = {
  SG_AUTH: 'the site refused the credentials',
  SG_PERMISSION: 'the credentials may not read Projects',
  SG_NOT_FOUND: 'no ShotGrid REST API at this URL',
  SG_BAD_REQUEST: 'the site refused the request',
  SG_RATE_LIMITED: 'the site is rate limiting; try again shortly',
  SG_SERVER: 'the site had a server error',
  SG_TIMEOUT: 'the site did not answer in time',
  SG_NETWORK: 'could not reach the site',
  SG_BAD_RESPONSE: 'the URL did not answer like a ShotGrid site',
  SG_CONFIG: 'the settings are incomplete or invalid',
};

/**
 * A failure's message for the dialog, from its code, HTTP status and low-level cause only:
 * never the text of what answered (that would make the route a way to read other servers' pages).
 * `SG_CONFIG` messages are our own words about the dialog's values and are kept.
 */
export function describeFailure(err: unknown): { code: string; message: string } {
  if (!isShotGridError(err)) return { code: 'SG_UNEXPECTED', message: 'unexpected error.' };
  const e: ShotGridError = err;
  if (e.code === 'SG_CONFIG') return { code: e.code, message: e.message };
  const parts = [REASONS[e.code] ?? 'the request failed'];
  if (e.status !== undefined) parts.push(`HTTP ${e.status}`);
  const cause = causeCode(e);
  if (cause) parts.push(cause);
  if (e.code === 'SG_NETWORK' && cause && /CERT|SELF_SIGNED|UNABLE_TO|ALTNAME|SSL/.test(cause)) {
    parts.push('if the site uses a private CA, choose a TLS configuration with that CA');
  }
  return { code: e.code, message: `${parts.join('; ')}.` };
}

/** Site name and version for the answer: short plain text only. */
function shortText(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const s = [...String(value)].filter((c) => c >= ' ' && c !== '<' && c !== '>').join('').trim();
  return s === '' ? undefined : s.slice(0, max);
}

/** A client for the dialog's values, or the answer that refuses them. */
type DialogClient =
  | { client: ShotGridClient; signal: AbortSignal; timeoutMs: number; url: URL; credentials: SiteCredentials }
  | { refused: { status: number; answer: TestAnswer } };

/**
 * Builds a one-attempt, time-boxed client from the dialog's values (Test connection and the
 * schema pickers share these rules): http(s) URLs only, and a stored secret only with the site
 * URL and proxy the node was deployed with.
 */
export function dialogClient(req: TestRequest): DialogClient {
  const { config, credentials, usesStored } = resolveDialogValues(req.body, req.storedCredentials);
  let url: URL;
  try {
    url = new URL(str(config.site).trim());
  } catch {
    return { refused: { status: 400, answer: { ok: false, code: 'SG_CONFIG', message: 'The site URL is not a valid URL.' } } };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { refused: { status: 400, answer: { ok: false, code: 'SG_CONFIG', message: 'The site URL must start with http:// or https://.' } } };
  }
  const id = str((req.body as { id?: unknown } | null)?.id);
  if (usesStored && !sameDestination(config, id !== '' ? req.storedSite?.(id) : undefined)) {
    // The stored secret may only go where it was saved for: re-typing it is the proof of knowing it.
    return {
      refused: {
        status: 200,
        answer: { ok: false, code: 'SG_CONFIG', message: 'the stored secret is only used with the deployed site URL and proxy; type it again to test other values.' },
      },
    };
  }
  const timeoutMs = req.timeoutMs ?? TEST_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const options = buildClientOptions(config, credentials, {}, { warn: () => undefined });
    const ca = req.caFor?.(str(config.tls));
    if (ca !== undefined) options.ca = ca;
    // One quick attempt: the user is waiting for an answer, not for backoff.
    options.retry = { retries: 0 };
    options.timeouts = { connect: Math.min(timeoutMs, 5000), headers: timeoutMs, body: timeoutMs, ...options.timeouts };
    return { client: (req.createClient ?? ((o) => new ShotGridClient(o)))(options), signal, timeoutMs, url, credentials };
  } catch (err) {
    const { code, message } = describeFailure(err);
    return { refused: { status: 200, answer: { ok: false, code, message: scrubSecrets(message, credentials) } } };
  }
}

/** The answer for a failed call of a {@link dialogClient}. */
export function failureAnswer(err: unknown, made: { signal: AbortSignal; timeoutMs: number; credentials: SiteCredentials }): TestAnswer {
  if (made.signal.aborted) return { ok: false, code: 'SG_TIMEOUT', message: `no answer within ${Math.round(made.timeoutMs / 1000)} s.` };
  const { code, message } = describeFailure(err);
  return { ok: false, code, message: scrubSecrets(message, made.credentials) };
}

/** Runs one connection test; resolves with the HTTP status and answer, never rejects. */
export async function testConnection(req: TestRequest): Promise<{ status: number; answer: TestAnswer }> {
  const made = dialogClient(req);
  if ('refused' in made) return made.refused;
  const { client, signal, url } = made;
  try {
    const info = await client.info({ signal });
    // Server info needs no login: one record read proves the credentials (and any sudo login).
    await client.find('Project', null, { limit: 1, signal });
    const name = shortText(info.site_name, 100) ?? url.host;
    const version = shortText(info.shotgun_version_number ?? info.shotgun_version, 40);
    return {
      status: 200,
      answer: { ok: true, message: `Connected to ${name}${version ? ` (ShotGrid ${version})` : ''}.`, site: { name, ...(version ? { version } : {}) } },
    };
  } catch (err) {
    return { status: 200, answer: failureAnswer(err, made) };
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** The deployed `shotgrid-site` node `id` (what the route needs of it), or null. */
export function deployedSite(RED: NodeAPI, id: string): { credentials?: SiteCredentials; savedDestination?: StoredSite } | null {
  const node = RED.nodes.getNode(id) as { type?: string; credentials?: SiteCredentials; savedDestination?: StoredSite } | null;
  return node?.type === 'shotgrid-site' ? node : null;
}

/** How a route finds the deployed site nodes' stored secrets, destinations and CAs. */
export function storedLookups(RED: NodeAPI): Pick<TestRequest, 'storedCredentials' | 'storedSite' | 'caFor'> {
  return {
    storedCredentials: (id) => {
      const node = deployedSite(RED, id);
      if (!node) return undefined;
      return RED.nodes.getCredentials?.(id) ?? node.credentials;
    },
    storedSite: (id) => deployedSite(RED, id)?.savedDestination,
    caFor: (tlsId) => tlsCa(RED, tlsId),
  };
}

/** Registers the route on the editor's admin app. */
export function registerTestRoute(RED: NodeAPI): void {
  const lookups = storedLookups(RED);
  const handler: AdminHandler = (req, res) => {
    void testConnection({ body: req.body, ...lookups }).then(
      ({ status, answer }) => res.status(status).json(answer),
      () => res.status(500).json({ ok: false, code: 'SG_UNEXPECTED', message: 'The connection test failed unexpectedly.' }),
    );
  };
  RED.httpAdmin.post(TEST_ROUTE, RED.auth.needsPermission(TEST_PERMISSION), handler);
}
