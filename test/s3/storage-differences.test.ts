/**
 * The same raw requests against the built-in storage and against radosgw (`npm run test:s3`),
 * each answer pinned for both. Where they differ, docs/storage-differences.md says why and what
 * a client must do; where the built-in storage was changed to answer like AWS, its own test in
 * test/emulator/ keeps it so. If radosgw (or the built-in storage) changes, this file fails.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { CreateMultipartUploadCommand, AbortMultipartUploadCommand, S3Client } from '@aws-sdk/client-s3';
import { presignS3Url } from '../../emulator/files/sigv4.js';
import { openSite, type Answer, type TestSite } from '../emulator/api-helpers.js';
import { completeUpload, getBytes, initUpload, putBytes, rawRequest, type StorageAnswer } from '../emulator/files-helpers.js';
import { EXTERNAL_S3 } from '../lib/fixtures/transfer-env.js';

const skip = EXTERNAL_S3 ? false : 'runs only against real S3: npm run test:s3 (SG_TEST_S3)';
const MIB = 1024 * 1024;
type Backend = 'builtin' | 'radosgw';
const sites = {} as Record<Backend, TestSite>;
let s3: S3Client;

before(async () => {
  if (!EXTERNAL_S3) return;
  sites.builtin = await openSite({ transcodeDelay: 100 });
  sites.radosgw = await openSite({ transcodeDelay: 100, externalStorage: EXTERNAL_S3 });
  s3 = new S3Client({
    endpoint: EXTERNAL_S3.endpoint, region: EXTERNAL_S3.region ?? 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId: EXTERNAL_S3.accessKeyId, secretAccessKey: EXTERNAL_S3.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
  });
});
after(async () => {
  for (const site of Object.values(sites)) await site.close();
  s3?.destroy();
});

/** `status Code` of an S3 answer (`status` alone when it is no XML error). */
function outcome(a: { status?: number; text?: string; body?: unknown }): string {
  const text = a.text ?? (typeof a.body === 'string' ? a.body : '');
  const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
  return code ? `${a.status} ${code}` : String(a.status);
}

/** Runs `probe` on both backends and compares with the expected answer of each. */
async function both(probe: (site: TestSite, backend: Backend) => Promise<string>, expected: Record<Backend, string>): Promise<void> {
  for (const backend of ['builtin', 'radosgw'] as const) {
    assert.equal(await probe(sites[backend], backend), expected[backend], backend);
  }
}

let n = 0;
async function singleInit(site: TestSite): Promise<Answer> {
  const init = await initUpload(site, 'Version/1/sg_uploaded_movie', `probe-${++n}.bin`);
  assert.equal(init.status, 200, init.text);
  return init;
}

async function multipartInit(site: TestSite): Promise<Answer> {
  const init = await initUpload(site, 'Version/1/sg_uploaded_movie', `probe-${++n}.mov`, '&multipart_upload=true');
  assert.equal(init.status, 200, init.text);
  return init;
}

async function partUrl(site: TestSite, init: Answer, part: number): Promise<string> {
  if (part === 1) return init.body.links.upload as string;
  const link = new URL(init.body.links.get_next_part as string, site.emu.url);
  link.searchParams.set('part_number', String(part));
  const r = await site.call('GET', `${link.pathname}${link.search}`);
  assert.equal(r.status, 200, r.text);
  return r.body.links.upload as string;
}

/** PUTs parts; returns their ETag headers. */
async function putParts(site: TestSite, init: Answer, bodies: Buffer[]): Promise<string[]> {
  const etags: string[] = [];
  for (let i = 0; i < bodies.length; i++) {
    const put = await putBytes(await partUrl(site, init, i + 1), bodies[i]!);
    assert.equal(put.status, 200, put.text);
    etags.push(put.headers.get('etag')!);
  }
  return etags;
}

/** The site's completion answer: `201`, or `400 <S3 code>` from `source.multipart_upload`. */
async function complete(site: TestSite, init: Answer, etags: unknown[]): Promise<string> {
  const r = await completeUpload(site, init.body.links.complete_upload as string, { ...init.body.data, etags });
  if (r.status === 201) return '201';
  return `${r.status} ${r.body?.errors?.[0]?.source?.multipart_upload ?? r.text}`;
}

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

test('single PUT: 200 with the quoted MD5 as ETag; GET returns it with the bytes', { skip }, async () => {
  const body = randomBytes(1000);
  await both(async (site) => {
    const init = await singleInit(site);
    const put = await putBytes(init.body.links.upload as string, body);
    const done = await completeUpload(site, init.body.links.complete_upload as string, init.body.data);
    assert.equal(done.status, 201, done.text);
    const field = await site.call('GET', `/api/v1/entity/Version/1/sg_uploaded_movie`);
    const got = await getBytes(field.body.data.url as string);
    assert.ok(got.body.equals(body));
    return `${put.status} ${put.headers.get('etag')} ${got.headers.get('etag')}`;
  }, { builtin: `200 "${md5(body)}" "${md5(body)}"`, radosgw: `200 "${md5(body)}" "${md5(body)}"` });
});

