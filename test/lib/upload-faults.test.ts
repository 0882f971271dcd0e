/**
 * Uploads under the emulator's scripted faults, through `ShotGridClient`: each storage fault
 * kind recovered with the expected number of attempts, faults on init / part links /
 * completion, expired links refreshed, an unrecoverable part aborting the upload (nothing left
 * open), a lost completion answer never creating a second Attachment, caller aborts, and a
 * failed init stopping the hash pass that started alongside it.
 */
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import type { ScriptedFault } from '../../emulator/index.js';
import { runningHashPasses } from '../../lib/transfers/hash-pass.js';
import { builtinOnly, routeDelta, sha256File, transferEnv, type Snapshot, type TransferEnv } from './fixtures/transfer-env.js';

let env: TransferEnv;
let small: string;
let multi: string;
const MiB = 1024 * 1024;
/** Three parts of 5 MiB, 5 MiB, 1 MiB. */
const multipartOptions = { partSize: 5 * MiB, multipartThreshold: 5 * MiB, concurrency: 2 };

before(async () => {
  env = await transferEnv();
  small = env.file('small.mov', 256 * 1024);
  multi = env.file('multi.mov', 11 * MiB);
  await env.sg.find('Project', [], { limit: 1 }); // token in hand
});
beforeEach(() => env.emu.faults.clear());
after(async () => {
  await env?.close();
});

function delta(start: Snapshot, key: 'attachmentsCreated' | 'completions'): number {
  return env.emu.counters.snapshot()[key] - start[key];
}

async function roundTrip(id: number, path: string): Promise<void> {
  const back = `${path}.back-${id}`;
  await env.sg.download({ type: 'Version', id, field: 'sg_uploaded_movie' }, back);
  assert.equal(await sha256File(back), await sha256File(path));
}

const storageCases: Array<[string, ScriptedFault, Record<string, number>, number]> = [
  ['500 ×2', { route: 'storage_put', kind: 'http500', count: 2 }, { 500: 2, 200: 1 }, 3],
  ['502', { route: 'storage_put', kind: 'http502' }, { 502: 1, 200: 1 }, 2],
  ['503 SlowDown ×2', { route: 'storage_put', kind: 'http503', count: 2 }, { 503: 2, 200: 1 }, 3],
  ['reset mid-body', { route: 'storage_put', kind: 'reset', resetAfterBytes: 64 * 1024 }, { reset: 1, 200: 1 }, 2],
];

for (const [name, fault, statuses, attempts] of storageCases) {
  test(`single PUT: ${name} is retried with a new body and succeeds`, { skip: builtinOnly('a storage PUT fault') }, async () => {
    const id = await env.version();
    env.emu.faults.script(fault);
    const start = env.emu.counters.snapshot();
    const result = await env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, small);
    assert.equal(result.attempts, attempts);
    assert.deepEqual(routeDelta(env.emu, start, 'storage_put'), statuses);
    assert.equal(delta(start, 'attachmentsCreated'), 1);
    await roundTrip(id, small);
  });
}

test('single PUT: a 429 with Retry-After: 1 is waited out, then succeeds', { skip: builtinOnly('a storage PUT fault') }, async () => {
  const id = await env.version();
  env.emu.faults.script({ route: 'storage_put', kind: 'http429', retryAfter: 1 });
  const start = env.emu.counters.snapshot();
  const t0 = performance.now();
  const result = await env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, small);
  assert.ok(performance.now() - t0 >= 950, 'Retry-After honoured');
  assert.equal(result.attempts, 2);
  assert.deepEqual(routeDelta(env.emu, start, 'storage_put'), { 429: 1, 200: 1 });
});

test('single PUT: a stall is abandoned after the stall timeout and retried', { skip: builtinOnly('a stalled storage PUT') }, async () => {
  const id = await env.version();
  env.emu.faults.script({ route: 'storage_put', kind: 'stall', stallMs: 10_000 });
  const start = env.emu.counters.snapshot();
  const result = await env.client({ timeouts: { stall: 2000 } }).upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, small);
  assert.equal(result.attempts, 2);
  assert.equal((routeDelta(env.emu, start, 'storage_put')[200]), 1);
  await roundTrip(id, small);
});

