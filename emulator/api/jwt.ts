/**
 * HS256 JSON Web Tokens, as the real site issues them: three base64url segments, header
 * `{"alg":"HS256","typ":"JWT"}`. Signed with the emulator's per-instance secret, so a token from
 * another emulator (or a tampered one) is rejected.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Claims the emulator puts in access and refresh tokens. */
export interface TokenClaims {
  iss: string;
  aud: string;
  exp: number;
  iat: number;
  jti: string;
  user: { type: 'ApiUser' | 'HumanUser'; id: number };
  sudo_as_login: string | null;
  auth_type: string;
  session_uuid: string | null;
  /** `access` or `refresh`: a refresh token is never accepted as a bearer. */
  token_use: 'access' | 'refresh';
}

const HEADER = base64url(Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })));

function base64url(buf: Buffer): string {
  return buf.toString('base64url');
}

function sign(input: string, secret: Buffer): string {
  return base64url(createHmac('sha256', secret).update(input).digest());
}

/** Encodes and signs claims. */
export function signToken(claims: TokenClaims, secret: Buffer): string {
  const body = `${HEADER}.${base64url(Buffer.from(JSON.stringify(claims)))}`;
  return `${body}.${sign(body, secret)}`;
}

/** Why a token was refused. */
export type TokenProblem = 'invalid' | 'expired';

/**
 * Verifies signature, shape and expiry. Returns the claims or the reason for refusal
 * (a bad signature or shape is `invalid`; a good token past `exp` is `expired`).
 */
export function verifyToken(token: string, secret: Buffer, now = Date.now()): TokenClaims | TokenProblem {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== HEADER) return 'invalid';
  const expected = Buffer.from(sign(`${parts[0]}.${parts[1]}`, secret));
  const given = Buffer.from(parts[2]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'invalid';
  let claims: TokenClaims;
  try {
    claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as TokenClaims;
  } catch {
    return 'invalid';
  }
  if (typeof claims.exp !== 'number' || !claims.user || typeof claims.user.id !== 'number') return 'invalid';
  return now >= claims.exp * 1000 ? 'expired' : claims;
}
