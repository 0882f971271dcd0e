/**
 * Reading records over HTTP: read one, list with `filter[...]`, fields, the attributes vs
 * relationships split, links, paging limits, sort, retired rows, archived projects,
 * relationship reads and schema.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, codes, openSite, type TestSite } from './api-helpers.js';

let site: TestSite;
before(async () => {
  site = await openSite();
});
after(async () => {
  await site.close();
});

const get = (path: string) => site.call('GET', `/api/v1${path}`);
const ids = (r: { body: any }): number[] => (r.body.data as any[]).map((d) => d.id);

describe('GET /entity/{e}/{id}', () => {
  test('a record splits attributes and relationships and links by plural slug', async () => {
    const r = await get('/entity/Shot/1');
    assert.equal(r.status, 200);
    const d = r.body.data;
    assert.equal(d.type, 'Shot');
    assert.equal(d.id, 1);
    assert.equal(d.attributes.code, 'bbb_010_0010');
    assert.equal(d.attributes.cached_display_name, 'bbb_010_0010');
    assert.ok(!('id' in d.attributes));
    assert.ok(!('project' in d.attributes) && !('sg_sequence' in d.attributes), 'links are never attributes');
    assert.match(d.attributes.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.deepEqual(d.relationships.project, {
      data: { id: 1, name: 'Big Buck Bunny', type: 'Project' },
      links: { self: '/api/v1/entity/shots/1/relationships/project', related: '/api/v1/entity/projects/1' },
    });
    assert.deepEqual(d.relationships.assets.links, { self: '/api/v1/entity/shots/1/relationships/assets' });
    assert.ok(Array.isArray(d.relationships.assets.data));
    assert.deepEqual(d.links, { self: '/api/v1/entity/shots/1' });
    assert.deepEqual(r.body.links, { self: '/api/v1/entity/Shot/1' });
  });

  test('schema names, slugs and singular snake names all address the type', async () => {
    for (const path of ['/entity/HumanUser/1', '/entity/human_users/1', '/entity/human_user/1', '/entity/humanuser/1']) {
      const r = await get(path);
      assert.equal(r.status, 200, path);
      assert.equal(r.body.data.links.self, '/api/v1/entity/human_users/1');
      assert.equal(r.body.data.type, 'HumanUser');
    }
  });

  test('fields: unknown names dropped, dotted paths flat, links only under relationships', async () => {
    const r = await get('/entity/shots/1?fields=code,sg_not_a_field,sg_sequence.Sequence.code,project,assets.Asset.code');
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body.data.attributes).sort(), ['code', 'sg_sequence.Sequence.code']);
    assert.equal(r.body.data.attributes['sg_sequence.Sequence.code'], 'bbb_010');
    assert.deepEqual(Object.keys(r.body.data.relationships), ['project']);
    const none = await get('/entity/shots/1?fields=code');
    assert.deepEqual(none.body.data.relationships, {});
    assert.deepEqual(Object.keys(none.body.data.attributes), ['code']);
    const star = await get('/entity/shots/1?fields=*');
    assert.ok(Object.keys(star.body.data.attributes).length > 10);
  });

  test('a dotted path typed for another entity type reads null', async () => {
    const r = await get('/entity/versions/1?fields=entity.Asset.code,entity.Shot.code');
    assert.equal(r.body.data.attributes['entity.Asset.code'], null);
    assert.equal(r.body.data.attributes['entity.Shot.code'], 'bbb_010_0010');
  });

  test('a missing id is 404 code 104', async () => {
    const e = assertError(await get('/entity/shots/999999'), 404, 104, 'Not Found');
    assert.equal(e.detail, 'Shot: 999999 not found');
    assertError(await get('/entity/shots/abc'), 404, 103, 'Not Found');
  });

  test('a retired row reads only with options[return_only]=retired', async () => {
    const created = await site.call('POST', '/api/v1/entity/tags', { body: { name: 'to_retire' } });
    const id = created.body.data.id;
    assert.equal((await site.call('DELETE', `/api/v1/entity/tags/${id}`)).status, 204);
    assertError(await get(`/entity/tags/${id}`), 404, 104);
    const r = await get(`/entity/tags/${id}?options[return_only]=retired`);
    assert.equal(r.status, 200);
    assert.equal(r.body.data.attributes.name, 'to_retire');
    const listed = await get('/entity/tags?options[return_only]=retired');
    assert.deepEqual(ids(listed), [id]);
    assertError(await get('/entity/tags/1?options[return_only]=retired'), 404, 104);
    const bad = assertError(await get('/entity/tags?options[return_only]=dead'), 400, 103, 'Request Parameters invalid.');
    assert.deepEqual(bad.source, { options: { return_only: ['return_only must be one of: active, retired'] } });
  });
});

describe('GET /entity/{e}', () => {
  test('default page is 500 rows in id order; next always present, prev after page 1', async () => {
    const r = await get('/entity/shots?fields=code');
    assert.equal(r.status, 200);
    assert.equal(r.body.data.length, 20);
    assert.deepEqual(ids(r), Array.from({ length: 20 }, (_, i) => i + 1));
    assert.equal(r.body.links.self, '/api/v1/entity/shots?fields=code');
    assert.equal(r.body.links.next, '/api/v1/entity/shots?fields=code&page%5Bnumber%5D=2&page%5Bsize%5D=500');
    assert.ok(!('prev' in r.body.links));
    const p2 = await get('/entity/shots?page[size]=5&page[number]=2');
    assert.deepEqual(ids(p2), [6, 7, 8, 9, 10]);
    assert.match(p2.body.links.prev, /page%5Bnumber%5D=1&page%5Bsize%5D=5$/);
    const past = await get('/entity/shots?page[size]=5&page[number]=9');
    assert.deepEqual(past.body.data, []);
    assert.match(past.body.links.next, /page%5Bnumber%5D=10/);
  });

  test('following links.next visits every row once and ends on an empty page', async () => {
    const seen: number[] = [];
    let path = '/api/v1/entity/shots?fields=code&page[size]=6';
    for (let i = 0; i < 10; i++) {
      const r = await site.call('GET', path);
      if (r.body.data.length === 0) break;
      seen.push(...ids(r));
      path = r.body.links.next;
    }
    assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => i + 1));
  });

  test('page size limits: 1..5000, exact messages otherwise', async () => {
    assert.equal((await get('/entity/shots?page[size]=5000')).status, 200);
    assert.equal((await get('/entity/shots?page[size]=1')).body.data.length, 1);
    for (const size of ['0', '-1']) {
      const e = assertError(await get(`/entity/shots?page[size]=${size}`), 400, 103, 'Request Parameters invalid.');
      assert.deepEqual(e.source, { page: { size: ['size must be greater than 0'] } });
    }
    for (const size of ['5001', '10000']) {
      const e = assertError(await get(`/entity/shots?page[size]=${size}`), 400, 103, 'Request Parameters invalid.');
      assert.deepEqual(e.source, { page: { size: ['size must be less than 5000'] } });
    }
    assert.deepEqual(assertError(await get('/entity/shots?page[number]=0'), 400, 103).source, { page: { number: ['number must be greater than 0'] } });
    assert.deepEqual(assertError(await get('/entity/shots?page[size]=abc'), 400, 103).source, { page: { size: ['size must be an integer'] } });
  });

  test('sort: descending, several keys, unknown keys ignored, bad syntax refused', async () => {
    const desc = await get('/entity/shots?sort=-code&fields=code');
    const all = codes(await get('/entity/shots?fields=code'));
    assert.deepEqual(codes(desc), [...all].sort().reverse());
    const multi = await get('/entity/shots?sort=sg_status_list,-id&fields=sg_status_list');
    const rows = (multi.body.data as any[]).map((d) => [d.attributes.sg_status_list as string, d.id as number] as const);
    const expected = [...rows].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : b[1] - a[1]));
    assert.deepEqual(rows, expected);
    assert.notDeepEqual(rows.map((r) => r[1]), Array.from({ length: 20 }, (_, i) => i + 1));
    assert.deepEqual(ids(await get('/entity/shots?sort=sg_not_a_field')), Array.from({ length: 20 }, (_, i) => i + 1));
    assert.deepEqual(codes(await get('/entity/shots?sort=-sg_sequence.Sequence.code,code&fields=code')).slice(0, 2), ['sgl_010_0010', 'sgl_010_0020']);
    assert.deepEqual(assertError(await get('/entity/shots?sort='), 400, 103).source, { sort: ['sort must be filled'] });
    assert.deepEqual(assertError(await get('/entity/shots?sort=%2Bid'), 400, 103).source, { sort: ['sort list is not valid'] });
    assert.deepEqual(assertError(await get('/entity/shots?sort=id%20desc'), 400, 103).source, { sort: ['sort list is not valid'] });
  });

  test('filter[...]: equality, comma list as in, dotted paths, links as JSON', async () => {
    const ip = await get('/entity/shots?filter[sg_status_list]=ip&fields=sg_status_list');
    assert.ok(ip.body.data.length > 0);
    assert.ok((ip.body.data as any[]).every((d) => d.attributes.sg_status_list === 'ip'));
    const two = await get('/entity/shots?filter[code]=bbb_010_0010,sgl_010_0020');
    assert.deepEqual(codes(two), ['bbb_010_0010', 'sgl_010_0020']);
    assert.deepEqual(ids(two), [1, 14]);
    const seq = await get('/entity/shots?filter[sg_sequence.Sequence.code]=bbb_020');
    assert.deepEqual(ids(seq), [7, 8, 9, 10, 11, 12]);
    const proj = await get('/entity/shots?filter[project]={"type":"Project","id":2}');
    assert.deepEqual(ids(proj), [13, 14, 15, 16, 17]);
    assert.deepEqual(ids(await get('/entity/shots?filter[project.Project.id]=2')), [13, 14, 15, 16, 17]);
    assert.deepEqual(ids(await get('/entity/shots?filter[id]=3')), [3]);
    const e = assertError(await get('/entity/shots?filter[sg_not_a_field]=1'), 400, 103, "API read() Shot.sg_not_a_field doesn't exist.");
    assert.ok(e.source['Shot.sg_not_a_field'].startsWith(' does not exist.'));
    assertError(await get('/entity/shots?filter[project]=2'), 400, 103, /invalid\/missing entity hash/);
  });

  test('options[include_archived_projects]=false hides the archived project and its rows', async () => {
    assert.deepEqual(ids(await get('/entity/projects')), [1, 2, 3]);
    assert.deepEqual(ids(await get('/entity/projects?options[include_archived_projects]=false')), [1, 2]);
    const shots = await get('/entity/shots?options[include_archived_projects]=false');
    assert.deepEqual(ids(shots), Array.from({ length: 17 }, (_, i) => i + 1));
    assertError(await get('/entity/shots/18?options[include_archived_projects]=false'), 404, 104);
    assert.equal((await get('/entity/shots/18')).status, 200);
    assertError(await get('/entity/shots?options[include_archived_projects]=maybe'), 400, 103, 'Request Parameters invalid.');
  });
});

describe('relationships and schema', () => {
  test('GET .../relationships/{field} answers the links unpaged', async () => {
    const one = await get('/entity/versions/1/relationships/entity?page[size]=1');
    assert.deepEqual(one.body, { data: { id: 1, name: 'bbb_010_0010', type: 'Shot' }, links: { self: '/api/v1/entity/versions/1/relationships/entity' } });
    const many = await get('/entity/sequences/1/relationships/shots?page[size]=2');
    assert.equal(many.body.data.length, 6);
    assert.deepEqual(many.body.data[0], { id: 1, name: 'bbb_010_0010', type: 'Shot' });
    const e = assertError(await get('/entity/versions/1/relationships/code'), 400, 103, "Field 'code' is not a relationship field");
    assert.deepEqual(e.source, { related_field: [' is not an Entity or Multi Entity field.'] });
    assertError(await get('/entity/versions/1/relationships/sg_nope'), 404, 103);
    assertError(await get('/entity/versions/99999/relationships/entity'), 404, 104);
  });

  test('GET /schema/{Type}/fields wraps every property', async () => {
    const all = await get('/schema/Version/fields');
    assert.equal(all.status, 200);
    assert.deepEqual(all.body.data.sg_uploaded_movie.data_type, { value: 'url', editable: false });
    assert.deepEqual(all.body.data.image.data_type.value, 'image');
    assert.deepEqual(all.body.data.entity.properties.valid_types.value, ['Shot', 'Asset', 'Sequence', 'Project']);
    assert.equal(all.body.links.self, '/api/v1/schema/Version/fields');
    const one = await get('/schema/versions/fields/sg_status_list');
    assert.equal(one.body.data.data_type.value, 'status_list');
    assert.ok(one.body.data.properties.valid_values.value.includes('apr'));
    assert.equal(one.body.data.entity_type.value, 'Version');
    const types = await get('/schema');
    assert.deepEqual(types.body.data.Shot, { name: { value: 'Shot', editable: false }, visible: { value: true, editable: false } });
    assert.equal((await get('/schema/Shot')).body.data.name.value, 'Shot');
    assertError(await get('/schema/DisplayColumn/fields'), 404, 103);
    assertError(await get('/schema/Shot/fields/sg_nope'), 404, 103);
  });
});
