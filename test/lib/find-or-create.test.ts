/** findOrCreate against the emulator over HTTP: one live record per key, whatever the races and lost answers. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../../emulator/index.js';
import { ShotGridClient, isShotGridError, type EntityRef, type FindOrCreateResult } from '../../lib/index.js';

let emu: Emulator;
let sgA: ShotGridClient;
let sgB: ShotGridClient;
let project: EntityRef;
let shot: EntityRef;

function client(): ShotGridClient {
  return new ShotGridClient({ site: emu.url, auth: { scriptName: emu.credentials.scriptName, scriptKey: emu.credentials.scriptKey }, retry: { retries: 3, minTimeout: 10, maxTimeout: 50 } });
}

before(async () => {
  emu = await startEmulator();
  sgA = client();
  sgB = client();
  const s = await sgA.findOne('Shot', [['code', 'is', 'bbb_010_0010']], { fields: ['project'] });
  assert.ok(s);
  shot = { type: 'Shot', id: s.id };
  project = s.project as EntityRef;
  // Both clients hold a token before the race, so their look-ups go out together.
  await sgB.count('Shot', []);
});

after(async () => {
  await sgA?.close();
  await sgB?.close();
  await emu?.close();
});

function versionData(code: string): Record<string, unknown> {
  return { code, entity: shot, project, description: 'from findOrCreate' };
}

async function liveAndRetired(code: string): Promise<{ live: number[]; retired: number[] }> {
  const live = (await sgA.find('Version', [['code', 'is', code]])).map((r) => r.id);
  const retired = (await sgA.find('Version', [['code', 'is', code]], { retired: true })).map((r) => r.id);
  return { live, retired };
}

test('findOrCreate creates once, then finds the same record (same fields either way)', async () => {
  const code = 'foc_once_v001';
  const first = await sgA.findOrCreate('Version', versionData(code), { returnFields: ['created_at'] });
  assert.equal(first.created, true);
  assert.equal(first.retired, undefined);
  assert.equal(first.record.code, code);
  assert.deepEqual((first.record.entity as EntityRef).id, shot.id);
  const creates = emu.counters.snapshot().recordsCreated.Version ?? 0;
  const second = await sgB.findOrCreate('Version', versionData(code), { returnFields: ['created_at'] });
  assert.equal(second.created, false);
  assert.equal(second.record.id, first.record.id);
  assert.deepEqual(Object.keys(second.record).sort(), Object.keys(first.record).sort());
  assert.equal(emu.counters.snapshot().recordsCreated.Version ?? 0, creates, 'found: nothing created');
  assert.deepEqual((await liveAndRetired(code)).live, [first.record.id]);
});

test('the key decides what counts as the same record', async () => {
  const code = 'foc_key_v001';
  const a = await sgA.findOrCreate('Version', { ...versionData(code), description: 'one' }, { key: ['code', 'entity'] });
  const b = await sgA.findOrCreate('Version', { ...versionData(code), description: 'two' }, { key: ['code', 'entity'] });
  assert.equal(b.created, false);
  assert.equal(b.record.id, a.record.id);
  assert.equal(b.record.description, 'one', 'a found record is returned as stored, not updated');
  const c = await sgA.findOrCreate('Version', { ...versionData(code), description: 'two' }, { key: ['code', 'description'] });
  assert.equal(c.created, true, 'a different key value is a different record');
  assert.notEqual(c.record.id, a.record.id);
});

test('20 concurrent calls with the same key from two clients end with one live record', async () => {
  const code = 'foc_race_v001';
  const before = emu.counters.snapshot().recordsCreated.Version ?? 0;
  const calls: Array<Promise<FindOrCreateResult>> = [];
  for (let i = 0; i < 20; i++) calls.push((i % 2 === 0 ? sgA : sgB).findOrCreate('Version', versionData(code)));
  const results = await Promise.all(calls);
  const { live, retired } = await liveAndRetired(code);
  assert.equal(live.length, 1, `one live Version, got ${live.length}`);
  const keep = live[0]!;
  for (const r of results) assert.equal(r.record.id, keep, 'every call returns the kept record');
  assert.equal(results.filter((r) => r.created).length, 1, 'exactly one call says it created the record');
  const creates = (emu.counters.snapshot().recordsCreated.Version ?? 0) - before;
  // By the call that made it, or by one that found it first (as if its maker had died): once either way.
  const reportedRetired = results.flatMap((r) => r.retired ?? []).map((ref) => ref.id).sort((a, b) => a - b);
  assert.deepEqual(reportedRetired, [...retired].sort((a, b) => a - b), 'each duplicate is retired, and reported by one call');
  assert.equal(retired.length, creates - 1, 'every create but the kept one was retired');
  assert.ok(retired.every((id) => id > keep), 'the oldest record is the one kept');
  assert.ok(creates > 1, `the calls raced (${creates} creates), so the test exercised the retire path`);
});

test('a duplicate whose creator died before retiring it is retired by the next call; one made long before is left alone', async () => {
  // Two creates with one key and no look-up after the second: a findOrCreate killed between its create and its retire.
  const code = 'foc_orphan_v001';
  const kept = await sgA.create('Version', versionData(code));
  const orphan = await sgB.create('Version', versionData(code));
  const result = await sgA.findOrCreate('Version', versionData(code));
  assert.equal(result.record.id, kept.id);
  assert.equal(result.created, false);
  assert.deepEqual(result.retired, [{ type: 'Version', id: orphan.id }]);
  assert.deepEqual(await liveAndRetired(code), { live: [kept.id], retired: [orphan.id] });
  // Made an hour apart: somebody's own record, not a race; found, nothing retired.
  const old = 'foc_older_v001';
  const hourAgo = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const [first] = emu.bulkCreate('Version', [{ ...versionData(old), created_at: hourAgo, updated_at: hourAgo }]);
  const second = await sgA.create('Version', versionData(old));
  const found = await sgB.findOrCreate('Version', versionData(old));
  assert.equal(found.record.id, first);
  assert.equal(found.retired, undefined);
  assert.deepEqual((await liveAndRetired(old)).live.sort((a, b) => a - b), [first!, second.id]);
});

test('a create whose answer is lost is resolved by the look-up, not repeated and not failed', async () => {
  const code = 'foc_lost_v001';
  const before = emu.counters.snapshot().recordsCreated.Version ?? 0;
  // The site applies the create, then the connection is reset instead of answering.
  emu.faults.script({ route: 'api', kind: 'reset', afterHandler: true, method: 'POST', pathEndsWith: '/entity/Version' });
  const result = await sgA.findOrCreate('Version', versionData(code));
  assert.deepEqual(emu.faults.pending(), [], 'the fault was applied');
  assert.equal(result.created, true);
  assert.equal(result.resolvedByLookup, true);
  assert.equal(result.record.code, code);
  assert.equal((emu.counters.snapshot().recordsCreated.Version ?? 0) - before, 1, 'created once, not again');
  assert.deepEqual((await liveAndRetired(code)).live, [result.record.id]);
});

test('a plain create with the same lost answer fails with SG_OUTCOME_UNKNOWN (what findOrCreate resolves)', async () => {
  emu.faults.script({ route: 'api', kind: 'reset', afterHandler: true, method: 'POST', pathEndsWith: '/entity/Version' });
  await assert.rejects(sgA.create('Version', versionData('foc_plain_v001')), (err) => isShotGridError(err) && err.code === 'SG_OUTCOME_UNKNOWN');
});

test('a create that never reached the site and lost its answer is tried again', async () => {
  const code = 'foc_unapplied_v001';
  // Reset part-way through the request body: the site never applies it, the client cannot know.
  emu.faults.script({ route: 'api', kind: 'reset', method: 'POST', pathEndsWith: '/entity/Version', resetAfterBytes: 10 });
  const result = await sgA.findOrCreate('Version', versionData(code));
  assert.deepEqual(emu.faults.pending(), []);
  assert.equal(result.created, true);
  assert.deepEqual((await liveAndRetired(code)).live, [result.record.id]);
});

test('bad input is SG_CONFIG with a reason, before any request', async () => {
  const requests = JSON.stringify(emu.counters.snapshot().requests);
  await assert.rejects(sgA.findOrCreate('Version', { description: 'no key' }), (err) => isShotGridError(err) && err.code === 'SG_CONFIG' && /key fields/.test(err.message));
  await assert.rejects(sgA.findOrCreate('Version', versionData('x'), { key: ['sg_missing'] }), (err) => isShotGridError(err) && err.code === 'SG_CONFIG' && /'sg_missing' is not in the data/.test(err.message));
  await assert.rejects(sgA.findOrCreate('Version', versionData('x'), { key: 'code' as unknown as string[] }), (err) => isShotGridError(err) && err.code === 'SG_CONFIG');
  assert.equal(JSON.stringify(emu.counters.snapshot().requests), requests);
});