test('single PUT: an expired link (403 AccessDenied) is replaced by a fresh init', { skip: builtinOnly('url_expire on the storage PUT itself (test/s3 expires links where they are handed out)') }, async () => {
  const id = await env.version();
  env.emu.faults.script({ route: 'storage_put', kind: 'url_expire' });
  const start = env.emu.counters.snapshot();
  const result = await env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, small);
  assert.equal(result.attempts, 2);
  assert.deepEqual(routeDelta(env.emu, start, 'storage_put'), { 403: 1, 200: 1 });
  assert.deepEqual(routeDelta(env.emu, start, 'upload_init'), { 200: 2 });
  await roundTrip(id, small);
});

test('init handing out an already expired link: the 403 leads to a fresh init', async () => {
  const id = await env.version();
  env.emu.faults.script({ route: 'upload_init', kind: 'url_expire' });
  const start = env.emu.counters.snapshot();
  const result = await env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, small);
  assert.equal(result.attempts, 2);
  assert.deepEqual(routeDelta(env.emu, start, 'upload_init'), { 200: 2 });
});

test('init 503 ×2 and a part link 502 are retried by the request layer', async () => {
  const id = await env.version();
  env.emu.faults.script({ route: 'upload_init', kind: 'http503', count: 2 });
  env.emu.faults.script({ route: 'part_link', kind: 'http502' });
  const start = env.emu.counters.snapshot();
  const result = await env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, multi, multipartOptions);
  assert.equal(result.parts, 3);
  assert.equal(result.attempts, 3);
  assert.deepEqual(routeDelta(env.emu, start, 'upload_init'), { 503: 2, 200: 1 });
  assert.deepEqual(routeDelta(env.emu, start, 'part_link'), { 502: 1, 200: 2 });
  await roundTrip(id, multi);
});

test('init and part link 500s are retried too (they only hand out links)', async () => {
  const id = await env.version();
  env.emu.faults.script({ route: 'upload_init', kind: 'http500' });
  env.emu.faults.script({ route: 'part_link', kind: 'http500', count: 2 });
  const start = env.emu.counters.snapshot();
  const result = await env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, multi, multipartOptions);
  assert.equal(result.attempts, 3);
  assert.deepEqual(routeDelta(env.emu, start, 'upload_init'), { 500: 1, 200: 1 });
  assert.deepEqual(routeDelta(env.emu, start, 'part_link'), { 500: 2, 200: 2 });
  await roundTrip(id, multi);
});

test('multipart: part 3 answered 503 twice is retried alone; the others go once', { skip: builtinOnly('a storage PUT fault') }, async () => {
  const id = await env.version();
  env.emu.faults.script({ route: 'storage_put', kind: 'http503', partNumber: 3, count: 2 });
  const start = env.emu.counters.snapshot();
  const result = await env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, multi, multipartOptions);
  assert.equal(result.attempts, 5);
  assert.deepEqual(routeDelta(env.emu, start, 'storage_put'), { 503: 2, 200: 3 });
  assert.equal(env.emu.counters.snapshot().multipartOpen, 0);
  await roundTrip(id, multi);
});

test('multipart: an expired part link is refreshed with get_next_part for that part', { skip: builtinOnly('url_expire on a storage PUT and storage PUT counters (test/s3 has the real-S3 variant)') }, async () => {
  const id = await env.version();
  env.emu.faults.script({ route: 'part_link', kind: 'url_expire' });
  env.emu.faults.script({ route: 'storage_put', kind: 'url_expire', partNumber: 1 });
  const start = env.emu.counters.snapshot();
  const result = await env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, multi, multipartOptions);
  assert.equal(result.attempts, 5);
  assert.deepEqual(routeDelta(env.emu, start, 'storage_put'), { 403: 2, 200: 3 });
  // Parts 2 and 3 ask once each, the expired ones (part 1's init link, one part link) once more.
  assert.deepEqual(routeDelta(env.emu, start, 'part_link'), { 200: 4 });
  await roundTrip(id, multi);
});

