/**
 * Multipart uploads over real HTTP: the `get_next_part` chain (any part, any order), S3's
 * completion checks surfaced as the site's 400, abort (flat body), and the open-upload counter.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { assertError, openSite, type Answer, type TestSite } from './api-helpers.js';
import { completeUpload, getBytes, initUpload, putBytes, quotedMd5, readField, s3Code } from './files-helpers.js';

const MIB = 1024 * 1024;
let site: TestSite;
const big1 = randomBytes(5 * MIB);
const big2 = randomBytes(5 * MIB);
const tail = randomBytes(1234);

before(async () => {
  site = await openSite({ transcodeDelay: 200 });
});
after(() => site.close());

/** Asks the chain for part `n`'s URL. */
async function partUrl(init: Answer, n: number): Promise<string> {
  if (n === 1) return init.body.links.upload;
  const link = new URL(init.body.links.get_next_part, site.emu.url);
  link.searchParams.set('part_number', String(n));
  const r = await site.call('GET', `${link.pathname}${link.search}`);
  assert.equal(r.status, 200, r.text);
  return r.body.links.upload;
}

async function multipartInit(target: string, filename: string): Promise<Answer> {
  const r = await initUpload(site, target, filename, '&multipart_upload=true');
  assert.equal(r.status, 200, r.text);
  return r;
}

async function putPart(init: Answer, n: number, body: Buffer): Promise<string> {
  const put = await putBytes(await partUrl(init, n), body);
  assert.equal(put.status, 200, put.text);
  assert.equal(put.headers.get('etag'), quotedMd5(body));
  return put.headers.get('etag')!;
}

function errorOf(r: Answer): any {
  return assertError(r, 400, 103, 'Error completing multipart upload.');
}

