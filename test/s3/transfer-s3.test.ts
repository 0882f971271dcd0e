/**
 * Transfers against a real S3 implementation (Ceph radosgw, `npm run test:s3` sets
 * `SG_TEST_S3`): what the shared transfer tests cannot show there because they inject faults
 * into the built-in storage. Parallel parts are seen by a counting TCP proxy in front of the
 * gateway; expired links are handed out by the site and refused by the gateway itself; an abort
 * leaves no multipart upload in the bucket; the gateway's own completion checks reach the client.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand, ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { EXTERNAL_S3, routeDelta, sha256File, transferEnv, type TransferEnv } from '../lib/fixtures/transfer-env.js';

const skip = EXTERNAL_S3 ? false : 'runs only against real S3: npm run test:s3 (SG_TEST_S3)';
const MiB = 1024 * 1024;
let env: TransferEnv;
let s3: S3Client;

before(async () => {
  if (!EXTERNAL_S3) return;
  env = await transferEnv();
  s3 = new S3Client({
    endpoint: EXTERNAL_S3.endpoint, region: EXTERNAL_S3.region ?? 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId: EXTERNAL_S3.accessKeyId, secretAccessKey: EXTERNAL_S3.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
  });
});
after(async () => {
  await env?.close();
  s3?.destroy();
});

/** Ids of the multipart uploads open in the bucket. */
async function openUploads(): Promise<string[]> {
  const out = await s3.send(new ListMultipartUploadsCommand({ Bucket: EXTERNAL_S3!.bucket }));
  return (out.Uploads ?? []).map((u) => `${u.Key} ${u.UploadId}`);
}

/** Uploads opened since `before` and still open. */
async function newOpenUploads(before: string[]): Promise<string[]> {
  return (await openUploads()).filter((u) => !before.includes(u));
}

/** The object key behind a file field's signed URL. */
function keyOf(url: string): string {
  const path = new URL(url).pathname.split('/').slice(2).map(decodeURIComponent);
  return path.join('/');
}

test('the multipart object in the bucket has the md5-of-md5s-N ETag, and the download is byte-exact', { skip }, async () => {
  const id = await env.version();
  const path = env.file('three parts.mov', 11 * MiB);
  const openBefore = await openUploads();
  const result = await env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, path, { partSize: 5 * MiB, multipartThreshold: 5 * MiB });
  assert.equal(result.parts, 3);
  const value = result.value as { url: string };
  assert.ok(value.url.startsWith(`${EXTERNAL_S3!.endpoint}/${EXTERNAL_S3!.bucket}/`), 'the field links straight to the bucket');
  const head = await s3.send(new HeadObjectCommand({ Bucket: EXTERNAL_S3!.bucket, Key: keyOf(value.url) }));
  assert.match(head.ETag ?? '', /^"[0-9a-f]{32}-3"$/);
  assert.equal(head.ContentLength, 11 * MiB);
  const back = join(env.dir, 'three-back.mov');
  await env.sg.download({ type: 'Version', id, field: 'sg_uploaded_movie' }, back);
  assert.equal(await sha256File(back), await sha256File(path));
  assert.deepEqual(await newOpenUploads(openBefore), []);
});

test('parts go up in parallel: a proxy in front of the gateway sees several part PUTs in flight at once', { skip }, async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  let partPuts = 0;
  const target = new URL(EXTERNAL_S3!.endpoint);
  const sockets = new Set<Socket>();
  // Requests on one connection never overlap (no pipelining): a PUT line starts one, the
  // status line of its answer ends it. The file is zeros, so no body chunk looks like either.
  const proxy: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 80), target.hostname);
    sockets.add(client).add(upstream);
    let busy = false;
    client.on('data', (chunk: Buffer) => {
      if (!busy && chunk.subarray(0, 4).toString('latin1') === 'PUT ' && chunk.subarray(0, 512).toString('latin1').includes('partNumber=')) {
        busy = true;
        partPuts++;
        maxInFlight = Math.max(maxInFlight, ++inFlight);
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (busy && chunk.subarray(0, 9).toString('latin1') === 'HTTP/1.1 ') {
        busy = false;
        inFlight--;
      }
    });
    client.pipe(upstream).pipe(client);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const port = (proxy.address() as { port: number }).port;
  const viaProxy = await transferEnv({ externalStorage: { ...EXTERNAL_S3!, endpoint: `http://127.0.0.1:${port}` } });
  try {
    const id = await viaProxy.version();
    const path = join(viaProxy.dir, 'parallel.bin');
    writeFileSync(path, '');
    truncateSync(path, 8 * 5 * MiB);
    const result = await viaProxy.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, path, { partSize: 5 * MiB, multipartThreshold: 5 * MiB, concurrency: 4 });
    assert.equal(result.parts, 8);
    assert.equal(partPuts, 8, 'every part went through the proxy once');
    assert.ok(maxInFlight >= 2, `parts overlapped (at most ${maxInFlight} in flight)`);
    assert.ok(maxInFlight <= 4, `no more than the concurrency (${maxInFlight})`);
    const back = join(viaProxy.dir, 'parallel-back.bin');
    await viaProxy.sg.download({ type: 'Version', id, field: 'sg_uploaded_movie' }, back);
    assert.equal(await sha256File(back), await sha256File(path));
  } finally {
    await viaProxy.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
  }
});

