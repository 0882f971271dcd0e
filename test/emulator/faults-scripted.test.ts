/**
 * Scripted faults over real HTTP, one per kind and route family: HTTP errors (S3 XML on storage,
 * the JSON envelope on the API), 429 with Retry-After, connection resets (before, during and after
 * the handler), stalls, expiring tokens and URLs, and the matching rules of a scripted fault.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, openSite, type TestSite } from './api-helpers.js';
import { bytesOf, completeUpload, eventually, getBytes, initUpload, putBytes, rawRequest, readField, s3Code, uploadSingle } from './files-helpers.js';

let site: TestSite;

before(async () => {
  site = await openSite({ transcodeDelay: 0 });
});
afterEach(() => site.emu.faults.clear());
after(() => site.close());

const faults = (): Record<string, number> => site.emu.counters.snapshot().faultsInjected;
const readShot = (): Promise<any> => site.call('GET', '/api/v1/entity/shots/1?fields=code');

describe('HTTP error faults', () => {
  test('http500 on the API: the JSON envelope once, then normal; pending() shows what is left', async () => {
    site.emu.faults.script({ route: 'api', kind: 'http500' });
    assert.equal(site.emu.faults.pending().length, 1);
    assertError(await readShot(), 500, 100, 'Shotgun Server Error');
    assert.equal(site.emu.faults.pending().length, 0);
    assert.equal((await readShot()).status, 200);
    assert.equal(faults().http500, 1);
  });

  test('http503 on a storage PUT: S3 XML SlowDown, nothing stored; the retry succeeds', async () => {
    const init = await initUpload(site, 'versions/1/sg_uploaded_movie', 'busy.mov');
    const stored = site.emu.counters.snapshot().bytesStored;
    site.emu.faults.script({ route: 'storage_put', kind: 'http503' });
    const r = await putBytes(init.body.links.upload, bytesOf(50_000));
    assert.equal(r.status, 503);
    assert.equal(s3Code(r), 'SlowDown');
    assert.equal(site.emu.counters.snapshot().bytesStored, stored);
    assert.equal((await putBytes(init.body.links.upload, bytesOf(50_000))).status, 200);
  });

  test('http502 on completion applies nothing; http429 carries Retry-After (API JSON and storage XML)', async () => {
    const init = await initUpload(site, 'versions/2/sg_uploaded_movie', 'gw.mov');
    await putBytes(init.body.links.upload, Buffer.from('x'));
    const attachments = site.emu.counters.snapshot().attachmentsCreated;
    site.emu.faults.script({ route: 'complete', kind: 'http502' });
    assertError(await completeUpload(site, init.body.links.complete_upload, init.body.data), 502, 100);
    assert.equal(site.emu.counters.snapshot().attachmentsCreated, attachments);

    site.emu.faults.script({ route: 'upload_init', kind: 'http429', retryAfter: 7 });
    const limited = await initUpload(site, 'versions/2/sg_uploaded_movie', 'x.mov');
    assertError(limited, 429, 103);
    assert.equal(limited.headers.get('retry-after'), '7');

    site.emu.faults.script({ route: 'storage_put', kind: 'http429' });
    const put = await putBytes(init.body.links.upload, Buffer.from('x'));
    assert.equal(put.status, 429);
    assert.equal(put.headers.get('retry-after'), '1');
    assert.match(put.headers.get('content-type') ?? '', /xml/);
  });
});

describe('resets and stalls', () => {
  test('reset of part 2 after 1000 request bytes: the part is not stored, part 1 is; the retry of part 2 works', async () => {
    const init = await initUpload(site, 'versions/3/sg_uploaded_movie', 'parts.mov', '&multipart_upload=true');
    site.emu.faults.script({ route: 'storage_put', kind: 'reset', partNumber: 2, resetAfterBytes: 1000 });
    const stored = site.emu.counters.snapshot().bytesStored;
    const part1 = await putBytes(init.body.links.upload, bytesOf(5 * 1024 * 1024, 1));
    assert.equal(part1.status, 200);
    const next = await site.call('GET', init.body.links.get_next_part);
    const cut = await rawRequest(next.body.links.upload, { method: 'PUT', headers: { 'content-length': '200000' }, chunks: [bytesOf(200_000, 2)] });
    assert.equal(cut.status, undefined);
    assert.ok(cut.error, 'the connection was reset');
    assert.equal(site.emu.counters.snapshot().bytesStored, stored + 5 * 1024 * 1024);
    const retry = await putBytes(next.body.links.upload, bytesOf(200_000, 2));
    assert.equal(retry.status, 200);
    const done = await completeUpload(site, init.body.links.complete_upload, { ...init.body.data, etags: [part1.headers.get('etag'), retry.headers.get('etag')] });
    assert.equal(done.status, 201, done.text);
    await eventually(() => assert.equal(site.emu.counters.snapshot().requests.storage_put?.reset, 1));
  });

  test('reset of a storage download part-way through the body', async () => {
    await uploadSingle(site, 'versions/4/sg_uploaded_movie', 'cut.bin', bytesOf(100_000));
    const value = (await readField(site, 'versions', 4, 'sg_uploaded_movie')) as any;
    site.emu.faults.script({ route: 'download', kind: 'reset', resetAfterBytes: 10_000 });
    const cut = await rawRequest(value.url, { method: 'GET' });
    assert.equal(cut.status, 200);
    assert.ok(cut.error, 'the body was cut');
    assert.ok(cut.bytes <= 10_000, `got ${cut.bytes} bytes`);
    const whole = await getBytes(value.url);
    assert.equal(whole.body.length, 100_000);
  });

  test('reset after the handler: the completion is applied but its answer is lost', async () => {
    const init = await initUpload(site, 'versions/5/sg_uploaded_movie', 'lost.mov');
    await putBytes(init.body.links.upload, Buffer.from('x'));
    const before = site.emu.counters.snapshot().attachmentsCreated;
    site.emu.faults.script({ route: 'complete', kind: 'reset', afterHandler: true });
    const body = JSON.stringify({ upload_info: init.body.data, upload_data: {} });
    const r = await rawRequest(`${site.emu.url}${init.body.links.complete_upload}`, {
      method: 'POST', headers: { authorization: `Bearer ${site.token}`, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }, chunks: [Buffer.from(body)],
    });
    assert.equal(r.status, undefined);
    assert.ok(r.error);
    assert.equal(site.emu.counters.snapshot().attachmentsCreated, before + 1);
  });

  test('stall: silence for stallMs, then the socket is destroyed; counted as a stall', async () => {
    site.emu.faults.script({ route: 'api', kind: 'stall', stallMs: 300 });
    const started = Date.now();
    const r = await rawRequest(`${site.emu.url}/api/v1/entity/shots/1`, { method: 'GET', headers: { authorization: `Bearer ${site.token}` } });
    assert.ok(Date.now() - started >= 250, 'held silent');
    assert.equal(r.status, undefined);
    assert.ok(r.error);
    await eventually(() => assert.equal(site.emu.counters.snapshot().requests.api?.stall, 1));
    assert.equal(faults().stall, 1);
  });
});

describe('expiry faults', () => {
  test('token_expire: 401 Token Expired on the next API call only', async () => {
    site.emu.faults.script({ route: 'api', kind: 'token_expire' });
    const e = assertError(await readShot(), 401, 102, 'Unauthorized');
    assert.equal(e.detail, 'Token Expired');
    assert.equal((await readShot()).status, 200);
  });

  test('url_expire: on the init the handed-out link is already expired; on the PUT itself; on a download redirect', async () => {
    site.emu.faults.script({ route: 'upload_init', kind: 'url_expire' });
    const init = await initUpload(site, 'versions/6/sg_uploaded_movie', 'early.mov');
    const put = await putBytes(init.body.links.upload, Buffer.from('x'));
    assert.equal(put.status, 403);
    assert.equal(s3Code(put), 'AccessDenied');
    assert.match(put.text, /Request has expired/);

    const fresh = await initUpload(site, 'versions/6/sg_uploaded_movie', 'early.mov');
    site.emu.faults.script({ route: 'storage_put', kind: 'url_expire' });
    assert.equal(s3Code(await putBytes(fresh.body.links.upload, Buffer.from('x'))), 'AccessDenied');
    assert.equal((await putBytes(fresh.body.links.upload, Buffer.from('x'))).status, 200);
    assert.equal((await completeUpload(site, fresh.body.links.complete_upload, fresh.body.data)).status, 201);

    site.emu.faults.script({ route: 'download', kind: 'url_expire', pathIncludes: 'alt=' });
    const redirect = await fetch(`${site.emu.url}/api/v1/entity/versions/6/sg_uploaded_movie?alt=original`, { headers: { authorization: `Bearer ${site.token}` }, redirect: 'manual' });
    assert.equal(redirect.status, 302);
    assert.equal(s3Code(await getBytes(redirect.headers.get('location')!)), 'AccessDenied');
  });
});

describe('matching rules', () => {
  test('count, method and pathIncludes select the requests; clear() drops the rest', async () => {
    site.emu.faults.script({ route: 'api', kind: 'http503', count: 2, method: 'POST', pathIncludes: '/entity/tags' });
    assert.equal((await readShot()).status, 200);
    assert.equal((await site.call('POST', '/api/v1/entity/tags', { body: { name: 'one' } })).status, 503);
    assert.equal((await site.call('POST', '/api/v1/entity/shots/_search', { body: { filters: [] }, type: 'application/vnd+shotgun.api3_array+json' })).status, 200);
    assert.equal((await site.call('POST', '/api/v1/entity/tags', { body: { name: 'two' } })).status, 503);
    assert.equal((await site.call('POST', '/api/v1/entity/tags', { body: { name: 'three' } })).status, 201);

    site.emu.faults.script({ route: 'api', kind: 'http500', count: 5 });
    assert.equal(site.emu.faults.pending()[0]?.count, 5);
    site.emu.faults.clear();
    assert.deepEqual(site.emu.faults.pending(), []);
    assert.equal((await readShot()).status, 200);
  });

  test('scripted faults apply in the order they were queued', async () => {
    site.emu.faults.script({ route: 'api', kind: 'http502' });
    site.emu.faults.script({ route: 'api', kind: 'http500' });
    assert.equal((await readShot()).status, 502);
    assert.equal((await readShot()).status, 500);
    assert.equal((await readShot()).status, 200);
  });
});
