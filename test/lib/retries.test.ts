/**
 * Retries and the idempotency rule against the emulator's scripted faults: transient statuses,
 * Retry-After, resets before and after the site applied a write, stalls and expired bearers.
 */
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../../emulator/index.js';
import { ShotGridClient, isShotGridError, reportRetries, type ShotGridClientOptions } from '../../lib/index.js';

let emu: Emulator;
let sg: ShotGridClient;
const project = { type: 'Project', id: 1 };

function clientOptions(extra: Partial<ShotGridClientOptions> = {}): ShotGridClientOptions {
  return {
    site: emu.url,
    auth: { scriptName: emu.credentials.scriptName, scriptKey: emu.credentials.scriptKey },
    retry: { retries: 3, minTimeout: 20, maxTimeout: 100 },
    ...extra,
  };
}

before(async () => {
  emu = await startEmulator();
  sg = new ShotGridClient(clientOptions());
  await sg.find('Shot', [], { limit: 1 }); // token in hand: faults below hit API calls only
});
beforeEach(() => emu.faults.clear());
after(async () => {
  await sg?.close();
  await emu?.close();
});

/** API answers by status since `before`. */
function apiStatuses(before: ReturnType<Emulator['counters']['snapshot']>): Record<string, number> {
  const now = emu.counters.snapshot().requests.api ?? {};
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(now)) {
    const d = v - (before.requests.api?.[k] ?? 0);
    if (d) out[k] = d;
  }
  return out;
}

function created(before: ReturnType<Emulator['counters']['snapshot']>, type = 'Shot'): number {
  return (emu.counters.snapshot().recordsCreated[type] ?? 0) - (before.recordsCreated[type] ?? 0);
}

test('a find answered 503, 503, 200 succeeds on the third attempt', async () => {
  const start = emu.counters.snapshot();
  emu.faults.script({ route: 'api', kind: 'http503', count: 2 });
  const shots = await sg.find('Shot', [], { limit: 2 });
  assert.equal(shots.length, 2);
  assert.deepEqual(apiStatuses(start), { '503': 2, '200': 1 });
});

test('reportRetries: the retries of calls made with a signal reach its listener (a token request the call started too), not those of other calls', async () => {
  const heard: string[] = [];
  const mine = new AbortController();
  reportRetries(mine.signal, (event) => heard.push(`${event.attempt}/${event.retries}`));
  emu.faults.script({ route: 'api', kind: 'http503', count: 2 });
  await sg.find('Shot', [], { limit: 1, signal: mine.signal });
  assert.deepEqual(heard, ['1/3', '2/3']);
  emu.faults.script({ route: 'api', kind: 'http503', count: 1 });
  await sg.find('Shot', [], { limit: 1 });
  assert.deepEqual(heard, ['1/3', '2/3'], 'a call without the signal was heard');
  // A new client's first call starts the token request, which retries.
  const fresh = new ShotGridClient(clientOptions());
  try {
    const first = new AbortController();
    const tokenRetries: number[] = [];
    reportRetries(first.signal, (event) => tokenRetries.push(event.attempt));
    emu.faults.script({ route: 'token', kind: 'http503', count: 1 });
    await fresh.authenticate({ signal: first.signal });
    assert.deepEqual(tokenRetries, [1]);
  } finally {
    await fresh.close();
  }
});

test('a 429 with Retry-After: 1 is waited out (≥ 1 s) and then succeeds', async () => {
  const start = emu.counters.snapshot();
  emu.faults.script({ route: 'api', kind: 'http429', retryAfter: 1 });
  const t0 = performance.now();
  await sg.find('Shot', [], { limit: 1 });
  assert.ok(performance.now() - t0 >= 1000, `waited only ${Math.round(performance.now() - t0)} ms`);
  assert.deepEqual(apiStatuses(start), { '429': 1, '200': 1 });
});

test('a reset after the site applied a create → SG_OUTCOME_UNKNOWN and exactly one record, never two', async () => {
  const start = emu.counters.snapshot();
  emu.faults.script({ route: 'api', kind: 'reset', afterHandler: true, method: 'POST' });
  await assert.rejects(sg.create('Shot', { code: 'lib-reset-after', project }), (e: unknown) => {
    assert.ok(isShotGridError(e));
    assert.equal(e.code, 'SG_OUTCOME_UNKNOWN', e.message);
    assert.equal(e.method, 'POST');
    assert.equal(e.path, '/api/v1/entity/Shot');
    return true;
  });
  assert.equal(created(start), 1);
  assert.equal((await sg.find('Shot', [['code', 'is', 'lib-reset-after']])).length, 1);
});

