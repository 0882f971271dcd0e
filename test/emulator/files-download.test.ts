/**
 * Field reads, downloads and thumbnails over real HTTP: `{data, links}`, `?alt=` → 302 to a
 * signed URL, the site's errors, the transient placeholder (a real PNG) for `transcodeDelay`,
 * then a signed URL re-made per read, null when transcoding fails; a movie upload gives the
 * Version a generated PNG, an image upload serves the image itself.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, openSite, type TestSite } from './api-helpers.js';
import { bytesOf, getBytes, pngSize, readField, sleep, uploadSingle } from './files-helpers.js';

const DELAY = 200;
const PLACEHOLDER = '/images/status/transient/thumbnail_pending.png';
let site: TestSite;

before(async () => {
  site = await openSite({ transcodeDelay: DELAY });
});
after(() => site.close());

/** A tiny real PNG to upload as a thumbnail. */
const PNG_1x1 = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc0000003010100c9fe92ef0000000049454e44ae426082', 'hex');

describe('field reads and downloads', () => {
  test('GET .../{field} → {data, links}; ?alt=original → 302 to the signed URL whose bytes are the file; Range works through it', async () => {
    const body = bytesOf(5000, 4);
    await uploadSingle(site, 'versions/1/sg_uploaded_movie', 'dl.mov', body);
    const r = await site.call('GET', '/api/v1/entity/Version/1/sg_uploaded_movie');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.links.self, '/api/v1/entity/versions/1/sg_uploaded_movie');
    assert.equal(r.body.data.name, 'dl.mov');
    assert.equal(r.body.data.link_type, 'upload');

    const redirect = await fetch(`${site.emu.url}/api/v1/entity/versions/1/sg_uploaded_movie?alt=original`, { headers: { authorization: `Bearer ${site.token}` }, redirect: 'manual' });
    assert.equal(redirect.status, 302);
    const location = redirect.headers.get('location')!;
    assert.match(location, /X-Amz-Signature=/);
    const got = await getBytes(location);
    assert.ok(got.body.equals(body));
    const ranged = await getBytes(location, { range: 'bytes=0-100' });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.body.length, 101);
  });

  test('errors: empty url field 404 104, empty image 404 File not found, not a file field 400, bad alt 400, unknown field 404, dotted 406', async () => {
    const emptyUrl = await site.call('GET', '/api/v1/entity/versions/5/sg_uploaded_movie?alt=original');
    assertError(emptyUrl, 404, 104, 'Field sg_uploaded_movie is empty.');
    assertError(await site.call('GET', '/api/v1/entity/versions/5/image?alt=thumbnail'), 404, 104, 'File not found');
    assertError(await site.call('GET', '/api/v1/entity/versions/5/code'), 400, 103, 'Field Version.code is not an image or attachment.');
    const badAlt = await site.call('GET', '/api/v1/entity/versions/1/sg_uploaded_movie?alt=big');
    assert.deepEqual(assertError(badAlt, 400, 103).source, { alt: ['alt must be one of: original, thumbnail'] });
    assertError(await site.call('GET', '/api/v1/entity/versions/5/nope'), 404, 103);
    const dotted = await site.call('GET', '/api/v1/entity/versions/5/project.Project.name');
    assert.equal(dotted.status, 406);
    assert.equal(dotted.text.length, 1);
    const empty = await site.call('GET', '/api/v1/entity/versions/5/image');
    assert.equal(empty.status, 200);
    assert.equal(empty.body.data, null);
  });

  test('the placeholder is a real PNG served without a bearer', async () => {
    const r = await getBytes(`${site.emu.url}${PLACEHOLDER}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'image/png');
    assert.deepEqual(pngSize(r.body), { width: 320, height: 180 });
  });
});

describe('thumbnails', () => {
  test('an image upload reads transient, then a signed URL of the image itself', async () => {
    await uploadSingle(site, 'shots/2/image', 'frame.png', PNG_1x1);
    const transient = await readField(site, 'shots', 2, 'image');
    assert.equal(transient, `${site.emu.url}${PLACEHOLDER}`);
    await sleep(DELAY + 50);
    const ready = (await readField(site, 'shots', 2, 'image')) as string;
    assert.match(ready, /\/storage\/.*X-Amz-Signature=/);
    const got = await getBytes(ready);
    assert.ok(got.body.equals(PNG_1x1), 'served as itself');
    // No Attachment for thumbnails; alt=thumbnail redirects to the image.
    const redirect = await fetch(`${site.emu.url}/api/v1/entity/shots/2/image?alt=thumbnail`, { headers: { authorization: `Bearer ${site.token}` }, redirect: 'manual' });
    assert.equal(redirect.status, 302);
    assert.ok((await getBytes(redirect.headers.get('location')!)).body.equals(PNG_1x1));
  });

  test('a movie upload makes the Version image transient, then a generated PNG tile', async () => {
    await uploadSingle(site, 'versions/2/sg_uploaded_movie', 'comp.mov', bytesOf(3000, 2));
    assert.equal(await readField(site, 'versions', 2, 'image'), `${site.emu.url}${PLACEHOLDER}`);
    assert.equal(await readField(site, 'versions', 2, 'filmstrip_image'), `${site.emu.url}${PLACEHOLDER}`);
    await sleep(DELAY + 50);
    const url = (await readField(site, 'versions', 2, 'image')) as string;
    const png = await getBytes(url);
    assert.equal(png.status, 200);
    assert.equal(png.headers.get('content-type'), 'image/png');
    assert.deepEqual(pngSize(png.body), { width: 320, height: 180 });
    const placeholder = await getBytes(`${site.emu.url}${PLACEHOLDER}`);
    assert.ok(!png.body.equals(placeholder.body), 'a tile of its own, not the placeholder');
    // The Attachment's processing status clears after the delay too.
    const movie = (await readField(site, 'versions', 2, 'sg_uploaded_movie')) as any;
    const att = await site.call('GET', `/api/v1/entity/attachments/${movie.id}?fields=processing_status`);
    assert.equal(att.body.data.attributes.processing_status, null);
  });

  test('the transient delay is read at render time (configure) and transcodeFail reads null', async () => {
    site.emu.configure({ transcodeDelay: 60_000 });
    await uploadSingle(site, 'shots/3/image', 'slow.png', PNG_1x1);
    assert.equal(await readField(site, 'shots', 3, 'image'), `${site.emu.url}${PLACEHOLDER}`);
    site.emu.configure({ transcodeDelay: 0 });
    assert.match((await readField(site, 'shots', 3, 'image')) as string, /X-Amz-Signature=/);
    site.emu.configure({ transcodeFail: true });
    try {
      assert.equal(await readField(site, 'shots', 3, 'image'), null);
      assertError(await site.call('GET', '/api/v1/entity/shots/3/image?alt=original'), 404, 104, 'File not found');
    } finally {
      site.emu.configure({ transcodeFail: false, transcodeDelay: DELAY });
    }
  });

  test('a record-level upload or a non-media file leaves the image alone', async () => {
    await uploadSingle(site, 'versions/3/sg_uploaded_movie', 'notes.pdf', Buffer.from('%PDF-1.4'));
    assert.equal(await readField(site, 'versions', 3, 'image'), null);
  });
});
