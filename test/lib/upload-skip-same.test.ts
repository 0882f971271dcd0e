/**
 * `skipIfSame`: a second upload of the same file to the same target sends no bytes (counted at
 * the emulator's storage) and answers with the existing Attachment; a different file of the
 * same name and size is uploaded; duplicates at the same moment through one client send once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { builtinOnly, routeDelta, sha256File, sha256, transferEnv, type TransferEnv } from './fixtures/transfer-env.js';

let env: TransferEnv;
const storageOnly = builtinOnly('bytes are counted at the emulator storage');

before(async () => {
  env = await transferEnv();
});
after(async () => {
  await env?.close();
});

const stored = (): number => env.emu.counters.snapshot().bytesStored;
const attachments = (): number => env.emu.counters.snapshot().attachmentsCreated;

test('a single-PUT file already in the field: second upload sends nothing, same Attachment', { skip: storageOnly }, async () => {
  const id = await env.version();
  const path = env.file('skip_single.mov', 300_000);
  const target = { type: 'Version', id, field: 'sg_uploaded_movie' };
  const first = await env.sg.upload(target, path, { skipIfSame: true });
  assert.equal(first.skipped, false);
  assert.equal(first.bytes, 300_000);
  const [bytes, atts, snap] = [stored(), attachments(), env.emu.counters.snapshot()];
  const second = await env.sg.upload(target, path, { skipIfSame: true });
  assert.equal(second.skipped, true);
  assert.equal(second.bytes, 0);
  assert.deepEqual(second.attachment, first.attachment);
  assert.equal((second.value as { name?: string }).name, 'skip_single.mov');
  assert.equal(stored() - bytes, 0, 'no bytes reached the storage');
  assert.deepEqual(routeDelta(env.emu, snap, 'storage_put'), {});
  assert.deepEqual(routeDelta(env.emu, snap, 'upload_init'), {});
  assert.equal(attachments() - atts, 0, 'no Attachment created');
  // Without the option the same upload sends the file again (the option is what skips).
  const third = await env.sg.upload(target, path);
  assert.equal(third.skipped, false);
  assert.equal(stored() - bytes, 300_000);
});

test('a multipart file already in the field is recognised by its multipart ETag', { skip: storageOnly }, async () => {
  const id = await env.version();
  const path = env.file('skip_multi.mov', 11 * 1024 * 1024 + 123);
  const target = { type: 'Version', id, field: 'sg_uploaded_movie' };
  const opts = { skipIfSame: true, multipartThreshold: 5 * 1024 * 1024, partSize: 5 * 1024 * 1024 };
  const first = await env.sg.upload(target, path, opts);
  assert.equal(first.multipart, true);
  const bytes = stored();
  const second = await env.sg.upload(target, path, opts);
  assert.equal(second.skipped, true);
  assert.deepEqual(second.attachment, first.attachment);
  assert.equal(stored() - bytes, 0);
  // Another part size does not change what the file is: it is still recognised.
  const third = await env.sg.upload(target, path, { skipIfSame: true, multipartThreshold: 5 * 1024 * 1024, partSize: 8 * 1024 * 1024 });
  assert.equal(third.skipped, true);
  assert.equal(stored() - bytes, 0);
});

test('same name and size but other bytes is a different file: uploaded, byte-exact', async () => {
  const id = await env.version();
  const target = { type: 'Version', id, field: 'sg_uploaded_movie' };
  const path = env.file('skip_changed.mov', 200_000);
  await env.sg.upload(target, path, { skipIfSame: true });
  const other = randomBytes(200_000);
  env.file('skip_changed.mov', other);
  const second = await env.sg.upload(target, path, { skipIfSame: true });
  assert.equal(second.skipped, false);
  assert.notDeepEqual(second.attachment, undefined);
  const back = await env.sg.download(target, 'buffer');
  assert.equal(sha256(back.buffer!), sha256(other));
  // A different name is a different file too.
  const renamed = await env.sg.upload(target, path, { skipIfSame: true, fileName: 'skip_renamed.mov' });
  assert.equal(renamed.skipped, false);
});

test('a record-level Attachment with the file is found by name, size and checksum', { skip: storageOnly }, async () => {
  const id = await env.version();
  const path = env.file('skip_record.pdf', 50_000);
  const first = await env.sg.upload({ type: 'Version', id }, path, { skipIfSame: true });
  const bytes = stored();
  const second = await env.sg.upload({ type: 'Version', id }, path, { skipIfSame: true });
  assert.equal(second.skipped, true);
  assert.deepEqual(second.attachment, first.attachment);
  assert.deepEqual(second.value, first.attachment);
  assert.equal(stored() - bytes, 0);
});

test('the same file sent three times at once through one client: bytes sent once, one Attachment', { skip: storageOnly }, async () => {
  const id = await env.version();
  const path = env.file('skip_race.mov', 400_000);
  const target = { type: 'Version', id, field: 'sg_uploaded_movie' };
  const [bytes, atts] = [stored(), attachments()];
  const results = await Promise.all([1, 2, 3].map(() => env.sg.upload(target, path, { skipIfSame: true })));
  assert.equal(results.filter((r) => !r.skipped).length, 1);
  assert.equal(stored() - bytes, 400_000);
  assert.equal(attachments() - atts, 1);
  const att = results.find((r) => !r.skipped)!.attachment;
  for (const r of results) assert.deepEqual(r.attachment, att);
  const back = await env.sg.download(target, 'buffer');
  assert.equal(sha256(back.buffer!), await sha256File(path));
});

test('thumbnail fields are always uploaded; a bad option value is SG_CONFIG', async () => {
  const id = await env.version();
  const png = env.file('skip_thumb.png', Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'));
  const first = await env.sg.upload({ type: 'Version', id, field: 'image' }, png, { skipIfSame: true });
  const second = await env.sg.upload({ type: 'Version', id, field: 'image' }, png, { skipIfSame: true });
  assert.equal(first.skipped, false);
  assert.equal(second.skipped, false);
  await assert.rejects(env.sg.upload({ type: 'Version', id }, png, { skipIfSame: 'yes' as unknown as boolean }), { code: 'SG_CONFIG', message: /skipIfSame/ });
});

test('the "already there?" read is retried on a storage 503, and a read that keeps failing fails the upload instead of sending a duplicate', { skip: storageOnly }, async () => {
  const id = await env.version();
  const path = env.file('skip_probe.mov', 200_000);
  const target = { type: 'Version', id, field: 'sg_uploaded_movie' };
  await env.sg.upload(target, path, { skipIfSame: true });
  const [bytes, atts] = [stored(), attachments()];
  env.emu.faults.script({ route: 'download', kind: 'http503', count: 2, method: 'GET' });
  const again = await env.sg.upload(target, path, { skipIfSame: true });
  assert.equal(again.skipped, true, 'two 503s are retried, then the file is recognised');
  assert.equal(stored() - bytes, 0);
  env.emu.faults.script({ route: 'download', kind: 'http503', count: 50, method: 'GET' });
  await assert.rejects(env.sg.upload(target, path, { skipIfSame: true }), (err: { code?: string }) => err.code === 'SG_STORAGE');
  env.emu.faults.clear();
  assert.equal(stored() - bytes, 0, 'no bytes sent while the storage could not say what it holds');
  assert.equal(attachments() - atts, 0, 'no duplicate Attachment');
});
