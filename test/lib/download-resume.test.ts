/**
 * Download resume against a tiny local server whose behaviour each test scripts: a body cut
 * mid-way is resumed with `Range: bytes=N-` and verified (206 + Content-Range), a server that
 * ignores Range or answers a wrong range makes the download start over, the byte count is
 * checked against Content-Length, and a failure leaves nothing behind.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import type { ApiCaller } from '../../lib/api-caller.js';
import { storageOnlyApi } from './fixtures/storage-api.js';
import { downloadFile } from '../../lib/transfers/download.js';
import { StreamDigest } from '../../lib/transfers/checksums.js';
import { fetchInto } from '../../lib/transfers/download-fetch.js';
import { BufferSink } from '../../lib/transfers/download-sink.js';
import { ProgressReporter } from '../../lib/transfers/progress.js';
import { filesIn } from './fixtures/transfer-env.js';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

let server: Server;
let base: string;
let dir: string;
let handler: Handler;
let ranges: Array<string | undefined> = [];
let authHeaders: Array<string | undefined> = [];
const body = randomBytes(2 * 1024 * 1024 + 333);
const agent = new Agent({ keepAliveTimeout: 1000 });

const api: ApiCaller = storageOnlyApi(agent, { stall: 5000 });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sg-resume-'));
  server = createServer((req, res) => {
    ranges.push(req.headers.range);
    authHeaders.push(req.headers.authorization);
    handler(req, res, ranges.length);
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

function reset(h: Handler): void {
  ranges = [];
  authHeaders = [];
  handler = h;
}

/** Sends `from..end` of the body; with `cutAt`, destroys the socket after that many bytes. */
function send(req: IncomingMessage, res: ServerResponse, opts: { honourRange?: boolean; cutAt?: number; startOverride?: number } = {}): void {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const from = opts.honourRange !== false && m ? Number(m[1]) : 0;
  const start = opts.startOverride ?? from;
  const part = body.subarray(start);
  const headers: Record<string, string | number> = { 'content-type': 'video/quicktime', 'content-length': part.length, 'accept-ranges': 'bytes' };
  if (from > 0 && opts.honourRange !== false) headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
  res.writeHead(from > 0 && opts.honourRange !== false ? 206 : 200, headers);
  if (opts.cutAt === undefined) {
    res.end(part);
    return;
  }
  res.write(part.subarray(0, opts.cutAt), () => setTimeout(() => res.socket?.destroy(), 20));
}

const url = (name: string): string => `${base}/bucket/${name}?X-Amz-Signature=abc`;

/**
 * The ranges asked for: a first request without Range, then `bytes=N-` resumes. N is what the
 * client had written when the connection died: at most what the server sent before the cut
 * (bytes still buffered in the client when the socket closes are dropped, more so on a busy
 * machine), never 0. A byte-exact result then proves N was right.
 */
function assertResumes(got: Array<string | undefined>, expected: Array<number | undefined>): void {
  assert.equal(got.length, expected.length, `requests: ${JSON.stringify(got)}`);
  expected.forEach((sent, i) => {
    if (sent === undefined) return assert.equal(got[i], undefined, `request ${i + 1} has no Range`);
    const m = /^bytes=(\d+)-$/.exec(got[i] ?? '');
    assert.ok(m && Number(m[1]) > 0 && Number(m[1]) <= sent, `request ${i + 1} resumes within the ${sent} bytes sent: ${got[i]}`);
  });
}

test('a body cut mid-way is resumed with Range from the bytes written', async (t) => {
  reset((req, res, n) => send(req, res, n === 1 ? { cutAt: 700_000 } : {}));
  const dest = join(dir, 'resumed.mov');
  t.after(() => rmSync(dest, { force: true }));
  const result = await downloadFile(api, url('a.mov'), dest);
  assertResumes(ranges, [undefined, 700_000]);
  assert.equal(result.attempts, 2);
  assert.equal(result.bytes, body.length);
  assert.equal(result.contentType, 'video/quicktime');
  assert.ok(readFileSync(dest).equals(body));
  assert.deepEqual(authHeaders, [undefined, undefined], 'no bearer to storage');
  assert.deepEqual(filesIn(dir), ['resumed.mov']);
});

