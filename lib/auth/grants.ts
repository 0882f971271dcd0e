/**
 * Token endpoint forms and answers: the original grant of each credential kind, the refresh
 * grant, validation of the token answer, and auth errors that never carry a secret.
 */
import { describeCredentials, secretsOf, type Credentials } from '../config/credentials.js';
import { ShotGridError, isShotGridError, type ShotGridServerError } from '../errors.js';

/** The token endpoint below `/api/v1`. */
export const TOKEN_PATH = '/auth/access_token';

/** A usable token answer. */
export interface TokenGrant {
  accessToken: string;
  /** Lifetime of the access token in ms. */
  expiresInMs: number;
  refreshToken?: string;
  /** When the refresh token stops working (ms since epoch), when its JWT says. */
  refreshExpiresAt?: number;
}

/** The form of the original grant; `sudoAsLogin` becomes the `sudo_as_login:<login>` scope. */
export function originalGrantForm(credentials: Credentials, sudoAsLogin?: string): Record<string, string> {
  let form: Record<string, string>;
  switch (credentials.kind) {
    case 'script':
      form = { grant_type: 'client_credentials', client_id: credentials.scriptName, client_secret: credentials.scriptKey };
      break;
    case 'user':
      form = { grant_type: 'password', username: credentials.login, password: credentials.password };
      break;
    default:
      form = { grant_type: 'session_token', session_token: credentials.sessionToken };
  }
  if (sudoAsLogin) form.scope = `sudo_as_login:${sudoAsLogin}`;
  return form;
}

/** The refresh grant (the subject, sudo included, travels inside the refresh token). */
export function refreshGrantForm(refreshToken: string): Record<string, string> {
  return { grant_type: 'refresh_token', refresh_token: refreshToken };
}

/** The `exp` claim of a JWT in ms, if it has a readable one. */
export function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Default access-token lifetime when the answer omits `expires_in` (the sites' preference). */
const DEFAULT_EXPIRES_IN_S = 600;

/** Validates the token endpoint's answer. */
export function parseTokenAnswer(body: unknown): TokenGrant {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof b.access_token !== 'string' || b.access_token === '') {
    throw new ShotGridError('SG_BAD_RESPONSE', 'the token endpoint answered without an access_token', { method: 'POST', path: `/api/v1${TOKEN_PATH}` });
  }
  const expiresIn = typeof b.expires_in === 'number' && b.expires_in > 0 ? b.expires_in : DEFAULT_EXPIRES_IN_S;
  const refreshToken = typeof b.refresh_token === 'string' && b.refresh_token !== '' ? b.refresh_token : undefined;
  return {
    accessToken: b.access_token,
    expiresInMs: expiresIn * 1000,
    refreshToken,
    refreshExpiresAt: refreshToken ? jwtExpiry(refreshToken) : undefined,
  };
}

/** Replaces every occurrence of each secret in a text (longest first). */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length > 0) out = out.split(secret).join('***');
  }
  return out;
}

/** What must not be shown: the secret, and a session token's tail (sites quote its last 4 characters). */
function shownSecrets(credentials: Credentials): string[] {
  const secrets = secretsOf(credentials);
  if (credentials.kind === 'session' && credentials.sessionToken.length >= 8) secrets.push(credentials.sessionToken.slice(-4));
  return secrets;
}

function scrubServerErrors(errors: ShotGridServerError[] | undefined, secrets: readonly string[]): ShotGridServerError[] | undefined {
  if (!errors) return undefined;
  return errors.map((e) => {
    const copy: ShotGridServerError = { ...e };
    if (typeof copy.title === 'string') copy.title = scrubSecrets(copy.title, secrets);
    if (typeof copy.detail === 'string') copy.detail = scrubSecrets(copy.detail, secrets);
    if (copy.source !== undefined && copy.source !== null) {
      try {
        copy.source = JSON.parse(scrubSecrets(JSON.stringify(copy.source), secrets)) as unknown;
      } catch {
        copy.source = null;
      }
    }
    return copy;
  });
}

/**
 * Turns a token-endpoint refusal (400/401/403) into `SG_AUTH`, built from scrubbed parts only
 * (no `cause`, which could hold the unscrubbed server text). Other errors pass through.
 */
export function authFailure(err: unknown, credentials: Credentials, sudoAsLogin: string | undefined): unknown {
  if (isShotGridError(err) && err.code === 'SG_NOT_FOUND') {
    // Every ShotGrid site has a token endpoint: a 404 there means the URL points somewhere else.
    return new ShotGridError('SG_BAD_RESPONSE', `${err.method ?? 'POST'} ${err.path ?? `/api/v1${TOKEN_PATH}`} → 404: no ShotGrid token endpoint here; is the site URL right?`, {
      status: err.status,
      method: err.method,
      path: err.path,
    });
  }
  if (!isShotGridError(err) || err.status === undefined || ![400, 401, 403].includes(err.status)) return err;
  const secrets = shownSecrets(credentials);
  const errors = scrubServerErrors(err.errors, secrets);
  const title = errors?.[0]?.title;
  const sudo = sudoAsLogin && title && /sudo/i.test(title) ? ` (sudo as '${sudoAsLogin}')` : '';
  const reason = typeof title === 'string' && title.trim() !== '' ? `: ${title}` : '';
  return new ShotGridError('SG_AUTH', scrubSecrets(`ShotGrid refused the credentials of ${describeCredentials(credentials)}${sudo} (${err.status})${reason}`, secrets), {
    status: err.status,
    errors,
    requestId: err.requestId,
    method: err.method,
    path: err.path,
  });
}
