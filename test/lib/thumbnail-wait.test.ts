/**
 * Thumbnail waits against the emulator: 100 pending thumbnails resolved with ONE `_search` per
 * poll round (counted by a wrapper around the request layer and by the emulator), chunking
 * beyond the page size, `failed` (null after transient), `timeout`, the null rule, unknown
 * records, and an abort within a second.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiCaller, ApiRequest, ApiResponse } from '../../lib/api-caller.js';
import { resolveClientOptions } from '../../lib/config/resolve-options.js';
import { ApiClient } from '../../lib/http/api-client.js';
import { waitForThumbnails } from '../../lib/transfers/index.js';
import { settledRouteDelta, testClientOptions, transferEnv, type TransferEnv } from './fixtures/transfer-env.js';

let env: TransferEnv;
let core: ApiClient;
let png: string;
/** Every request the wrapped caller made, with its `id in [...]` list. */
let calls: Array<{ path: string; ids: number[]; contentType?: string }> = [];

const counting: ApiCaller = {
  request<T>(req: ApiRequest): Promise<ApiResponse<T>> {
    const conditions = (req.json as { filters?: { conditions?: unknown[][] } } | undefined)?.filters?.conditions ?? [];
    const inList = conditions.find((c) => c[0] === 'id' && c[1] === 'in');
    calls.push({ path: req.path, ids: (inList?.[2] as number[] | undefined) ?? [], contentType: req.contentType });
    return core.request<T>(req);
  },
  retryable: (fn, options) => core.retryable(fn, options),
  get siteUrl() {
    return core.siteUrl;
  },
  get dispatcher() {
    return core.dispatcher;
  },
  get timeouts() {
    return core.timeouts;
  },
  get userAgent() {
    return core.userAgent;
  },
};

before(async () => {
  env = await transferEnv();
  core = new ApiClient(resolveClientOptions(testClientOptions(env.emu)));
  png = env.file('t.png', Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010802000000', 'hex'));
});
after(async () => {
  await core?.close();
  await env?.close();
});

async function uploadThumbnails(ids: number[]): Promise<void> {
  const queue = [...ids];
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) await env.sg.upload({ type: 'Version', id, field: 'image' }, png);
  }));
}

test('100 pending thumbnails: one _search per poll round for all still-pending ids', async () => {
  env.emu.configure({ transcodeDelay: 1500 });
  const ids = env.emu.bulkCreate('Version', Array.from({ length: 100 }, (_, i) => ({ code: `thumb ${i}`, project: { type: 'Project', id: 1 } })));
  await uploadThumbnails(ids);
  calls = [];
  const start = env.emu.counters.snapshot();
  const results = await waitForThumbnails(counting, 'Version', ids, { interval: 100, maxInterval: 200, timeout: 10_000 });
  assert.equal(results.length, 100);
  assert.deepEqual(results.map((r) => r.id), ids, 'results follow the ids');
  assert.ok(results.every((r) => r.status === 'ready' && typeof r.url === 'string' && !r.url.includes('/images/status/transient/')));
  assert.ok(calls.length >= 2, `several rounds were needed (${calls.length})`);
  assert.equal(calls[0]!.ids.length, 100, 'the first round asks for all 100 at once');
  for (const c of calls) {
    assert.match(c.path, /^\/entity\/Version\/_search$/);
    assert.equal(c.contentType, 'application/vnd+shotgun.api3_hash+json');
  }
  for (let i = 1; i < calls.length; i++) assert.ok(calls[i]!.ids.length <= calls[i - 1]!.ids.length, 'only the still-pending ids are asked again');
  // The emulator saw exactly those requests: nothing per id on the side.
  assert.deepEqual(await settledRouteDelta(env.emu, start, 'api', { 200: calls.length }), { 200: calls.length });
  env.emu.configure({ transcodeDelay: 300 });
});

test('more ids than a page: one _search per 500 ids per round', async () => {
  const ids = env.emu.bulkCreate('Version', Array.from({ length: 501 }, (_, i) => ({ code: `bulk ${i}`, project: { type: 'Project', id: 1 } })));
  calls = [];
  const results = await waitForThumbnails(counting, 'Version', ids, { nullIsFailure: 'always', timeout: 5000 });
  assert.deepEqual(calls.map((c) => c.ids.length), [500, 1]);
  assert.ok(results.every((r) => r.status === 'failed'));
});

test('failed: the thumbnail was transient, then generation failed (null)', async () => {
  env.emu.configure({ transcodeFail: true, transcodeDelay: 300 });
  try {
    const id = await env.version();
    await env.sg.upload({ type: 'Version', id, field: 'image' }, png);
    const result = await env.sg.waitForThumbnail('Version', id, { interval: 50, timeout: 5000 });
    assert.deepEqual(result, { id, status: 'failed' });
  } finally {
    env.emu.configure({ transcodeFail: false });
  }
});

test('timeout: still transient at the deadline; null without an upload waits by default, fails with nullIsFailure: always', async () => {
  env.emu.configure({ transcodeDelay: 60_000 });
  try {
    const pending = await env.version();
    const never = await env.version();
    await env.sg.upload({ type: 'Version', id: pending, field: 'image' }, png);
    const results = await env.sg.waitForThumbnails('Version', [pending, never, pending], { interval: 50, timeout: 300 });
    assert.deepEqual(results, [{ id: pending, status: 'timeout' }, { id: never, status: 'timeout' }]);
    const strict = await env.sg.waitForThumbnails('Version', [never, 999_999], { nullIsFailure: 'always', timeout: 300 });
    assert.deepEqual(strict, [{ id: never, status: 'failed' }, { id: 999_999, status: 'failed' }]);
  } finally {
    env.emu.configure({ transcodeDelay: 300 });
  }
});

test('an abort ends the wait within a second with SG_ABORTED', async () => {
  env.emu.configure({ transcodeDelay: 60_000 });
  try {
    const id = await env.version();
    await env.sg.upload({ type: 'Version', id, field: 'image' }, png);
    const controller = new AbortController();
    const t0 = performance.now();
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(env.sg.waitForThumbnail('Version', id, { interval: 5000, timeout: 60_000, signal: controller.signal }), { code: 'SG_ABORTED' });
    assert.ok(performance.now() - t0 < 1000);
    await assert.rejects(env.sg.waitForThumbnails('Version', [id], { timeout: -1 }), { code: 'SG_CONFIG' });
    await assert.rejects(env.sg.waitForThumbnails('Version', [0]), { code: 'SG_CONFIG' });
  } finally {
    env.emu.configure({ transcodeDelay: 300 });
  }
});