test('a server that ignores Range sends everything again, and the file is still exact', async () => {
  reset((req, res, n) => send(req, res, n === 1 ? { cutAt: 500_000 } : { honourRange: false }));
  const result = await downloadFile(api, url('b.mov'), 'buffer', { maxBufferBytes: 4 * 1024 * 1024 });
  assertResumes(ranges, [undefined, 500_000]);
  assert.ok(result.buffer!.equals(body));
});

test('a 206 that does not continue where we stopped makes the download start over', async () => {
  reset((req, res, n) => {
    if (n === 1) return send(req, res, { cutAt: 400_000 });
    if (n === 2) return send(req, res, { startOverride: 1000 });
    send(req, res);
  });
  const result = await downloadFile(api, url('c.mov'), 'buffer', { maxBufferBytes: 4 * 1024 * 1024 });
  assertResumes(ranges, [undefined, 400_000, undefined]);
  assert.ok(result.buffer!.equals(body));
  assert.equal(result.attempts, 3);
});

test('resume: false starts over instead of sending Range', async () => {
  reset((req, res, n) => send(req, res, n === 1 ? { cutAt: 300_000 } : {}));
  const result = await downloadFile(api, url('d.mov'), 'buffer', { resume: false, maxBufferBytes: 4 * 1024 * 1024 });
  assert.deepEqual(ranges, [undefined, undefined]);
  assert.ok(result.buffer!.equals(body));
});

test('failures leave nothing behind: cut every time, 404, too large for the buffer', async () => {
  reset((req, res) => send(req, res, { cutAt: 100_000 }));
  await assert.rejects(downloadFile(api, url('e.mov'), join(dir, 'e.mov')), { code: 'SG_NETWORK' });
  assert.equal(ranges.length, 4, 'one try and three retries');
  assert.deepEqual(filesIn(dir), []);

  reset((_req, res) => {
    const xml = '<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>';
    res.writeHead(404, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) });
    res.end(xml);
  });
  await assert.rejects(downloadFile(api, url('f.mov'), join(dir, 'f.mov')), { code: 'SG_NOT_FOUND', storageCode: 'NoSuchKey', status: 404 });
  assert.equal(ranges.length, 1);
  assert.deepEqual(filesIn(dir), []);

  reset((req, res) => send(req, res));
  await assert.rejects(downloadFile(api, url('g.mov'), 'buffer', { maxBufferBytes: 1024 }), { code: 'SG_FILE', message: /maxBufferBytes/ });
});

test('a stalled body is abandoned and resumed; an abort removes the partial file', async () => {
  reset((req, res, n) => {
    if (n === 1) {
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 200_000)); // then nothing: a stall
      return;
    }
    send(req, res);
  });
  const quick: ApiCaller = { ...api, timeouts: { ...api.timeouts, stall: 300 } };
  const result = await downloadFile(quick, url('h.mov'), join(dir, 'h.mov'));
  assertResumes(ranges, [undefined, 200_000]);
  assert.ok(readFileSync(result.path!).equals(body));
  rmSync(result.path!);

  reset((_req, res) => {
    res.writeHead(200, { 'content-length': body.length });
    res.write(body.subarray(0, 100_000));
  });
  const controller = new AbortController();
  const slow: ApiCaller = { ...api, timeouts: { ...api.timeouts, stall: 10_000 } };
  setTimeout(() => controller.abort(), 150);
  await assert.rejects(downloadFile(slow, url('i.mov'), join(dir, 'i.mov'), { signal: controller.signal }), { code: 'SG_ABORTED' });
  assert.deepEqual(filesIn(dir), []);
});

test('a slow local disk is not taken for a stalled server', async () => {
  reset((req, res) => send(req, res));
  // Each write takes longer than the stall limit, as a busy disk can.
  const sink = new BufferSink(4 * 1024 * 1024);
  const write = sink.write.bind(sink);
  let slowWrites = 0;
  sink.write = async (chunk: Buffer) => {
    if (slowWrites++ < 2) await new Promise((r) => setTimeout(r, 1500));
    await write(chunk);
  };
  // Stall time well above what a loaded machine's local server needs between chunks, well below the disk's pauses.
  const quick: ApiCaller = { ...api, timeouts: { ...api.timeouts, stall: 1000 } };
  const outcome = await fetchInto(quick, { url: url('j.mov'), sink, resume: true, progress: new ProgressReporter({ total: undefined, partsTotal: 1 }), check: { digest: new StreamDigest() } });
  assert.equal(outcome.total, body.length);
  assert.deepEqual(ranges, [undefined], 'one request: no stall, no resume');
  assert.ok(sink.result().equals(body));
});

