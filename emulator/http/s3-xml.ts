/** S3-style XML error answers of the built-in storage (`<Error><Code/><Message/>...</Error>`). */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** Messages S3 sends with its error codes. */
export const S3_MESSAGES: Record<string, string> = {
  AccessDenied: 'Access Denied',
  SignatureDoesNotMatch: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  MissingContentLength: 'You must provide the Content-Length HTTP header.',
  NotImplemented: 'A header you provided implies functionality that is not implemented',
  SlowDown: 'Please reduce your request rate.',
  InternalError: 'We encountered an internal error. Please try again.',
  BadGateway: 'The gateway could not reach the storage service.',
  TooManyRequests: 'Too many requests. Please reduce your request rate.',
  NoSuchKey: 'The specified key does not exist.',
  NoSuchUpload: 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
  InvalidArgument: 'Part number must be an integer between 1 and 10000, inclusive',
  InvalidRange: 'The requested range is not satisfiable',
  RequestTimeout: 'Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.',
  AuthorizationQueryParametersError: 'X-Amz-Expires must be less than a week (in seconds) that is 604800',
  MethodNotAllowed: 'The specified method is not allowed against this resource.',
  BadDigest: 'The Content-MD5 you specified did not match what we received.',
  InvalidDigest: 'The Content-MD5 you specified was invalid.',
};

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/** The XML body of an S3 error; `extra` adds elements such as `Expires` or `Header`. */
export function s3ErrorXml(code: string, message = S3_MESSAGES[code] ?? code, extra: Record<string, string> = {}): string {
  const fields = Object.entries(extra).map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`).join('');
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const hostId = randomBytes(24).toString('base64');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>${fields}<RequestId>${requestId}</RequestId><HostId>${hostId}</HostId></Error>`;
}

/** Answers an S3 XML error (headers only for HEAD, as S3 does). */
export function sendS3Error(
  res: ServerResponse,
  status: number,
  code: string,
  opts: { message?: string; extra?: Record<string, string>; headers?: Record<string, string>; head?: boolean } = {},
): void {
  const body = s3ErrorXml(code, opts.message, opts.extra);
  res.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': String(Buffer.byteLength(body)),
    'x-amz-request-id': randomBytes(8).toString('hex').toUpperCase(),
    ...opts.headers,
  });
  res.end(opts.head ? undefined : body);
}
