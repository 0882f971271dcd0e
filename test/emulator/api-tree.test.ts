/**
 * The navigation tree (`/hierarchy/_expand`, `/hierarchy/_search`), a link field's links
 * (`/entity/{e}/{id}/relationships/{field}`), `PUT /preferences/update` and the spec's formats,
 * over HTTP, each with the answers and errors recorded from live sites.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, openSite, VENDOR_ARRAY, type TestSite } from './api-helpers.js';

let site: TestSite;
/** Shot 1 of the seeded project 1, its Sequence and name. */
let shot: { id: number; code: string; seq: { id: number; name: string } };
before(async () => {
  site = await openSite();
  const r = await site.call('GET', '/api/v1/entity/shots/1?fields=code,sg_sequence');
  shot = { id: 1, code: r.body.data.attributes.code, seq: r.body.data.relationships.sg_sequence.data };
});
after(() => site.close());

const expand = (body: unknown, type?: string) => site.call('POST', '/api/v1/hierarchy/_expand', { body, ...(type ? { type } : {}) });
const treeSearch = (body: unknown, type?: string) => site.call('POST', '/api/v1/hierarchy/_search', { body, ...(type ? { type } : {}) });

describe('hierarchy/_expand', () => {
  test('a project: its label, the Version target and the Assets and Shots branches', async () => {
    const r = await expand({ path: '/Project/1', seed_entity_field: { type: 'Version', field: 'entity' } });
    assert.equal(r.status, 200, r.text);
    const d = r.body.data;
    assert.equal(d.label, 'Big Buck Bunny');
    assert.deepEqual(d.ref, { kind: 'entity', value: { type: 'Project', id: 1 } });
    assert.equal(d.parent_path, '/');
    assert.equal(d.path, '/Project/1');
    assert.equal(d.target_entities.type, 'Version');
    assert.deepEqual(d.target_entities.additional_filter_presets[0], { preset_name: 'NAV_ENTRIES', path: '/Project/1', seed: { type: 'Version', field: 'entity' } });
    assert.equal(d.has_children, true);
    assert.deepEqual(d.children.map((c: any) => [c.label, c.ref, c.has_children]), [
      ['Assets', { kind: 'entity_type', value: 'Asset' }, true],
      ['Shots', { kind: 'entity_type', value: 'Shot' }, true],
    ]);
    const same = await expand({ path: '/Project/1' });
    assert.deepEqual(same.body, r.body, 'seed_entity_field changes nothing');
  });

  test('walking down: Shots → a Sequence → its Shots, one level per call', async () => {
    const shots = await expand({ path: '/Project/1/Shot' });
    assert.equal(shots.status, 200, shots.text);
    const seqPath = `/Project/1/Shot/sg_sequence/Sequence/${shot.seq.id}`;
    const seqChild = shots.body.data.children.find((c: any) => c.path === seqPath);
    assert.deepEqual(seqChild, { label: shot.seq.name, path: seqPath, ref: { kind: 'entity', value: { type: 'Sequence', id: shot.seq.id } }, has_children: true });
    const seq = await expand({ path: seqPath });
    assert.equal(seq.body.data.parent_path, '/Project/1/Shot');
    const row = seq.body.data.children.find((c: any) => c.ref.value.id === shot.id);
    assert.deepEqual(row, { label: shot.code, path: `${seqPath}/id/${shot.id}`, ref: { kind: 'entity', value: { type: 'Shot', id: shot.id } }, has_children: false });
    const leaf = await expand({ path: row.path });
    assert.equal(leaf.body.data.has_children, false);
    assert.deepEqual(leaf.body.data.children, []);
  });

  test('recorded errors: a vendor type is 415 naming application/json; an unknown project is 400 code 107', async () => {
    const e = assertError(await expand({ path: '/Project/1' }, VENDOR_ARRAY), 415, 103, `Unsupported Content-Type '${VENDOR_ARRAY}'`);
    assert.deepEqual(e.source, { content_type: "Content-Type must be one of: 'application/json'." });
    assertError(await expand({ path: '/Project/999999999' }), 400, 107, 'Unexpected result looking for project: 999999999: 0 found.');
    assertError(await expand({}), 400, 103, 'Request Parameters invalid.');
    assertError(await site.call('POST', '/api/v1/hierarchy/_expand', { body: { path: '/Project/1' }, token: null }), 401, 102);
  });
});

