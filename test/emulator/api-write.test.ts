/**
 * Writes over HTTP: create, update (typed values, multi-entity modes, url fields), delete,
 * revive and the atomic `_batch`, with content-type rules and the site's error texts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, openSite, scriptToken, VENDOR_ARRAY, type TestSite } from './api-helpers.js';

let site: TestSite;
before(async () => {
  site = await openSite();
});
after(async () => {
  await site.close();
});

const P1 = { type: 'Project', id: 1 };
const post = (path: string, body: unknown, type?: string) => site.call('POST', `/api/v1${path}`, type ? { body, type } : { body });
const put = (path: string, body: unknown, type?: string) => site.call('PUT', `/api/v1${path}`, type ? { body, type } : { body });
const get = (path: string) => site.call('GET', `/api/v1${path}`);

async function newVersion(extra: Record<string, unknown> = {}): Promise<number> {
  const r = await post('/entity/versions', { code: `v_${Math.random().toString(36).slice(2, 8)}`, project: P1, entity: { type: 'Shot', id: 1 }, ...extra });
  assert.equal(r.status, 201, r.text);
  return r.body.data.id as number;
}

describe('create', () => {
  test('201 with the whole record; create responses render date-times with " UTC"', async () => {
    const before = site.emu.counters.snapshot().recordsCreated.Shot ?? 0;
    const r = await post('/entity/shots', { code: 'new_shot_010', project: P1, sg_sequence: { type: 'Sequence', id: 1 }, sg_cut_in: 1001, description: '  padded  ' });
    assert.equal(r.status, 201);
    const d = r.body.data;
    assert.equal(d.type, 'Shot');
    assert.equal(d.attributes.code, 'new_shot_010');
    assert.equal(d.attributes.description, 'padded');
    assert.equal(d.attributes.sg_status_list, 'wtg', 'server default');
    assert.match(d.attributes.created_at, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);
    assert.deepEqual(d.relationships.created_by.data, { id: 1, name: site.emu.credentials.scriptName, type: 'ApiUser' });
    assert.deepEqual(d.relationships.sg_sequence.data, { id: 1, name: 'bbb_010', type: 'Sequence' });
    assert.ok(!('links' in r.body));
    assert.equal(site.emu.counters.snapshot().recordsCreated.Shot, before + 1);
    const back = await get(`/entity/shots/${d.id}?fields=created_at,code`);
    assert.match(back.body.data.attributes.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.equal(back.body.data.attributes.created_at.replace('T', ' ').replace('Z', ' UTC'), d.attributes.created_at);
  });

  test('project-scoped types need a project; unknown fields are 400; the name defaults', async () => {
    assertError(await post('/entity/shots', { code: 'sh010' }), 400, 103, `API create() missing 'project' attribute: {"code" => "sh010"}`);
    assertError(await post('/entity/shots', { project: P1, sg_not_a_field: 1 }), 400, 103, "API create() Shot.sg_not_a_field doesn't exist.");
    const r = await post('/entity/shots', { project: P1 });
    assert.equal(r.body.data.attributes.code, `New Shot ${r.body.data.id}`);
    const tag = await post('/entity/tags', { name: 'no project needed' });
    assert.equal(tag.status, 201);
  });

  test('writes take JSON only: vendor types and text are 415; malformed JSON is 400', async () => {
    for (const type of [VENDOR_ARRAY, 'text/plain', 'application/x-www-form-urlencoded']) {
      const e = assertError(await post('/entity/tags', { name: 'x' }, type), 415, 103, `Unsupported Content-Type '${type}'`);
      assert.equal(e.source.content_type, "Content-Type must be one of: 'application/json'.");
    }
    assertError(await site.call('POST', '/api/v1/entity/tags', { body: '{"name": "x"', type: 'application/json' }), 400, 103, 'Invalid JSON body');
    assertError(await site.call('POST', '/api/v1/entity/tags', { body: '"just a string"', type: 'application/json' }), 400, 103, 'Invalid JSON body');
    assertError(await put('/entity/tags/1', { name: 'y' }, VENDOR_ARRAY), 415, 103);
  });

  test('an impersonating token authors rows as the human', async () => {
    const token = await scriptToken(site.emu, { scope: `sudo_as_login:${site.emu.credentials.login}` });
    const r = await site.call('POST', '/api/v1/entity/tags', { body: { name: 'by demo' }, token });
    assert.deepEqual(r.body.data.relationships.created_by.data, { id: 1, name: 'Demo Artist', type: 'HumanUser' });
  });
});

describe('update', () => {
  test('partial update answers the whole record; {} is a no-op; missing rows are 404 code 104', async () => {
    const id = await newVersion({ description: 'first' });
    const r = await put(`/entity/versions/${id}`, { sg_status_list: 'apr' });
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'successful');
    assert.deepEqual(r.body.links, {});
    assert.equal(r.body.data.attributes.sg_status_list, 'apr');
    assert.equal(r.body.data.attributes.description, 'first', 'untouched fields stay');
    assert.match(r.body.data.attributes.created_at, /Z$/);
    assert.equal((await put(`/entity/versions/${id}`, {})).status, 200);
    const e = assertError(await put('/entity/versions/999999', { code: 'x' }), 404, 104, 'Not Found');
    assert.equal(e.detail, 'Entity of type [Version] with id=999999 does not exist.');
    assertError(await put(`/entity/versions/${id}`, { sg_nope: 1 }), 400, 103, "API update() Version.sg_nope doesn't exist.");
  });

  test('typed values: coercions, clears and refusals', async () => {
    const id = await newVersion();
    const ok = await put(`/entity/versions/${id}`, { frame_count: '42', description: '', sg_movie_aspect_ratio: 1.7777777777, client_approved: 'true' });
    assert.equal(ok.body.data.attributes.frame_count, 42);
    assert.equal(ok.body.data.attributes.description, null);
    assert.equal(ok.body.data.attributes.sg_movie_aspect_ratio, 1.777778);
    assert.equal(ok.body.data.attributes.client_approved, true);
    assertError(await put(`/entity/versions/${id}`, { frame_count: 3.7 }), 400, 103, 'API update() Version.frame_count expected [String, Integer, NilClass] data type(s) but got Float: 3.7');
    assertError(await put(`/entity/versions/${id}`, { frame_count: '42abc' }), 400, 103, "Invalid data for 'number' data type");
    assertError(await put(`/entity/versions/${id}`, { frame_count: 2 ** 31 }), 400, 104, 'Update failed for [Version.frame_count]: Invalid statement.');
    assertError(await put(`/entity/versions/${id}`, { code: 12 }), 400, 103, 'API update() Version.code expected [String, NilClass] data type(s) but got Integer: 12');
    assertError(await put(`/entity/versions/${id}`, { sg_status_list: 'bogus' }), 400, 103, /sg_status_list/);
    assertError(await put(`/entity/versions/${id}`, { entity: 7 }), 400, 103, /^API update\(\) Version\.entity expected \[Hash, .*NilClass\] data type\(s\) but got Integer: 7$/);
    assertError(await put(`/entity/versions/${id}`, { entity: { type: 'Shot', id: 99999 } }), 400, 104, 'Update failed for [Version.entity]: Value is not legal.');
    assertError(await put(`/entity/versions/${id}`, { project: { type: 'Shot', id: 1 } }), 400, 104, 'Update failed for [Version.project]: Project expected, got Shot');
    assertError(await put(`/entity/versions/${id}`, { created_at: '2026-01-01T00:00:00Z' }), 400, 103, 'API update() Version.created_at is editable on create only.');
    assertError(await put(`/entity/versions/${id}`, { image: 'http://example.com/x.png' }), 400, 103, /Write access of the 'image' data type/);
    assertError(await put(`/entity/versions/${id}`, { client_approved: null }), 400, 103, /got NilClass: nil/);
    const dt = await put(`/entity/tags/1`, { description: 'x' });
    assert.equal(dt.status, 200);
    const when = await put(`/entity/tasks/1`, { start_date: '2026-05-04' });
    assert.equal(when.body.data.attributes.start_date, '2026-05-04');
    assertError(await put(`/entity/tasks/1`, { start_date: '2026-05-04T10:00:00Z' }), 400, 103, "Invalid data for 'date' data type");
  });

  test('date-times are stored in UTC; clearing image clears filmstrip_image', async () => {
    const shot = await post('/entity/shots', { project: P1, code: 'tz', created_at: '2026-03-04T05:06:07+05:00' });
    assert.equal(shot.body.data.attributes.created_at, '2026-03-04 00:06:07 UTC');
    const id = await newVersion();
    const r = await put(`/entity/versions/${id}`, { image: null });
    assert.equal(r.body.data.attributes.image, null);
    assert.equal(r.body.data.attributes.filmstrip_image, null);
  });

  test('multi-entity: a bare list replaces; add/remove/set modes edit in place', async () => {
    const id = await newVersion();
    const t = (n: number) => ({ type: 'Tag', id: n });
    const tagIds = (r: { body: any }): number[] => r.body.data.relationships.tags.data.map((x: any) => x.id);
    assert.deepEqual(tagIds(await put(`/entity/versions/${id}`, { tags: [t(1), t(1)] })), [1]);
    assert.deepEqual(tagIds(await put(`/entity/versions/${id}`, { tags: { multi_entity_update_mode: 'add', value: [t(2), t(1)] } })), [1, 2]);
    assert.deepEqual(tagIds(await put(`/entity/versions/${id}`, { tags: { multi_entity_update_mode: 'remove', value: [t(1), t(3)] } })), [2]);
    assert.deepEqual(tagIds(await put(`/entity/versions/${id}`, { tags: { multi_entity_update_mode: 'set', value: [t(3), t(4)] } })), [3, 4]);
    assert.deepEqual(tagIds(await put(`/entity/versions/${id}`, { tags: [t(2)] })), [2]);
    assert.deepEqual(tagIds(await put(`/entity/versions/${id}`, { tags: [] })), []);
    assertError(await put(`/entity/versions/${id}`, { tags: null }), 400, 103, 'API update() Version.tags expected [Array, Hash] data type(s) but got NilClass: nil');
    assertError(await put(`/entity/versions/${id}`, { tags: t(1) }), 400, 103, "API update() invalid/missing string 'multi_entity_update_mode'");
    assertError(await put(`/entity/versions/${id}`, { tags: [1] }), 400, 103, 'API update() invalid/missing entity hash: 1');
    assertError(await put(`/entity/versions/${id}`, { tags: [t(99999)] }), 400, 104, 'Update failed for [Version.tags]: Value is not legal.');
    assertError(await put(`/entity/versions/${id}`, { tags: { multi_entity_update_mode: 'append', value: [] } }), 400, 103, /multi_entity_update_mode/);
  });

  test('a url field takes an object with url and becomes a web Attachment linked to the row', async () => {
    const id = await newVersion();
    const r = await put(`/entity/versions/${id}`, { sg_uploaded_movie: { url: 'https://example.com/cut.mov', name: 'cut.mov' } });
    assert.equal(r.status, 200, r.text);
    const movie = r.body.data.attributes.sg_uploaded_movie;
    assert.equal(movie.url, 'https://example.com/cut.mov');
    assert.equal(movie.name, 'cut.mov');
    assert.equal(movie.link_type, 'web');
    assert.equal(movie.content_type, null);
    assert.equal(movie.type, 'Attachment');
    const att = await get(`/entity/attachments/${movie.id}`);
    assert.deepEqual(att.body.data.relationships.attachment_links.data, [{ id, name: r.body.data.attributes.code, type: 'Version' }]);
    assert.equal(att.body.data.attributes.this_file.link_type, 'web');
    assertError(await put(`/entity/versions/${id}`, { sg_uploaded_movie: 'https://example.com/x' }), 400, 103);
    assertError(await put(`/entity/versions/${id}`, { sg_uploaded_movie: { type: 'Attachment', id: movie.id } }), 400, 103);
    assert.equal((await put(`/entity/versions/${id}`, { sg_uploaded_movie: null })).body.data.attributes.sg_uploaded_movie, null);
  });
});

describe('paired link fields', () => {
  const shotIds = async (seq: number): Promise<number[]> => (await get(`/entity/sequences/${seq}?fields=shots`)).body.data.relationships.shots.data.map((x: any) => x.id);

  test('moving a Shot between Sequences updates both sides, from either side', async () => {
    const shot = (await post('/entity/shots', { code: 'mover', project: P1, sg_sequence: { type: 'Sequence', id: 1 } })).body.data.id as number;
    assert.ok((await shotIds(1)).includes(shot), 'create links back');
    await put(`/entity/shots/${shot}`, { sg_sequence: { type: 'Sequence', id: 2 } });
    assert.ok(!(await shotIds(1)).includes(shot));
    assert.ok((await shotIds(2)).includes(shot));
    await put('/entity/sequences/1', { shots: { multi_entity_update_mode: 'add', value: [{ type: 'Shot', id: shot }] } });
    assert.deepEqual((await get(`/entity/shots/${shot}?fields=sg_sequence`)).body.data.relationships.sg_sequence.data.id, 1);
    assert.ok(!(await shotIds(2)).includes(shot), 'taken off the previous Sequence');
    await put(`/entity/shots/${shot}`, { sg_sequence: null });
    assert.ok(!(await shotIds(1)).includes(shot));
  });

  test('a Task created on a Shot appears in its tasks; a rolled-back batch leaves no trace', async () => {
    const task = (await post('/entity/tasks', { content: 'Lighting', project: P1, entity: { type: 'Shot', id: 2 } })).body.data.id as number;
    const tasks = async (): Promise<number[]> => (await get('/entity/shots/2?fields=tasks')).body.data.relationships.tasks.data.map((x: any) => x.id);
    assert.ok((await tasks()).includes(task));
    const before = await shotIds(2);
    const r = await post('/entity/_batch', { requests: [
      { request_type: 'update', entity: 'Shot', record_id: 3, data: { sg_sequence: { type: 'Sequence', id: 2 } } },
      { request_type: 'delete', entity: 'Shot', record_id: 999999 },
    ] });
    assertError(r, 404, 104);
    assert.deepEqual(await shotIds(2), before);
    assert.equal((await get('/entity/shots/3?fields=sg_sequence')).body.data.relationships.sg_sequence.data.id, 1);
  });
});

describe('delete and revive', () => {
  test('delete answers 204 empty and retires; a second delete is 404', async () => {
    const id = await newVersion();
    const del = await site.call('DELETE', `/api/v1/entity/versions/${id}`);
    assert.equal(del.status, 204);
    assert.equal(del.text, '');
    assertError(await get(`/entity/versions/${id}`), 404, 104);
    const again = assertError(await site.call('DELETE', `/api/v1/entity/versions/${id}`), 404, 104, 'Not Found');
    assert.equal(again.detail, `Entity of type [Version] with id=${id} does not exist.`);
    assertError(await put(`/entity/versions/${id}`, { code: 'x' }), 404, 104);
  });

  test('revive needs ?revive=true|1|yes; did_revive says whether it changed anything', async () => {
    const id = await newVersion({ description: 'kept' });
    await site.call('DELETE', `/api/v1/entity/versions/${id}`);
    assert.deepEqual(assertError(await post(`/entity/versions/${id}`, { description: 'ignored' }), 400, 103, 'Request Parameters invalid.').source, { revive: ['revive is missing'] });
    assert.deepEqual(assertError(await site.call('POST', `/api/v1/entity/versions/${id}?revive=0`), 400, 103).source, { revive: ['revive must be true'] });
    const r = await site.call('POST', `/api/v1/entity/Version/${id}?revive=yes`);
    assert.deepEqual(r.body, { data: { type: 'Version', id }, links: { self: `/api/v1/entity/Version/${id}` }, meta: { did_revive: true } });
    assert.equal((await get(`/entity/versions/${id}`)).body.data.attributes.description, 'kept');
    assert.equal((await site.call('POST', `/api/v1/entity/versions/${id}?revive=true`)).body.meta.did_revive, false);
    assertError(await site.call('POST', '/api/v1/entity/versions/999999?revive=1'), 404, 104);
  });
});

describe('_batch', () => {
  test('creates, updates and deletes in order, one result each', async () => {
    const victim = await newVersion();
    const r = await post('/entity/_batch', {
      requests: [
        { request_type: 'create', entity: 'Shot', data: { code: 'batched_a', project: P1 } },
        { request_type: 'update', entity: 'versions', record_id: victim, data: { description: 'batched' } },
        { request_type: 'delete', entity: 'Version', record_id: victim },
      ],
    });
    assert.equal(r.status, 200, r.text);
    const [created, updated, deleted] = r.body.data;
    assert.equal(created.data.attributes.code, 'batched_a');
    assert.match(created.data.attributes.created_at, / UTC$/);
    assert.equal(updated.status, 'successful');
    assert.equal(updated.data.attributes.description, 'batched');
    assert.equal(deleted.request_type, 'delete');
    assert.equal(deleted.type, 'Version');
    assert.equal(deleted.id, victim);
    assert.equal(deleted.did_delete, true);
    assert.equal(typeof deleted.uuid, 'string');
    assertError(await get(`/entity/versions/${victim}`), 404, 104);
  });

  test('is atomic: one failing request rolls everything back and answers its error', async () => {
    const before = site.emu.counters.snapshot().recordsCreated.Shot ?? 0;
    const target = await newVersion({ description: 'original' });
    const r = await post('/entity/_batch', {
      requests: [
        { request_type: 'create', entity: 'Shot', data: { code: 'rolled_back', project: P1 } },
        { request_type: 'update', entity: 'Version', record_id: target, data: { description: 'changed', tags: { multi_entity_update_mode: 'add', value: [{ type: 'Tag', id: 1 }] } } },
        { request_type: 'delete', entity: 'Version', record_id: target },
        { request_type: 'update', entity: 'Shot', record_id: 999999, data: { description: 'x' } },
      ],
    });
    assertError(r, 404, 104, 'Not Found');
    assert.equal((await site.search('Shot', { filters: [['code', 'is', 'rolled_back']] })).body.data.length, 0);
    const back = await get(`/entity/versions/${target}`);
    assert.equal(back.status, 200, 'the delete was rolled back');
    assert.equal(back.body.data.attributes.description, 'original');
    assert.deepEqual(back.body.data.relationships.tags.data, []);
    assert.equal(site.emu.counters.snapshot().recordsCreated.Shot ?? 0, before);
    const bad = await post('/entity/_batch', { requests: [{ request_type: 'create', entity: 'Shot', data: { code: 'a', project: P1 } }, { request_type: 'create', entity: 'Shot', data: { code: 'b' } }] });
    assertError(bad, 400, 103, /missing 'project' attribute/);
    assert.equal((await site.search('Shot', { filters: [['code', 'is', 'a']] })).body.data.length, 0);
  });

  test('request validation names each problem', async () => {
    assert.deepEqual(assertError(await post('/entity/_batch', { data: [] }), 400, 103, 'Request Parameters invalid.').source, { requests: ['requests is missing'] });
    const e = assertError(await post('/entity/_batch', { requests: [{ request_type: 'upsert', entity: 'Shot', data: {} }, { request_type: 'update', entity: 'Shot', data: {} }] }), 400, 103);
    assert.deepEqual(e.source, { requests: { 0: { request_type: ['request_type must be one of: create, update, delete'] }, 1: { record_id: ['record_id is missing'] } } });
    assertError(await post('/entity/_batch', { requests: [{ request_type: 'create', entity: 'Nope', data: {} }] }), 404, 103);
    assertError(await post('/entity/_batch', { requests: [] }, VENDOR_ARRAY), 415, 103);
  });
});
