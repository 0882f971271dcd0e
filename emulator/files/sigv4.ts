/**
 * AWS Signature Version 4 query-string presigning for S3 (path-style, `UNSIGNED-PAYLOAD`,
 * only `host` signed), as `@aws-sdk/s3-request-presigner` makes them with
 * `requestChecksumCalculation: 'WHEN_REQUIRED'`. It is synchronous on purpose: field values are
 * rendered synchronously on every read, and each read hands out a fresh URL. A test checks it
 * against the SDK's presigner byte for byte; radosgw checks it for real in `npm run test:s3`.
 */
import { createHash, createHmac } from 'node:crypto';

/** What signs a URL. */
export interface SigV4Key {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region: string;
}

/** One URL to presign. */
export interface PresignRequest {
  method: string;
  /** Endpoint origin, e.g. `http://127.0.0.1:7480` (a path prefix is kept). */
  endpoint: string;
  bucket: string;
  key: string;
  /** Extra signed query parameters (`partNumber`, `uploadId`). */
  query?: Record<string, string>;
  /** Lifetime in seconds (1..604800). */
  expiresIn: number;
  /** Signing time (default now). */
  date?: Date;
}

/** RFC 3986 encoding, as SigV4 wants it (`encodeURIComponent` leaves `!'()*` alone). */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const hmac = (key: Buffer | string, text: string): Buffer => createHmac('sha256', key).update(text, 'utf8').digest();

/** The canonical query: RFC 3986-encoded pairs sorted by name, then value. */
function sortedQuery(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** `20260904T035331Z`. */
export function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** A presigned absolute URL. */
export function presignS3Url(key: SigV4Key, req: PresignRequest): string {
  const endpoint = new URL(req.endpoint);
  const date = amzDate(req.date ?? new Date());
  const scope = `${date.slice(0, 8)}/${key.region}/s3/aws4_request`;
  const basePath = endpoint.pathname.replace(/\/+$/, '');
  const path = `${basePath}/${uriEncode(req.bucket)}/${req.key.split('/').map(uriEncode).join('/')}`;
  const params: Record<string, string> = {
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD',
    'X-Amz-Credential': `${key.accessKeyId}/${scope}`,
    'X-Amz-Date': date,
    'X-Amz-Expires': String(req.expiresIn),
    ...(key.sessionToken ? { 'X-Amz-Security-Token': key.sessionToken } : {}),
    'X-Amz-SignedHeaders': 'host',
    ...req.query,
  };
  const query = sortedQuery(params);
  // `URL.host` drops a default port, as the Host header does.
  const canonical = `${req.method}\n${path}\n${query}\nhost:${endpoint.host}\n\nhost\nUNSIGNED-PAYLOAD`;
  const toSign = `AWS4-HMAC-SHA256\n${date}\n${scope}\n${createHash('sha256').update(canonical, 'utf8').digest('hex')}`;
  let signingKey = hmac(`AWS4${key.secretAccessKey}`, date.slice(0, 8));
  for (const part of [key.region, 's3', 'aws4_request']) signingKey = hmac(signingKey, part);
  const signature = createHmac('sha256', signingKey).update(toSign, 'utf8').digest('hex');
  // The signature goes in sorted position too, so the URL is the one the SDK's presigner makes.
  return `${endpoint.origin}${path}?${sortedQuery({ ...params, 'X-Amz-Signature': signature })}`;
}
