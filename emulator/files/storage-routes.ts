/**
 * The built-in S3-like storage under `/storage/<bucket>/<key>`: presigned PUT (single object or
 * multipart part) and GET (with Range and If-Range), S3's XML errors, quoted-MD5 ETags, and a
 * `Content-MD5` checked as S3 does (400 InvalidDigest / BadDigest, nothing stored). HEAD with a
 * GET URL fails the signature, as on S3.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { unlink } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createThrottle } from '../faults/throttle.js';
import { handlerFault, urlExpiredByFault } from '../faults/decisions.js';
import { MAX_PART_NUMBER } from './multipart.js';
import { flipByte, type Segment, type StoredObject } from './object-store.js';
import { drainBody } from '../http/respond.js';
import { declaredLength, receiveBody } from './receive-body.js';
import { sendS3Error } from '../http/s3-xml.js';
import { checkStorageSignature } from './signing.js';
import type { FileState } from './state.js';

/** Answers a storage request. */
export async function handleStorage(state: FileState, req: IncomingMessage, res: ServerResponse, url: URL, key: string): Promise<void> {
  const method = req.method ?? 'GET';
  const head = method === 'HEAD';
  if (!['GET', 'HEAD', 'PUT'].includes(method)) {
    await refuse(req, res, 405, 'MethodNotAllowed', { headers: { allow: 'GET, PUT' } });
    return;
  }
  if (key === '') {
    await refuse(req, res, 404, 'NoSuchKey', { head });
    return;
  }
  const refusal = checkStorageSignature(state.ctx, method, key, url.searchParams, urlExpiredByFault(req));
  if (refusal) {
    await refuse(req, res, refusal.status, refusal.code, { message: refusal.message, extra: refusal.extra, head });
    return;
  }
  if (method === 'PUT') await putObject(state, req, res, url, key);
  else await getObject(state, req, res, key, head);
}

/** Answers an S3 error once the request body (if any) has been read and dropped. */
async function refuse(req: IncomingMessage, res: ServerResponse, status: number, code: string, opts: Parameters<typeof sendS3Error>[3] = {}): Promise<void> {
  await drainBody(req);
  if (!res.destroyed) sendS3Error(res, status, code, opts);
}

async function putObject(state: FileState, req: IncomingMessage, res: ServerResponse, url: URL, key: string): Promise<void> {
  const partParam = url.searchParams.get('partNumber');
  const uploadId = url.searchParams.get('uploadId');
  const isPart = partParam !== null || uploadId !== null;
  const n = Number(partParam);
  if (isPart && (!Number.isInteger(n) || n < 1 || n > MAX_PART_NUMBER)) {
    await refuse(req, res, 400, 'InvalidArgument', { extra: { ArgumentName: 'partNumber', ArgumentValue: String(partParam) } });
    return;
  }
  if (isPart && !state.multipart.openSession(uploadId ?? '')) {
    await refuse(req, res, 404, 'NoSuchUpload');
    return;
  }
  const expected = declaredLength(req);
  if (expected === undefined) {
    // As AWS answers: a chunked body is 501 naming the header (radosgw says 411 for both,
    // see docs/storage-differences.md); no length and no chunking is 411.
    if (/chunked/i.test(String(req.headers['transfer-encoding'] ?? ''))) {
      await refuse(req, res, 501, 'NotImplemented', { extra: { Header: 'Transfer-Encoding' } });
    } else {
      await refuse(req, res, 411, 'MissingContentLength');
    }
    return;
  }
  const digest = contentMd5(req);
  if (digest === 'invalid') {
    await refuse(req, res, 400, 'InvalidDigest');
    return;
  }
  const fault = handlerFault(req);
  const flipAt = fault?.kind === 'corrupt_transit' && expected > 0 ? Math.min(expected - 1, fault.at ?? Math.floor(expected / 2)) : undefined;
  const outcome = await receiveBody(state, req, expected, flipAt);
  if (!outcome.ok) {
    if (outcome.idle && !res.headersSent && !res.destroyed) sendS3Error(res, 400, 'RequestTimeout', { headers: { connection: 'close' } });
    else req.socket.destroy();
    return;
  }
  const { received } = outcome;
  if (digest && !digest.equals(received.md5)) {
    // As S3: the bytes that arrived are not the ones the client hashed; nothing is stored.
    await unlink(received.tmpPath).catch(() => undefined);
    sendS3Error(res, 400, 'BadDigest', { extra: { ExpectedDigest: digest.toString('base64'), CalculatedDigest: received.md5.toString('base64') } });
    return;
  }
  let stored: Segment;
  let etag: string;
  if (isPart) {
    // Aborted or completed while the bytes were arriving: S3 refuses the part.
    if (!state.multipart.openSession(uploadId!)) {
      await unlink(received.tmpPath).catch(() => undefined);
      sendS3Error(res, 404, 'NoSuchUpload');
      return;
    }
    const part = await state.objects.commitPart(uploadId!, n, received);
    ({ etag } = part);
    stored = part;
  } else {
    // S3 stores the type that was sent and never guesses from the key (AWS and radosgw).
    const type = String(req.headers['content-type'] ?? '') || 'binary/octet-stream';
    const obj = await state.objects.commitObject(key, received, type);
    ({ etag } = obj);
    stored = obj.segments[0]!;
  }
  if (fault?.kind === 'corrupt_at_rest' && received.size > 0) await state.objects.damage(stored, Math.min(received.size - 1, fault.at ?? Math.floor(received.size / 2)));
  if (fault?.kind === 'etag_mismatch') etag = `"${flipByte(received.md5, 0).toString('hex')}"`;
  state.ctx.counters.bytesStored(received.size);
  res.writeHead(200, { etag, 'content-length': '0', 'x-amz-request-id': received.md5.toString('hex').slice(0, 16).toUpperCase() });
  res.end();
}

