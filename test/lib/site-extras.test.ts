/**
 * The client's calls beyond records, against the emulator over HTTP: schema read and field
 * administration, text search (as a sudo user), follows, activity stream, a Note's thread and
 * preferences; each with one refusal mapped to a ShotGridError.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../../emulator/index.js';
import { ShotGridClient, isShotGridError } from '../../lib/index.js';

let emu: Emulator;
let sg: ShotGridClient;
let asUser: ShotGridClient;

before(async () => {
  emu = await startEmulator();
  const auth = { scriptName: emu.credentials.scriptName, scriptKey: emu.credentials.scriptKey };
  sg = new ShotGridClient({ site: emu.url, auth, retry: { retries: 0 } });
  asUser = new ShotGridClient({ site: emu.url, auth, sudoAsLogin: emu.credentials.login, retry: { retries: 0 } });
});
after(async () => {
  await sg?.close();
  await asUser?.close();
  await emu?.close();
});

const failsWith = (status: number) => (err: unknown) => isShotGridError(err) && err.status === status;

test('schemaRead: fields of the types asked for, keyed by type then field', async () => {
  const schema = await sg.schemaRead(['Shot', 'Version']);
  assert.deepEqual(Object.keys(schema), ['Shot', 'Version']);
  assert.equal(schema.Shot!.code!.data_type?.value, 'text');
  assert.equal(schema.Version!.entity!.data_type?.value, 'entity');
  assert.ok('Shot' in (await sg.schemaEntityRead()));
});

test('schemaFieldCreate / Update / Delete / Revive, and the new field in a write and a find', async () => {
  const field = await sg.schemaFieldCreate('Version', 'text', { name: 'Client Note' });
  assert.equal(field, 'sg_client_note');
  await sg.update('Version', 1, { [field]: 'ok for DI' });
  const [v] = await sg.find('Version', [[field, 'is', 'ok for DI']], { fields: [field] });
  assert.equal(v?.id, 1);
  const changed = await sg.schemaFieldUpdate('Version', field, { name: 'Client Notes', description: 'from the client' });
  assert.equal(changed.name?.value, 'Client Notes');
  await sg.schemaFieldDelete('Version', field);
  await assert.rejects(sg.schemaFieldRead('Version', field), failsWith(404));
  await sg.schemaFieldRevive('Version', field);
  assert.equal((await sg.schemaFieldRead('Version', field))[field]!.data_type?.value, 'text');
  await assert.rejects(sg.schemaFieldCreate('Version', 'image', { name: 'Nope' }), failsWith(400));
  await assert.rejects(sg.schemaFieldCreate('Version', 'text', {}), (e: unknown) => isShotGridError(e) && e.code === 'SG_CONFIG');
});

test('textSearch: flattened hits for a user; a script without sudo is refused', async () => {
  const hits = await asUser.textSearch('bbb_010', { Shot: [['sg_status_list', 'is_not', 'omt']], Sequence: [] }, { limit: 25 });
  assert.ok(hits.some((h) => h.type === 'Sequence' && h.name === 'bbb_010'));
  const shot = hits.find((h) => h.type === 'Shot')!;
  assert.deepEqual(shot.links, ['Sequence', 'bbb_010']);
  await assert.rejects(sg.textSearch('bbb', { Shot: [] }), failsWith(500));
});

test('follow, followers, following, unfollow', async () => {
  await sg.follow(2, [{ type: 'Shot', id: 3 }]);
  assert.deepEqual(await sg.followers('Shot', 3), [{ type: 'HumanUser', id: 2, name: 'Dana Lead' }]);
  assert.deepEqual(await sg.following(2, { entity: 'Shot' }), [{ type: 'Shot', id: 3 }]);
  assert.deepEqual(await sg.following(2, { entity: 'Version' }), []);
  await assert.rejects(sg.following(999_999_999), failsWith(404));
  await sg.unfollow(2, { type: 'Shot', id: 3 });
  assert.deepEqual(await sg.followers('Shot', 3), []);
  await assert.rejects(sg.follow(2, [{ type: 'Shot', id: 999_999_999 }]), failsWith(404));
});

test('activityStream, noteThread, preferences', async () => {
  const stream = await sg.activityStream('Shot', 1, { limit: 5 });
  assert.equal(stream.entity_type, 'Shot');
  assert.equal(stream.updates[0]?.primary_entity.id, 1);
  await assert.rejects(sg.activityStream('Shot', 1, { limit: 501 }), failsWith(400));
  const [note] = await sg.find('Note', [], { fields: ['subject'], limit: 1 });
  const thread = await sg.noteThread(note!.id, { entityFields: { Note: ['subject'] } });
  assert.equal(thread[0]?.type, 'Note');
  assert.equal(thread[0]?.subject, note!.subject);
  await assert.rejects(sg.noteThread(999_999_999), failsWith(404));
  assert.deepEqual(await sg.preferences(['hours_per_day', 'no_such_pref']), { hours_per_day: 8 });
  assert.equal((await sg.preferences()).duration_units, 'days');
});

test('relationship: one link, a list of links, and a non-link field refused', async () => {
  const seq = await sg.relationship('Shot', 1, 'sg_sequence');
  assert.ok(seq && !Array.isArray(seq) && seq.type === 'Sequence' && typeof seq.name === 'string');
  const shots = await sg.relationship('Sequence', (seq as { id: number }).id, 'shots');
  assert.ok(Array.isArray(shots) && shots.some((s) => s.id === 1));
  await assert.rejects(sg.relationship('Shot', 1, 'code'), failsWith(400));
});

test('hierarchyExpand / hierarchySearch: a project level, the breadcrumb to a Shot, and an unknown project', async () => {
  const node = await sg.hierarchyExpand('/Project/1');
  assert.deepEqual(node.children.map((c) => c.label), ['Assets', 'Shots']);
  const shots = await sg.hierarchyExpand(node.children[1]!.path!);
  assert.ok(shots.children.length > 0 && shots.children.every((c) => c.ref.kind === 'entity'));
  const [hit] = await sg.hierarchySearch({ type: 'Shot', id: 1 }, { rootPath: '/Project/1' });
  assert.equal(hit?.project_id, 1);
  assert.equal(hit?.incremental_path.length, 4);
  assert.ok(hit?.path_label.startsWith('Shots > '));
  await assert.rejects(sg.hierarchyExpand('/Project/999999999'), failsWith(400));
  await assert.rejects(sg.hierarchyExpand('Project/1'), (e: unknown) => isShotGridError(e) && e.code === 'SG_CONFIG');
});