test('chunked PUT without Content-Length: built-in 501 NotImplemented (as AWS), radosgw 411 MissingContentLength', { skip }, async () => {
  await both(async (site) => {
    const init = await singleInit(site);
    const r = await rawRequest(init.body.links.upload as string, { method: 'PUT', headers: { 'transfer-encoding': 'chunked' }, chunks: [Buffer.from('abc')] });
    return outcome(r);
  }, { builtin: '501 NotImplemented', radosgw: '411 MissingContentLength' });
});

test('tampered signature → 403 SignatureDoesNotMatch on both; only the built-in storage says why', { skip }, async () => {
  await both(async (site) => {
    const url = new URL((await singleInit(site)).body.links.upload as string);
    const sig = url.searchParams.get('X-Amz-Signature')!;
    url.searchParams.set('X-Amz-Signature', `${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`);
    const r = await putBytes(url.toString(), Buffer.from('x'));
    const message = /<Message>([^<]*)<\/Message>/.exec(r.text)?.[1] ?? '';
    return `${outcome(r)} ${message === '' ? 'no message' : 'message'} ${r.headers.get('content-type')}`;
  }, { builtin: '403 SignatureDoesNotMatch message application/xml', radosgw: '403 SignatureDoesNotMatch no message application/xml' });
});

test('expired link → 403 AccessDenied on both; only the built-in storage says "Request has expired" with Expires', { skip }, async () => {
  await both(async (site) => {
    site.emu.faults.script({ route: 'upload_init', kind: 'url_expire' });
    const r = await putBytes((await singleInit(site)).body.links.upload as string, Buffer.from('x'));
    return `${outcome(r)}${/Request has expired/.test(r.text) ? ' expired-message' : ''}${/<Expires>/.test(r.text) ? ' Expires' : ''}`;
  }, { builtin: '403 AccessDenied expired-message Expires', radosgw: '403 AccessDenied' });
});

test('X-Amz-Expires beyond a week: built-in 400 AuthorizationQueryParametersError (as AWS), radosgw 403 AccessDenied', { skip }, async () => {
  await both(async (site, backend) => {
    let url: string;
    if (backend === 'radosgw') {
      url = presignS3Url({ ...EXTERNAL_S3!, region: EXTERNAL_S3!.region ?? 'us-east-1' }, { method: 'PUT', endpoint: EXTERNAL_S3!.endpoint, bucket: EXTERNAL_S3!.bucket, key: 'probe/too-long.bin', expiresIn: 700_000 });
    } else {
      const u = new URL((await singleInit(site)).body.links.upload as string);
      u.searchParams.set('X-Amz-Expires', '700000');
      url = u.toString();
    }
    return outcome(await putBytes(url, Buffer.from('x')));
  }, { builtin: '400 AuthorizationQueryParametersError', radosgw: '403 AccessDenied' });
});

test('part number 0 or 10001 on a validly signed URL: radosgw accepts it (AWS: 400 InvalidArgument; the site never hands one out)', { skip }, async () => {
  const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: EXTERNAL_S3!.bucket, Key: 'probe/part-numbers.bin' }));
  try {
    const answers: string[] = [];
    for (const partNumber of ['0', '10001']) {
      const url = presignS3Url({ ...EXTERNAL_S3!, region: EXTERNAL_S3!.region ?? 'us-east-1' }, {
        method: 'PUT', endpoint: EXTERNAL_S3!.endpoint, bucket: EXTERNAL_S3!.bucket, key: 'probe/part-numbers.bin', expiresIn: 60,
        query: { partNumber, uploadId: created.UploadId! },
      });
      answers.push(outcome(await putBytes(url, Buffer.from('x'))));
    }
    assert.deepEqual(answers, ['200', '200']);
  } finally {
    await s3.send(new AbortMultipartUploadCommand({ Bucket: EXTERNAL_S3!.bucket, Key: 'probe/part-numbers.bin', UploadId: created.UploadId! }));
  }
});

test('multipart: part ETags are quoted MD5s; a re-PUT of a part overwrites it with the same ETag', { skip }, async () => {
  const body = randomBytes(5 * MIB);
  await both(async (site) => {
    const init = await multipartInit(site);
    const [first] = await putParts(site, init, [body]);
    const again = await putBytes(await partUrl(site, init, 1), body);
    const done = await complete(site, init, [first!]);
    return `${first} ${again.headers.get('etag')} ${done}`;
  }, { builtin: `"${md5(body)}" "${md5(body)}" 201`, radosgw: `"${md5(body)}" "${md5(body)}" 201` });
});

