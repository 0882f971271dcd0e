/**
 * The rest of the REST surface over HTTP: field administration (create, update, delete, revive,
 * and a created field used in writes, filters and reads), preferences, text search (a user or
 * sudo token), follow / unfollow / followers / following, activity stream, a Note's thread and
 * the site's own OpenAPI document; each with its recorded errors.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, openSite, scriptToken, VENDOR_ARRAY, type TestSite } from './api-helpers.js';

let site: TestSite;
let sudo: string;
before(async () => {
  site = await openSite();
  sudo = await scriptToken(site.emu, { scope: `sudo_as_login:${site.emu.credentials.login}` });
});
after(() => site.close());

describe('field administration', () => {
  test('create derives the sg_ name; the field is usable in writes, filters and reads; a taken name gets _1', async () => {
    const r = await site.call('POST', '/api/v1/schema/Version/fields', { body: { data_type: 'text', properties: [{ property_name: 'name', value: 'Review Round (v2)' }] } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.links.self, '/api/v1/schema/Version/fields/sg_review_round__v2_');
    assert.equal(r.body.data.name.value, 'Review Round (v2)');
    assert.equal(r.body.data.data_type.value, 'text');
    const again = await site.call('POST', '/api/v1/schema/Version/fields', { body: { data_type: 'number', properties: [{ property_name: 'name', value: 'Review Round (v2)' }] } });
    assert.equal(again.body.links.self, '/api/v1/schema/Version/fields/sg_review_round__v2__1');
    const w = await site.call('PUT', '/api/v1/entity/versions/1', { body: { sg_review_round__v2_: 'second' } });
    assert.equal(w.status, 200, w.text);
    const found = await site.search('Version', { filters: [['sg_review_round__v2_', 'is', 'second']], fields: ['sg_review_round__v2_'] });
    assert.deepEqual(found.body.data.map((d: any) => [d.id, d.attributes.sg_review_round__v2_]), [[1, 'second']]);
    const read = await site.call('GET', '/api/v1/schema/Version/fields/sg_review_round__v2_');
    assert.equal(read.status, 200);
  });

  test('create errors: bad data type, entity without exactly one valid type, no name', async () => {
    const e = assertError(await site.call('POST', '/api/v1/schema/Shot/fields', { body: { data_type: 'image', properties: [{ property_name: 'name', value: 'X' }] } }), 400, 103, 'Request Parameters invalid.');
    assert.deepEqual(e.source, { data_type: ['data_type is not valid'] });
    assertError(await site.call('POST', '/api/v1/schema/Shot/fields', {
      body: { data_type: 'entity', properties: [{ property_name: 'name', value: 'Src' }, { property_name: 'valid_types', value: ['Shot', 'Asset'] }] },
    }), 400, 103, "'valid_types' value expected Array with one element");
    assertError(await site.call('POST', '/api/v1/schema/Shot/fields', { body: { data_type: 'text', properties: [] } }), 400, 103);
    assertError(await site.call('POST', '/api/v1/schema/Shot/fields', { body: { data_type: 'text' }, type: VENDOR_ARRAY }), 415, 103);
  });

  test('update renames but never changes the data type', async () => {
    await site.call('POST', '/api/v1/schema/Shot/fields', { body: { data_type: 'text', properties: [{ property_name: 'name', value: 'Bid Note' }] } });
    const r = await site.call('PUT', '/api/v1/schema/Shot/fields/sg_bid_note', { body: { data_type: 'number', properties: [{ property_name: 'name', value: 'Bid Notes' }] } });
    assert.equal(r.status, 200, r.text);
    const f = (await site.call('GET', '/api/v1/schema/Shot/fields/sg_bid_note')).body.data;
    assert.equal(f.name.value, 'Bid Notes');
    assert.equal(f.data_type.value, 'text');
    assertError(await site.call('PUT', '/api/v1/schema/Shot/fields/sg_nope', { body: { properties: [] } }), 404, 103);
  });

  test('delete retires the field and keeps its name taken; revive brings it back at its type', async () => {
    await site.call('POST', '/api/v1/schema/Asset/fields', { body: { data_type: 'float', properties: [{ property_name: 'name', value: 'Weight' }] } });
    const d = await site.call('DELETE', '/api/v1/schema/Asset/fields/sg_weight');
    assert.equal(d.status, 204);
    assert.equal(d.text, '');
    assertError(await site.call('GET', '/api/v1/schema/Asset/fields/sg_weight'), 404, 103);
    assert.ok(!('sg_weight' in (await site.call('GET', '/api/v1/schema/Asset/fields')).body.data));
    assertError(await site.call('POST', '/api/v1/schema/Asset/fields', { body: { data_type: 'text', properties: [{ property_name: 'name', value: 'Weight' }] } }), 400, 103, /there is a retired field with the same field_name: sg_weight/);
    assertError(await site.search('Asset', { filters: [['sg_weight', 'is', 1]] }), 400, 103, "API read() Asset.sg_weight doesn't exist.");
    const missing = assertError(await site.call('POST', '/api/v1/schema/Asset/fields/sg_weight', { body: {} }), 400, 103);
    assert.deepEqual(missing.source, { revive: ['revive is missing'] });
    const rv = await site.call('POST', '/api/v1/schema/Asset/fields/sg_weight', { body: { revive: true } });
    assert.equal(rv.status, 204);
    assert.equal((await site.call('GET', '/api/v1/schema/Asset/fields/sg_weight')).body.data.data_type.value, 'float');
    assertError(await site.call('DELETE', '/api/v1/schema/Asset/fields/code'), 400, 103);
  });
});

describe('preferences', () => {
  test('all, narrowed, and an unknown name simply absent', async () => {
    const all = await site.call('GET', '/api/v1/preferences');
    assert.equal(all.status, 200);
    assert.equal(all.body.data.hours_per_day, 8);
    const some = await site.call('GET', '/api/v1/preferences?prefs=hours_per_day,no_such_pref');
    assert.deepEqual(some.body.data, { hours_per_day: 8 });
    assert.equal(some.body.links.self, '/api/v1/preferences?prefs=hours_per_day,no_such_pref');
  });
});

describe('text search', () => {
  const search = (body: unknown, token?: string, type = VENDOR_ARRAY) => site.call('POST', '/api/v1/entity/_text_search', { body, type, ...(token ? { token } : {}) });

  test('flattened rows per type with each type\'s own filter', async () => {
    const r = await search({ text: 'bbb_010', entity_types: { Shot: [['sg_status_list', 'is_not', 'omt']], Sequence: [] }, page: { size: 25 } }, sudo);
    assert.equal(r.status, 200, r.text);
    const shot = r.body.data.find((d: any) => d.type === 'Shot');
    assert.deepEqual(Object.keys(shot.attributes).sort(), ['links', 'name', 'status']);
    assert.match(shot.attributes.name, /^bbb_010_/);
    assert.deepEqual(shot.attributes.links, ['Sequence', 'bbb_010'], 'the linked row: its type and name');
    assert.equal(shot.links.self, `/api/v1/entity/shots/${shot.id}`);
    assert.ok(r.body.data.some((d: any) => d.type === 'Sequence' && d.attributes.name === 'bbb_010'));
    assert.deepEqual(r.body.data.find((d: any) => d.type === 'Sequence').attributes.links, ['', '']);
  });

  test('recorded errors: no entity_types, empty text, JSON content type, script token without sudo', async () => {
    assert.deepEqual(assertError(await search({ text: 'x' }, sudo), 400, 103).source, { entity_types: ['entity_types is missing'] });
    assert.deepEqual(assertError(await search({ text: '', entity_types: { Shot: [] } }, sudo), 400, 103).source, { text: ['text must be filled'] });
    assertError(await search({ text: 'x', entity_types: { Shot: [] } }, sudo, 'application/json'), 415, 103);
    assertError(await search({ text: 'x', entity_types: { Shot: [] } }), 500, 100, 'Shotgun Server Error');
  });
});

describe('follow', () => {
  test('follow, followers, following, unfollow', async () => {
    const f = await site.call('POST', '/api/v1/entity/human_users/2/follow', { body: { entities: [{ record_id: 1, entity: 'Shot' }, { record_id: 1, entity: 'Version' }] } });
    assert.equal(f.status, 204, f.text);
    await site.call('POST', '/api/v1/entity/human_users/2/follow', { body: { entities: [{ record_id: 1, entity: 'Shot' }] } });
    const followers = await site.call('GET', '/api/v1/entity/shots/1/followers');
    assert.deepEqual(followers.body, { data: [{ id: 2, type: 'HumanUser', attributes: { name: 'Dana Lead' }, links: { self: '/api/v1/entity/HumanUser/2' } }] });
    const following = await site.call('GET', '/api/v1/entity/human_users/2/following');
    assert.deepEqual(following.body.data.map((d: any) => `${d.type}:${d.id}`).sort(), ['Shot:1', 'Version:1']);
    assert.equal((await site.call('PUT', '/api/v1/entity/shots/1/unfollow', { body: { user_id: 2 } })).status, 204);
    assert.equal((await site.call('PUT', '/api/v1/entity/shots/1/unfollow', { body: { user_id: 2 } })).status, 204, 'idempotent');
    assert.deepEqual((await site.call('GET', '/api/v1/entity/shots/1/followers')).body, { data: [] });
  });

  test('recorded errors', async () => {
    assert.deepEqual(assertError(await site.call('POST', '/api/v1/entity/human_users/2/follow', { body: {} }), 400, 103).source, { entities: ['entities is missing'] });
    assert.deepEqual(assertError(await site.call('POST', '/api/v1/entity/human_users/2/follow', { body: { entities: [{ record_id: 1, entity: 'Bogus' }] } }), 400, 103).source, { entities: { 0: { entity: ['entity is not valid'] } } });
    assertError(await site.call('POST', '/api/v1/entity/human_users/2/follow', { body: { entities: [{ record_id: 1, entity: 'shots' }] } }), 500, 100);
    const partial = assertError(await site.call('POST', '/api/v1/entity/human_users/3/follow', { body: { entities: [{ record_id: 2, entity: 'Shot' }, { record_id: 999999999, entity: 'Shot' }] } }), 404, 104);
    assert.equal(partial.detail, "Couldn't find Shot with id=999999999");
    assert.deepEqual((await site.call('GET', '/api/v1/entity/shots/2/followers')).body.data.map((d: any) => d.id), [3], 'not atomic: the good entry was applied');
    assertError(await site.call('POST', '/api/v1/entity/human_users/2/follow', { body: { entities: [] }, type: VENDOR_ARRAY }), 415, 103);
    assert.deepEqual(assertError(await site.call('PUT', '/api/v1/entity/shots/1/unfollow', { body: {} }), 400, 103).source, { user_id: ['user_id is missing'] });
    assert.equal(assertError(await site.call('PUT', '/api/v1/entity/shots/1/unfollow', { body: { user_id: 999999999 } }), 404, 104).detail, "Couldn't find HumanUser with id=999999999");
    assertError(await site.call('POST', '/api/v1/entity/shots/1/unfollow', { body: { user_id: 2 } }), 404, 103);
  });
});

describe('following and followers, as recorded', () => {
  test('following: id, type and a singular self per row, narrowed by entity (name or slug) and project_id; its errors', async () => {
    await site.call('POST', '/api/v1/entity/human_users/1/follow', { body: { entities: [{ record_id: 4, entity: 'Shot' }, { record_id: 2, entity: 'Version' }] } });
    const all = await site.call('GET', '/api/v1/entity/human_users/1/following');
    assert.equal(all.status, 200, all.text);
    assert.deepEqual(all.body.data.find((d: any) => d.type === 'Shot' && d.id === 4), { id: 4, type: 'Shot', links: { self: '/api/v1/entity/Shot/4' } });
    for (const entity of ['Shot', 'shots']) {
      const shots = await site.call('GET', `/api/v1/entity/human_users/1/following?entity=${entity}`);
      assert.deepEqual(shots.body.data.map((d: any) => d.type), ['Shot'], entity);
    }
    const project = (await site.call('GET', '/api/v1/entity/shots/4?fields=project')).body.data.relationships.project.data.id as number;
    const inProject = await site.call('GET', `/api/v1/entity/human_users/1/following?project_id=${project}`);
    assert.ok(inProject.body.data.some((d: any) => d.type === 'Shot' && d.id === 4));
    const elsewhere = await site.call('GET', `/api/v1/entity/human_users/1/following?project_id=${project === 1 ? 2 : 1}&entity=Shot`);
    assert.deepEqual(elsewhere.body.data, []);
    assert.deepEqual(assertError(await site.call('GET', '/api/v1/entity/human_users/1/following?entity=Bogus'), 400, 103).source, { entity: ['entity is not valid'] });
    assert.equal(assertError(await site.call('GET', '/api/v1/entity/human_users/999999999/following'), 404, 104).detail, 'Couldn\'t find HumanUser with id="999999999"');
    assert.equal(assertError(await site.call('GET', '/api/v1/entity/human_users/1/following?project_id=999999999'), 404, 104).detail, 'Couldn\'t find Project with id="999999999"');
  });

  test('followers: [] for a record nobody follows; an unknown record is 404', async () => {
    assert.deepEqual((await site.call('GET', '/api/v1/entity/shots/5/followers')).body, { data: [] });
    assert.equal(assertError(await site.call('GET', '/api/v1/entity/notes/999999999/followers'), 404, 104).detail, "Couldn't find Note with id=999999999");
  });
});

describe('activity stream and note thread', () => {
  test('activity stream: the window and its limits; a missing record is a 500 as recorded', async () => {
    const r = await site.call('GET', '/api/v1/entity/shots/1/activity_stream?limit=3');
    assert.equal(r.status, 200);
    assert.equal(r.body.data.entity_type, 'Shot');
    assert.equal(r.body.data.entity_id, 1);
    assert.equal(r.body.data.updates[0].primary_entity.type, 'Shot');
    assert.equal(r.body.links.self, '/api/v1/entity/shots/1/activity_stream?limit=3');
    assert.deepEqual(assertError(await site.call('GET', '/api/v1/entity/shots/1/activity_stream?limit=501'), 400, 103).source, { limit: ['limit must be less than or equal to 500'] });
    assert.deepEqual(assertError(await site.call('GET', '/api/v1/entity/shots/1/activity_stream?limit=0'), 400, 103).source, { limit: ['limit must be greater than 0'] });
    assert.deepEqual(assertError(await site.call('GET', '/api/v1/entity/shots/1/activity_stream?limit=x'), 400, 103).source, { limit: ['limit must be an integer'] });
    assertError(await site.call('GET', '/api/v1/entity/shots/999999999/activity_stream'), 500, 100);
    assertError(await site.call('GET', '/api/v1/entity/bogus_things/1/activity_stream'), 404, 103);
  });

  test('thread contents: the Note first; other types and missing notes are 404', async () => {
    const note = (await site.search('Note', { filters: [], fields: ['subject'], page: { size: 1 } })).body.data[0];
    const r = await site.call('GET', `/api/v1/entity/notes/${note.id}/thread_contents?entity_fields[Note]=subject`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.data[0].type, 'Note');
    assert.equal(r.body.data[0].subject, note.attributes.subject);
    assert.equal(typeof r.body.data[0].content, 'string');
    assert.equal(r.body.data[0].created_by.type, 'HumanUser');
    assert.equal(assertError(await site.call('GET', '/api/v1/entity/notes/999999999/thread_contents'), 404, 104).detail, 'Note: 999999999 not found');
    assert.equal(assertError(await site.call('GET', '/api/v1/entity/versions/1/thread_contents'), 404, 103).detail, "Field 'Version.thread_contents' does not exist.");
  });
});

describe('spec.json', () => {
  test('the OpenAPI document lists what the site serves; other suffixes are refused', async () => {
    const r = await site.call('GET', '/api/v1/spec.json');
    assert.equal(r.status, 200);
    assert.equal(r.body.openapi, '3.0.0');
    for (const path of ['/entity/{type}/_search', '/schema/{type}/fields/{field}', '/entity/_text_search', '/preferences', '/entity/{type}/{id}/followers']) {
      assert.ok(r.body.paths[path], path);
    }
    assert.ok(r.body.paths['/schema/{type}/fields/{field}'].delete);
    assertError(await site.call('GET', '/api/v1/spec'), 404, 103);
  });
});
