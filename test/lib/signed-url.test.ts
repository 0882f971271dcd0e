/** `isSignedUrl`: which URLs are temporary storage credentials (kept out of node messages, sent without a bearer). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSignedUrl } from '../../lib/index.js';

test('S3 SigV4 and sg storage links are signed, as strings or URL objects, whatever the key case', () => {
  assert.equal(isSignedUrl('https://bucket.s3.amazonaws.com/k.mov?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc'), true);
  assert.equal(isSignedUrl(new URL('http://127.0.0.1:3300/storage/b/k?x-amz-credential=AK%2F2026')), true);
  assert.equal(isSignedUrl('https://site.example/api/v1/entity/versions/1/_upload?expiration=1&signature=abc&user_id=1'), true);
});

test('plain URLs, site API paths, non-URLs and non-strings are not', () => {
  assert.equal(isSignedUrl('https://site.example/api/v1/entity/versions/1/sg_uploaded_movie?alt=original'), false);
  assert.equal(isSignedUrl('https://site.example/images/status/transient/thumbnail_pending.png'), false);
  assert.equal(isSignedUrl('file:///tmp/x.mov?signature=abc'), false);
  assert.equal(isSignedUrl('not a url?signature=abc'), false);
  assert.equal(isSignedUrl(undefined), false);
  assert.equal(isSignedUrl({ url: 'https://b/k?X-Amz-Signature=abc' }), false);
});

test('decided from the text where it settles the question, else by the parsed query (same answers)', () => {
  // A key written with escapes still decodes to a signature parameter.
  assert.equal(isSignedUrl('https://b/k?X%2DAmz-Signature=abc'), true);
  assert.equal(isSignedUrl('https://b/k?a=1&%73ignature=abc'), true);
  // The same names outside the query do not count: in the path, in the fragment, as a value.
  assert.equal(isSignedUrl('https://b/k&signature=abc'), false);
  assert.equal(isSignedUrl('https://b/k?a=1#&signature=abc'), false);
  assert.equal(isSignedUrl('https://b/k?note=signature'), false);
  assert.equal(isSignedUrl('https://b/k?x-amz-signature-version=4'), false);
});
