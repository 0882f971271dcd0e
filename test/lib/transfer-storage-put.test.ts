/**
 * Storage PUT logic against a tiny local HTTP server: what goes on the wire (Content-Length,
 * never chunked, no Authorization, the exact byte span), a new body on every attempt, stalls
 * abandoned and retried, a fresh link after a 403, other 4xx failing at once, and abort.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import type { ApiCaller } from '../../lib/api-caller.js';
import { storageOnlyApi } from './fixtures/storage-api.js';
import { putToStorage, putWithRetries } from '../../lib/transfers/storage-put.js';

interface Seen {
  url: string;
  headers: IncomingMessage['headers'];
  sha: string;
  size: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer, n: number) => void;

let server: Server;
let base: string;
let dir: string;
let file: string;
let bytes: Buffer;
let handler: Handler;
let seen: Seen[] = [];
const agent = new Agent({ keepAliveTimeout: 1000 });

// A stall time no loaded machine reaches on these small PUTs; the stall test uses its own short one.
const api: ApiCaller = storageOnlyApi(agent, { stall: 10_000 });

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sg-put-'));
  file = join(dir, 'data.bin');
  bytes = randomBytes(3 * 1024 * 1024 + 17);
  writeFileSync(file, bytes);
  server = createServer((req, res) => {
    const n = seen.length + 1;
    // A handler may leave the body unread (a stall): it then owns the request.
    if (handlerWantsRaw(n)) {
      seen.push({ url: req.url ?? '', headers: req.headers, sha: '', size: -1 });
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ url: req.url ?? '', headers: req.headers, sha: sha(body), size: body.length });
      handler(req, res, body, n);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  rmSync(dir, { recursive: true, force: true });
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await agent.destroy();
});

let stallAttempts = new Set<number>();
function handlerWantsRaw(n: number): boolean {
  return stallAttempts.has(n);
}

function reset(h: Handler, stalls: number[] = []): void {
  seen = [];
  handler = h;
  stallAttempts = new Set(stalls);
}

function s3Error(res: ServerResponse, status: number, code: string, message = code): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function ok(res: ServerResponse, body: Buffer): void {
  res.writeHead(200, { etag: `"${createHash('md5').update(body).digest('hex')}"`, 'content-length': 0 });
  res.end();
}

const signed = (path: string): string => `${base}${path}?X-Amz-SignedHeaders=host&X-Amz-Signature=s3cr3tsig`;

test('one PUT sends exactly the span with Content-Length, not chunked, without Authorization', async () => {
  reset((_req, res, body) => ok(res, body));
  const start = 1000;
  const end = 1000 + 2 * 1024 * 1024;
  const result = await putToStorage(api, { url: signed('/bucket/a.bin'), body: { file, start, end }, contentType: 'video/quicktime', requireEtag: true });
  assert.equal(result.status, 200);
  assert.equal(result.etag, `"${createHash('md5').update(bytes.subarray(start, end)).digest('hex')}"`);
  const [s] = seen;
  assert.equal(s!.headers['content-length'], String(end - start));
  assert.equal(s!.headers['transfer-encoding'], undefined);
  assert.equal(s!.headers.authorization, undefined);
  assert.equal(s!.headers['content-type'], 'video/quicktime');
  assert.equal(s!.headers['user-agent'], 'sg-transfer-test');
  assert.equal(s!.sha, sha(bytes.subarray(start, end)));
  assert.match(s!.url, /X-Amz-Signature=s3cr3tsig/, 'the signed query is sent as given');
});

test('every retry sends a new, complete body (503 SlowDown, 500 after the body was read)', async () => {
  reset((_req, res, body, n) => {
    if (n === 1) return s3Error(res, 503, 'SlowDown', 'Please reduce your request rate.');
    if (n === 2) return s3Error(res, 500, 'InternalError');
    ok(res, body);
  });
  let attempts = 0;
  const result = await putWithRetries(api, {
    link: signed('/bucket/b.bin'),
    freshLink: () => Promise.reject(new Error('not expected')),
    onAttempt: () => attempts++,
    put: (url) => putToStorage(api, { url, body: { file, start: 0, end: bytes.length } }),
  });
  assert.equal(result.status, 200);
  assert.equal(attempts, 3);
  assert.deepEqual(seen.map((s) => s.size), [bytes.length, bytes.length, bytes.length]);
  assert.ok(seen.every((s) => s.sha === sha(bytes)), 'each attempt carried the whole file');
});

test('a stalled attempt is abandoned after the stall time and retried', async () => {
  reset((_req, res, body) => ok(res, body), [1]);
  let attempts = 0;
  const quick: ApiCaller = { ...api, timeouts: { ...api.timeouts, stall: 300 } };
  const t0 = performance.now();
  const result = await putWithRetries(quick, {
    link: signed('/bucket/c.bin'),
    freshLink: () => Promise.reject(new Error('not expected')),
    onAttempt: () => attempts++,
    put: (url) => putToStorage(quick, { url, body: { file, start: 0, end: bytes.length } }),
  });
  assert.equal(result.status, 200);
  assert.equal(attempts, 2);
  assert.equal(seen[1]!.sha, sha(bytes));
  assert.ok(performance.now() - t0 >= 250, 'the first attempt was given the stall time');
});

test('a 403 asks for a fresh link and retries with it', async () => {
  reset((req, res, body) => {
    if (req.url!.startsWith('/bucket/old')) return s3Error(res, 403, 'AccessDenied', 'Request has expired');
    ok(res, body);
  });
  let fresh = 0;
  const result = await putWithRetries(api, {
    link: signed('/bucket/old.bin'),
    freshLink: async () => {
      fresh++;
      return signed('/bucket/new.bin');
    },
    put: (url) => putToStorage(api, { url, body: { file, start: 0, end: 10 } }),
  });
  assert.equal(result.status, 200);
  assert.equal(fresh, 1);
  assert.deepEqual(seen.map((s) => s.url.split('?')[0]), ['/bucket/old.bin', '/bucket/new.bin']);
});

test('other 4xx fail at once with the storage code and message, and no signature', async () => {
  reset((_req, res) => s3Error(res, 400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size'));
  let attempts = 0;
  await assert.rejects(
    putWithRetries(api, {
      link: signed('/bucket/d.bin'),
      freshLink: () => Promise.reject(new Error('not expected')),
      onAttempt: () => attempts++,
      put: (url) => putToStorage(api, { url, body: { file, start: 0, end: 10 } }),
    }),
    (err: Error & { code?: string; storageCode?: string; status?: number }) => {
      assert.equal(err.code, 'SG_STORAGE');
      assert.equal(err.storageCode, 'EntityTooLarge');
      assert.equal(err.status, 400);
      assert.match(err.message, /Your proposed upload exceeds the maximum allowed size .*400 EntityTooLarge/);
      assert.doesNotMatch(err.message + JSON.stringify(err), /s3cr3tsig/);
      return true;
    },
  );
  assert.equal(attempts, 1);
});

test('a part answered without an ETag is an error; the signal aborts a stalled PUT at once', async () => {
  reset((_req, res) => {
    res.writeHead(200, { 'content-length': 0 });
    res.end();
  });
  await assert.rejects(putToStorage(api, { url: signed('/bucket/e.bin'), body: { file, start: 0, end: 10 }, requireEtag: true }), { code: 'SG_STORAGE', message: /without an ETag/ });

  reset(() => undefined, [1]);
  const controller = new AbortController();
  const slow: ApiCaller = { ...api, timeouts: { ...api.timeouts, stall: 10_000 } };
  const t0 = performance.now();
  setTimeout(() => controller.abort(), 100);
  await assert.rejects(putToStorage(slow, { url: signed('/bucket/f.bin'), body: { file, start: 0, end: bytes.length }, signal: controller.signal }), { code: 'SG_ABORTED' });
  assert.ok(performance.now() - t0 < 2000, 'aborted promptly');
});

test('a file that shrinks during the upload fails with SG_FILE at once', async () => {
  reset((_req, res, body) => ok(res, body));
  const shrinking = join(dir, 'shrinks.bin');
  writeFileSync(shrinking, bytes.subarray(0, 1000));
  let attempts = 0;
  await assert.rejects(
    putWithRetries(api, {
      link: signed('/bucket/g.bin'),
      freshLink: () => Promise.reject(new Error('not expected')),
      onAttempt: () => attempts++,
      // Claims 2000 bytes, as planned before the file was cut to 1000.
      put: (url) => putToStorage(api, { url, body: { file: shrinking, start: 0, end: 2000 } }),
    }),
    { code: 'SG_FILE', message: /changed while it was being uploaded/ },
  );
  assert.equal(attempts, 1);
});

test('a span held in memory goes with its Content-MD5; a storage ETag that is not that MD5 is re-sent once, then SG_INTEGRITY', async () => {
  const span = bytes.subarray(0, 100_000);
  const md5 = createHash('md5').update(span).digest();
  reset((_req, res, body) => ok(res, body));
  const good = await putToStorage(api, { url: signed('/bucket/h.bin'), body: { bytes: span, md5 }, requireEtag: true });
  assert.equal(good.etag, `"${md5.toString('hex')}"`);
  assert.equal(seen[0]!.headers['content-md5'], md5.toString('base64'));
  assert.equal(seen[0]!.sha, sha(span));

  // A storage that stored something else: its ETag names other bytes.
  reset((_req, res) => {
    res.writeHead(200, { etag: `"${'0'.repeat(32)}"`, 'content-length': 0 });
    res.end();
  });
  let attempts = 0;
  await assert.rejects(
    putWithRetries(api, {
      link: signed('/bucket/i.bin'),
      freshLink: () => Promise.reject(new Error('not expected')),
      onAttempt: () => attempts++,
      put: (url) => putToStorage(api, { url, body: { bytes: span, md5 }, what: 'part 2 of 3' }),
    }),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'SG_INTEGRITY');
      assert.match(err.message, /part 2 of 3.*ETag 0{32} is not the MD5 of the bytes sent/);
      assert.doesNotMatch(err.message, /s3cr3tsig/);
      return true;
    },
  );
  assert.equal(attempts, 2, 'one re-send, then final');

  // S3's answer to damaged bytes: 400 BadDigest, re-sent once and then SG_INTEGRITY.
  reset((_req, res) => s3Error(res, 400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.'));
  attempts = 0;
  await assert.rejects(
    putWithRetries(api, {
      link: signed('/bucket/j.bin'),
      freshLink: () => Promise.reject(new Error('not expected')),
      onAttempt: () => attempts++,
      put: (url) => putToStorage(api, { url, body: { bytes: span, md5 } }),
    }),
    { code: 'SG_INTEGRITY', storageCode: 'BadDigest', message: /BadDigest/ },
  );
  assert.equal(attempts, 2);
});

test('a multipart ETag or an SSE-KMS object cannot be compared, so it is not taken for damage', async () => {
  const span = bytes.subarray(0, 1000);
  const md5 = createHash('md5').update(span).digest();
  reset((_req, res) => {
    res.writeHead(200, { etag: `"${'a'.repeat(32)}"`, 'x-amz-server-side-encryption': 'aws:kms', 'content-length': 0 });
    res.end();
  });
  const kms = await putToStorage(api, { url: signed('/bucket/k.bin'), body: { bytes: span, md5 } });
  assert.equal(kms.status, 200);
  reset((_req, res) => {
    res.writeHead(200, { etag: `"${'b'.repeat(32)}-3"`, 'content-length': 0 });
    res.end();
  });
  assert.equal((await putToStorage(api, { url: signed('/bucket/l.bin'), body: { bytes: span, md5 } })).status, 200);
});
