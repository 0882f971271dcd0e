/**
 * Large results: find of 50,000 records, pages read a few at a time in sequential order, iterate's
 * bounded look-ahead, the connection budget, and records created during a read.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startEmulator, type Emulator } from '../../emulator/index.js';
import { FIND_READ_AHEAD_PAGES, READ_AHEAD_PAGES } from '../../lib/entities/find.js';
import { ShotGridClient } from '../../lib/index.js';

const TOTAL = 50_000;
const filters = [['code', 'starts_with', 'bulk-']] as Array<[string, string, string]>;
let emu: Emulator;
let sg: ShotGridClient;
let ids: number[];

before(async () => {
  emu = await startEmulator();
  ids = emu.bulkCreate('Asset', Array.from({ length: TOTAL }, (_, i) => ({ code: `bulk-${String(i).padStart(5, '0')}`, project: { type: 'Project', id: 1 } })));
  sg = new ShotGridClient({ site: emu.url, auth: { scriptName: emu.credentials.scriptName, scriptKey: emu.credentials.scriptKey }, retry: { retries: 2, minTimeout: 10, maxTimeout: 50 } });
});
after(async () => {
  await sg?.close();
  await emu?.close();
});

/**
 * Runs `fn` while watching the site: the most `_search`/`_summarize` requests it was handling at
 * once (seen from the server side, so the client's own bookkeeping cannot fake it).
 */
async function peakInFlight<T>(fn: () => Promise<T>): Promise<{ value: T; peak: number }> {
  let now = 0;
  let peak = 0;
  const onStart = (message: unknown): void => {
    const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
    if (!/\/_(search|summarize)$/.test((request.url ?? '').split('?')[0]!)) return;
    peak = Math.max(peak, ++now);
    response.once('close', () => now--);
  };
  diagnostics.subscribe('http.server.request.start', onStart);
  try {
    return { value: await fn(), peak };
  } finally {
    diagnostics.unsubscribe('http.server.request.start', onStart);
  }
}

/** A `_search` or `_summarize` request as the site saw it: which, when it arrived, when its answer was sent. */
interface SeenRequest {
  route: 'search' | 'summarize';
  start: number;
  end: number;
}

/** Runs `fn` and returns the `_search`/`_summarize` requests the site handled meanwhile, in arrival order. */
async function watchReads<T>(fn: () => Promise<T>): Promise<{ value: T; seen: SeenRequest[] }> {
  const seen: SeenRequest[] = [];
  const onStart = (message: unknown): void => {
    const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
    const m = /\/_(search|summarize)$/.exec((request.url ?? '').split('?')[0]!);
    if (!m) return;
    const entry: SeenRequest = { route: m[1] as SeenRequest['route'], start: performance.now(), end: Number.POSITIVE_INFINITY };
    seen.push(entry);
    response.once('finish', () => (entry.end = performance.now()));
  };
  diagnostics.subscribe('http.server.request.start', onStart);
  try {
    return { value: await fn(), seen };
  } finally {
    diagnostics.unsubscribe('http.server.request.start', onStart);
  }
}

/** Search requests answered so far. */
function apiRequests(): number {
  return Object.values(emu.counters.snapshot().requests.api ?? {}).reduce((a, b) => a + b, 0);
}

