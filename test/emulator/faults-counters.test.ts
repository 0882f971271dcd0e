/**
 * Counters over real HTTP: requests by route class and final status, Attachments created,
 * completions, bytes stored, multipart uploads open, faults injected; `reset()` zeroes them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openSite, type TestSite } from './api-helpers.js';
import { completeUpload, getBytes, initUpload, putBytes } from './files-helpers.js';

let site: TestSite;

before(async () => {
  site = await openSite({ transcodeDelay: 0 });
});
after(() => site.close());

describe('counters', () => {
  test('an upload, a refused PUT, an abandoned multipart and a fault are all visible', async () => {
    site.emu.counters.reset();
    const zero = site.emu.counters.snapshot();
    assert.deepEqual(zero, {
      requests: {}, tokenGrants: {}, attachmentsCreated: 0, recordsCreated: {}, bytesStored: 0, multipartOpen: 0, completions: 0, faultsInjected: {},
    });

    const init = await initUpload(site, 'versions/1/sg_uploaded_movie', 'count.mov');
    assert.equal((await putBytes(init.body.links.upload, Buffer.alloc(1234, 1))).status, 200);
    assert.equal((await putBytes(`${init.body.links.upload}x`, Buffer.from('x'))).status, 403);
    assert.equal((await completeUpload(site, init.body.links.complete_upload, init.body.data)).status, 201);
    await initUpload(site, 'versions/1/sg_uploaded_movie', 'orphan.mov', '&multipart_upload=true');
    site.emu.faults.script({ route: 'download', kind: 'http500' });
    const movie = (await site.call('GET', '/api/v1/entity/versions/1?fields=sg_uploaded_movie')).body.data.attributes.sg_uploaded_movie;
    assert.equal((await getBytes(movie.url)).status, 500);
    assert.equal((await getBytes(`${site.emu.url}/images/status/transient/thumbnail_pending.png`)).status, 200);

    const s = site.emu.counters.snapshot();
    assert.deepEqual(s.requests.upload_init, { 200: 2 });
    assert.deepEqual(s.requests.storage_put, { 200: 1, 403: 1 });
    assert.deepEqual(s.requests.complete, { 201: 1 });
    assert.deepEqual(s.requests.download, { 500: 1 });
    assert.deepEqual(s.requests.api, { 200: 1 });
    assert.deepEqual(s.requests.web, { 200: 1 });
    assert.equal(s.attachmentsCreated, 1);
    assert.equal(s.completions, 1);
    assert.equal(s.bytesStored, 1234);
    assert.equal(s.multipartOpen, 1, 'the abandoned multipart upload shows as open');
    assert.deepEqual(s.faultsInjected, { http500: 1 });

    site.emu.counters.reset();
    assert.equal(site.emu.counters.snapshot().multipartOpen, 0);
  });
});
