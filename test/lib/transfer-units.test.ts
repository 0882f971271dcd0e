/**
 * Pure units of the transfers: part planning, progress throttling, storage error parsing and
 * classification, file-name sanitising, the Content-Type rule, transient detection,
 * Content-Range parsing and the local file checks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PART_SIZE, MAX_PARTS, MIN_PART_SIZE, partSpan, planUpload } from '../../lib/transfers/part-plan.js';
import { ProgressReporter } from '../../lib/transfers/progress.js';
import { parseStorageErrorBody, storageHttpError, describeUrl } from '../../lib/http/storage-errors.js';
import { failureKindOf, kindForStatus } from '../../lib/http/failures.js';
import { nameFromUrl, sanitizeFileName } from '../../lib/transfers/file-name.js';
import { putContentType, signedHeadersOf } from '../../lib/transfers/content-type.js';
import { isTransientImageUrl } from '../../lib/transfers/index.js';
import { parseContentRange } from '../../lib/transfers/download-fetch.js';
import { checkUploadFile, uploadFileName } from '../../lib/transfers/local-file.js';
import type { TransferProgress } from '../../lib/transfers/types.js';

test('the threshold is strict: 20,000,000 bytes is one PUT, 20,000,001 is multipart in 8 MiB parts', () => {
  assert.deepEqual(planUpload(20_000_000), { size: 20_000_000, multipart: false, partSize: 20_000_000, partCount: 1, concurrency: 1 });
  const plan = planUpload(20_000_001);
  assert.equal(plan.multipart, true);
  assert.equal(DEFAULT_PART_SIZE, 8 * 1024 * 1024);
  assert.equal(plan.partCount, 3);
  assert.deepEqual(partSpan(plan, 1), { partNumber: 1, start: 0, end: DEFAULT_PART_SIZE });
  assert.deepEqual(partSpan(plan, 3), { partNumber: 3, start: 2 * DEFAULT_PART_SIZE, end: 20_000_001 });
  assert.equal(plan.concurrency, 3, 'never more workers than parts');
});

test('parts are at least 5 MiB and grow so that any file fits in 10,000 parts', () => {
  const huge = 200 * 1024 ** 3; // 200 GiB
  const plan = planUpload(huge, { partSize: MIN_PART_SIZE });
  assert.ok(plan.partSize >= Math.ceil(huge / MAX_PARTS));
  assert.ok(plan.partCount <= MAX_PARTS);
  const last = partSpan(plan, plan.partCount);
  assert.equal(last.end, huge);
  for (const n of [1, 2, plan.partCount - 1]) {
    const s = partSpan(plan, n);
    assert.equal(s.end - s.start, plan.partSize);
  }
  assert.throws(() => planUpload(10, { partSize: MIN_PART_SIZE - 1 }), { code: 'SG_CONFIG' });
  assert.throws(() => planUpload(10, { concurrency: 0 }), { code: 'SG_CONFIG' });
  assert.throws(() => planUpload(10, { multipartThreshold: 1.5 }), { code: 'SG_CONFIG' });
  assert.equal(planUpload(12, { multipartThreshold: 11, partSize: MIN_PART_SIZE }).partCount, 1, 'a one-part multipart upload');
});

test('progress is reported at most every 250 ms plus once at the end, with a rate', () => {
  let now = 0;
  const seen: TransferProgress[] = [];
  const p = new ProgressReporter({ total: 1000, partsTotal: 2, onProgress: (x) => seen.push(x), now: () => now });
  for (let i = 0; i < 100; i++) {
    p.add(5, 1);
    now += 10; // 100 adds over 1 s
  }
  assert.ok(seen.length >= 4 && seen.length <= 5, `${seen.length} reports in 1 s`);
  p.partDone(1);
  p.add(-100, 2); // a failed attempt is taken back
  assert.equal(p.loaded, 400);
  p.finish();
  p.finish();
  const last = seen.at(-1)!;
  assert.equal(last.loaded, 400);
  assert.equal(last.partsDone, 1);
  assert.equal(last.partsTotal, 2);
  assert.ok(seen.some((s) => s.bytesPerSecond > 0), 'a throughput is computed');
  const throwing = new ProgressReporter({ total: 1, partsTotal: 1, onProgress: () => { throw new Error('boom'); } });
  assert.doesNotThrow(() => { throwing.add(1); throwing.finish(); });
});

test('storage error bodies: S3 XML and the site JSON envelope', () => {
  const xml = '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired &amp; gone</Message><X-Amz-Expires>900</X-Amz-Expires></Error>';
  assert.deepEqual(parseStorageErrorBody(xml), { code: 'AccessDenied', message: 'Request has expired & gone' });
  assert.deepEqual(parseStorageErrorBody('{"errors":[{"code":102,"title":"Forbidden","detail":"Upload link has expired."}]}'), { code: '102', message: 'Forbidden — Upload link has expired.' });
  assert.deepEqual(parseStorageErrorBody('<html>nope</html>'), {});
});

test('storage statuses: 5xx/429/SlowDown/RequestTimeout retried, 403 refreshes the link, BadDigest re-sent once, other 4xx fail', () => {
  assert.deepEqual([500, 502, 503, 504, 429].map((s) => kindForStatus(s, 'storage')), ['server-error', 'gateway', 'unavailable', 'gateway', 'rate-limited']);
  assert.equal(kindForStatus(400, 'storage', 'RequestTimeout'), 'unavailable');
  assert.equal(kindForStatus(403, 'storage', 'AccessDenied'), 'expired-link');
  assert.equal(kindForStatus(403, 'storage', 'SignatureDoesNotMatch'), 'expired-link');
  assert.equal(kindForStatus(400, 'storage', 'BadDigest'), 'bad-digest');
  assert.equal(kindForStatus(400, 'storage', 'EntityTooLarge'), 'refused');
  assert.equal(kindForStatus(404, 'storage', 'NoSuchUpload'), 'not-found');
  assert.equal(kindForStatus(501, 'storage', 'NotImplemented'), 'refused');
  // The same 403 from the API is a permission answer, never repeated.
  assert.equal(kindForStatus(403, 'api'), 'forbidden');
});

test('a storage error names the code and message, never the signature', () => {
  const url = 'https://bucket.s3.amazonaws.com/key/file.mov?X-Amz-Credential=AKIA%2Fx&X-Amz-Signature=deadbeefcafe&partNumber=2';
  const err = storageHttpError(400, '<Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size</Message></Error>', {}, { method: 'PUT', url, what: 'part 2' });
  assert.equal(err.code, 'SG_STORAGE');
  assert.equal(err.status, 400);
  assert.equal(err.storageCode, 'EntityTooLarge');
  assert.match(err.message, /^Your proposed upload exceeds .* \(PUT https:\/\/bucket\.s3\.amazonaws\.com\/key\/file\.mov \(part 2\) → 400 EntityTooLarge\)$/);
  assert.doesNotMatch(JSON.stringify({ ...err, message: err.message }), /deadbeef|AKIA/);
  assert.equal(failureKindOf(err), 'refused');
  const slow = storageHttpError(503, '<Error><Code>SlowDown</Code></Error>', { 'retry-after': '2' }, { method: 'PUT', url });
  assert.equal(slow.retryAfterMs, 2000);
  assert.equal(failureKindOf(slow), 'unavailable');
  assert.equal(describeUrl(url), 'https://bucket.s3.amazonaws.com/key/file.mov');
});

test('file names from elsewhere stay inside their folder', () => {
  assert.equal(sanitizeFileName('../../etc/passwd'), '_._etc_passwd');
  assert.equal(sanitizeFileName('..'), 'download');
  assert.equal(sanitizeFileName('a\\b/c\u0000d\u001fe.mov'), 'a_b_c_d_e.mov');
  assert.equal(sanitizeFileName('.hidden'), 'hidden');
  assert.equal(sanitizeFileName('plate v1 ü.mov'), 'plate v1 ü.mov');
  assert.equal(sanitizeFileName(undefined), 'download');
  const long = sanitizeFileName(`${'é'.repeat(300)}.exr`);
  assert.ok(Buffer.byteLength(long) <= 255);
  assert.ok(long.endsWith('.exr'));
  for (const bad of ['../x', 'a/../../b', '/abs/path', 'C:\\win\\..\\x']) {
    const s = sanitizeFileName(bad);
    assert.ok(!s.includes('/') && !s.includes('\\') && !s.includes('..'), s);
  }
  assert.equal(nameFromUrl('https://h/storage/b/uploads/x/plate%20v1%20%C3%BC.mov?X-Amz-Signature=abc'), 'plate v1 ü.mov');
  assert.equal(nameFromUrl('https://h/'), undefined);
});

test('Content-Type: sent for single PUTs, not for parts, and always when the URL signs it', () => {
  const plain = 'https://s3/x?X-Amz-SignedHeaders=host&X-Amz-Signature=1';
  const signed = 'https://s3/x?X-Amz-SignedHeaders=content-type%3Bhost&X-Amz-Signature=1';
  assert.deepEqual(signedHeadersOf(signed), ['content-type', 'host']);
  assert.equal(putContentType(plain, 'a.mov', false), 'video/quicktime');
  assert.equal(putContentType(plain, 'a.mov', true), undefined);
  assert.equal(putContentType(signed, 'a.mov', true), 'video/quicktime');
  assert.equal(putContentType(plain, 'noext', false), 'application/octet-stream');
});

test('transient images are recognised by the path prefix only', () => {
  assert.equal(isTransientImageUrl('https://site/images/status/transient/thumbnail_pending.png'), true);
  assert.equal(isTransientImageUrl('https://site/images/status/transient/other_name.gif'), true);
  assert.equal(isTransientImageUrl('/images/status/transient/x.png'), true);
  assert.equal(isTransientImageUrl('https://s3/bucket/images/status/transient/x.png?X-Amz-Signature=1'), false);
  assert.equal(isTransientImageUrl('https://s3/bucket/thumbnail_pending.png'), false);
  assert.equal(isTransientImageUrl(null), false);
});

test('Content-Range parsing', () => {
  assert.deepEqual(parseContentRange('bytes 100-199/1000'), { start: 100, end: 199, total: 1000 });
  assert.deepEqual(parseContentRange('bytes */1000'), { start: undefined, end: undefined, total: 1000 });
  assert.equal(parseContentRange('items 1-2/3'), undefined);
});

test('upload file checks: missing, folder, empty are SG_FILE; names are plain', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sg-units-'));
  try {
    writeFileSync(join(dir, 'empty.bin'), '');
    writeFileSync(join(dir, 'one.bin'), 'x');
    mkdirSync(join(dir, 'sub'));
    await assert.rejects(checkUploadFile(join(dir, 'missing.bin')), { code: 'SG_FILE', message: /no such file/ });
    await assert.rejects(checkUploadFile(join(dir, 'sub')), { code: 'SG_FILE', message: /not a regular file/ });
    await assert.rejects(checkUploadFile(join(dir, 'empty.bin')), { code: 'SG_FILE', message: /empty/ });
    const { mtimeMs, ...checked } = await checkUploadFile(join(dir, 'one.bin'));
    assert.deepEqual(checked, { path: join(dir, 'one.bin'), size: 1, name: 'one.bin' });
    assert.equal(typeof mtimeMs, 'number');
    assert.equal(uploadFileName(undefined, 'a.bin'), 'a.bin');
    assert.equal(uploadFileName('plate ü.mov', 'a.bin'), 'plate ü.mov');
    assert.throws(() => uploadFileName('../x', 'a'), { code: 'SG_CONFIG' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