/** Waits until cancelled requests have been counted (no new one for 200 ms), so tests do not see each other's. */
async function settle(): Promise<void> {
  let last = -1;
  while (apiRequests() !== last) {
    last = apiRequests();
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('find returns all 50,000 records across pages, in order, each once', async () => {
  const before = apiRequests();
  const records = await sg.find('Asset', filters, { fields: ['code'], pageSize: 5000, sort: 'id' });
  assert.equal(records.length, TOTAL);
  assert.deepEqual(records.map((r) => r.id), ids);
  assert.equal(records[TOTAL - 1]!.code, `bulk-${TOTAL - 1}`);
  // 10 full pages and one count (which says where the end is: no empty page to prove it).
  assert.equal(apiRequests() - before, TOTAL / 5000 + 1);
});

test('reading everything fetches several pages at once, in the order of a sequential read', async () => {
  // Each request waits 30 ms on the site, so pages asked for together are handled together.
  emu.configure({ shaping: { apiLatency: 30 } });
  try {
    const { value: records, peak } = await peakInFlight(() => sg.find('Asset', filters, { fields: ['code'], pageSize: 2000 }));
    assert.deepEqual(records.map((r) => r.id), ids);
    assert.ok(peak >= 2, `pages were fetched one at a time (peak ${peak})`);
    // find's look-ahead, plus the count.
    assert.ok(peak <= FIND_READ_AHEAD_PAGES + 1, `peak ${peak} in flight`);
  } finally {
    emu.configure({ shaping: { apiLatency: 0 } });
  }
});

test('a search read past a full first page before: its count is asked for with page 1, the other pages together', async () => {
  await settle();
  // A client of its own (it remembers which of its searches were large). Each request waits
  // 50 ms on the site, so requests asked for together overlap there.
  const own = new ShotGridClient({ site: emu.url, auth: { scriptName: emu.credentials.scriptName, scriptKey: emu.credentials.scriptKey } });
  emu.configure({ shaping: { apiLatency: 50 } });
  try {
    const read = () => watchReads(() => own.find('Asset', filters, { fields: ['code'] }));
    // First read: the count is asked for after a full page 1 (the result could have fit on it).
    const first = await read();
    assert.equal(first.value.length, TOTAL);
    const [firstPage1] = first.seen.filter((r) => r.route === 'search');
    const [firstCount] = first.seen.filter((r) => r.route === 'summarize');
    assert.ok(firstCount!.start >= firstPage1!.end, 'the first read asked for the count before page 1 was in');
    // Second read: the count goes with page 1.
    const { value: records, seen } = await read();
    assert.deepEqual(records.map((r) => r.id), ids);
    const searches = seen.filter((r) => r.route === 'search');
    const counts = seen.filter((r) => r.route === 'summarize');
    // 10 full pages and one count: nothing past the end.
    assert.equal(searches.length, TOTAL / 5000);
    assert.equal(counts.length, 1);
    const page1 = searches[0]!;
    assert.ok(counts[0]!.start < page1.end, 'the count waited for page 1');
    // Later pages are asked for once page 1 or the count is in, several at once.
    const later = searches.slice(1);
    assert.ok(Math.min(...later.map((r) => r.start)) >= Math.min(page1.end, counts[0]!.end), 'a later page was asked for before page 1 or the count was in');
    const firstLaterEnd = Math.min(...later.map((r) => r.end));
    assert.ok(later.filter((r) => r.start < firstLaterEnd).length >= 2, 'later pages were asked for one at a time');
  } finally {
    emu.configure({ shaping: { apiLatency: 0 } });
    await own.close();
  }
});

test('a read whose result fits on page 1 is one request; a search that shrank to one page pays one count, once', async () => {
  await settle();
  const small = await watchReads(() => sg.find('Asset', [['code', 'in', ['bulk-00007', 'bulk-00042']]], { fields: ['code'] }));
  assert.deepEqual(small.value.map((r) => r.code), ['bulk-00007', 'bulk-00042']);
  assert.deepEqual(small.seen.map((r) => r.route), ['search']);
  // 150 records in 100-record pages: page 1, then page 2 with the count.
  const mark = 'shrink-';
  const made = emu.bulkCreate('Asset', Array.from({ length: 150 }, (_, i) => ({ code: `${mark}${i}`, project: { type: 'Project', id: 1 } })));
  const read = () => watchReads(() => sg.find('Asset', [['code', 'starts_with', mark]], { pageSize: 100 }));
  const large = await read();
  assert.equal(large.value.length, 150);
  assert.deepEqual(large.seen.map((r) => r.route).sort(), ['search', 'search', 'summarize']);
  for (const id of made.slice(0, 100)) await sg.delete('Asset', id);
  // Now 50: the count asked for with page 1 was not needed; the next read does without it.
  const shrunk = await read();
  assert.equal(shrunk.value.length, 50);
  assert.deepEqual(shrunk.seen.map((r) => r.route).sort(), ['search', 'summarize']);
  const again = await read();
  assert.equal(again.value.length, 50);
  assert.deepEqual(again.seen.map((r) => r.route), ['search']);
});

test('the connection budget (maxConnections) bounds a parallel read', async () => {
  const one = new ShotGridClient({ site: emu.url, auth: { scriptName: emu.credentials.scriptName, scriptKey: emu.credentials.scriptKey }, maxConnections: 1 });
  emu.configure({ shaping: { apiLatency: 20 } });
  try {
    const { value: records, peak } = await peakInFlight(() => one.find('Asset', filters, { pageSize: 5000 }));
    assert.equal(records.length, TOTAL);
    assert.equal(peak, 1);
  } finally {
    emu.configure({ shaping: { apiLatency: 0 } });
    await one.close();
  }
});

test('records created during a read: every earlier record exactly once, in id order', async () => {
  const mark = 'during-';
  const own = emu.bulkCreate('Asset', Array.from({ length: 1200 }, (_, i) => ({ code: `${mark}${i}`, project: { type: 'Project', id: 1 } })));
  const seen: number[] = [];
  let created = 0;
  for await (const record of sg.iterate('Asset', [['code', 'starts_with', mark]], { pageSize: 100 })) {
    seen.push(record.id);
    // New matching records while pages are in flight and still to come.
    if (seen.length % 150 === 0) {
      await sg.create('Asset', { code: `${mark}new-${created++}`, project: { type: 'Project', id: 1 } });
    }
  }
  assert.ok(created >= 5);
  assert.deepEqual(seen.slice(0, own.length), own, 'every record that existed, once, in order');
  assert.deepEqual([...seen].sort((a, b) => a - b), seen, 'ascending ids: nothing repeated');
  assert.equal(new Set(seen).size, seen.length);
});

test('when the count fails, the read goes on page by page to a short page', async () => {
  emu.faults.script({ route: 'api', kind: 'http500', pathIncludes: '_summarize', count: 10 });
  try {
    const records = await sg.find('Asset', filters, { pageSize: 5000 });
    assert.equal(records.length, TOTAL);
  } finally {
    emu.faults.clear();
    // Pages past the end were cancelled in flight; the site may still count them.
    await settle();
  }
});

test('iterate fetches a few pages ahead while the caller works, and never runs further ahead', async () => {
  const pageSize = 2500;
  const pages = TOTAL / pageSize;
  await settle();
  const before = apiRequests();
  let seen = 0;
  let lastId = 0;
  for await (const record of sg.iterate('Asset', filters, { fields: ['code'], pageSize, sort: 'id' })) {
    assert.ok(record.id > lastId);
    lastId = record.id;
    seen++;
    if (seen % pageSize !== 1) continue;
    const page = Math.ceil(seen / pageSize);
    // While we hold the first record of page `page`, the next pages are being fetched (and,
    // after the first page, the count)...
    const expected = Math.min(page + READ_AHEAD_PAGES, pages) + (page > 1 || pages > 1 + READ_AHEAD_PAGES ? 1 : 0);
    const deadline = Date.now() + 5000;
    while (apiRequests() - before < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    // ...and nothing beyond them: memory holds at most the look-ahead and the current page.
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(apiRequests() - before, expected, `at page ${page}`);
  }
  assert.equal(seen, TOTAL);
});

test('breaking out of iterate stops paging', async () => {
  await settle();
  const before = apiRequests();
  let n = 0;
  for await (const record of sg.iterate('Asset', filters, { pageSize: 100 })) {
    assert.equal(typeof record.id, 'number');
    if (++n === 150) break;
  }
  await settle();
  const settled = apiRequests();
  // Two pages were read; besides them at most the look-ahead and the count were asked for.
  assert.ok(settled - before <= 2 + READ_AHEAD_PAGES + 1, `${settled - before} requests`);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(apiRequests(), settled);
  assert.equal((await sg.find('Asset', filters, { limit: 3 })).length, 3);
});

test('limit stops early without reading further pages', async () => {
  await settle();
  const before = apiRequests();
  const records = await sg.find('Asset', filters, { pageSize: 1000, limit: 2500 });
  assert.equal(records.length, 2500);
  assert.equal(apiRequests() - before, 3);
});

test('without pageSize, reading everything uses 5000-record pages; page keeps 500-record pages', async () => {
  await settle();
  let before = apiRequests();
  const all = await sg.find('Asset', filters, { fields: ['code'] });
  assert.equal(all.length, TOTAL);
  // 10 full pages of 5000 and the count (500-record pages would take 101).
  assert.equal(apiRequests() - before, TOTAL / 5000 + 1);
  before = apiRequests();
  const third = await sg.find('Asset', filters, { sort: 'id', page: 3 });
  assert.deepEqual(third.map((r) => r.id), ids.slice(1000, 1500));
  assert.equal(apiRequests() - before, 1);
});