/**
 * The `Content-MD5` header: undefined when absent, the 16 digest bytes, or `invalid` (not the
 * base64 of 16 bytes: S3 answers 400 InvalidDigest before reading the body).
 */
function contentMd5(req: IncomingMessage): Buffer | 'invalid' | undefined {
  const raw = req.headers['content-md5'];
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  if (!/^[A-Za-z0-9+/]{22}==$/.test(text)) return 'invalid';
  return Buffer.from(text, 'base64');
}

/**
 * Whether a `Range` applies: with `If-Range`, only while the object is still the one the client
 * named (its ETag, or not modified since the date); otherwise the whole object is sent (200).
 */
function rangeStillValid(req: IncomingMessage, obj: StoredObject): boolean {
  const ifRange = req.headers['if-range'];
  if (ifRange === undefined) return true;
  const value = String(ifRange).trim();
  if (value.startsWith('"') || value.startsWith('W/')) return value === obj.etag;
  const at = Date.parse(value);
  return !Number.isNaN(at) && Math.floor(obj.lastModified.getTime() / 1000) <= Math.floor(at / 1000);
}

/** A parsed `Range` header: the inclusive span, `unsatisfiable`, or undefined (whole body). */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

async function getObject(state: FileState, req: IncomingMessage, res: ServerResponse, key: string, head: boolean): Promise<void> {
  const obj = state.objects.get(key);
  if (!obj) {
    sendS3Error(res, 404, 'NoSuchKey', { head, extra: { Key: key } });
    return;
  }
  const range = rangeStillValid(req, obj) ? parseRange(req.headers.range, obj.size) : undefined;
  if (range === 'unsatisfiable') {
    sendS3Error(res, 416, 'InvalidRange', { head, headers: { 'content-range': `bytes */${obj.size}` }, extra: { ActualObjectSize: String(obj.size) } });
    return;
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? obj.size - 1;
  const length = Math.max(0, end - start + 1);
  res.writeHead(range ? 206 : 200, {
    'content-type': obj.contentType,
    'content-length': String(length),
    etag: obj.etag,
    'last-modified': obj.lastModified.toUTCString(),
    'accept-ranges': 'bytes',
    ...(range ? { 'content-range': `bytes ${start}-${end}/${obj.size}` } : {}),
  });
  if (head || length === 0) {
    res.end();
    return;
  }
  await sendBytes(state, req, res, obj, start, end);
}

/** Streams the span at the storage bandwidth; a `reset` fault cuts it part-way. */
async function sendBytes(state: FileState, req: IncomingMessage, res: ServerResponse, obj: StoredObject, start: number, end: number): Promise<void> {
  const fault = handlerFault(req);
  const throttle = createThrottle(state.ctx.shaper.bandwidth('storage'));
  try {
    if (fault?.kind === 'corrupt_transit') {
      await pipeline(state.objects.read(obj, start, end), flipping(fault.at ?? Math.floor((end - start + 1) / 2)), throttle, res);
      return;
    }
    if (fault?.kind !== 'reset') {
      await pipeline(state.objects.read(obj, start, end), throttle, res);
      return;
    }
    const cut = Math.min(end - start + 1, fault.afterBytes ?? Math.floor((end - start + 1) / 2));
    res.flushHeaders();
    if (cut > 0) await pipeline(state.objects.read(obj, start, start + cut - 1), throttle, res, { end: false });
    await new Promise<void>((resolve) => res.write(Buffer.alloc(0), () => resolve()));
    req.socket.destroy();
  } catch {
    // The client went away (or the fault cut it): nothing left to answer.
    res.destroy();
  }
}

/** A transform that inverts the byte at `at` of the stream (a fault: damage on the wire). */
function flipping(at: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      const out = at >= seen && at < seen + chunk.length ? flipByte(chunk, at - seen) : chunk;
      seen += chunk.length;
      done(null, out);
    },
  });
}
