/**
 * `sg` storage mode over real HTTP: the upload link points at the site's own `_upload` path with
 * signed parameters; the PUT answers the upload id the completion needs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, openSite, type TestSite } from './api-helpers.js';
import { bytesOf, completeUpload, getBytes, initUpload, putBytes, rawRequest, readField } from './files-helpers.js';

let site: TestSite;

before(async () => {
  site = await openSite({ storage: 'sg', transcodeDelay: 100 });
});
after(() => site.close());

describe('sg storage', () => {
  test('init → PUT to the site (200 JSON upload_id) → completion with that upload_id', async () => {
    const init = await initUpload(site, 'Version/1/sg_uploaded_movie', 'sg.mov');
    assert.equal(init.status, 200, init.text);
    assert.equal(init.body.data.storage_service, 'sg');
    assert.equal(init.body.data.upload_id, null);
    const link = new URL(init.body.links.upload);
    assert.equal(link.pathname, '/api/v1/entity/versions/1/sg_uploaded_movie/_upload');
    for (const p of ['expiration', 'filename', 'signature', 'user_id', 'user_type']) assert.ok(link.searchParams.get(p), p);
    assert.equal(link.searchParams.get('user_type'), 'ApiUser');

    const body = bytesOf(20_000, 9);
    const put = await putBytes(init.body.links.upload, body);
    assert.equal(put.status, 200, put.text);
    const reply = JSON.parse(put.text);
    assert.match(reply.data.upload_id, /^[0-9a-f-]{36}$/);
    assert.equal(reply.data.original_filename, 'sg.mov');
    assert.equal(reply.links.complete_upload, '/api/v1/entity/versions/1/sg_uploaded_movie/_upload');
    assert.equal(site.emu.counters.snapshot().requests.storage_put?.['200'], 1);

    const noId = await completeUpload(site, init.body.links.complete_upload, init.body.data);
    assertError(noId, 400, 103, 'Request Parameters invalid.');
    const done = await completeUpload(site, reply.links.complete_upload, { ...init.body.data, upload_id: reply.data.upload_id });
    assert.equal(done.status, 201, done.text);
    const value = (await readField(site, 'versions', 1, 'sg_uploaded_movie')) as any;
    const got = await getBytes(value.url);
    assert.ok(got.body.equals(body));
  });

  test('the PUT path without signed parameters → 400 naming them; a bad signature → 403; no length → 411', async () => {
    const init = await initUpload(site, 'versions/2/sg_uploaded_movie', 'x.mov');
    const bare = await site.call('PUT', '/api/v1/entity/versions/2/sg_uploaded_movie/_upload', { body: 'x', type: 'application/octet-stream', token: null });
    assert.deepEqual(Object.keys(assertError(bare, 400, 103).source).sort(), ['expiration', 'signature', 'user_id', 'user_type']);
    const bad = new URL(init.body.links.upload);
    bad.searchParams.set('user_id', '2');
    assertError(await site.call('PUT', `${bad.pathname}${bad.search}`, { body: 'x', type: 'application/octet-stream', token: null }), 403, 102);
    const chunked = await rawRequest(init.body.links.upload, { method: 'PUT', headers: { 'transfer-encoding': 'chunked' }, chunks: [Buffer.from('abc')] });
    assert.equal(chunked.status, 411);
  });
});
