/**
 * Signed, expiring links: presigned-looking storage URLs (`X-Amz-*` query, HMAC over method,
 * object key and the other parameters, like SigV4 with `UNSIGNED-PAYLOAD`) and the `sg` storage
 * mode's upload links on the site itself (`expiration`, `signature`, `user_id`, `user_type`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { EmulatorContext } from '../context.js';

/** Bucket segment of storage paths (path-style, as S3 tools print them). */
export const BUCKET = 'sg-emulator';
/** Path prefix of stored objects. */
export const STORAGE_OBJECT_PREFIX = `/storage/${BUCKET}/`;
const ACCESS_KEY = 'AKIASGEMULATOR000000';
const REGION = 'us-east-1';
const MAX_EXPIRES = 604_800;

/** Root-relative path of an object key (each segment percent-encoded). */
export function storagePath(key: string): string {
  return STORAGE_OBJECT_PREFIX + key.split('/').map(encodeURIComponent).join('/');
}

/** The object key of a storage path, or undefined when it is not one. */
export function keyOfPath(pathname: string): string | undefined {
  if (!pathname.startsWith(STORAGE_OBJECT_PREFIX)) return undefined;
  try {
    const key = pathname.slice(STORAGE_OBJECT_PREFIX.length).split('/').map(decodeURIComponent).join('/');
    return key === '' ? undefined : key;
  } catch {
    return undefined;
  }
}

/** `20260904T035331Z`. */
function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function parseAmzDate(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : undefined;
}

function canonicalQuery(params: Iterable<[string, string]>, skip: string): string {
  return [...params]
    .filter(([k]) => k !== skip)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .sort()
    .join('&');
}

function hmac(secret: Buffer, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Options of a signed storage URL. */
export interface SignOptions {
  /** Extra signed query parameters (`partNumber`, `uploadId`). */
  extra?: Record<string, string>;
  /** Sign it already expired (the `url_expire` fault on the request that hands it out). */
  expired?: boolean;
}

/** An absolute presigned-looking URL for `method` on the object `key`. */
export function signStorageUrl(ctx: EmulatorContext, method: string, key: string, opts: SignOptions = {}): string {
  const ttl = Math.min(MAX_EXPIRES, Math.max(1, Math.round(ctx.options.signedUrlTtl)));
  const now = Date.now();
  const date = amzDate(opts.expired ? now - (ttl + 60) * 1000 : now);
  const params = new URLSearchParams({
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${ACCESS_KEY}/${date.slice(0, 8)}/${REGION}/s3/aws4_request`,
    'X-Amz-Date': date,
    'X-Amz-Expires': String(ttl),
    'X-Amz-SignedHeaders': 'host',
    ...opts.extra,
  });
  const signature = hmac(ctx.secret, `${method}\n${key}\n${canonicalQuery(params, 'X-Amz-Signature')}`);
  params.set('X-Amz-Signature', signature);
  return `${ctx.baseUrl}${storagePath(key)}?${params.toString()}`;
}

/** Why a storage request's signature is refused (S3's status, code and extra elements). */
export interface SignatureRefusal {
  status: number;
  code: string;
  message?: string;
  extra?: Record<string, string>;
}

const REQUIRED = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'];

/** Checks a storage request's signature and expiry; undefined when it may proceed. */
export function checkStorageSignature(ctx: EmulatorContext, method: string, key: string, query: URLSearchParams, forceExpired: boolean): SignatureRefusal | undefined {
  const missing = REQUIRED.filter((p) => !query.has(p));
  if (missing.length > 0) {
    return { status: 403, code: 'AccessDenied', message: 'Query-string authentication requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.' };
  }
  const expires = Number(query.get('X-Amz-Expires'));
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_EXPIRES) return { status: 400, code: 'AuthorizationQueryParametersError' };
  const expected = hmac(ctx.secret, `${method}\n${key}\n${canonicalQuery(query, 'X-Amz-Signature')}`);
  const signedAt = parseAmzDate(query.get('X-Amz-Date')!);
  if (!sameHex(expected, query.get('X-Amz-Signature')!) || signedAt === undefined) return { status: 403, code: 'SignatureDoesNotMatch' };
  const expiresAt = signedAt + expires * 1000;
  const now = Date.now();
  if (forceExpired || now > expiresAt) {
    return {
      status: 403,
      code: 'AccessDenied',
      message: 'Request has expired',
      extra: {
        'X-Amz-Expires': String(expires),
        Expires: new Date(forceExpired ? Math.min(expiresAt, now - 1000) : expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        ServerTime: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
    };
  }
  return undefined;
}

/** The caller an `sg` upload link is made out to. */
export interface LinkUser {
  type: string;
  id: number;
}

function sgSignature(ctx: EmulatorContext, path: string, expiration: string, filename: string, user: LinkUser): string {
  return hmac(ctx.secret, `sg\n${path}\n${expiration}\n${filename}\n${user.type}\n${user.id}`);
}

/** An `sg`-storage upload link: the site's own `_upload` path with signed parameters. */
export function signSgUploadUrl(ctx: EmulatorContext, path: string, filename: string, user: LinkUser, expired = false): string {
  const ttl = Math.max(1, Math.round(ctx.options.signedUrlTtl));
  const expiration = String(Math.floor(Date.now() / 1000) + (expired ? -60 : ttl));
  const signature = sgSignature(ctx, path, expiration, filename, user);
  ctx.issued?.record('signatures', signature);
  const params = new URLSearchParams({
    expiration, filename, signature, user_id: String(user.id), user_type: user.type,
  });
  return `${ctx.baseUrl}${path}?${params.toString()}`;
}

/** The result of checking an `sg` upload link. */
export type SgLinkCheck =
  | { ok: true; filename: string; user: LinkUser }
  | { ok: false; missing: string[] }
  | { ok: false; reason: 'signature' | 'expired' };

/** Checks the signed parameters of an `sg` upload PUT. */
export function checkSgUploadUrl(ctx: EmulatorContext, path: string, query: URLSearchParams, forceExpired: boolean): SgLinkCheck {
  const missing = ['user_id', 'user_type', 'expiration', 'signature'].filter((p) => !query.get(p));
  if (missing.length > 0) return { ok: false, missing };
  const filename = query.get('filename') ?? '';
  const user = { type: query.get('user_type')!, id: Number(query.get('user_id')) };
  const expiration = query.get('expiration')!;
  if (!sameHex(sgSignature(ctx, path, expiration, filename, user), query.get('signature')!)) return { ok: false, reason: 'signature' };
  if (forceExpired || Date.now() / 1000 > Number(expiration)) return { ok: false, reason: 'expired' };
  return { ok: true, filename, user };
}
