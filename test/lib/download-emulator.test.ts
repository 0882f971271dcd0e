/**
 * Downloads through `ShotGridClient` against the emulator: resume after a reset mid-body,
 * storage faults retried, expired URLs refreshed for field and Attachment sources, the
 * destination rules (exists → SG_FILE before any request, folder + sanitised name, overwrite),
 * the field errors (empty → SG_NOT_FOUND, transient → SG_THUMBNAIL_PENDING), and no temp file
 * left behind by any failure or abort.
 */
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtinOnly, filesIn, routeDelta, settledRouteDelta, sha256, sha256File, totalRequests, transferEnv, type TransferEnv } from './fixtures/transfer-env.js';

let env: TransferEnv;
let versionId: number;
let source: string;
let out: string;
const MiB = 1024 * 1024;
const field = (): { type: string; id: number; field: string } => ({ type: 'Version', id: versionId, field: 'sg_uploaded_movie' });
const onStorage = { route: 'download' as const, pathIncludes: '/storage/' };

before(async () => {
  env = await transferEnv();
  versionId = await env.version('download source');
  source = env.file('source plate.mov', 3 * MiB + 123);
  await env.sg.upload(field(), source);
});
beforeEach(() => {
  env.emu.faults.clear();
  out = join(env.dir, `out-${Math.random().toString(36).slice(2)}`);
  mkdirSync(out);
});
after(async () => {
  await env?.close();
});

test('a reset mid-body is resumed with Range and the file is byte-exact', { skip: builtinOnly('a storage GET reset') }, async () => {
  env.emu.faults.script({ ...onStorage, kind: 'reset', resetAfterBytes: MiB });
  const start = env.emu.counters.snapshot();
  const result = await env.sg.download(field(), join(out, 'plate.mov'));
  assert.equal(result.attempts, 2);
  assert.equal(result.bytes, 3 * MiB + 123);
  assert.deepEqual(await settledRouteDelta(env.emu, start, 'download', { reset: 1, 206: 1 }), { reset: 1, 206: 1 }, 'the second GET asked for the rest only');
  assert.equal(await sha256File(result.path!), await sha256File(source));
  assert.deepEqual(filesIn(out), ['plate.mov'], 'no temp file left');
});

test('storage 503 ×2 and a stall are retried', { skip: builtinOnly('storage GET faults') }, async () => {
  env.emu.faults.script({ ...onStorage, kind: 'http503', count: 2 });
  let start = env.emu.counters.snapshot();
  let result = await env.sg.download(field(), 'buffer');
  assert.equal(result.attempts, 3);
  assert.deepEqual(await settledRouteDelta(env.emu, start, 'download', { 503: 2, 200: 1 }), { 503: 2, 200: 1 });
  assert.equal(sha256(result.buffer!), await sha256File(source));

  env.emu.faults.script({ ...onStorage, kind: 'stall', stallMs: 10_000 });
  start = env.emu.counters.snapshot();
  result = await env.client({ timeouts: { stall: 2000 } }).download(field(), 'buffer');
  assert.equal(result.attempts, 2);
  assert.equal((await settledRouteDelta(env.emu, start, 'download', { 200: 1 }))[200], 1);
});

test('an expired URL from a field is replaced by a fresh one; a 403 that persists ends with the retry budget', { skip: builtinOnly('url_expire on the storage GET itself (test/s3 expires the link where it is handed out)') }, async () => {
  env.emu.faults.script({ ...onStorage, kind: 'url_expire' });
  const start = env.emu.counters.snapshot();
  const result = await env.sg.download(field(), 'buffer');
  assert.equal(result.attempts, 2);
  assert.deepEqual(await settledRouteDelta(env.emu, start, 'download', { 403: 1, 200: 1 }), { 403: 1, 200: 1 });
  assert.deepEqual(routeDelta(env.emu, start, 'api'), { 200: 2 }, 'the field was read again');

  env.emu.faults.script({ ...onStorage, kind: 'url_expire', count: 5 });
  await assert.rejects(env.sg.download(field(), join(out, 'x.mov')), { code: 'SG_STORAGE', status: 403, storageCode: 'AccessDenied' });
  assert.deepEqual(filesIn(out), []);
});

test('the fresh URL may expire too: every 403 gets another one while the retry budget lasts (fault soak)', { skip: builtinOnly('url_expire on the storage GET itself') }, async () => {
  env.emu.faults.script({ ...onStorage, kind: 'url_expire', count: 2 });
  const start = env.emu.counters.snapshot();
  const result = await env.sg.download(field(), 'buffer');
  assert.equal(result.attempts, 3);
  assert.deepEqual(await settledRouteDelta(env.emu, start, 'download', { 403: 2, 200: 1 }), { 403: 2, 200: 1 });
  assert.deepEqual(routeDelta(env.emu, start, 'api'), { 200: 3 }, 'the field was read again after each 403');
  assert.equal(sha256(result.buffer!), await sha256File(source));
});

