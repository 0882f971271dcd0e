/**
 * The built-in S3-like storage over real HTTP: signatures (tampered → SignatureDoesNotMatch,
 * expired → AccessDenied "Request has expired"), Content-Length rules (chunked → 501 as on AWS, none → 411, a short
 * body stores nothing), Range reads, HEAD refused, and streaming without buffering.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { openSite, type TestSite } from './api-helpers.js';
import { bytesOf, completeUpload, getBytes, initUpload, putBytes, rawRequest, readField, s3Code, sleep, uploadSingle } from './files-helpers.js';

let site: TestSite;

before(async () => {
  site = await openSite({ transcodeDelay: 100 });
});
after(() => site.close());

async function uploadUrl(filename = 'f.bin'): Promise<{ url: string; init: any }> {
  const init = await initUpload(site, 'versions/1/sg_uploaded_movie', filename);
  assert.equal(init.status, 200, init.text);
  return { url: init.body.links.upload, init: init.body };
}

describe('storage signatures', () => {
  test('a tampered signature, another key or an added parameter → 403 SignatureDoesNotMatch', async () => {
    const { url } = await uploadUrl();
    const u = new URL(url);
    const sig = u.searchParams.get('X-Amz-Signature')!;
    u.searchParams.set('X-Amz-Signature', (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1));
    const tampered = await putBytes(u.toString(), Buffer.from('x'));
    assert.equal(tampered.status, 403);
    assert.equal(s3Code(tampered), 'SignatureDoesNotMatch');
    assert.ok(!tampered.text.includes(sig), 'the signature is not echoed');

    const other = new URL(url);
    other.pathname = other.pathname.replace(/[^/]+$/, 'other.bin');
    assert.equal(s3Code(await putBytes(other.toString(), Buffer.from('x'))), 'SignatureDoesNotMatch');
    const added = new URL(url);
    added.searchParams.set('x-id', 'PutObject');
    assert.equal(s3Code(await putBytes(added.toString(), Buffer.from('x'))), 'SignatureDoesNotMatch');
    const unsigned = new URL(url);
    unsigned.search = '';
    const r = await putBytes(unsigned.toString(), Buffer.from('x'));
    assert.equal(r.status, 403);
    assert.equal(s3Code(r), 'AccessDenied');
    assert.equal(site.emu.counters.snapshot().bytesStored, 0, 'nothing refused was stored');
  });

  test('a refused large PUT still gets its XML answer (the body is read and dropped first)', async () => {
    const { url } = await uploadUrl('big-refused.bin');
    const u = new URL(url);
    u.searchParams.set('X-Amz-Signature', '0'.repeat(64));
    for (let i = 0; i < 3; i++) {
      const r = await putBytes(u.toString(), bytesOf(6 * 1024 * 1024, i));
      assert.equal(r.status, 403);
      assert.equal(s3Code(r), 'SignatureDoesNotMatch');
    }
  });

  test('X-Amz-Expires beyond a week → 400 AuthorizationQueryParametersError', async () => {
    const { url } = await uploadUrl();
    const u = new URL(url);
    u.searchParams.set('X-Amz-Expires', '604801');
    const r = await putBytes(u.toString(), Buffer.from('x'));
    assert.equal(r.status, 400);
    assert.equal(s3Code(r), 'AuthorizationQueryParametersError');
  });

  test('an expired URL → 403 AccessDenied "Request has expired" with X-Amz-Expires, Expires, ServerTime', async () => {
    site.emu.configure({ signedUrlTtl: 1 });
    try {
      const { url } = await uploadUrl();
      assert.equal(new URL(url).searchParams.get('X-Amz-Expires'), '1');
      await sleep(2100);
      const r = await putBytes(url, Buffer.from('late'));
      assert.equal(r.status, 403);
      assert.equal(s3Code(r), 'AccessDenied');
      assert.match(r.text, /<Message>Request has expired<\/Message>/);
      assert.match(r.text, /<X-Amz-Expires>1<\/X-Amz-Expires>/);
      assert.match(r.text, /<Expires>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/Expires>/);
      assert.match(r.text, /<ServerTime>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/ServerTime>/);
    } finally {
      site.emu.configure({ signedUrlTtl: 900 });
    }
  });
});

describe('storage PUT bodies', () => {
  test('chunked without Content-Length → 501 NotImplemented naming Transfer-Encoding (as AWS), nothing stored', async () => {
    const { url } = await uploadUrl('chunked.bin');
    const before = site.emu.counters.snapshot().bytesStored;
    const r = await rawRequest(url, { method: 'PUT', headers: { 'transfer-encoding': 'chunked' }, chunks: [Buffer.from('abc'), Buffer.from('def')] });
    assert.equal(r.status, 501, r.error);
    assert.match(r.body, /<Code>NotImplemented<\/Code><Message>A header you provided implies functionality that is not implemented<\/Message><Header>Transfer-Encoding<\/Header>/);
    assert.equal(site.emu.counters.snapshot().bytesStored, before);
  });

  test('no Content-Length and no chunking → 411 MissingContentLength', async () => {
    const { url } = await uploadUrl('nolength.bin');
    // Written by hand: node:http would add `Content-Length: 0` to a body-less PUT.
    const u = new URL(url);
    const socket = connect(Number(u.port), u.hostname);
    socket.write(`PUT ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: close\r\n\r\n`);
    let answer = '';
    for await (const chunk of socket) answer += (chunk as Buffer).toString('utf8');
    assert.match(answer, /^HTTP\/1\.1 411 /);
    assert.match(answer, /<Code>MissingContentLength<\/Code>/);
  });

  test('a body shorter than its Content-Length (connection dropped) stores nothing', async () => {
    const { url, init } = await uploadUrl('short.bin');
    const before = site.emu.counters.snapshot().bytesStored;
    const r = await rawRequest(url, { method: 'PUT', headers: { 'content-length': '100000' }, chunks: [bytesOf(30_000)], endEarly: true });
    assert.equal(r.status, undefined);
    await sleep(100);
    assert.equal(site.emu.counters.snapshot().bytesStored, before);
    // Completing anyway gives the empty Attachment: its file is not there.
    assert.equal((await completeUpload(site, init.links.complete_upload, init.data)).status, 201);
    const value = (await readField(site, 'versions', 1, 'sg_uploaded_movie')) as any;
    const got = await getBytes(value.url);
    assert.equal(got.status, 404);
    assert.equal(s3Code(got), 'NoSuchKey');
  });

  test('a large streamed PUT is not buffered in memory', async () => {
    const { url } = await uploadUrl('stream.bin');
    const chunk = Buffer.alloc(256 * 1024, 7);
    const total = 160 * 1024 * 1024;
    const body = Readable.from((function* () {
      for (let sent = 0; sent < total; sent += chunk.length) yield chunk;
    })());
    const base = process.memoryUsage().rss;
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    try {
      const res = await fetch(url, { method: 'PUT', body: body as any, duplex: 'half', redirect: 'error', headers: { 'content-length': String(total) } } as RequestInit);
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    } finally {
      clearInterval(sampler);
    }
    assert.ok(peak - base < 100 * 1024 * 1024, `RSS grew by ${Math.round((peak - base) / 1048576)} MiB for a 160 MiB upload`);
  });
});

describe('storage checksums', () => {
  test('Content-MD5 is checked as S3 does: wrong → 400 BadDigest (nothing stored), malformed → 400 InvalidDigest, right → 200 with that MD5 as ETag', async () => {
    const body = bytesOf(50_000, 7);
    const md5 = createHash('md5').update(body);
    const digest = md5.digest();
    const stored = site.emu.counters.snapshot().bytesStored;
    const { url } = await uploadUrl('digest.bin');
    const wrong = await putBytes(url, body, { 'content-md5': createHash('md5').update('other').digest('base64') });
    assert.equal(wrong.status, 400);
    assert.equal(s3Code(wrong), 'BadDigest');
    const malformed = await putBytes(url, body, { 'content-md5': 'not-a-digest' });
    assert.equal(malformed.status, 400);
    assert.equal(s3Code(malformed), 'InvalidDigest');
    assert.equal(site.emu.counters.snapshot().bytesStored, stored, 'nothing refused was stored');
    const right = await putBytes(url, body, { 'content-md5': digest.toString('base64') });
    assert.equal(right.status, 200);
    assert.equal(right.headers.get('etag'), `"${digest.toString('hex')}"`);
  });

  test('GET carries the ETag; If-Range with another ETag sends the whole object (200), with this one the range (206)', async () => {
    const body = bytesOf(10_000, 9);
    await uploadSingle(site, 'versions/4/sg_uploaded_movie', 'ifrange.bin', body);
    const value = (await readField(site, 'versions', 4, 'sg_uploaded_movie')) as any;
    const whole = await getBytes(value.url);
    const etag = whole.headers.get('etag')!;
    assert.equal(etag, `"${createHash('md5').update(body).digest('hex')}"`);
    const same = await getBytes(value.url, { range: 'bytes=100-', 'if-range': etag });
    assert.equal(same.status, 206);
    assert.ok(same.body.equals(body.subarray(100)));
    const changed = await getBytes(value.url, { range: 'bytes=100-', 'if-range': '"0123456789abcdef0123456789abcdef"' });
    assert.equal(changed.status, 200);
    assert.ok(changed.body.equals(body));
  });
});

describe('storage GET', () => {
  test('Range → 206 with Content-Range; suffix ranges; unsatisfiable → 416; HEAD with the GET URL → 403', async () => {
    const body = bytesOf(10_000, 3);
    await uploadSingle(site, 'versions/2/sg_uploaded_movie', 'range.bin', body);
    const value = (await readField(site, 'versions', 2, 'sg_uploaded_movie')) as any;
    const whole = await getBytes(value.url);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    // Sent without a Content-Type: S3's default, not a guess from the name (as AWS and radosgw).
    assert.equal(whole.headers.get('content-type'), 'binary/octet-stream');
    assert.ok(whole.body.equals(body));

    const part = await getBytes(value.url, { range: 'bytes=0-100' });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), 'bytes 0-100/10000');
    assert.ok(part.body.equals(body.subarray(0, 101)));
    const open = await getBytes(value.url, { range: 'bytes=9990-' });
    assert.equal(open.headers.get('content-range'), 'bytes 9990-9999/10000');
    assert.ok(open.body.equals(body.subarray(9990)));
    const suffix = await getBytes(value.url, { range: 'bytes=-5' });
    assert.ok(suffix.body.equals(body.subarray(-5)));
    const bad = await getBytes(value.url, { range: 'bytes=20000-' });
    assert.equal(bad.status, 416);
    assert.equal(bad.headers.get('content-range'), 'bytes */10000');

    const head = await getBytes(value.url, {}, 'HEAD');
    assert.equal(head.status, 403);
    assert.equal(head.body.length, 0);
  });

  test('read URLs expire (signedUrlTtl) and every read signs a fresh one', async () => {
    await uploadSingle(site, 'versions/3/sg_uploaded_movie', 'fresh.bin', Buffer.from('fresh'));
    site.emu.configure({ signedUrlTtl: 1 });
    try {
      const first = (await readField(site, 'versions', 3, 'sg_uploaded_movie')) as any;
      await sleep(2100);
      const stale = await getBytes(first.url);
      assert.equal(stale.status, 403);
      assert.equal(s3Code(stale), 'AccessDenied');
      const second = (await readField(site, 'versions', 3, 'sg_uploaded_movie')) as any;
      assert.notEqual(second.url, first.url);
      assert.equal((await getBytes(second.url)).text, 'fresh');
    } finally {
      site.emu.configure({ signedUrlTtl: 900 });
    }
  });
});
