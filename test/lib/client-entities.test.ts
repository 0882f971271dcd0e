/** Entity operations of ShotGridClient against the emulator over HTTP. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../../emulator/index.js';
import { ShotGridClient, isShotGridError, type EntityRef, type ShotGridRecord } from '../../lib/index.js';

let emu: Emulator;
let sg: ShotGridClient;
let project: EntityRef;

before(async () => {
  emu = await startEmulator();
  sg = new ShotGridClient({ site: emu.url, auth: { scriptName: emu.credentials.scriptName, scriptKey: emu.credentials.scriptKey }, retry: { retries: 2, minTimeout: 10, maxTimeout: 50 } });
  const p = await sg.findOne('Project', [['name', 'is', 'Big Buck Bunny']], { fields: ['name'] });
  assert.ok(p);
  project = { type: 'Project', id: p.id };
});

after(async () => {
  await sg?.close();
  await emu?.close();
});

function isCode(code: string) {
  return (err: unknown) => isShotGridError(err) && err.code === code;
}

test('info() needs no auth and returns the server info', async () => {
  const before = emu.counters.snapshot().tokenGrants;
  const fresh = new ShotGridClient({ site: emu.url, auth: { scriptName: 'nobody', scriptKey: 'wrong' } });
  const info = await fresh.info();
  await fresh.close();
  assert.equal(typeof info.shotgun_version, 'string');
  assert.deepEqual(emu.counters.snapshot().tokenGrants, before);
});

test('find returns flat records with links, dotted fields and only what was asked', async () => {
  const shots = await sg.find('Shot', [['project', 'is', project]], { fields: ['code', 'project', 'sg_sequence', 'sg_sequence.Sequence.code'], sort: 'code' });
  assert.ok(shots.length >= 2);
  const first = shots[0]!;
  assert.deepEqual(Object.keys(first).sort(), ['code', 'id', 'project', 'sg_sequence', 'sg_sequence.Sequence.code', 'type']);
  assert.equal(first.type, 'Shot');
  assert.deepEqual(first.project, { type: 'Project', id: project.id, name: 'Big Buck Bunny' });
  const seq = first.sg_sequence as EntityRef;
  assert.equal(seq.type, 'Sequence');
  const [sequence] = await sg.find('Sequence', [['id', 'is', seq.id]], { fields: ['code'] });
  assert.equal(first['sg_sequence.Sequence.code'], sequence!.code);
  const codes = shots.map((s) => s.code as string);
  assert.deepEqual(codes, [...codes].sort());
  // Default fields: type and id only, as the Python API.
  const bare = await sg.find('Shot', [], { limit: 1 });
  assert.deepEqual(Object.keys(bare[0]!).sort(), ['id', 'type']);
});

test('filters: list form with in, nested any-groups and the hash form select the same rows the site does', async () => {
  const all = await sg.find('Shot', [['project', 'is', project]], { fields: ['code', 'sg_status_list'] });
  const want = all.filter((s) => s.sg_status_list === 'ip' || s.sg_status_list === 'rev').map((s) => s.id).sort((a, b) => a - b);
  assert.ok(want.length > 0 && want.length < all.length);
  const viaIn = await sg.find('Shot', [['project', 'is', project], ['sg_status_list', 'in', 'ip', 'rev']]);
  const viaGroup = await sg.find('Shot', [
    ['project', 'is', { ...project, name: 'ignored' }],
    { filter_operator: 'any', filters: [['sg_status_list', 'is', 'ip'], ['sg_status_list', 'is', 'rev']] },
  ]);
  const viaHash = await sg.find('Shot', {
    logical_operator: 'and',
    conditions: [['project', 'is', project], { logical_operator: 'or', conditions: [['sg_status_list', 'is', 'ip'], ['sg_status_list', 'is', 'rev']] }],
  });
  for (const got of [viaIn, viaGroup, viaHash]) assert.deepEqual(got.map((s) => s.id), want);
  const anyTop = await sg.find('Shot', [['sg_status_list', 'is', 'ip'], ['sg_status_list', 'is', 'rev']], { filterOperator: 'any' });
  assert.ok(anyTop.length >= want.length);
});

test('limit, page and pageSize follow the Python API paging rules', async () => {
  const ids = (await sg.find('Shot', [], { sort: 'id' })).map((s) => s.id);
  assert.ok(ids.length >= 10);
  assert.deepEqual((await sg.find('Shot', [], { sort: 'id', limit: 3 })).map((s) => s.id), ids.slice(0, 3));
  assert.deepEqual((await sg.find('Shot', [], { sort: 'id', limit: 3, page: 2 })).map((s) => s.id), ids.slice(3, 6));
  assert.deepEqual((await sg.find('Shot', [], { sort: 'id', pageSize: 4, page: 2 })).map((s) => s.id), ids.slice(4, 8));
  assert.deepEqual((await sg.find('Shot', [], { sort: 'id', pageSize: 3 })).map((s) => s.id), ids);
  assert.deepEqual((await sg.find('Shot', [], { sort: 'id', pageSize: 3, limit: 7 })).map((s) => s.id), ids.slice(0, 7));
  assert.deepEqual((await sg.find('Shot', [], { sort: { field_name: 'id', direction: 'desc' }, limit: 2 })).map((s) => s.id), ids.slice(-2).reverse());
  assert.equal(await sg.findOne('Shot', [['code', 'is', 'no-such-shot']]), null);
});

test('includeArchivedProjects and retired', async () => {
  const withArchived = await sg.count('Shot', []);
  const without = await sg.count('Shot', [], { includeArchivedProjects: false });
  assert.ok(without < withArchived, `${without} < ${withArchived}`);
  assert.equal((await sg.find('Shot', [], { includeArchivedProjects: false })).length, without);
  const doomed = await sg.create('Shot', { code: 'lib-retire-me', project });
  assert.equal(await sg.delete('Shot', doomed.id), true);
  assert.equal(await sg.findOne('Shot', [['id', 'is', doomed.id]]), null);
  const retired = await sg.find('Shot', [['id', 'is', doomed.id]], { retired: true, fields: ['code'] });
  assert.deepEqual(retired, [{ type: 'Shot', id: doomed.id, code: 'lib-retire-me' }]);
  assert.equal(await sg.revive('Shot', doomed.id), true);
  assert.equal(await sg.revive('Shot', doomed.id), false);
  assert.ok(await sg.findOne('Shot', [['id', 'is', doomed.id]]));
  await assert.rejects(sg.delete('Shot', 999_999), isCode('SG_NOT_FOUND'));
});

test('summarize and count', async () => {
  const total = await sg.count('Shot', [['project', 'is', project]]);
  const { summaries, groups } = await sg.summarize('Shot', [['project', 'is', project]], [{ field: 'id', type: 'count' }], {
    grouping: [{ field: 'sg_status_list', type: 'exact', direction: 'asc' }],
  });
  assert.equal(summaries.id, total);
  assert.ok(groups.length > 1);
  assert.equal(groups.reduce((n, g) => n + Number(g.summaries.id), 0), total);
});

test('create, update with multi-entity add/remove/set, returnFields', async () => {
  const assets = await sg.find('Asset', [['project', 'is', project]], { limit: 3, sort: 'id' });
  assert.equal(assets.length, 3);
  const [a1, a2, a3] = assets.map((a) => ({ type: 'Asset', id: a.id }));
  const shot = await sg.create('Shot', { code: 'lib-create', project, assets: [a1], description: 'made by the lib test' }, { returnFields: ['sg_sequence', 'created_by'] });
  assert.equal(shot.type, 'Shot');
  assert.equal(shot.code, 'lib-create');
  assert.ok('created_by' in shot);
  assert.match(String(shot.created_at), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  const linked = async () => ((await sg.findOne('Shot', [['id', 'is', shot.id]], { fields: ['assets'] }))!.assets as EntityRef[]).map((a) => a.id).sort((x, y) => x - y);
  await sg.update('Shot', shot.id, { assets: [a2] }, { multiEntityUpdateModes: { assets: 'add' } });
  assert.deepEqual(await linked(), [a1!.id, a2!.id]);
  await sg.update('Shot', shot.id, { assets: [a1] }, { multiEntityUpdateModes: { assets: 'remove' } });
  assert.deepEqual(await linked(), [a2!.id]);
  const updated = await sg.update('Shot', shot.id, { assets: [a3], description: 'changed' });
  assert.deepEqual(await linked(), [a3!.id]);
  assert.equal(updated.description, 'changed');
  await assert.rejects(sg.create('Shot', { code: 'x', project, no_such_field: 1 }), isCode('SG_BAD_REQUEST'));
  await assert.rejects(sg.update('Shot', 999_999, { code: 'x' }), isCode('SG_NOT_FOUND'));
});

test('batch runs creates, updates and deletes atomically', async () => {
  const before = await sg.count('Shot', []);
  const victim = await sg.create('Shot', { code: 'lib-batch-victim', project });
  const results = await sg.batch([
    { request_type: 'create', entity_type: 'Shot', data: { code: 'lib-batch-1', project } },
    { request_type: 'update', entity_type: 'Shot', entity_id: victim.id, data: { description: 'batched' } },
    { request_type: 'delete', entity_type: 'Shot', entity_id: victim.id },
  ]);
  assert.equal(results.length, 3);
  const created = results[0] as ShotGridRecord;
  assert.equal(created.code, 'lib-batch-1');
  assert.equal((results[1] as ShotGridRecord).description, 'batched');
  assert.equal(results[2], true);
  assert.equal(await sg.count('Shot', []), before + 1);
  // A failing row rolls the whole batch back.
  await assert.rejects(
    sg.batch([
      { request_type: 'create', entity_type: 'Shot', data: { code: 'lib-batch-rolled-back', project } },
      { request_type: 'update', entity_type: 'Shot', entity_id: 999_999, data: { code: 'x' } },
    ]),
    isCode('SG_NOT_FOUND'),
  );
  assert.equal(await sg.findOne('Shot', [['code', 'is', 'lib-batch-rolled-back']]), null);
});

test('schemaFieldRead returns field schemas keyed by name', async () => {
  const all = await sg.schemaFieldRead('Shot');
  assert.equal(all.code?.data_type?.value, 'text');
  const one = await sg.schemaFieldRead('Shot', 'sg_sequence', { project });
  assert.deepEqual(Object.keys(one), ['sg_sequence']);
  assert.equal(one.sg_sequence?.data_type?.value, 'entity');
  await assert.rejects(sg.schemaFieldRead('NoSuchType'), isCode('SG_NOT_FOUND'));
});