test('an expired part link (refused by the gateway) is replaced through get_next_part', { skip }, async () => {
  const id = await env.version();
  const path = env.file('expiring parts.mov', 11 * MiB);
  env.emu.faults.script({ route: 'part_link', kind: 'url_expire' });
  const start = env.emu.counters.snapshot();
  const result = await env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, path, { partSize: 5 * MiB, multipartThreshold: 5 * MiB, concurrency: 2 });
  assert.equal(result.parts, 3);
  assert.equal(result.attempts, 4, 'three parts, one of them twice');
  assert.deepEqual(routeDelta(env.emu, start, 'part_link'), { 200: 3 }, 'links for parts 2 and 3, and a fresh one');
  const back = join(env.dir, 'expiring-back.mov');
  await env.sg.download({ type: 'Version', id, field: 'sg_uploaded_movie' }, back);
  assert.equal(await sha256File(back), await sha256File(path));
});

test('an expired download link (refused by the gateway) is read again from the field, once; then SG_STORAGE 403', { skip }, async () => {
  const id = await env.version();
  const path = env.file('expiring download.mov', 300 * 1024);
  await env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, path);
  const onField = { route: 'api' as const, kind: 'url_expire' as const, pathIncludes: `/${id}/sg_uploaded_movie` };
  env.emu.faults.script(onField);
  const start = env.emu.counters.snapshot();
  const result = await env.sg.download({ type: 'Version', id, field: 'sg_uploaded_movie' }, 'buffer');
  assert.equal(result.attempts, 2);
  assert.equal(result.bytes, 300 * 1024);
  assert.deepEqual(routeDelta(env.emu, start, 'api'), { 200: 2 }, 'the field was read again');

  env.emu.faults.script({ ...onField, count: 5 });
  await assert.rejects(env.sg.download({ type: 'Version', id, field: 'sg_uploaded_movie' }, 'buffer'), (err: Error & { code?: string; status?: number; storageCode?: string }) => {
    assert.equal(err.code, 'SG_STORAGE');
    assert.equal(err.status, 403);
    assert.equal(err.storageCode, 'AccessDenied');
    assert.doesNotMatch(err.message, /X-Amz-Signature=|X-Amz-Credential=|AKIA/);
    return true;
  });
  env.emu.faults.clear();
});

test('an expired thumbnail link is read again too', { skip }, async () => {
  const id = await env.version();
  const png = env.file('t.png', Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010802000000', 'hex'));
  await env.sg.upload({ type: 'Version', id, field: 'image' }, png);
  const ready = await env.sg.waitForThumbnail('Version', id, { interval: 50, timeout: 10_000 });
  assert.equal(ready.status, 'ready');
  assert.ok(ready.url?.startsWith(EXTERNAL_S3!.endpoint), 'the thumbnail is served by the bucket');
  env.emu.faults.script({ route: 'api', kind: 'url_expire', pathIncludes: `/${id}/image` });
  const result = await env.sg.download({ type: 'Version', id, field: 'image' }, 'buffer');
  assert.equal(result.attempts, 2);
  assert.equal(await sha256File(png), (await import('node:crypto')).createHash('sha256').update(result.buffer!).digest('hex'));
});

test('a movie upload gets a generated thumbnail tile, stored in the bucket and served from it', { skip }, async () => {
  const id = await env.version('tile from radosgw');
  await env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, env.file('comp.mov', 4096));
  const ready = await env.sg.waitForThumbnail('Version', id, { interval: 50, timeout: 10_000 });
  assert.equal(ready.status, 'ready');
  assert.ok(ready.url?.startsWith(`${EXTERNAL_S3!.endpoint}/${EXTERNAL_S3!.bucket}/thumbnails/`), 'the tile is in the bucket');
  const tile = await env.sg.download({ type: 'Version', id, field: 'image' }, 'buffer');
  assert.deepEqual([...tile.buffer!.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG');
  assert.equal(tile.contentType, 'image/png');
});

test('an abort mid-upload aborts the multipart upload on the site and in the bucket', { skip }, async () => {
  const id = await env.version();
  const path = join(env.dir, 'aborted.bin');
  writeFileSync(path, 'x');
  truncateSync(path, 12 * 5 * MiB);
  const controller = new AbortController();
  const start = env.emu.counters.snapshot();
  const openBefore = await openUploads();
  const pending = env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, path, {
    partSize: 5 * MiB, multipartThreshold: 5 * MiB, concurrency: 2, signal: controller.signal,
    // Once a part is in the bucket, the abort lands while others are in flight.
    onProgress: (p) => {
      if (p.partsDone >= 1) controller.abort();
    },
  });
  await assert.rejects(pending, { code: 'SG_ABORTED' });
  assert.deepEqual(routeDelta(env.emu, start, 'abort'), { 204: 1 });
  assert.equal(env.emu.counters.snapshot().multipartOpen, 0);
  assert.equal(env.emu.counters.snapshot().completions - start.completions, 0);
  assert.deepEqual(await newOpenUploads(openBefore), [], 'no multipart upload left in the bucket');
});

test('a 19 MiB single PUT: the site learns its size from the bucket on completion', { skip }, async () => {
  const id = await env.version();
  const path = env.file('single 19MB.mov', 19 * MiB);
  const start = env.emu.counters.snapshot();
  const result = await env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, path);
  assert.equal(result.multipart, false);
  assert.equal(env.emu.counters.snapshot().bytesStored - start.bytesStored, 19 * MiB, 'the site learned the size from the bucket');
  const back = await env.sg.download({ type: 'Version', id, field: 'sg_uploaded_movie' }, 'buffer', { maxBufferBytes: 20 * MiB });
  assert.equal(back.bytes, 19 * MiB);
});
