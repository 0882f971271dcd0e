/**
 * The `shotgrid-site` dialog's Test connection: an admin route that takes the dialog's current
 * (possibly unsaved) values, fills in stored secrets for fields still showing the editor's
 * `__PWRD__` placeholder, and reads the site's info plus one authenticated record.
 * It makes server-side requests to a user-supplied URL, so it needs `shotgrid-site.write`,
 * accepts only http(s) URLs, is time-boxed, and never puts a secret in its answer.
 */
import { ShotGridClient, isShotGridError, type ShotGridClientOptions } from '../../lib/index.js';
import type { AdminHandler, NodeAPI } from './red-types.js';
import { buildClientOptions, SECRET_CREDENTIALS, SITE_CREDENTIALS, substituteEnv, type SiteConfig, type SiteCredentials } from './site-options.js';

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

/** What a test needs: the dialog's values, and how to find stored secrets. */
export interface TestRequest {
  body: unknown;
  storedCredentials(id: string): SiteCredentials | undefined;
  createClient?(options: ShotGridClientOptions): ShotGridClient;
  timeoutMs?: number;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The dialog values with `${ENV}` substituted and `__PWRD__` replaced by the stored secret. */
export function resolveDialogValues(body: unknown, stored: (id: string) => SiteCredentials | undefined): { config: SiteConfig; credentials: SiteCredentials } {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const given = (typeof b.credentials === 'object' && b.credentials !== null ? b.credentials : {}) as Record<string, unknown>;
  const id = str(b.id);
  let saved: SiteCredentials | undefined;
  const credentials: SiteCredentials = {};
  for (const name of Object.keys(SITE_CREDENTIALS) as Array<keyof SiteCredentials>) {
    let value = str(given[name]);
    if (value === PASSWORD_PLACEHOLDER && (SECRET_CREDENTIALS as readonly string[]).includes(name)) {
      saved ??= (id !== '' ? stored(id) : undefined) ?? {};
      value = saved[name] ?? '';
    }
    credentials[name] = substituteEnv(value);
  }
  const config: SiteConfig = {
    site: substituteEnv(str(b.site)),
    authType: str(b.authType),
    sudoAsLogin: substituteEnv(str(b.sudoAsLogin)),
    proxy: substituteEnv(str(b.proxy)),
    connectTimeout: str(b.connectTimeout),
    requestTimeout: str(b.requestTimeout),
  };
  return { config, credentials };
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

/** Runs one connection test; resolves with the HTTP status and answer, never rejects. */
export async function testConnection(req: TestRequest): Promise<{ status: number; answer: TestAnswer }> {
  const { config, credentials } = resolveDialogValues(req.body, req.storedCredentials);
  let url: URL;
  try {
    url = new URL(str(config.site).trim());
  } catch {
    return { status: 400, answer: { ok: false, code: 'SG_CONFIG', message: 'The site URL is not a valid URL.' } };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { status: 400, answer: { ok: false, code: 'SG_CONFIG', message: 'The site URL must start with http:// or https://.' } };
  }
  const timeoutMs = req.timeoutMs ?? TEST_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  let client: ShotGridClient | undefined;
  try {
    const options = buildClientOptions(config, credentials, {}, { warn: () => undefined });
    // One quick attempt: the user is waiting for an answer, not for backoff.
    options.retry = { retries: 0 };
    options.timeouts = { connect: Math.min(timeoutMs, 5000), headers: timeoutMs, body: timeoutMs, ...options.timeouts };
    client = (req.createClient ?? ((o) => new ShotGridClient(o)))(options);
    const info = await client.info({ signal });
    // Server info needs no login: one record read proves the credentials (and any sudo login).
    await client.find('Project', null, { limit: 1, signal });
    const name = typeof info.site_name === 'string' && info.site_name !== '' ? info.site_name : url.host;
    const version = info.shotgun_version_number ?? info.shotgun_version;
    return {
      status: 200,
      answer: { ok: true, message: `Connected to ${name}${version ? ` (ShotGrid ${version})` : ''}.`, site: { name, ...(version ? { version } : {}) } },
    };
  } catch (err) {
    const timedOut = signal.aborted;
    const code = timedOut ? 'SG_TIMEOUT' : isShotGridError(err) ? err.code : 'SG_UNEXPECTED';
    const why = timedOut ? `no answer within ${Math.round(timeoutMs / 1000)} s` : err instanceof Error ? err.message : String(err);
    return { status: 200, answer: { ok: false, code, message: scrubSecrets(`Connection failed: ${why}`, credentials) } };
  } finally {
    await client?.close().catch(() => undefined);
  }
}

/** Registers the route on the editor's admin app. */
export function registerTestRoute(RED: NodeAPI): void {
  const stored = (id: string): SiteCredentials | undefined => {
    const fromStore = RED.nodes.getCredentials?.(id);
    if (fromStore) return fromStore;
    const node = RED.nodes.getNode(id) as { credentials?: SiteCredentials } | null;
    return node?.credentials;
  };
  const handler: AdminHandler = (req, res) => {
    void testConnection({ body: req.body, storedCredentials: stored }).then(
      ({ status, answer }) => res.status(status).json(answer),
      () => res.status(500).json({ ok: false, code: 'SG_UNEXPECTED', message: 'The connection test failed unexpectedly.' }),
    );
  };
  RED.httpAdmin.post(TEST_ROUTE, RED.auth.needsPermission(TEST_PERMISSION), handler);
}