describe('hierarchy/_search', () => {
  test('a Shot: the breadcrumb from its project through its Sequence', async () => {
    const r = await treeSearch({ root_path: '/Project/1', search_criteria: { entity: { type: 'Shot', id: shot.id } }, seed_entity_field: 'x' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.data, [{
      label: shot.code,
      incremental_path: ['/Project/1', '/Project/1/Shot', `/Project/1/Shot/sg_sequence/Sequence/${shot.seq.id}`, `/Project/1/Shot/sg_sequence/Sequence/${shot.seq.id}/id/${shot.id}`],
      path_label: `Shots > ${shot.seq.name}`,
      ref: { id: shot.id, type: 'Shot' },
      project_id: 1,
    }]);
    const other = await treeSearch({ root_path: '/Project/2', search_criteria: { entity: { type: 'Shot', id: shot.id } } });
    assert.deepEqual(other.body.data, [], 'not under another project');
  });

  test('recorded errors: search_criteria keyed other than entity is "size must be 1", a list "must be a hash"; vendor types 415', async () => {
    for (const criteria of [{ entity_type: 'Shot' }, { Shot: 862 }, { Shot: [862] }]) {
      const e = assertError(await treeSearch({ root_path: '/Project/1', search_criteria: criteria }), 400, 103);
      assert.deepEqual(e.source, { search_criteria: ['search_criteria size must be 1'] }, JSON.stringify(criteria));
    }
    const list = assertError(await treeSearch({ root_path: '/Project/1', search_criteria: [{ entity_type: 'Shot' }] }), 400, 103);
    assert.deepEqual(list.source, { search_criteria: ['search_criteria must be a hash'] });
    assertError(await treeSearch({ search_criteria: { entity: { type: 'Shot', id: 1 } } }, VENDOR_ARRAY), 415, 103);
  });
});

describe('relationships', () => {
  test('an entity field answers one link, a multi-entity field all its links, paging and fields ignored', async () => {
    const one = await site.call('GET', `/api/v1/entity/shots/${shot.id}/relationships/sg_sequence`);
    assert.equal(one.status, 200, one.text);
    assert.deepEqual(one.body, { data: { id: shot.seq.id, name: shot.seq.name, type: 'Sequence' }, links: { self: `/api/v1/entity/shots/${shot.id}/relationships/sg_sequence` } });
    const all = await site.call('GET', `/api/v1/entity/sequences/${shot.seq.id}/relationships/shots`);
    const paged = await site.call('GET', `/api/v1/entity/sequences/${shot.seq.id}/relationships/shots?page[size]=2&page[number]=2&fields=code&sort=-id`);
    assert.ok(all.body.data.length > 2);
    assert.deepEqual(paged.body.data, all.body.data);
    assert.deepEqual(Object.keys(all.body.data[0]).sort(), ['id', 'name', 'type']);
  });

  test('recorded errors: not a link field 400, unknown field 404 code 103, return_only=retired on a live row 404 code 103', async () => {
    const notLink = assertError(await site.call('GET', '/api/v1/entity/shots/1/relationships/code'), 400, 103, "Field 'code' is not a relationship field");
    assert.deepEqual(notLink.source, { related_field: [' is not an Entity or Multi Entity field.'] });
    const unknown = assertError(await site.call('GET', '/api/v1/entity/shots/1/relationships/sg_not_a_field'), 404, 103);
    assert.equal(unknown.detail, "Field 'Shot.sg_not_a_field' does not exist.");
    const live = assertError(await site.call('GET', '/api/v1/entity/shots/1/relationships/project?options[return_only]=retired'), 404, 103);
    assert.equal(live.detail, 'Shot: 1 not found');
    assert.equal((await site.call('POST', '/api/v1/entity/shots/1/relationships/project', { body: {} })).status, 404, 'GET is the only verb');
  });
});

describe('preferences/update and spec formats', () => {
  test('PUT /preferences/update is refused with 400 code 111 whatever the body, as recorded', async () => {
    for (const body of [{}, { preference: 'enable_entity', entity_type: 'CustomEntity01' }, []]) {
      const e = assertError(await site.call('PUT', '/api/v1/preferences/update', { body }), 400, 111, 'Updating the preferences is not available');
      assert.equal(e.source, null);
    }
  });

  test('spec.yaml is served; another suffix is 406 with an empty body', async () => {
    const yaml = await site.call('GET', '/api/v1/spec.yaml');
    assert.equal(yaml.status, 200);
    assert.match(yaml.headers.get('content-type') ?? '', /yaml/);
    assert.equal(yaml.body.openapi, '3.0.0', 'the YAML text is JSON, a subset of YAML 1.2');
    assert.ok(yaml.body.paths['/hierarchy/_expand'].post);
    const xml = await site.call('GET', '/api/v1/spec.xml');
    assert.equal(xml.status, 406);
    assert.equal(xml.text, '');
  });
});