/** Serves `content` with a quoted-MD5 ETag, honouring Range and If-Range as S3 would, optionally cut. */
function sendVersion(req: IncomingMessage, res: ServerResponse, content: Buffer, opts: { cutAt?: number; ignoreIfRange?: boolean } = {}): void {
  const etag = `"${createHash('md5').update(content).digest('hex')}"`;
  ifRanges.push(req.headers['if-range'] as string | undefined);
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const sameObject = opts.ignoreIfRange || req.headers['if-range'] === undefined || req.headers['if-range'] === etag;
  const from = m && sameObject ? Number(m[1]) : 0;
  const part = content.subarray(from);
  const headers: Record<string, string | number> = { etag, 'content-length': part.length, 'accept-ranges': 'bytes' };
  if (from > 0) headers['content-range'] = `bytes ${from}-${content.length - 1}/${content.length}`;
  res.writeHead(from > 0 ? 206 : 200, headers);
  if (opts.cutAt === undefined) return void res.end(part);
  res.write(part.subarray(0, opts.cutAt), () => setTimeout(() => res.socket?.destroy(), 20));
}
let ifRanges: Array<string | undefined> = [];

test('a resume sends If-Range with the ETag: an object that changed meanwhile comes whole, never stitched', async (t) => {
  const v1 = randomBytes(1024 * 1024);
  const v2 = randomBytes(1024 * 1024);
  ifRanges = [];
  reset((req, res, n) => sendVersion(req, res, n === 1 ? v1 : v2, n === 1 ? { cutAt: 300_000 } : {}));
  const dest = join(dir, 'changed.mov');
  t.after(() => rmSync(dest, { force: true }));
  const result = await downloadFile(api, url('changed.mov'), dest);
  assert.equal(ifRanges[1], `"${createHash('md5').update(v1).digest('hex')}"`, 'the resume named the object it continues');
  assert.ok(readFileSync(dest).equals(v2), 'the new object, whole');
  assert.equal(result.verified, 'md5');
  assert.equal(result.checksums.md5, createHash('md5').update(v2).digest('hex'));
});

test('a storage that ignores If-Range and sends a range of another ETag makes the download start over', async (t) => {
  const v1 = randomBytes(1024 * 1024);
  const v2 = randomBytes(1024 * 1024);
  reset((req, res, n) => sendVersion(req, res, n === 1 ? v1 : v2, n === 1 ? { cutAt: 300_000 } : { ignoreIfRange: true }));
  const dest = join(dir, 'ignored.mov');
  t.after(() => rmSync(dest, { force: true }));
  const result = await downloadFile(api, url('ignored.mov'), dest);
  assert.equal(ranges[2], undefined, 'third request from byte 0');
  assert.ok(readFileSync(dest).equals(v2));
  assert.equal(result.attempts, 3);
});

test('bytes that do not hash to the plain-MD5 ETag are fetched once more, then SG_INTEGRITY with nothing left', async () => {
  const content = randomBytes(256 * 1024);
  const etag = `"${createHash('md5').update(randomBytes(8)).digest('hex')}"`;
  reset((_req, res) => {
    res.writeHead(200, { etag, 'content-length': content.length });
    res.end(content);
  });
  const out = mkdtempSync(join(dir, 'bad-'));
  await assert.rejects(downloadFile(api, url('bad.mov'), join(out, 'bad.mov')), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'SG_INTEGRITY');
    assert.match(err.message, /not to the object's ETag/);
    return true;
  });
  assert.equal(ranges.length, 2, 'one fresh attempt from byte 0');
  assert.deepEqual(ranges, [undefined, undefined]);
  assert.deepEqual(filesIn(out), []);
});
