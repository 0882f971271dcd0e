/**
 * Big tables: `seedRecords` fills a site with Shots and Versions in scale projects, and a page of
 * a filtered read is the same whichever way the rows are found: through a field index (an
 * `is`/`in` on `project`, `entity`, `code`, `sg_status_list`, ...) or by scanning the table (an `or` group, which no index
 * answers). The indexes follow every write: update, retire, revive and a rolled-back batch.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, openSite, type TestSite } from './api-helpers.js';
import { parseCli } from '../../emulator/cli.js';

const SEEDED = 1200;
let site: TestSite;
before(async () => {
  site = await openSite({ seedRecords: SEEDED });
});
after(() => site.close());

const ids = (r: { body: any }): number[] => (r.body.data as any[]).map((d) => d.id);
const scaleProject = async (): Promise<{ type: string; id: number }> => {
  const r = await site.search('Project', { filters: [['code', 'is', 'scale001']], fields: ['code'] });
  assert.equal(r.body.data.length, 1);
  return { type: 'Project', id: r.body.data[0].id };
};

/** The same search forced onto a table scan: an `or` group of one condition. */
function unindexed(conditions: unknown[]): { logical_operator: string; conditions: unknown[] } {
  return { logical_operator: 'and', conditions: conditions.map((c) => ({ logical_operator: 'or', conditions: [c] })) };
}

describe('seedRecords', () => {
  test('fills the site with Shots and their Versions (1:9) in a scale project, in id order', async () => {
    const project = await scaleProject();
    const shots = await site.search('Shot', { filters: [['project', 'is', project]], fields: ['code', 'sg_sequence'], page: { size: 5000 } });
    const versions = await site.search('Version', { filters: [['project', 'is', project]], fields: ['code', 'entity', 'sg_status_list'], page: { size: 5000 } });
    assert.equal(shots.body.data.length + versions.body.data.length, SEEDED);
    assert.equal(shots.body.data.length, SEEDED / 10);
    const first = versions.body.data[0];
    assert.match(first.attributes.code, /^scale001_010_0010_comp_v001$/);
    assert.equal(first.relationships.entity.data.name, 'scale001_010_0010');
    assert.deepEqual(ids(versions), [...ids(versions)].sort((a, b) => a - b));
    const seq = shots.body.data[0].relationships.sg_sequence.data;
    const sequence = await site.call('GET', `/api/v1/entity/sequences/${seq.id}?fields=shots`);
    assert.equal(sequence.body.data.relationships.shots.data.length, 50, 'a Sequence lists its 50 Shots');
  });

  test('--seed-records N on the command line', () => {
    assert.equal((parseCli(['--seed-records', '1000000']) as { seedRecords?: number }).seedRecords, 1_000_000);
    assert.throws(() => parseCli(['--seed-records', 'many']), /--seed-records must be a whole number/);
  });
});

describe('a filtered page is the same through an index or a scan', () => {
  test('project and status, pages 1 and 7, ascending and descending', async () => {
    const project = await scaleProject();
    const conditions = [['project', 'is', project], ['sg_status_list', 'is_not', 'na']];
    for (const sort of [undefined, '-id', 'id']) {
      for (const number of [1, 7, 400]) {
        const body = (filters: unknown) => ({ filters, fields: ['code'], page: { size: 25, number }, ...(sort ? { sort } : {}) });
        const fast = await site.search('Version', body({ logical_operator: 'and', conditions }), 'hash');
        const slow = await site.search('Version', body(unindexed(conditions)), 'hash');
        assert.equal(fast.status, 200);
        assert.deepEqual(ids(fast), ids(slow), `sort ${sort} page ${number}`);
        if (number < 400) assert.equal(fast.body.data.length, 25);
        else assert.equal(fast.body.data.length, 0, 'past the end: an empty page');
      }
    }
  });

  test('`in` over several links, and an entity link on a list read', async () => {
    const shots = ids(await site.search('Shot', { filters: [['code', 'starts_with', 'scale001_010_00']], page: { size: 3 } }));
    const links = shots.map((id) => ({ type: 'Shot', id }));
    const fast = await site.search('Version', { filters: [['entity', 'in', links]], page: { size: 100 } });
    const slow = await site.search('Version', { filters: unindexed([['entity', 'in', links]]) }, 'hash');
    assert.equal(fast.body.data.length, 27);
    assert.deepEqual(ids(fast), ids(slow));
    const list = await site.call('GET', `/api/v1/entity/versions?filter[entity]=${encodeURIComponent(JSON.stringify(links[0]))}`);
    assert.deepEqual(ids(list), ids(fast).slice(0, 9));
  });

  test('text and status `is` / `in` (code, sg_status_list) through their index, case-insensitive, with a link type slug', async () => {
    const project = await scaleProject();
    const cases: unknown[][] = [
      [['code', 'is', 'SCALE001_010_0010_comp_v003']],
      [['code', 'in', ['scale001_010_0020_comp_v001', 'scale001_020_0010_comp_v009', 'no_such_code']]],
      [['sg_status_list', 'is', 'apr'], ['project', 'is', { type: 'project', id: project.id }]],
      [['sg_status_list', 'in', ['REJ', 'vwd']]],
      [['code', 'is', ['scale001_010_0010_comp_v004']]],
    ];
    for (const conditions of cases) {
      const body = (filters: unknown) => ({ filters, fields: ['code'], page: { size: 50, number: 2 } });
      const fast = await site.search('Version', body({ logical_operator: 'and', conditions }), 'hash');
      const slow = await site.search('Version', body(unindexed(conditions)), 'hash');
      assert.equal(fast.status, 200, fast.text);
      assert.deepEqual(ids(fast), ids(slow), JSON.stringify(conditions));
    }
    const one = await site.search('Version', { filters: [['code', 'is', 'SCALE001_010_0010_comp_v003']], fields: ['code'] });
    assert.deepEqual(one.body.data.map((d: any) => d.attributes.code), ['scale001_010_0010_comp_v003']);
  });

  test('sorting on another field still sorts the whole match', async () => {
    const project = await scaleProject();
    const body = (filters: unknown) => ({ filters, fields: ['code'], sort: '-code', page: { size: 3, number: 2 } });
    const fast = await site.search('Version', body({ logical_operator: 'and', conditions: [['project', 'is', project]] }), 'hash');
    const slow = await site.search('Version', body(unindexed([['project', 'is', project]])), 'hash');
    assert.deepEqual(ids(fast), ids(slow));
    const codes = fast.body.data.map((d: any) => d.attributes.code as string);
    assert.deepEqual(codes, [...codes].sort().reverse());
    assert.match(codes[0], /_comp_v006$/, 'page 2 of the newest shot\'s versions, code descending');
  });
});