describe('multipart', () => {
  test('init adds an upload id and get_next_part for part 2; the chain hands out part n+1', async () => {
    const init = await multipartInit('versions/1/sg_uploaded_movie', 'big.mov');
    assert.equal(init.body.data.multipart_upload, true);
    assert.ok(init.body.data.upload_id.length > 100);
    const next = new URL(init.body.links.get_next_part, site.emu.url);
    assert.equal(next.pathname, '/api/v1/entity/versions/1/sg_uploaded_movie/_upload/multipart');
    assert.equal(next.searchParams.get('part_number'), '2');
    assert.equal(next.searchParams.get('upload_id'), init.body.data.upload_id);
    const r = await site.call('GET', `${next.pathname}${next.search}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(new URL(r.body.links.get_next_part, site.emu.url).searchParams.get('part_number'), '3');
    assert.equal(new URL(r.body.links.upload).searchParams.get('partNumber'), '2');
  });

  test('parts PUT out of order complete into the whole file; multipartOpen goes up then back', async () => {
    const open0 = site.emu.counters.snapshot().multipartOpen;
    const init = await multipartInit('versions/2/sg_uploaded_movie', 'whole.mov');
    assert.equal(site.emu.counters.snapshot().multipartOpen, open0 + 1);
    const e3 = await putPart(init, 3, tail);
    const e1 = await putPart(init, 1, big1);
    const e2 = await putPart(init, 2, big2);
    const done = await completeUpload(site, init.body.links.complete_upload, { ...init.body.data, etags: [e1, e2, e3] });
    assert.equal(done.status, 201, done.text);
    assert.equal(done.text, ' ');
    assert.equal(site.emu.counters.snapshot().multipartOpen, open0);
    const value = (await readField(site, 'versions', 2, 'sg_uploaded_movie')) as any;
    const got = await getBytes(value.url);
    assert.equal(got.status, 200);
    const whole = Buffer.concat([big1, big2, tail]);
    assert.equal(got.body.length, whole.length);
    assert.ok(got.body.equals(whole));
    const md5s = Buffer.concat([big1, big2, tail].map((b) => createHash('md5').update(b).digest()));
    assert.equal(got.headers.get('etag'), `"${createHash('md5').update(md5s).digest('hex')}-3"`);
    // A part range across the segment boundary comes back right too.
    const span = await getBytes(value.url, { range: `bytes=${5 * MIB - 10}-${5 * MIB + 9}` });
    assert.equal(span.status, 206);
    assert.ok(span.body.equals(whole.subarray(5 * MIB - 10, 5 * MIB + 10)));

    const again = await completeUpload(site, init.body.links.complete_upload, { ...init.body.data, etags: [e1, e2, e3] });
    assert.equal(errorOf(again).source.multipart_upload, 'NoSuchUpload');
  });

  test('unquoted ETags complete too; a one-part multipart of any size is fine; a re-PUT overwrites the part', async () => {
    const init = await multipartInit('versions/3/sg_uploaded_movie', 'small.mov');
    await putPart(init, 1, Buffer.from('first attempt'));
    const etag = await putPart(init, 1, Buffer.from('second attempt'));
    const done = await completeUpload(site, init.body.links.complete_upload, { ...init.body.data, etags: [etag.replace(/"/g, '')] });
    assert.equal(done.status, 201, done.text);
    const value = (await readField(site, 'versions', 3, 'sg_uploaded_movie')) as any;
    assert.equal((await getBytes(value.url)).text, 'second attempt');
  });

  test('EntityTooSmall: a non-last part under 5 MiB', async () => {
    const init = await multipartInit('versions/4/sg_uploaded_movie', 'too-small.mov');
    const e1 = await putPart(init, 1, Buffer.from('tiny'));
    const e2 = await putPart(init, 2, Buffer.from('tail'));
    const r = await completeUpload(site, init.body.links.complete_upload, { ...init.body.data, etags: [e1, e2] });
    const e = errorOf(r);
    assert.equal(e.source.multipart_upload, 'EntityTooSmall');
    assert.match(e.detail, /^EntityTooSmall/);
    // Still open: the client must abort it.
    assert.ok(site.emu.counters.snapshot().multipartOpen >= 1);
  });

  test('InvalidPart: an unknown ETag or a part never uploaded; InvalidPartOrder: ETags listed out of order', async () => {
    const init = await multipartInit('versions/5/sg_uploaded_movie', 'parts.mov');
    const e1 = await putPart(init, 1, big1);
    const e2 = await putPart(init, 2, tail);
    const link = init.body.links.complete_upload;
    assert.equal(errorOf(await completeUpload(site, link, { ...init.body.data, etags: [e1, '"0123456789abcdef0123456789abcdef"'] })).source.multipart_upload, 'InvalidPart');
    assert.equal(errorOf(await completeUpload(site, link, { ...init.body.data, etags: [e1, e2, e2] })).source.multipart_upload, 'InvalidPartOrder');
    assert.equal(errorOf(await completeUpload(site, link, { ...init.body.data, etags: [e2, e1] })).source.multipart_upload, 'InvalidPartOrder');
    const explicit = [{ part_number: 2, etag: e2 }, { part_number: 1, etag: e1 }];
    assert.equal(errorOf(await completeUpload(site, link, { ...init.body.data, etags: explicit })).source.multipart_upload, 'InvalidPartOrder');
    const missing = await completeUpload(site, link, { ...init.body.data, etags: undefined });
    const m = assertError(missing, 400, 103, "'multipart_upload' is True but no 'etags' send with request.");
    assert.deepEqual(m.source, { etags: 'missing and required for multipart uploads.' });
    // After all those refusals the right list still completes.
    assert.equal((await completeUpload(site, link, { ...init.body.data, etags: [e1, e2] })).status, 201);
  });

  test('abort: flat body → 204, multipartOpen back, parts refused afterwards; second abort and wrapped body → 400', async () => {
    const open0 = site.emu.counters.snapshot().multipartOpen;
    const before = Date.now();
    const init = await multipartInit('versions/6/sg_uploaded_movie', 'abandon.mov');
    // openUploads lists what multipartOpen counts: this one with its key and when it was opened.
    const listed = site.emu.openUploads().find((u) => u.uploadId === init.body.data.upload_id);
    assert.ok(listed && listed.key.endsWith('abandon.mov') && listed.openedAt >= before && listed.openedAt <= Date.now(), JSON.stringify(listed));
    assert.equal(site.emu.openUploads().length, site.emu.counters.snapshot().multipartOpen);
    await putPart(init, 1, Buffer.from('part one'));
    const part2 = await partUrl(init, 2);
    const abortLink = `${init.body.links.complete_upload}/multipart_abort`;
    const wrapped = await site.call('POST', abortLink, { body: { upload_info: init.body.data } });
    const w = assertError(wrapped, 400, 103);
    assert.deepEqual(Object.keys(w.source).sort(), ['original_filename', 'storage_service', 'timestamp', 'upload_id', 'upload_type']);
    assert.equal(site.emu.counters.snapshot().multipartOpen, open0 + 1);

    const aborted = await site.call('POST', abortLink, { body: init.body.data });
    assert.equal(aborted.status, 204, aborted.text);
    assert.equal(site.emu.counters.snapshot().multipartOpen, open0);
    assert.ok(!site.emu.openUploads().some((u) => u.uploadId === init.body.data.upload_id));
    assertError(await site.call('POST', abortLink, { body: init.body.data }), 400, 103, 'Failed to abort S3 multipart upload');
    const late = await putBytes(part2, Buffer.from('too late'));
    assert.equal(late.status, 404);
    assert.equal(s3Code(late), 'NoSuchUpload');
    const done = await completeUpload(site, init.body.links.complete_upload, { ...init.body.data, etags: ['"x"'] });
    assert.equal(errorOf(done).source.multipart_upload, 'NoSuchUpload');
  });

  test('a single upload cannot be aborted', async () => {
    const init = await initUpload(site, 'versions/6/sg_uploaded_movie', 'single.mov');
    const r = await site.call('POST', `${init.body.links.complete_upload}/multipart_abort`, { body: init.body.data });
    assertError(r, 400, 103, 'Failed to abort S3 multipart upload');
  });

  test('part link parameters: the four required ones named, upload_id refused differently, an invented id still gets a link', async () => {
    const base = '/api/v1/entity/versions/1/sg_uploaded_movie/_upload/multipart';
    const none = await site.call('GET', `${base}?upload_id=abc`);
    assert.deepEqual(Object.keys(assertError(none, 400, 103, 'Request Parameters invalid.').source).sort(), ['filename', 'part_number', 'timestamp', 'upload_type']);
    const q = 'filename=a.mov&upload_type=Attachment&timestamp=2026-01-01T00:00:00Z&part_number=2';
    assertError(await site.call('GET', `${base}?${q}`), 400, 103, 'Could not generate upload url. Check the site settings.');
    const invented = await site.call('GET', `${base}?${q}&upload_id=invented`);
    assert.equal(invented.status, 200, invented.text);
    const put = await putBytes(invented.body.links.upload, Buffer.from('x'));
    assert.equal(put.status, 404);
    assert.equal(s3Code(put), 'NoSuchUpload');
  });

  test('multipart on sg storage is refused', async () => {
    site.emu.configure({ storage: 'sg' });
    try {
      const r = await initUpload(site, 'versions/1/sg_uploaded_movie', 'a.mov', '&multipart_upload=true');
      const e = assertError(r, 400, 103, 'Multi-part is not supported for this upload.');
      assert.deepEqual(e.source, { multipart_upload: 'not supported for this storage service (sg).' });
    } finally {
      site.emu.configure({ storage: 's3' });
    }
  });
});
