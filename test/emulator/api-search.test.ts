/**
 * `POST /entity/{e}/_search` over HTTP: vendor Content-Types, array and hash filters with their
 * exact error messages, relations per data type, dotted paths, and body/query parameters.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { RECORDS_PER_PIECE } from '../../emulator/api/read.js';
import { assertError, codes, openSite, VENDOR_ARRAY, type TestSite } from './api-helpers.js';

let site: TestSite;
let allShots: any[];
before(async () => {
  site = await openSite();
  allShots = (await site.search('Shot', { filters: [] })).body.data;
});
after(async () => {
  await site.close();
});

const ids = (r: { body: any }): number[] => (r.body.data as any[]).map((d) => d.id);
const shotIds = (pred: (s: any) => boolean): number[] => allShots.filter(pred).map((s) => s.id);
const P1 = { type: 'Project', id: 1 };

describe('content types and body', () => {
  test('application/json and a missing type are 415 naming the vendor types', async () => {
    for (const type of ['application/json', 'text/plain']) {
      const e = assertError(await site.call('POST', '/api/v1/entity/shots/_search', { body: { filters: [] }, type }), 415, 103, `Unsupported Content-Type '${type}'`);
      assert.equal(e.source.content_type, "Content-Type must be one of: 'application/vnd+shotgun.api3_array+json', 'application/vnd+shotgun.api3_hash+json'.");
    }
    assertError(await site.call('POST', '/api/v1/entity/shots/_search', { body: '{}', type: '' }), 415, 103);
  });

  test('malformed JSON and non-object bodies are 400', async () => {
    assertError(await site.call('POST', '/api/v1/entity/shots/_search', { body: '{"filters": [', type: VENDOR_ARRAY }), 400, 103, 'Invalid JSON body');
    assertError(await site.call('POST', '/api/v1/entity/shots/_search', { body: '[1,2]', type: VENDOR_ARRAY }), 400, 103, 'Invalid JSON body');
    assertError(await site.call('POST', '/api/v1/entity/shots/_search', { body: 'null', type: VENDOR_ARRAY }), 400, 103, 'Invalid JSON body');
  });

  test('an empty body matches everything, in id order', async () => {
    const r = await site.call('POST', '/api/v1/entity/shots/_search', { type: VENDOR_ARRAY });
    assert.equal(r.status, 200);
    assert.equal(r.body.data.length, 20);
    assert.equal(r.body.links.self, '/api/v1/entity/shots/_search');
    assert.equal(r.body.links.next, '/api/v1/entity/shots/_search?page%5Bnumber%5D=2&page%5Bsize%5D=500');
  });

  test('fields as a list or a string; sort, page and options in the body or the query (query wins)', async () => {
    const a = await site.search('Shot', { filters: [['project', 'is', P1]], fields: ['code', 'sg_sequence'], sort: '-code', page: { size: 3, number: 2 } });
    assert.deepEqual(codes(a), ['bbb_020_0030', 'bbb_020_0020', 'bbb_020_0010']);
    assert.deepEqual(Object.keys(a.body.data[0].relationships), ['sg_sequence']);
    assert.match(a.body.links.prev, /page%5Bnumber%5D=1&page%5Bsize%5D=3$/);
    const b = await site.search('Shot', { filters: [['project', 'is', P1]], fields: 'code', sort: '-code', page: { size: 3, number: 1 } }, 'array', '?page[number]=2');
    assert.deepEqual(codes(b), codes(a));
    // Re-POSTing the same body to links.next reads the next page.
    const next = await site.call('POST', a.body.links.next, { body: { filters: [['project', 'is', P1]], fields: 'code', sort: '-code', page: { size: 3, number: 2 } }, type: VENDOR_ARRAY });
    assert.deepEqual(codes(next), ['bbb_010_0060', 'bbb_010_0050', 'bbb_010_0040']);
    const archived = await site.search('Shot', { filters: [], options: { include_archived_projects: false } });
    assert.equal(archived.body.data.length, 17);
    assertError(await site.search('Shot', { page: { size: 0 } }), 400, 103, 'Request Parameters invalid.');
    assertError(await site.search('Shot', { page: { size: 5001 } }), 400, 103, 'Request Parameters invalid.');
  });

  test('query-string filter[...] is ignored on _search', async () => {
    const r = await site.search('Shot', { filters: [['id', 'is', 2]] }, 'array', '?filter[id]=3&filter[zzz_not_a_field]=1');
    assert.deepEqual(ids(r), [2]);
  });
});

describe('array filters (api3_array)', () => {
  test('a flat list is an implicit and', async () => {
    const r = await site.search('Shot', { filters: [['project', 'is', P1], ['sg_status_list', 'is', 'ip']] });
    assert.deepEqual(ids(r), shotIds((s) => s.relationships.project.data.id === 1 && s.attributes.sg_status_list === 'ip'));
    assert.ok(r.body.data.length > 0);
    assert.deepEqual(ids(await site.search('Shot', { filters: [['id', 'is', 1], ['id', 'is', 2]] })), []);
  });

  test('shapes other than triples are refused with the site messages', async () => {
    assertError(await site.search('Shot', { filters: [[['id', 'is', 1], ['id', 'is', 2]]] }), 400, 103, 'Invalid condition: [["id", "is", 1], ["id", "is", 2]]');
    assertError(await site.search('Shot', { filters: [['id', 'is', 1, 'or']] }), 400, 103, 'Invalid condition: ["id", "is", 1, "or"]');
    assertError(await site.search('Shot', { filters: [{ logical_operator: 'or', conditions: [] }] }), 400, 103, /^Invalid filter\. Expected array of basic condition arrays but received: /);
    assertError(await site.search('Shot', { filters: { logical_operator: 'or', conditions: [['id', 'is', 1]] } }), 400, 103, 'Query is not an Array: {"logical_operator" => "or", "conditions" => [["id", "is", 1]]}');
  });
});

describe('hash filters (api3_hash)', () => {
  test('or, and, nested groups mixing leaves and groups', async () => {
    const or = await site.search('Shot', { filters: { logical_operator: 'or', conditions: [['id', 'is', 2], ['id', 'is', 5]] } }, 'hash');
    assert.deepEqual(ids(or), [2, 5]);
    const and = await site.search('Shot', { filters: { logical_operator: 'and', conditions: [['id', 'is', 2], ['id', 'is', 5]] } }, 'hash');
    assert.deepEqual(ids(and), []);
    const nested = await site.search('Shot', {
      filters: { logical_operator: 'and', conditions: [['project', 'is', { type: 'Project', id: 2 }], { logical_operator: 'or', conditions: [['id', 'is', 14], ['id', 'is', 2]] }] },
    }, 'hash');
    assert.deepEqual(ids(nested), [14]);
    assert.equal((await site.search('Shot', { filters: { logical_operator: 'and', conditions: [] } }, 'hash')).body.data.length, 20);
    assert.equal((await site.search('Shot', { filters: [] }, 'hash')).body.data.length, 20);
  });

  test('operator and key errors name what was sent', async () => {
    for (const op of ['AND', 'Or', 'not', '']) {
      assertError(await site.search('Shot', { filters: { logical_operator: op, conditions: [] } }, 'hash'), 400, 103, `Invalid logical operator: ${op}`);
    }
    assertError(await site.search('Shot', { filters: { conditions: [['id', 'is', 862]] } }, 'hash'), 400, 103, 'Missing logical operator: {"conditions" => [["id", "is", 862]]}');
    assertError(await site.search('Shot', { filters: { logical_operator: 'or' } }, 'hash'), 400, 103, 'Missing conditions parameter: {"logical_operator" => "or"}');
    assertError(await site.search('Shot', { filters: [['id', 'is', 1]] }, 'hash'), 400, 103, 'Query is not an Hash: [["id", "is", 1]]');
    assertError(await site.search('Shot', { filters: { logical_operator: 'and', conditions: [{ path: 'id', relation: 'is', values: [1] }] } }, 'hash'), 400, 103, /^Missing logical operator: \{"path" => "id"/);
  });

  test('265 nested groups work; 266 is the server error the site gives', async () => {
    const nest = (depth: number): unknown => {
      let g: unknown = { logical_operator: 'or', conditions: [['id', 'is', 2], ['id', 'is', 3]] };
      for (let i = 1; i < depth; i++) g = { logical_operator: 'and', conditions: [g] };
      return g;
    };
    assert.deepEqual(ids(await site.search('Shot', { filters: nest(265) }, 'hash')), [2, 3]);
    const e = assertError(await site.search('Shot', { filters: nest(266) }, 'hash'), 500, 100, 'Shotgun Server Error');
    assert.equal(e.source, null);
  });

  test('errors inside a nested group are reported like top-level ones', async () => {
    const r = await site.search('Shot', { filters: { logical_operator: 'and', conditions: [{ logical_operator: 'or', conditions: [['sg_not_a_field', 'is', 1]] }] } }, 'hash');
    assertError(r, 400, 103, "API read() Shot.sg_not_a_field doesn't exist.");
  });
});

describe('relations per data type', () => {
  const search = (filters: unknown[], type = 'Shot') => site.search(type, { filters, fields: ['code'] });

  test('text: case-insensitive is/contains/starts/ends, negations include null rows', async () => {
    assert.deepEqual(ids(await search([['code', 'is', 'BBB_010_0010']])), [1]);
    assert.deepEqual(ids(await search([['code', 'contains', '020_00']])), [7, 8, 9, 10, 11, 12]);
    assert.deepEqual(ids(await search([['code', 'starts_with', 'ED_']])), [18, 19, 20]);
    assert.deepEqual(ids(await search([['code', 'ends_with', '_0050']])), [5, 11, 17]);
    assert.equal((await search([['code', 'not_contains', 'bbb']])).body.data.length, 8);
    assert.deepEqual(ids(await search([['code', 'in', ['bbb_010_0020', 'ed_010_0010', 'nope']]])), [2, 18]);
    assert.equal((await search([['code', 'not_in', ['bbb_010_0020']]])).body.data.length, 19);
    const tagged = await site.call('POST', '/api/v1/entity/tags', { body: { name: 'described', description: 'x' } });
    const tags = await site.search('Tag', { filters: [['description', 'is_not', 'x']] });
    assert.ok(!ids(tags).includes(tagged.body.data.id));
    assert.ok(ids(tags).length >= 4, 'rows with a null description match is_not');
    assert.deepEqual(ids(await site.search('Tag', { filters: [['description', 'is', null]] })), ids(tags));
  });

  test('numbers: comparisons, between (inclusive), in; shapes checked', async () => {
    const dur = (s: any): number => s.attributes.sg_cut_duration;
    assert.deepEqual(ids(await search([['sg_cut_duration', 'greater_than', 60]])), shotIds((s) => dur(s) > 60));
    assert.deepEqual(ids(await search([['sg_cut_duration', 'less_than', 60]])), shotIds((s) => dur(s) < 60));
    assert.deepEqual(ids(await search([['sg_cut_duration', 'between', [40, 80]]])), shotIds((s) => dur(s) >= 40 && dur(s) <= 80));
    assert.deepEqual(ids(await search([['id', 'in', [5, 3, 99]]])), [3, 5]);
    assert.deepEqual(ids(await search([['id', 'is', '4']])), [4]);
    assertError(await search([['sg_cut_in', 'is', 2.5]]), 400, 103, 'API read() Shot.sg_cut_in expected [String, Integer, NilClass] data type(s) but got Float: 2.5');
    assertError(await search([['sg_cut_duration', 'between', 5]]), 400, 103, "API read() 'between' 'relation' expects a 2-element array: [5]");
    assertError(await search([['id', 'in', []]]), 400, 103, "API read() 'in' 'relation' expects at least a 1-element array: []");
    const e = assertError(await search([['sg_cut_in', 'contains', '100']]), 400, 103, "API read() Shot.sg_cut_in's 'number' data type doesn't support 'contains' 'relation'");
    assert.equal(e.source['Shot.sg_cut_in'], ` data type doesn't support 'contains' 'relation'. Value: {"path" => "sg_cut_in", "relation" => "contains", "values" => ["100"]} Valid relations: ["is", "is_not", "greater_than", "less_than", "between", "in", "not_in"]`);
  });

  test('unknown relation on text lists the text vocabulary', async () => {
    const e = assertError(await search([['code', 'definitely_not_an_operator', 'x']]), 400, 103, "API read() Shot.code's 'text' data type doesn't support 'definitely_not_an_operator' 'relation'");
    assert.match(e.source['Shot.code'], /Valid relations: \["contains", "not_contains", "is", "is_not", "starts_with", "ends_with", "in", "not_in"\]$/);
  });

  test('status lists, lists and checkboxes', async () => {
    assert.deepEqual(ids(await search([['sg_status_list', 'in', ['ip', 'fin']]])), shotIds((s) => ['ip', 'fin'].includes(s.attributes.sg_status_list)));
    assert.deepEqual(ids(await search([['sg_shot_type', 'is', 'hero']])), [1, 7, 13, 18]);
    const ok = await site.search('Version', { filters: [['client_approved', 'is', true]] });
    assert.ok(ok.body.data.length > 0 && (ok.body.data as any[]).every((d) => d.attributes.client_approved === true));
    assertError(await site.search('Version', { filters: [['client_approved', 'is', null]] }), 400, 103, 'API read() Version.client_approved expected [String, FalseClass, TrueClass] data type(s) but got NilClass: nil');
    const e = assertError(await search([['sg_status_list', 'contains', 'i']]), 400, 103);
    assert.match(e.source['Shot.sg_status_list'], /Valid relations: \["is", "is_not", "in", "not_in"\]$/);
    assert.match(assertError(await site.search('Version', { filters: [['client_approved', 'in', [true]]] }), 400, 103).source['Version.client_approved'], /Valid relations: \["is", "is_not"\]$/);
  });

  test('entity fields: is, is_not, in, type_is, name_* and value shapes', async () => {
    assert.deepEqual(ids(await search([['sg_sequence', 'is', { type: 'Sequence', id: 2 }]])), [7, 8, 9, 10, 11, 12]);
    assert.equal((await search([['sg_sequence', 'is_not', { type: 'Sequence', id: 2 }]])).body.data.length, 14);
    assert.deepEqual(ids(await search([['sg_sequence', 'in', [{ type: 'Sequence', id: 3 }, { type: 'Sequence', id: 4 }]]])), [13, 14, 15, 16, 17, 18, 19, 20]);
    assert.deepEqual(ids(await search([['sg_sequence', 'in', { type: 'Sequence', id: 4 }]])), [18, 19, 20]);
    assert.deepEqual(ids(await search([['sg_sequence', 'name_is', 'SGL_010']])), [13, 14, 15, 16, 17]);
    assert.deepEqual(ids(await search([['sg_sequence', 'name_contains', 'ed_']])), [18, 19, 20]);
    assert.equal((await search([['sg_sequence', 'name_not_contains', 'bbb']])).body.data.length, 8);
    const versions = await site.search('Version', { filters: [['entity', 'type_is', 'Shot']] });
    const total = await site.search('Version', { filters: [] });
    assert.equal(versions.body.data.length, total.body.data.length);
    assert.equal((await site.search('Version', { filters: [['entity', 'type_is_not', 'Shot']] })).body.data.length, 0);
    assert.equal((await site.search('Version', { filters: [['sg_task', 'is', null]] })).body.data.length, 0);
    assertError(await search([['sg_sequence', 'in', [2]]]), 400, 103, 'API read() invalid/missing entity hash: 2');
    assertError(await search([['sg_sequence', 'is', { id: 2 }]]), 400, 103, /^API read\(\) invalid\/missing entity hash string 'type': \{"id" => 2\} Valid entity types: \[/);
    const e = assertError(await search([['project', 'contains', 'x']]), 400, 103);
    assert.match(e.source['Shot.project'], /Valid relations: \["is", "is_not", "name_contains", "name_not_contains", "name_is", "type_is", "type_is_not", "in", "not_in"\]$/);
  });

  test('multi-entity fields: any link matches; is null matches empty lists; not_in matches empty', async () => {
    const bunny = { type: 'Asset', id: 1 };
    const withBunny = shotIds((s) => s.relationships.assets.data.some((a: any) => a.id === 1));
    assert.deepEqual(ids(await search([['assets', 'is', bunny]])), withBunny);
    assert.deepEqual(ids(await search([['assets', 'in', [bunny, { type: 'Asset', id: 2 }]]])), shotIds((s) => s.relationships.assets.data.some((a: any) => a.id <= 2)));
    assert.deepEqual(ids(await search([['tags', 'is', null]])), shotIds((s) => s.relationships.tags.data.length === 0));
    assert.deepEqual(ids(await search([['tags', 'name_contains', 'her']])), [1, 7, 13, 18]);
    assert.equal((await search([['assets', 'not_in', [bunny]]])).body.data.length, 20 - withBunny.length);
    assertError(await search([['assets', 'is', [bunny, bunny]]]), 400, 103, /^API read\(\) 'is' 'relation' expects a 1-element array/);
  });

  test('dotted paths filter through entity and multi-entity links', async () => {
    const v = await site.search('Version', { filters: [['entity.Shot.code', 'contains', 'sgl_']], fields: ['entity.Shot.code'] });
    assert.ok(v.body.data.length > 0);
    assert.ok((v.body.data as any[]).every((d) => d.attributes['entity.Shot.code'].startsWith('sgl_')));
    assert.deepEqual(ids(await search([['assets.Asset.code', 'is', 'dragon']])), shotIds((s) => s.relationships.assets.data.some((a: any) => a.name === 'dragon')));
    assert.deepEqual(ids(await search([['sg_sequence.Sequence.project.Project.name', 'is', 'Sintel']])), [13, 14, 15, 16, 17]);
    const through = await site.search('Shot', { filters: [['id', 'is', 1]], fields: ['assets.Asset.code', 'code'] });
    assert.ok(!('assets.Asset.code' in through.body.data[0].attributes), 'dotted reads through multi-entity are absent');
    assertError(await search([['sg_sequence.Sequence.nope', 'is', 1]]), 400, 103, "API read() Sequence.nope doesn't exist.");
  });

  test('dates and date-times: comparisons, between, relative ranges', async () => {
    const day = (s: any): string => s.attributes.sg_turnover_date;
    assert.deepEqual(ids(await search([['sg_turnover_date', 'greater_than', '2026-03-10']])), shotIds((s) => day(s) > '2026-03-10'));
    assert.deepEqual(ids(await search([['sg_turnover_date', 'between', ['2026-03-02', '2026-03-04']]])), shotIds((s) => day(s) >= '2026-03-02' && day(s) <= '2026-03-04'));
    assert.equal((await search([['created_at', 'in_last', [90, 'DAY']]])).body.data.length, 20);
    assert.equal((await search([['created_at', 'in_next', [1, 'DAY']]])).body.data.length, 0);
    assert.equal((await search([['created_at', 'not_in_last', [1, 'HOUR']]])).body.data.length, 20);
    const created = await site.call('POST', '/api/v1/entity/tags', { body: { name: 'fresh' } });
    const fresh = await site.search('Tag', { filters: [['created_at', 'in_last', [1, 'HOUR']]] });
    assert.deepEqual(ids(fresh), ids(await site.search('Tag', { filters: [['created_at', 'in_calendar_day', 0], ['created_at', 'in_last', [1, 'HOUR']]] })));
    assert.ok(ids(fresh).includes(created.body.data.id));
    assert.ok(!ids(await site.search('Tag', { filters: [['created_at', 'in_calendar_day', -1]] })).includes(created.body.data.id));
    assert.ok(ids(await site.search('Tag', { filters: [['created_at', 'in_calendar_month', 0]] })).includes(created.body.data.id));
    assertError(await search([['created_at', 'in_last', 3]]), 400, 103, "API read() 'in_last' 'relation' expects a 2-element array: [3]");
    const e = assertError(await search([['created_at', 'starts_with', '2026']]), 400, 103);
    assert.match(e.source['Shot.created_at'], /Valid relations: \["is", "is_not", "greater_than", "less_than", "in_last", "not_in_last", "in_next", "not_in_next", "in_calendar_week", "in_calendar_month", "in_calendar_day", "in_calendar_year", "between", "in", "not_in"\]$/);
  });

  test('url fields cannot be filtered; image fields take is/is_not null only', async () => {
    const e = assertError(await site.search('Version', { filters: [['sg_uploaded_movie', 'is', null]] }), 400, 103, "API read() Version.sg_uploaded_movie's 'url' data type cannot be used in a filter.");
    assert.match(e.source['Version.sg_uploaded_movie'], /^ data type cannot be used in a filter\. Value: /);
    const all = await site.search('Version', { filters: [] });
    assert.equal((await site.search('Version', { filters: [['image', 'is', null]] })).body.data.length, all.body.data.length);
    assert.equal((await site.search('Version', { filters: [['image', 'is_not', null]] })).body.data.length, 0);
    assertError(await site.search('Version', { filters: [['image', 'is', 'http://x']] }), 400, 103);
    assertError(await site.search('Version', { filters: [['image', 'contains', 'x']] }), 400, 103, /doesn't support 'contains' 'relation'/);
  });

  test('an unknown field in a filter is 400 naming it', async () => {
    const e = assertError(await site.search('Version', { filters: [['sg_not_a_field', 'is', 'x']] }), 400, 103, "API read() Version.sg_not_a_field doesn't exist.");
    assert.equal(e.source['Version.sg_not_a_field'], ' does not exist. Value: {"path" => "sg_not_a_field", "relation" => "is", "values" => ["x"]}');
  });
});

describe('large pages', () => {
  test('a page of more than one encoding piece: every record once, in id order, each as a single read renders it; the text is JSON.stringify of its value', async () => {
    const count = 2 * RECORDS_PER_PIECE + 7;
    const seeded = site.emu.bulkCreate('Asset', Array.from({ length: count }, (_, i) => ({ code: `piece-ä-${i}`, project: P1, description: i % 2 ? null : `line\n"${i}"` })));
    const r = await site.search('Asset', { filters: [['code', 'starts_with', 'piece-']], page: { size: 5000 } }, 'array');
    assert.equal(r.status, 200);
    assert.deepEqual(ids(r), seeded);
    assert.equal(r.text, JSON.stringify(r.body));
    assert.equal(r.headers.get('etag'), `W/"${createHash('sha256').update(r.text).digest('hex').slice(0, 32)}"`);
    // Every field of the records on both sides of each piece's edge, as GET renders them.
    for (const at of [0, 1, RECORDS_PER_PIECE - 1, RECORDS_PER_PIECE, 2 * RECORDS_PER_PIECE, count - 1]) {
      const one = await site.call('GET', `/api/v1/entity/assets/${seeded[at]}`);
      assert.deepEqual(r.body.data[at], one.body.data, `record ${at}`);
      assert.equal(JSON.stringify(r.body.data[at]), JSON.stringify(one.body.data), `record ${at}: keys in the same order`);
    }
  });

  test('chosen fields, dotted paths, links and names needing escapes read as a single read renders them', async () => {
    const [sequence] = site.emu.bulkCreate('Sequence', [{ code: 'seq "q"\\\t\u2028', project: P1 }]);
    const seeded = site.emu.bulkCreate('Shot', Array.from({ length: RECORDS_PER_PIECE + 3 }, (_, i) => ({ code: i % 3 ? `esc-${i}-\u0001\ud83d\ude00` : `esc-${i}`, project: P1, sg_sequence: i % 2 ? { type: 'Sequence', id: sequence } : null, description: i % 5 ? 'x' : null })));
    const fields = 'code,description,sg_sequence,project,sg_sequence.Sequence.code,project.Project.name,cached_display_name,id,no_such_field';
    const r = await site.search('Shot', { filters: [['code', 'starts_with', 'esc-']], fields, page: { size: 5000 } }, 'array');
    assert.deepEqual(ids(r), seeded);
    assert.equal(r.text, JSON.stringify(r.body));
    for (const at of [0, 1, 2, RECORDS_PER_PIECE, RECORDS_PER_PIECE + 2]) {
      const one = await site.call('GET', `/api/v1/entity/shots/${seeded[at]}?fields=${fields}`);
      assert.deepEqual(r.body.data[at], one.body.data, `record ${at}`);
      assert.equal(JSON.stringify(r.body.data[at]), JSON.stringify(one.body.data), `record ${at}: keys in the same order`);
    }
  });
});