test('multipart: an unrecoverable part (10 × 500) aborts the upload; nothing stays open', { skip: builtinOnly('a storage PUT fault') }, async () => {
  const id = await env.version();
  env.emu.faults.script({ route: 'storage_put', kind: 'http500', partNumber: 2, count: 10 });
  const start = env.emu.counters.snapshot();
  await assert.rejects(
    env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, multi, multipartOptions),
    (err: Error & { code?: string; status?: number; storageCode?: string }) => {
      assert.equal(err.code, 'SG_STORAGE');
      assert.equal(err.status, 500);
      assert.equal(err.storageCode, 'InternalError');
      assert.doesNotMatch(err.message, /X-Amz-Signature|X-Amz-Credential/);
      return true;
    },
  );
  assert.equal(routeDelta(env.emu, start, 'storage_put')[500], 4, 'one try and three retries');
  assert.deepEqual(routeDelta(env.emu, start, 'abort'), { 204: 1 });
  assert.equal(env.emu.counters.snapshot().multipartOpen, 0);
  assert.equal(delta(start, 'completions'), 0);
  env.emu.faults.clear();
});

test('a link refused every time (403 ×10) ends as SG_STORAGE after the retries, with no Attachment', { skip: builtinOnly('url_expire on the storage PUT itself') }, async () => {
  const id = await env.version();
  env.emu.faults.script({ route: 'storage_put', kind: 'url_expire', count: 10 });
  const start = env.emu.counters.snapshot();
  await assert.rejects(env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, small), { code: 'SG_STORAGE', status: 403, storageCode: 'AccessDenied', attempts: 4 });
  // Only answered exchanges: a connection an earlier test aborted may be counted as it closes, late.
  const answered = Object.fromEntries(Object.entries(routeDelta(env.emu, start, 'storage_put')).filter(([status]) => status !== 'reset' && status !== 'stall'));
  assert.deepEqual(answered, { 403: 4 });
  assert.equal(delta(start, 'attachmentsCreated'), 0);
});

test('completion reset after the site applied it: checked, not repeated — exactly one Attachment', async () => {
  for (const [target, options] of [[{ field: 'sg_uploaded_movie' }, {}], [{}, {}], [{ field: 'sg_uploaded_movie' }, multipartOptions]] as const) {
    const id = await env.version();
    env.emu.faults.script({ route: 'complete', kind: 'reset', afterHandler: true });
    const start = env.emu.counters.snapshot();
    const path = 'partSize' in options ? multi : small;
    const result = await env.sg.upload({ type: 'Version', id, ...target }, path, options);
    assert.equal(delta(start, 'attachmentsCreated'), 1, JSON.stringify(target));
    assert.deepEqual(routeDelta(env.emu, start, 'complete'), { reset: 1 });
    assert.ok(result.attachment, 'the Attachment is found and returned');
    const atts = await env.sg.find('Attachment', [['id', 'is', result.attachment.id]], { fields: ['original_fname'] });
    assert.equal(atts.length, 1);
    assert.equal(env.emu.counters.snapshot().multipartOpen, 0);
  }
});

test('completion reset before the site applied it: checked, then sent again — exactly one Attachment', async () => {
  for (const target of [{ field: 'sg_uploaded_movie' }, {}]) {
    const id = await env.version();
    env.emu.faults.script({ route: 'complete', kind: 'reset', resetAfterBytes: 0 });
    const start = env.emu.counters.snapshot();
    const result = await env.sg.upload({ type: 'Version', id, ...target }, small);
    assert.equal(delta(start, 'attachmentsCreated'), 1);
    assert.deepEqual(routeDelta(env.emu, start, 'complete'), { reset: 1, 201: 1 });
    assert.ok(result.attachment);
    await (target.field ? roundTrip(id, small) : Promise.resolve());
  }
});

test('completion 500 is checked before a re-send; 503 and an expired bearer are retried by the request layer', async () => {
  const id = await env.version();
  env.emu.faults.script({ route: 'complete', kind: 'http500' });
  let start = env.emu.counters.snapshot();
  await env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, small);
  assert.deepEqual(routeDelta(env.emu, start, 'complete'), { 500: 1, 201: 1 });
  assert.equal(delta(start, 'attachmentsCreated'), 1);

  env.emu.faults.script({ route: 'complete', kind: 'http503' });
  env.emu.faults.script({ route: 'complete', kind: 'token_expire' });
  start = env.emu.counters.snapshot();
  await env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, small);
  assert.deepEqual(routeDelta(env.emu, start, 'complete'), { 503: 1, 401: 1, 201: 1 });
  assert.equal(delta(start, 'attachmentsCreated'), 1);
});

