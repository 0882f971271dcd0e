/**
 * Uploads over real HTTP: init shapes and errors (record- and field-level, Thumbnail vs
 * Attachment), a single PUT + completion creating the Attachment and the field value, the
 * completion's own rules (JSON only, body `" "`, tags, a skipped PUT, a repeated completion).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, openSite, type TestSite } from './api-helpers.js';
import { bytesOf, completeUpload, getBytes, initUpload, putBytes, quotedMd5, readField, uploadSingle } from './files-helpers.js';

let site: TestSite;

before(async () => {
  // Long enough that a loaded machine still reads the Attachment while it is pending.
  site = await openSite({ transcodeDelay: 60_000 });
});
after(() => site.close());

describe('upload init', () => {
  test('field-level: Attachment for a url field, presigned S3-looking PUT link, plural-slug completion link', async () => {
    const r = await initUpload(site, 'Version/1/sg_uploaded_movie', 'plate v1.mov');
    assert.equal(r.status, 200, r.text);
    const { data, links } = r.body;
    assert.deepEqual(Object.keys(data).sort(), ['multipart_upload', 'original_filename', 'storage_service', 'timestamp', 'upload_id', 'upload_type']);
    assert.equal(data.upload_type, 'Attachment');
    assert.equal(data.upload_id, null);
    assert.equal(data.storage_service, 's3');
    assert.equal(data.original_filename, 'plate v1.mov');
    assert.equal(data.multipart_upload, false);
    assert.match(data.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/);
    assert.equal(links.complete_upload, '/api/v1/entity/versions/1/sg_uploaded_movie/_upload');
    assert.equal(links.get_next_part, undefined);
    const put = new URL(links.upload);
    assert.equal(put.origin, site.emu.url);
    for (const p of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-Signature']) assert.ok(put.searchParams.get(p), p);
    assert.equal(put.searchParams.get('X-Amz-SignedHeaders'), 'host');
    assert.equal(put.searchParams.get('X-Amz-Expires'), '900');
  });

  test('image and filmstrip_image fields are Thumbnail uploads; record-level is an Attachment', async () => {
    for (const field of ['image', 'filmstrip_image']) {
      const r = await initUpload(site, `shots/1/${field}`, 'frame.png');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.data.upload_type, 'Thumbnail');
      assert.equal(r.body.links.complete_upload, `/api/v1/entity/shots/1/${field}/_upload`);
    }
    const rec = await initUpload(site, 'note/1', 'notes.pdf');
    assert.equal(rec.status, 200, rec.text);
    assert.equal(rec.body.data.upload_type, 'Attachment');
    assert.equal(rec.body.links.complete_upload, '/api/v1/entity/notes/1/_upload');
  });

  test('every init gets its own timestamp', async () => {
    const a = await initUpload(site, 'versions/1/sg_uploaded_movie', 'a.mov');
    const b = await initUpload(site, 'versions/1/sg_uploaded_movie', 'a.mov');
    assert.notEqual(a.body.data.timestamp, b.body.data.timestamp);
    assert.notEqual(a.body.links.upload, b.body.links.upload);
  });

  test('errors: missing filename, unknown field, unknown entity, missing record, not a file field, no bearer', async () => {
    const noName = await site.call('GET', '/api/v1/entity/versions/1/sg_uploaded_movie/_upload');
    assert.deepEqual(assertError(noName, 400, 103, 'Request Parameters invalid.').source, { filename: ['filename is missing'] });
    assertError(await initUpload(site, 'shots/1/attachments', 'x.png'), 404, 103, "Field 'Shot.attachments' does not exist.");
    assertError(await initUpload(site, 'shotz/1/image', 'x.png'), 404, 103);
    assertError(await initUpload(site, 'shots/999999/image', 'x.png'), 404, 104);
    assertError(await initUpload(site, 'shots/1/code', 'x.png'), 400, 103, 'Field Shot.code is not an image or attachment.');
    const anonymous = await site.call('GET', '/api/v1/entity/shots/1/image/_upload?filename=x.png', { token: null });
    assertError(anonymous, 401, 102);
  });
});

describe('single upload', () => {
  test('PUT answers 200 with the quoted MD5 ETag; completion answers 201 " " and creates the Attachment and field value', async () => {
    const body = bytesOf(64 * 1024, 7);
    const before = site.emu.counters.snapshot();
    const init = await initUpload(site, 'versions/2/sg_uploaded_movie', 'review.mov');
    const put = await putBytes(init.body.links.upload, body, { 'content-type': 'video/quicktime' });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.headers.get('etag'), quotedMd5(body));
    assert.equal(put.text, '');

    const done = await completeUpload(site, init.body.links.complete_upload, init.body.data, { display_name: 'Review v1', tags: [{ type: 'Tag', id: 1 }] });
    assert.equal(done.status, 201);
    assert.equal(done.text, ' ');
    assert.match(done.headers.get('content-type') ?? '', /^application\/json/);

    const after = site.emu.counters.snapshot();
    assert.equal(after.attachmentsCreated, before.attachmentsCreated + 1);
    assert.equal(after.completions, before.completions + 1);
    assert.equal(after.bytesStored, before.bytesStored + body.length);

    const value = (await readField(site, 'versions', 2, 'sg_uploaded_movie')) as any;
    assert.equal(value.name, 'review.mov');
    assert.equal(value.content_type, 'video/quicktime');
    assert.equal(value.link_type, 'upload');
    assert.equal(value.type, 'Attachment');
    const got = await getBytes(value.url);
    assert.equal(got.status, 200);
    assert.ok(got.body.equals(body), 'the stored bytes come back');

    const att = await site.call('GET', `/api/v1/entity/attachments/${value.id}?fields=filename,display_name,original_fname,this_file,tags,processing_status,attachment_links`);
    assert.equal(att.status, 200, att.text);
    const a = att.body.data;
    assert.equal(a.attributes.filename, 'review.mov');
    assert.equal(a.attributes.display_name, 'Review v1');
    assert.equal(a.attributes.original_fname, 'review.mov');
    assert.equal(a.attributes.processing_status, 'thumbnail_pending_us');
    assert.equal(a.attributes.this_file.link_type, 'upload');
    assert.deepEqual(a.relationships.tags.data.map((t: any) => t.id), [1]);
  });

  test('record-level upload links the Attachment to the record (and the Note lists it)', async () => {
    const before = site.emu.counters.snapshot().attachmentsCreated;
    await uploadSingle(site, 'notes/1', 'sketch.txt', Buffer.from('hello'));
    assert.equal(site.emu.counters.snapshot().attachmentsCreated, before + 1);
    const note = await site.call('GET', '/api/v1/entity/notes/1?fields=attachments');
    const ids = note.body.data.relationships.attachments.data.map((l: any) => l.id);
    assert.ok(ids.length >= 1);
    const att = await site.call('GET', `/api/v1/entity/attachments/${ids.at(-1)}?fields=attachment_links,display_name`);
    assert.deepEqual(att.body.data.relationships.attachment_links.data.map((l: any) => [l.type, l.id]), [['Note', 1]]);
    assert.equal(att.body.data.attributes.display_name, 'sketch.txt');
  });

  test('a repeated completion of a single upload creates a second Attachment (the counter proves duplicates)', async () => {
    const init = await uploadSingle(site, 'versions/3/sg_uploaded_movie', 'twice.mov', Buffer.from('abc'));
    const before = site.emu.counters.snapshot().attachmentsCreated;
    const again = await completeUpload(site, init.body.links.complete_upload, init.body.data);
    assert.equal(again.status, 201);
    assert.equal(site.emu.counters.snapshot().attachmentsCreated, before + 1);
  });

  test('a completion whose PUT was skipped still answers 201: an empty Attachment whose file is missing', async () => {
    const init = await initUpload(site, 'versions/4/sg_uploaded_movie', 'never-sent.mov');
    const done = await completeUpload(site, init.body.links.complete_upload, init.body.data);
    assert.equal(done.status, 201);
    const value = (await readField(site, 'versions', 4, 'sg_uploaded_movie')) as any;
    const got = await getBytes(value.url);
    assert.equal(got.status, 404);
  });

  test('completion rules: JSON only, upload_info and upload_data required, tags must be Tags', async () => {
    const init = await initUpload(site, 'versions/5/sg_uploaded_movie', 'x.mov');
    const link = init.body.links.complete_upload;
    const vendor = await site.call('POST', link, { body: { upload_info: init.body.data, upload_data: {} }, type: 'application/vnd+shotgun.api3_hash+json' });
    assertError(vendor, 415, 103);
    assert.deepEqual(vendor.body.errors[0].source, { content_type: "Content-Type must be one of: 'application/json'." });
    assertError(await site.call('POST', link, { body: { upload_data: {} } }), 400, 103, 'Request Parameters invalid.');
    assertError(await site.call('POST', link, { body: { upload_info: init.body.data } }), 400, 103, 'upload_data is missing');
    assertError(await site.call('POST', link, { body: '{not json' }), 400, 103, 'Invalid JSON body');
    const badTag = await completeUpload(site, link, init.body.data, { tags: [{ type: 'Tag', id: 987654 }] });
    assertError(badTag, 400, 104, 'Update failed for [Attachment.tags]: Value is not legal.');
  });

  test('file names with spaces, unicode, # and ? survive the storage URL and come back as named', async () => {
    const name = 'my plate ü #1?.mov';
    await uploadSingle(site, 'versions/6/sg_uploaded_movie', name, Buffer.from('named'));
    const value = (await readField(site, 'versions', 6, 'sg_uploaded_movie')) as any;
    assert.equal(value.name, name);
    assert.equal((await getBytes(value.url)).text, 'named');
  });

  test('the PUT accepts any Content-Type (it is not signed) and the object keeps it', async () => {
    const init = await initUpload(site, 'attachments/1/this_file', 'data.bin');
    assert.equal(init.status, 200, init.text);
    const put = await putBytes(init.body.links.upload, Buffer.from('x'), { 'content-type': 'application/x-anything' });
    assert.equal(put.status, 200);
  });
});