test('a reset while the create was being sent → SG_OUTCOME_UNKNOWN and no duplicate', async () => {
  const start = emu.counters.snapshot();
  emu.faults.script({ route: 'api', kind: 'reset', resetAfterBytes: 0, method: 'POST' });
  await assert.rejects(sg.create('Shot', { code: 'lib-reset-during', project }), (e: unknown) => isShotGridError(e) && e.code === 'SG_OUTCOME_UNKNOWN');
  assert.ok(created(start) <= 1);
  assert.ok((await sg.find('Shot', [['code', 'is', 'lib-reset-during']])).length <= 1);
});

test('a batch reset after it was applied is not repeated', async () => {
  const start = emu.counters.snapshot();
  emu.faults.script({ route: 'api', kind: 'reset', afterHandler: true, pathIncludes: '_batch' });
  await assert.rejects(
    sg.batch([
      { request_type: 'create', entity_type: 'Shot', data: { code: 'lib-batch-reset-1', project } },
      { request_type: 'create', entity_type: 'Shot', data: { code: 'lib-batch-reset-2', project } },
    ]),
    (e: unknown) => isShotGridError(e) && e.code === 'SG_OUTCOME_UNKNOWN',
  );
  assert.equal(created(start), 2);
});

test('a create answered 503 (not processed) is retried and creates one record', async () => {
  const start = emu.counters.snapshot();
  emu.faults.script({ route: 'api', kind: 'http503', method: 'POST' });
  const shot = await sg.create('Shot', { code: 'lib-503-create', project });
  assert.equal(shot.code, 'lib-503-create');
  assert.equal(created(start), 1);
  assert.deepEqual(apiStatuses(start), { '503': 1, '201': 1 });
});

test('a create answered 502 by a gateway is SG_OUTCOME_UNKNOWN and sent once', async () => {
  const start = emu.counters.snapshot();
  emu.faults.script({ route: 'api', kind: 'http502', method: 'POST' });
  await assert.rejects(sg.create('Shot', { code: 'lib-502-create', project }), (e: unknown) => isShotGridError(e) && e.code === 'SG_OUTCOME_UNKNOWN' && e.status === 502);
  assert.deepEqual(apiStatuses(start), { '502': 1 });
});

test('reads, updates and deletes are repeated after resets and 502/504-like failures', async () => {
  const shot = await sg.create('Shot', { code: 'lib-idempotent', project });
  const start = emu.counters.snapshot();
  emu.faults.script({ route: 'api', kind: 'reset', afterHandler: true, method: 'PUT' });
  emu.faults.script({ route: 'api', kind: 'http502', method: 'PUT' });
  const updated = await sg.update('Shot', shot.id, { description: 'after faults' });
  assert.equal(updated.description, 'after faults');
  emu.faults.script({ route: 'api', kind: 'reset', resetAfterBytes: 0, pathIncludes: '_search' });
  assert.equal((await sg.find('Shot', [['id', 'is', shot.id]])).length, 1);
  const statuses = apiStatuses(start);
  assert.equal(statuses['502'], 1);
  assert.equal(statuses.reset, 2);
});

test('a stalled read times out and is retried', async () => {
  const client = new ShotGridClient(clientOptions({ timeouts: { headers: 300 } }));
  try {
    await client.find('Shot', [], { limit: 1 });
    emu.faults.script({ route: 'api', kind: 'stall', stallMs: 2000 });
    assert.equal((await client.find('Shot', [], { limit: 1 })).length, 1);
    emu.faults.script({ route: 'api', kind: 'stall', stallMs: 2000, count: 4 });
    await assert.rejects(client.find('Shot', [], { limit: 1 }), (e: unknown) => isShotGridError(e) && e.code === 'SG_TIMEOUT' && e.attempts === 4);
  } finally {
    emu.faults.clear();
    await client.close();
  }
});

test('an expired bearer (401) renews the token once and replays the call once', async () => {
  const start = emu.counters.snapshot();
  emu.faults.script({ route: 'api', kind: 'token_expire' });
  assert.equal((await sg.find('Shot', [], { limit: 1 })).length, 1);
  const grants = emu.counters.snapshot().tokenGrants;
  const renewed = (grants.refresh_token ?? 0) - (start.tokenGrants.refresh_token ?? 0);
  assert.equal(renewed, 1);
  assert.deepEqual(apiStatuses(start), { '401': 1, '200': 1 });
  // Two refusals in a row: the replay is not repeated.
  emu.faults.script({ route: 'api', kind: 'token_expire', count: 2 });
  await assert.rejects(sg.find('Shot', [], { limit: 1 }), (e: unknown) => isShotGridError(e) && e.code === 'SG_AUTH' && e.status === 401);
});

test('the retry budget ends with the mapped error and its attempt count', async () => {
  emu.faults.script({ route: 'api', kind: 'http503', count: 10 });
  await assert.rejects(sg.find('Shot', []), (e: unknown) => isShotGridError(e) && e.code === 'SG_SERVER' && e.status === 503 && e.attempts === 4);
});
