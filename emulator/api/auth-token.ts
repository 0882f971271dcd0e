/**
 * `POST /api/v1/auth/access_token`: form-encoded (or query-string) credentials for the grants
 * `client_credentials`, `password`, `session_token`, `refresh_token` (and `refresh`), with
 * impersonation through `scope=sudo_as_login:<login>`. Messages and statuses follow the site.
 */
import { randomUUID } from 'node:crypto';
import type { StoredRecord } from '../context.js';
import { ApiError, mediaType, readBody, sendJson } from '../http/respond.js';
import type { ApiRequest, Site } from './site.js';
import { unauthorized, type TokenSubject } from './token-service.js';

const FORM = 'application/x-www-form-urlencoded';

function unsupportedType(type: string): ApiError {
  return new ApiError(415, 103, `Unsupported Content-Type '${type}'`, { content_type: `Content-Type must be one of: '${FORM}'.` });
}

/** The submitted parameters: query string first, form body over it. */
async function readParams(r: ApiRequest): Promise<URLSearchParams> {
  const type = mediaType(r.req);
  const body = await readBody(r.req, 1024 * 1024);
  if (type === 'application/json') {
    // The site parses the body as JSON and then refuses the type; a form body fails the parse.
    try {
      JSON.parse(body.toString('utf8'));
    } catch {
      throw new ApiError(400, 103, 'Invalid JSON body', { body: 'Empty input (after ) at line 1, column 1 ' });
    }
    throw unsupportedType(type);
  }
  if (type !== '' && type !== FORM) throw unsupportedType(type);
  const params = new URLSearchParams(r.url.searchParams);
  for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.set(k, v);
  return params;
}

function missingArguments(): ApiError {
  return new ApiError(400, 102, 'Missing or invalid authentication arguments', {});
}

function humanByLogin(site: Site, login: string): StoredRecord | undefined {
  for (const rec of site.store.allWithRetired('HumanUser')) if (rec.fields.login === login) return rec;
  return undefined;
}

/** Resolves `scope=sudo_as_login:<login>`; refusals are 400 code 102 naming the reason. */
function sudoTarget(site: Site, scope: string | null): string | null {
  if (!scope) return null;
  const m = /^sudo_as_login:(.+)$/.exec(scope.trim());
  if (!m) return null;
  const login = m[1]!;
  const user = humanByLogin(site, login);
  if (!user || user.retired) throw new ApiError(400, 102, `Cannot 'sudo' - unknown or retired user: '${login}'`, {});
  if (user.fields.sg_status_list !== 'act') throw new ApiError(400, 102, `Cannot 'sudo' - inactive user account: '${login}'`, {});
  if (user.fields.can_impersonate_this_user !== true) {
    throw new ApiError(400, 102, `Cannot 'sudo' - user account has 'can_impersonate_this_user' turned off: '${login}'`, {});
  }
  return login;
}

function scriptGrant(site: Site, p: URLSearchParams): TokenSubject {
  const name = p.get('client_id');
  const key = p.get('client_secret');
  if (!name || !key) throw missingArguments();
  const { scriptName, scriptKey } = site.ctx.credentials;
  const script = [...site.store.all('ApiUser')].find((u) => u.fields.firstname === name);
  if (name !== scriptName || key !== scriptKey || !script) throw new ApiError(400, 102, `Can't authenticate script '${name}'`, {});
  return { user: { type: 'ApiUser', id: script.id }, sudoAsLogin: sudoTarget(site, p.get('scope')), authType: 'api_key', sessionUuid: null };
}

function passwordGrant(site: Site, p: URLSearchParams): TokenSubject {
  const login = p.get('username');
  const password = p.get('password');
  if (!login || !password) throw missingArguments();
  const user = humanByLogin(site, login);
  const { login: knownLogin, password: knownPassword } = site.ctx.credentials;
  if (!user || user.retired || user.fields.sg_status_list !== 'act' || login !== knownLogin || password !== knownPassword) {
    throw new ApiError(400, 102, `Can't authenticate user '${login}'.`, {});
  }
  return { user: { type: 'HumanUser', id: user.id }, sudoAsLogin: sudoTarget(site, p.get('scope')), authType: 'password', sessionUuid: randomUUID() };
}

function sessionGrant(site: Site, p: URLSearchParams): TokenSubject {
  const token = p.get('session_token');
  if (!token) throw missingArguments();
  const subject = site.tokens.session(token);
  if (!subject) throw new ApiError(400, 102, `Can't authenticate session token ending with '${token.slice(-4)}'`, {});
  return { ...subject, authType: 'session_token' };
}

function refreshGrant(site: Site, p: URLSearchParams): TokenSubject {
  const token = p.get('refresh_token');
  const subject = token ? site.tokens.refreshSubject(token) : undefined;
  if (!subject) throw unauthorized(null);
  return subject;
}

/** Handles the token request. */
export async function handleAccessToken(site: Site, r: ApiRequest): Promise<void> {
  if (r.req.method !== 'POST') throw new ApiError(404, 103, 'Not Found', null);
  const params = await readParams(r);
  const grant = params.get('grant_type') ?? '';
  site.ctx.counters.tokenGrant(grant);
  let subject: TokenSubject;
  switch (grant) {
    case 'client_credentials': subject = scriptGrant(site, params); break;
    case 'password': subject = passwordGrant(site, params); break;
    case 'session_token': subject = sessionGrant(site, params); break;
    case 'refresh_token': case 'refresh': subject = refreshGrant(site, params); break;
    default: throw new ApiError(400, 103, 'Unsupported grant_type', {});
  }
  sendJson(r.res, 200, site.tokens.issue(subject));
}