test('completions lost three times in a row (500, 502, reset), each proved not applied: sent again within the retry budget — one Attachment', async () => {
  const id = await env.version();
  env.emu.faults.script({ route: 'complete', kind: 'http500' });
  env.emu.faults.script({ route: 'complete', kind: 'http502' });
  env.emu.faults.script({ route: 'complete', kind: 'reset', resetAfterBytes: 0 });
  const start = env.emu.counters.snapshot();
  const result = await env.sg.upload({ type: 'Version', id }, small);
  assert.ok(result.attachment);
  assert.deepEqual(routeDelta(env.emu, start, 'complete'), { 500: 1, 502: 1, reset: 1, 201: 1 });
  assert.equal(delta(start, 'attachmentsCreated'), 1);
});

test('a thumbnail completion reset after it was applied is not repeated', async () => {
  const id = await env.version();
  const png = env.file('t.png', Buffer.from('89504e470d0a1a0a', 'hex'));
  env.emu.faults.script({ route: 'complete', kind: 'reset', afterHandler: true });
  const start = env.emu.counters.snapshot();
  const result = await env.sg.upload({ type: 'Version', id, field: 'image' }, png);
  assert.deepEqual(routeDelta(env.emu, start, 'complete'), { reset: 1 });
  assert.match(String(result.value), /\/images\/status\/transient\//);
});

test('aborting a multipart upload stops the parts, aborts it on the site and throws SG_ABORTED', { skip: builtinOnly('a stalled storage PUT (test/s3 aborts mid-upload against real S3)') }, async () => {
  const id = await env.version();
  // Part 2 hangs, so the abort lands while parts are in flight.
  env.emu.faults.script({ route: 'storage_put', kind: 'stall', partNumber: 2, stallMs: 10_000 });
  const controller = new AbortController();
  const start = env.emu.counters.snapshot();
  const slow = env.client({ timeouts: { stall: 10_000 } });
  const pending = slow.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, multi, { ...multipartOptions, signal: controller.signal });
  setTimeout(() => controller.abort(), 300);
  const t0 = performance.now();
  await assert.rejects(pending, { code: 'SG_ABORTED' });
  assert.ok(performance.now() - t0 < 2000, 'stopped promptly');
  assert.deepEqual(routeDelta(env.emu, start, 'abort'), { 204: 1 });
  assert.equal(env.emu.counters.snapshot().multipartOpen, 0);
  assert.equal(delta(start, 'completions'), 0);
  await assert.rejects(env.sg.upload({ type: 'Version', id }, small, { signal: AbortSignal.abort() }), { code: 'SG_ABORTED' });
});

/** Whether this process holds `path` open. */
function heldOpen(path: string): boolean {
  return readdirSync('/proc/self/fd').some((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  });
}

test('an init that fails stops the hash pass started alongside it: nothing hashed further, the file closed, no part sent', async () => {
  const id = await env.version();
  // Seven parts: with 2 in flight the pass may hash 4 before any is taken, then waits for ever unless stopped.
  const path = env.file('init-fails.mov', 35 * MiB + 1);
  env.emu.faults.script({ route: 'upload_init', kind: 'http404' });
  const start = env.emu.counters.snapshot();
  await assert.rejects(env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, path, multipartOptions), { code: 'SG_NOT_FOUND' });
  assert.deepEqual(routeDelta(env.emu, start, 'upload_init'), { 404: 1 });
  assert.deepEqual(routeDelta(env.emu, start, 'storage_put'), {});
  // The upload throws only once the pass has ended and closed the file (its open may still have
  // been in flight when the init failed).
  assert.equal(runningHashPasses(), 0, 'the pass was stopped');
  assert.equal(heldOpen(path), false, 'the hash pass closed the file');
});