test('paging on after a write reads the changed table, not a remembered one', async () => {
  const project = await scaleProject();
  const page = (number: number) => site.search('Version', { filters: [['project', 'is', project], ['sg_status_list', 'is', 'apr']], page: { size: 10, number } });
  const first = ids(await page(1));
  const second = ids(await page(2));
  const third = ids(await page(3));
  assert.equal((await site.call('DELETE', `/api/v1/entity/versions/${first[0]}`)).status, 204);
  assert.deepEqual(ids(await page(2)), [...second.slice(1), third[0]], 'page 2 moved up by one');
  assert.deepEqual(ids(await page(1)), [...first.slice(1), second[0]]);
  assert.equal((await site.call('POST', `/api/v1/entity/versions/${first[0]}?revive=true`)).status, 200);
  assert.deepEqual(ids(await page(1)), first);
});

describe('indexes follow writes', () => {
  const linkedTo = async (shotId: number): Promise<number[]> => ids(await site.search('Version', { filters: [['entity', 'is', { type: 'Shot', id: shotId }]], page: { size: 100 } }));

  test('create, move, retire, revive', async () => {
    const [a, b] = ids(await site.search('Shot', { filters: [['code', 'starts_with', 'scale001_020_00']], page: { size: 2 } }));
    const before = await linkedTo(a!);
    const created = await site.call('POST', '/api/v1/entity/versions', { body: { code: 'moved_v001', project: await scaleProject(), entity: { type: 'Shot', id: a } } });
    assert.equal(created.status, 201);
    const id = created.body.data.id as number;
    assert.deepEqual(await linkedTo(a!), [...before, id]);
    assert.equal((await site.call('PUT', `/api/v1/entity/versions/${id}`, { body: { entity: { type: 'Shot', id: b } } })).status, 200);
    assert.deepEqual(await linkedTo(a!), before);
    assert.ok((await linkedTo(b!)).includes(id));
    assert.equal((await site.call('DELETE', `/api/v1/entity/versions/${id}`)).status, 204);
    assert.ok(!(await linkedTo(b!)).includes(id), 'a retired row is not listed');
    const retired = await site.search('Version', { filters: [['entity', 'is', { type: 'Shot', id: b }]], options: { return_only: 'retired' } });
    assert.deepEqual(ids(retired), [id], 'but is found with return_only retired');
    assert.equal((await site.call('POST', `/api/v1/entity/versions/${id}?revive=true`)).status, 200);
    assert.ok((await linkedTo(b!)).includes(id));
  });

  test('a renamed code and a changed status move in their index', async () => {
    const byCode = async (code: string): Promise<number[]> => ids(await site.search('Version', { filters: [['code', 'is', code]] }));
    const [id] = await byCode('scale001_020_0050_comp_v002');
    assert.ok(id);
    assert.equal((await site.call('PUT', `/api/v1/entity/versions/${id}`, { body: { code: 'Renamed_v002', sg_status_list: 'pndng' } })).status, 200);
    assert.deepEqual(await byCode('scale001_020_0050_comp_v002'), []);
    assert.deepEqual(await byCode('renamed_v002'), [id]);
    const pending = ids(await site.search('Version', { filters: [['sg_status_list', 'is', 'pndng']], page: { size: 5000 } }));
    assert.deepEqual(pending, [id]);
  });

  test('a batch that fails rolls the index back with the rows', async () => {
    const [a, b] = ids(await site.search('Shot', { filters: [['code', 'starts_with', 'scale001_030_00']], page: { size: 2 } }));
    const versionsOfA = await linkedTo(a!);
    const versionsOfB = await linkedTo(b!);
    const r = await site.call('POST', '/api/v1/entity/_batch', {
      body: {
        requests: [
          { request_type: 'update', entity: 'Version', record_id: versionsOfA[0], data: { entity: { type: 'Shot', id: b } } },
          { request_type: 'create', entity: 'Version', data: { code: 'rolled_back', project: await scaleProject(), entity: { type: 'Shot', id: a } } },
          { request_type: 'update', entity: 'Version', record_id: 99_999_999, data: { code: 'x' } },
        ],
      },
    });
    assertError(r, 404, 104);
    assert.deepEqual(await linkedTo(a!), versionsOfA);
    assert.deepEqual(await linkedTo(b!), versionsOfB);
  });
});