test('an Attachment value is refreshed through Attachment.this_file; a bare URL is not', { skip: builtinOnly('url_expire on the storage GET itself') }, async () => {
  const [version] = await env.sg.find('Version', [['id', 'is', versionId]], { fields: ['sg_uploaded_movie'] });
  const value = version!.sg_uploaded_movie as { url: string; name: string; type: string; id: number };
  env.emu.faults.script({ ...onStorage, kind: 'url_expire' });
  const result = await env.sg.download(value, out);
  assert.equal(result.path, join(out, 'source plate.mov'));
  assert.equal(result.attempts, 2);
  assert.equal(await sha256File(result.path!), await sha256File(source));

  env.emu.faults.script({ ...onStorage, kind: 'url_expire' });
  await assert.rejects(env.sg.download(value.url, join(out, 'bare.mov')), (err: Error & { code?: string; storageCode?: string }) => {
    assert.equal(err.code, 'SG_STORAGE');
    assert.equal(err.storageCode, 'AccessDenied');
    assert.doesNotMatch(err.message, /X-Amz-Signature=|X-Amz-Credential=/);
    return true;
  });
  assert.deepEqual(filesIn(out), ['source plate.mov']);
});

test('an existing destination is SG_FILE before any request; overwrite replaces it', async () => {
  const dest = join(out, 'exists.mov');
  writeFileSync(dest, 'old');
  const start = env.emu.counters.snapshot();
  await assert.rejects(env.sg.download(field(), dest), { code: 'SG_FILE', message: /exists/ });
  await assert.rejects(env.sg.download(field(), join(out, 'no-such-folder', 'x.mov')), { code: 'SG_FILE', message: /folder does not exist/ });
  assert.equal(totalRequests(env.emu, start), 0);
  const result = await env.sg.download(field(), dest, { overwrite: true });
  assert.equal(await sha256File(result.path!), await sha256File(source));
  assert.deepEqual(filesIn(out), ['exists.mov']);
});

test('into a folder the name comes from the attachment, sanitised', async () => {
  const id = await env.version();
  const path = env.file('evil.bin', Buffer.from('contents'));
  await env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, path, { fileName: '..hidden..name.mov' });
  const result = await env.sg.download({ type: 'Version', id, field: 'sg_uploaded_movie' }, out);
  assert.equal(result.path, join(out, 'hidden.name.mov'));
  assert.equal(readFileSync(result.path!, 'utf8'), 'contents');
  // Same name again: the folder now holds it, so it is refused before any byte moves.
  await assert.rejects(env.sg.download({ type: 'Version', id, field: 'sg_uploaded_movie' }, out), { code: 'SG_FILE' });
  assert.deepEqual(filesIn(out), ['hidden.name.mov']);
});

test('an empty field is SG_NOT_FOUND; a transient thumbnail is SG_THUMBNAIL_PENDING; nothing is written', async () => {
  const id = await env.version();
  await assert.rejects(env.sg.download({ type: 'Version', id, field: 'sg_uploaded_movie' }, join(out, 'a.mov')), { code: 'SG_NOT_FOUND' });
  await assert.rejects(env.sg.download({ type: 'Version', id, field: 'image' }, join(out, 'a.png')), { code: 'SG_NOT_FOUND' });
  const png = env.file('thumb.png', Buffer.from('89504e470d0a1a0a', 'hex'));
  const up = await env.sg.upload({ type: 'Version', id, field: 'image' }, png);
  await assert.rejects(env.sg.download({ type: 'Version', id, field: 'image' }, join(out, 'a.png')), { code: 'SG_THUMBNAIL_PENDING' });
  await assert.rejects(env.sg.download(up.value as string, join(out, 'b.png')), { code: 'SG_THUMBNAIL_PENDING' });
  assert.deepEqual(filesIn(out), []);
});

test('an API URL on the site is resolved with the bearer and its storage redirect followed', async () => {
  const url = `${env.emu.url}/api/v1/entity/Version/${versionId}/sg_uploaded_movie?alt=original`;
  const result = await env.sg.download(url, 'buffer', { maxBufferBytes: 4 * MiB });
  assert.equal(sha256(result.buffer!), await sha256File(source));
  const thumb = await env.sg.download({ type: 'Version', id: versionId, field: 'sg_uploaded_movie' }, 'buffer', { alt: 'original' });
  assert.equal(thumb.bytes, 3 * MiB + 123);
});

test('an abort mid-body throws SG_ABORTED and removes the partial file', { skip: builtinOnly('storage bandwidth shaping') }, async () => {
  env.emu.configure({ shaping: { storageBandwidth: 512 * 1024 } });
  try {
    const controller = new AbortController();
    const pending = env.sg.download(field(), join(out, 'slow.mov'), { signal: controller.signal });
    setTimeout(() => controller.abort(), 400);
    await assert.rejects(pending, { code: 'SG_ABORTED' });
    assert.deepEqual(filesIn(out), []);
  } finally {
    env.emu.configure({ shaping: {} });
  }
});
