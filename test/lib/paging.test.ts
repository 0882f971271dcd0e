/** Large results: find of 50,000 records, and iterate's prefetch with bounded look-ahead. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../../emulator/index.js';
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

/** Search requests answered so far. */
function apiRequests(): number {
  return Object.values(emu.counters.snapshot().requests.api ?? {}).reduce((a, b) => a + b, 0);
}

test('find returns all 50,000 records across pages, in order, each once', async () => {
  const before = apiRequests();
  const records = await sg.find('Asset', filters, { fields: ['code'], pageSize: 5000, sort: 'id' });
  assert.equal(records.length, TOTAL);
  assert.deepEqual(records.map((r) => r.id), ids);
  assert.equal(records[TOTAL - 1]!.code, `bulk-${TOTAL - 1}`);
  // 10 full pages, then one empty page proves the end.
  assert.equal(apiRequests() - before, TOTAL / 5000 + 1);
});

test('iterate prefetches the next page while the caller works, and never runs further ahead', async () => {
  const pageSize = 2500;
  const before = apiRequests();
  let seen = 0;
  let lastId = 0;
  for await (const record of sg.iterate('Asset', filters, { fields: ['code'], pageSize, sort: 'id' })) {
    assert.ok(record.id > lastId);
    lastId = record.id;
    seen++;
    if (seen % pageSize !== 1) continue;
    const page = Math.ceil(seen / pageSize);
    // While we hold the first record of page `page`, the next page is being fetched...
    const deadline = Date.now() + 5000;
    while (apiRequests() - before < page + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    // ...and nothing beyond it: at most two pages exist at any time.
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(apiRequests() - before, page + 1, `at page ${page}`);
  }
  assert.equal(seen, TOTAL);
});

test('breaking out of iterate stops paging', async () => {
  let n = 0;
  for await (const record of sg.iterate('Asset', filters, { pageSize: 100 })) {
    assert.equal(typeof record.id, 'number');
    if (++n === 150) break;
  }
  const settled = apiRequests();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(apiRequests(), settled);
  assert.equal((await sg.find('Asset', filters, { limit: 3 })).length, 3);
});

test('limit stops early without reading further pages', async () => {
  const before = apiRequests();
  const records = await sg.find('Asset', filters, { pageSize: 1000, limit: 2500 });
  assert.equal(records.length, 2500);
  assert.equal(apiRequests() - before, 3);
});

test('without pageSize, reading everything uses 5000-record pages; page keeps 500-record pages', async () => {
  let before = apiRequests();
  const all = await sg.find('Asset', filters, { fields: ['code'] });
  assert.equal(all.length, TOTAL);
  // 10 full pages of 5000, then one empty page proves the end (500-record pages would take 101).
  assert.equal(apiRequests() - before, TOTAL / 5000 + 1);
  before = apiRequests();
  const third = await sg.find('Asset', filters, { sort: 'id', page: 3 });
  assert.deepEqual(third.map((r) => r.id), ids.slice(1000, 1500));
  assert.equal(apiRequests() - before, 1);
});