test('completion checks: wrong ETag, small non-last part, unquoted ETags, after abort', { skip }, async () => {
  const big = randomBytes(5 * MIB);
  const small = randomBytes(1000);
  await both(async (site) => {
    const out: string[] = [];
    let init = await multipartInit(site);
    let etags = await putParts(site, init, [big, small]);
    out.push(await complete(site, init, [etags[0]!, '"00000000000000000000000000000000"']));
    out.push(await complete(site, init, etags.map((e) => e.replace(/"/g, ''))));
    init = await multipartInit(site);
    etags = await putParts(site, init, [small, big]);
    out.push(await complete(site, init, etags));
    const abort = await site.call('POST', `${init.body.links.complete_upload as string}/multipart_abort`, { body: init.body.data });
    out.push(String(abort.status));
    out.push(outcome(await putBytes(await partUrl(site, init, 2), small)));
    return out.join(', ');
  }, {
    builtin: '400 InvalidPart, 201, 400 EntityTooSmall, 204, 404 NoSuchUpload',
    radosgw: '400 InvalidPart, 201, 400 EntityTooSmall, 204, 404 NoSuchUpload',
  });
});

test('completion listing parts out of order: built-in 400 InvalidPartOrder (as AWS), radosgw sorts and accepts', { skip }, async () => {
  const a = randomBytes(5 * MIB);
  const b = randomBytes(1000);
  await both(async (site) => {
    const init = await multipartInit(site);
    const etags = await putParts(site, init, [a, b]);
    return complete(site, init, [{ part_number: 2, etag: etags[1] }, { part_number: 1, etag: etags[0] }]);
  }, { builtin: '400 InvalidPartOrder', radosgw: '201' });
});

test('completion leaving out an uploaded part: built-in completes with the listed ones (as AWS), radosgw 400 InvalidPart', { skip }, async () => {
  const a = randomBytes(5 * MIB);
  const b = randomBytes(1000);
  await both(async (site) => {
    const init = await multipartInit(site);
    const etags = await putParts(site, init, [a, b]);
    const answer = await complete(site, init, [{ part_number: 1, etag: etags[0] }]);
    // A refused upload stays open until aborted (radosgw would keep its parts).
    if (answer !== '201') await site.call('POST', `${init.body.links.complete_upload as string}/multipart_abort`, { body: init.body.data });
    return answer;
  }, { builtin: '201', radosgw: '400 InvalidPart' });
});

test('the completed multipart object reads with the quoted md5-of-md5s-N ETag on both', { skip }, async () => {
  const a = randomBytes(5 * MIB);
  const b = randomBytes(2000);
  const expected = `"${createHash('md5').update(Buffer.concat([createHash('md5').update(a).digest(), createHash('md5').update(b).digest()])).digest('hex')}-2"`;
  await both(async (site) => {
    const init = await multipartInit(site);
    const etags = await putParts(site, init, [a, b]);
    assert.equal(await complete(site, init, etags), '201');
    const field = await site.call('GET', `/api/v1/entity/Version/1/sg_uploaded_movie`);
    const got = await getBytes(field.body.data.url as string, { range: 'bytes=0-0' });
    return `${got.status} ${got.headers.get('etag')} ${got.headers.get('content-range')}`;
  }, { builtin: `206 ${expected} bytes 0-0/${5 * MIB + 2000}`, radosgw: `206 ${expected} bytes 0-0/${5 * MIB + 2000}` });
});

test('reads: unsatisfiable range 416 InvalidRange, HEAD with a GET link 403, another key 403, binary/octet-stream for a PUT without Content-Type', { skip }, async () => {
  await both(async (site) => {
    const out: string[] = [];
    const init = await singleInit(site);
    const put = await putBytes(init.body.links.upload as string, Buffer.from('0123456789'));
    assert.equal(put.status, 200);
    assert.equal((await completeUpload(site, init.body.links.complete_upload as string, init.body.data)).status, 201);
    const url = (await site.call('GET', `/api/v1/entity/Version/1/sg_uploaded_movie`)).body.data.url as string;
    const got: StorageAnswer = await getBytes(url);
    out.push(`${got.status} ${got.headers.get('content-type')}`);
    out.push(outcome(await getBytes(url, { range: 'bytes=100-200' })));
    out.push(String((await getBytes(url, {}, 'HEAD')).status));
    const missing = new URL(url);
    missing.pathname = missing.pathname.replace(/[^/]+$/, 'no-such-object.bin');
    const sigless = await getBytes(missing.toString());
    out.push(sigless.status === 403 ? '403 (signature covers the key)' : outcome(sigless));
    return out.join(', ');
  }, {
    builtin: '200 binary/octet-stream, 416 InvalidRange, 403, 403 (signature covers the key)',
    radosgw: '200 binary/octet-stream, 416 InvalidRange, 403, 403 (signature covers the key)',
  });
});
