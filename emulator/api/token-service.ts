/**
 * Access and refresh tokens: minting (JWT-shaped, HS256, `exp` from the configured lifetimes)
 * and the bearer check every API route runs (`ctx.auth.requireBearer`).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthService, Caller, EmulatorContext } from '../context.js';
import { ApiError, sendApiError } from '../http/respond.js';
import { signToken, verifyToken, type TokenClaims, type TokenProblem } from './jwt.js';

/** Who a token acts for. */
export interface TokenSubject {
  user: { type: 'ApiUser' | 'HumanUser'; id: number };
  sudoAsLogin: string | null;
  authType: string;
  sessionUuid: string | null;
}

/** The token endpoint's success body. */
export interface TokenResponse {
  token_type: 'Bearer';
  access_token: string;
  expires_in: number;
  refresh_token: string;
}


/** 401 code 102 `Unauthorized` with the reason as detail. */
export function unauthorized(detail: string | null): ApiError {
  return new ApiError(401, 102, 'Unauthorized', null, detail);
}

/** Mints and checks tokens for one emulator. */
export class TokenService implements AuthService {
  /** Session uuids handed out by password grants; a `session_token` grant accepts them. */
  private readonly sessions = new Map<string, TokenSubject>();

  constructor(private readonly ctx: () => EmulatorContext) {}

  private claims(subject: TokenSubject, ttlSeconds: number, use: 'access' | 'refresh'): TokenClaims {
    const now = Date.now();
    const host = new URL(this.ctx().baseUrl || 'http://127.0.0.1').host;
    return {
      iss: host,
      aud: host,
      exp: Math.ceil((now + ttlSeconds * 1000) / 1000),
      iat: Math.floor(now / 1000),
      jti: randomUUID(),
      user: subject.user,
      sudo_as_login: subject.sudoAsLogin,
      auth_type: subject.authType,
      session_uuid: subject.sessionUuid,
      token_use: use,
    };
  }

  /** Mints an access token and a fresh refresh token. */
  issue(subject: TokenSubject): TokenResponse {
    const { tokenTtl, refreshTtl } = this.ctx().options;
    const secret = this.ctx().secret;
    if (subject.sessionUuid) this.sessions.set(subject.sessionUuid, subject);
    const answer: TokenResponse = {
      token_type: 'Bearer',
      access_token: signToken(this.claims(subject, tokenTtl, 'access'), secret),
      expires_in: tokenTtl,
      refresh_token: signToken(this.claims(subject, refreshTtl, 'refresh'), secret),
    };
    this.ctx().issued?.record('accessTokens', answer.access_token);
    this.ctx().issued?.record('refreshTokens', answer.refresh_token);
    return answer;
  }

  /** The subject of a session uuid from an earlier password grant. */
  session(uuid: string): TokenSubject | undefined {
    return this.sessions.get(uuid);
  }

  /** The subject of a valid, unexpired refresh token. */
  refreshSubject(token: string): TokenSubject | undefined {
    const claims = verifyToken(token, this.ctx().secret);
    if (typeof claims === 'string' || claims.token_use !== 'refresh') return undefined;
    return { user: claims.user, sudoAsLogin: claims.sudo_as_login, authType: claims.auth_type, sessionUuid: claims.session_uuid };
  }

  /** Checks a request's bearer; the reason when it is refused. */
  check(req: IncomingMessage): Caller | TokenProblem | 'missing' {
    const header = req.headers.authorization;
    if (!header) return 'missing';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) return 'invalid';
    const claims = verifyToken(m[1]!, this.ctx().secret);
    if (typeof claims === 'string') return claims;
    if (claims.token_use !== 'access') return 'invalid';
    const caller: Caller = { type: claims.user.type, id: claims.user.id };
    if (claims.sudo_as_login) caller.login = claims.sudo_as_login;
    return caller;
  }

  requireBearer(req: IncomingMessage, res: ServerResponse): Caller | undefined {
    const result = this.check(req);
    if (typeof result !== 'string') return result;
    const detail = result === 'expired' ? 'Token Expired' : result === 'missing' ? 'Missing Authorization header' : 'Token invalid';
    sendApiError(res, unauthorized(detail));
    return undefined;
  }
}
