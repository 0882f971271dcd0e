/**
 * Shared helpers of the files-side emulator tests: the upload calls over real HTTP (init, PUT,
 * part links, completion), raw requests for what fetch cannot send (chunked bodies, short
 * bodies), and small checks (MD5, PNG header).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import type { Answer, TestSite } from './api-helpers.js';

/** Quoted MD5 hex of bytes, as S3 sends ETags. */
export function quotedMd5(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

/** Deterministic bytes of a given size (different per seed). */
export function bytesOf(size: number, seed = 1): Buffer {
  const b = Buffer.alloc(size);
  let x = seed * 2654435761;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** Upload init for `<entity>/<id>[/<field>]`. */
export function initUpload(site: TestSite, target: string, filename: string, query = ''): Promise<Answer> {
  return site.call('GET', `/api/v1/entity/${target}/_upload?filename=${encodeURIComponent(filename)}${query}`);
}

/** A plain answer from a storage request. */
export interface StorageAnswer {
  status: number;
  headers: Headers;
  text: string;
  body: Buffer;
}

/** PUTs bytes to a (signed) URL. */
export async function putBytes(url: string, body: Buffer, headers: Record<string, string> = {}): Promise<StorageAnswer> {
  const res = await fetch(url, { method: 'PUT', body, headers, redirect: 'error' });
  const buf = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, text: buf.toString('utf8'), body: buf };
}

/** GETs a URL (no redirects followed). */
export async function getBytes(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<StorageAnswer> {
  const res = await fetch(url, { method, headers, redirect: 'manual' });
  const buf = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, text: buf.toString('utf8'), body: buf };
}

/** POSTs a completion. */
export function completeUpload(site: TestSite, link: string, uploadInfo: unknown, uploadData: unknown = {}): Promise<Answer> {
  return site.call('POST', link, { body: { upload_info: uploadInfo, upload_data: uploadData } });
}

/** Init + single PUT + completion; asserts each step and returns the init answer. */
export async function uploadSingle(site: TestSite, target: string, filename: string, body: Buffer, uploadData: unknown = {}): Promise<Answer> {
  const init = await initUpload(site, target, filename);
  assert.equal(init.status, 200, init.text);
  const put = await putBytes(init.body.links.upload, body);
  assert.equal(put.status, 200, put.text);
  const done = await completeUpload(site, init.body.links.complete_upload, init.body.data, uploadData);
  assert.equal(done.status, 201, done.text);
  return init;
}

/** Asserts an S3 XML error and returns its `<Code>`. */
export function s3Code(a: StorageAnswer): string {
  assert.match(a.headers.get('content-type') ?? '', /application\/xml/);
  const m = /<Code>([^<]+)<\/Code>/.exec(a.text);
  assert.ok(m, `S3 XML error expected: ${a.text}`);
  return m[1]!;
}

/** Reads a field as the API renders it. */
export async function readField(site: TestSite, type: string, id: number, field: string): Promise<unknown> {
  const r = await site.call('GET', `/api/v1/entity/${type}/${id}?fields=${field}`);
  assert.equal(r.status, 200, r.text);
  return r.body.data.attributes[field];
}

/** Width and height of a PNG (asserting the signature and IHDR). */
export function pngSize(buf: Buffer): { width: number; height: number } {
  assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.equal(buf.subarray(12, 16).toString('ascii'), 'IHDR');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

/** The outcome of a raw request. */
export interface RawOutcome {
  status?: number;
  headers?: Record<string, string | string[] | undefined>;
  body: string;
  /** Body bytes received. */
  bytes: number;
  /** The connection was reset / closed before a complete answer. */
  error?: string;
}

/**
 * A raw HTTP request with node:http: `chunks` are written one by one; `endEarly` destroys the
 * socket after them instead of ending the body (a short body).
 */
export function rawRequest(url: string, opts: { method: string; headers?: Record<string, string>; chunks?: Buffer[]; endEarly?: boolean; timeoutMs?: number }): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const req = request(url, { method: opts.method, headers: opts.headers, agent: false });
    const timer = setTimeout(() => req.destroy(new Error('timeout')), opts.timeoutMs ?? 5000);
    let settled = false;
    const finish = (o: RawOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(o);
    };
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => finish({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts).toString('utf8'), bytes: Buffer.concat(parts).length }));
      res.on('error', (e) => finish({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts).toString('utf8'), bytes: Buffer.concat(parts).length, error: e.message }));
      res.on('close', () => finish({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts).toString('utf8'), bytes: Buffer.concat(parts).length, ...(res.complete ? {} : { error: 'aborted' }) }));
    });
    req.on('error', (e) => finish({ body: '', bytes: 0, error: (e as NodeJS.ErrnoException).code ?? e.message }));
    for (const c of opts.chunks ?? []) req.write(c);
    if (opts.endEarly) setTimeout(() => req.destroy(), 50);
    else req.end();
  });
}

/** Waits `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Retries an assertion for up to `ms` (server-side bookkeeping of a dropped exchange lags the client). */
export async function eventually(check: () => void, ms = 1000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(10);
    }
  }
}
