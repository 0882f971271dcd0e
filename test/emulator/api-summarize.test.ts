/**
 * `POST /entity/{e}/_summarize` over HTTP: summary types checked against a plain listing,
 * nested grouping, the last-entry-wins rule, and the validation messages.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, openSite, VENDOR_ARRAY, VENDOR_HASH, type TestSite } from './api-helpers.js';

let site: TestSite;
let shots: any[];
before(async () => {
  site = await openSite();
  shots = (await site.search('Shot', { filters: [] })).body.data;
});
after(async () => {
  await site.close();
});

const summarize = (body: unknown, type = VENDOR_ARRAY) => site.call('POST', '/api/v1/entity/shots/_summarize', { body, type });

describe('_summarize', () => {
  test('needs a vendor Content-Type', async () => {
    const e = assertError(await summarize({ summary_fields: [] }, 'application/json'), 415, 103, "Unsupported Content-Type 'application/json'");
    assert.match(e.source.content_type, /api3_array\+json', 'application\/vnd\+shotgun\.api3_hash\+json'\.$/);
  });

  test('summary types agree with the rows', async () => {
    const durations = shots.map((s) => s.attributes.sg_cut_duration as number);
    const r = await summarize({
      filters: [],
      summary_fields: [
        { field: 'id', type: 'record_count' },
        { field: 'sg_cut_duration', type: 'sum' },
        { field: 'sg_cut_in', type: 'maximum' },
        { field: 'sg_cut_out', type: 'minimum' },
        { field: 'sg_vfx_bid', type: 'average' },
        { field: 'sg_turnover_date', type: 'earliest' },
        { field: 'created_at', type: 'latest' },
        { field: 'description', type: 'count' },
      ],
    });
    assert.equal(r.status, 200, r.text);
    const s = r.body.data.summaries;
    assert.equal(s.id, 20);
    assert.equal(s.sg_cut_duration, durations.reduce((a, b) => a + b, 0));
    assert.equal(s.sg_cut_in, 1001);
    assert.equal(s.sg_cut_out, Math.min(...shots.map((x) => x.attributes.sg_cut_out)));
    assert.equal(s.sg_vfx_bid, shots.reduce((a, x) => a + x.attributes.sg_vfx_bid, 0) / 20);
    assert.equal(s.sg_turnover_date, shots.map((x) => x.attributes.sg_turnover_date).sort()[0]);
    assert.equal(s.created_at, shots.map((x) => x.attributes.created_at).sort().at(-1));
    assert.equal(s.description, 20);
    assert.deepEqual(r.body.data.groups, []);
  });

  test('filters (array or hash) narrow the rows; empty sums are 0', async () => {
    const a = await summarize({ filters: [['project', 'is', { type: 'Project', id: 2 }]], summary_fields: [{ field: 'id', type: 'count' }] });
    assert.equal(a.body.data.summaries.id, 5);
    const h = await summarize({ filters: { logical_operator: 'or', conditions: [['id', 'is', 1], ['id', 'is', 2]] }, summary_fields: [{ field: 'id', type: 'count' }] }, VENDOR_HASH);
    assert.equal(h.body.data.summaries.id, 2);
    const none = await summarize({ filters: [['id', 'is', 0]], summary_fields: [{ field: 'sg_cut_duration', type: 'sum' }, { field: 'sg_cut_in', type: 'maximum' }] });
    assert.deepEqual(none.body.data.summaries, { sg_cut_duration: 0, sg_cut_in: 0 });
  });

  test('two entries on one field: the last wins', async () => {
    const r = await summarize({ summary_fields: [{ field: 'id', type: 'count' }, { field: 'id', type: 'maximum' }] });
    assert.deepEqual(r.body.data.summaries, { id: 20 });
    const r2 = await summarize({ summary_fields: [{ field: 'id', type: 'maximum' }, { field: 'id', type: 'count' }] });
    assert.deepEqual(r2.body.data.summaries, { id: 20 });
    const r3 = await summarize({ summary_fields: [{ field: 'sg_cut_in', type: 'count' }, { field: 'sg_cut_in', type: 'sum' }] });
    assert.deepEqual(r3.body.data.summaries, { sg_cut_in: 20 * 1001 });
  });

  test('grouping nests one level per entry; parents sum their children', async () => {
    const r = await summarize({
      filters: [['project', 'is', { type: 'Project', id: 1 }]],
      summary_fields: [{ field: 'id', type: 'count' }],
      grouping: [{ field: 'sg_sequence', type: 'exact', direction: 'desc' }, { field: 'sg_status_list', type: 'exact', direction: 'asc' }],
    });
    assert.equal(r.status, 200, r.text);
    const groups = r.body.data.groups as any[];
    assert.deepEqual(groups.map((g) => g.group_name), ['bbb_020', 'bbb_010']);
    assert.deepEqual(groups[1].group_value, { type: 'Sequence', id: 1, name: 'bbb_010', valid: 'valid' });
    for (const g of groups) {
      assert.equal(g.summaries.id, 6);
      assert.equal((g.groups as any[]).reduce((a, c) => a + c.summaries.id, 0), 6);
      const names = (g.groups as any[]).map((c) => c.group_name);
      assert.deepEqual(names, [...names].sort());
      assert.ok(!('groups' in g.groups[0]), 'the leaf level has no groups key');
    }
  });

  test('date buckets and empty groups', async () => {
    const r = await summarize({ summary_fields: [{ field: 'id', type: 'count' }], grouping: [{ field: 'sg_turnover_date', type: 'month' }] });
    assert.deepEqual(r.body.data.groups.map((g: any) => [g.group_name, g.summaries.id]), [['2026-03', 20]]);
    const v = await site.call('POST', '/api/v1/entity/versions/_summarize', { body: { summary_fields: [{ field: 'id', type: 'count' }], grouping: [{ field: 'description', type: 'exact' }], filters: [['id', 'is', 1]] }, type: VENDOR_ARRAY });
    assert.equal(v.body.data.groups.length, 1);
    const tags = await site.call('POST', '/api/v1/entity/tags/_summarize', { body: { summary_fields: [{ field: 'id', type: 'count' }], grouping: [{ field: 'description', type: 'exact' }] }, type: VENDOR_ARRAY });
    assert.deepEqual(tags.body.data.groups, [{ group_name: '', group_value: null, summaries: { id: 4 } }]);
  });

  test('status roll-ups and checkbox counts', async () => {
    const one = await summarize({ filters: [['id', 'is', 1]], summary_fields: [{ field: 'sg_status_list', type: 'status_list' }] });
    assert.equal(one.body.data.summaries.sg_status_list, shots[0].attributes.sg_status_list);
    const mixed = await summarize({ summary_fields: [{ field: 'sg_status_list', type: 'status_list' }] });
    assert.equal(mixed.body.data.summaries.sg_status_list, 'ip');
    const v = await site.call('POST', '/api/v1/entity/versions/_summarize', { body: { summary_fields: [{ field: 'client_approved', type: 'checked' }] }, type: VENDOR_ARRAY });
    const approved = (await site.search('Version', { filters: [['client_approved', 'is', true]] })).body.data.length;
    assert.equal(v.body.data.summaries.client_approved, approved);
    const pct = await summarize({ summary_fields: [{ field: 'sg_shot_type', type: 'percentage', value: 'Hero' }] });
    assert.equal(pct.body.data.summaries.sg_shot_type, 20);
  });

  test('a count and the pages of the same search agree while rows are added and retired between them', async () => {
    // A count reads through the same remembered read as the search's pages: a change must end it.
    const filters = [['code', 'starts_with', 'agree-']];
    const count = async () => (await summarize({ filters, summary_fields: [{ field: 'id', type: 'record_count' }] })).body.data.summaries.id;
    const page = async (number: number) => (await site.search('Shot', { filters, fields: ['code'], page: { size: 2, number } })).body.data.map((r: any) => r.id);
    const project = { type: 'Project', id: 1 };
    const ids = site.emu.bulkCreate('Shot', [0, 1, 2].map((i) => ({ code: `agree-${i}`, project })));
    assert.equal(await count(), 3);
    assert.deepEqual(await page(1), ids.slice(0, 2));
    const [added] = site.emu.bulkCreate('Shot', [{ code: 'agree-3', project }]);
    assert.equal(await count(), 4);
    assert.deepEqual(await page(2), [ids[2], added]);
    assert.equal((await site.call('DELETE', `/api/v1/entity/shots/${ids[0]}`)).status, 204);
    assert.equal(await count(), 3);
    assert.deepEqual(await page(1), [ids[1], ids[2]]);
  });

  test('validation: summary and grouping types, unknown fields', async () => {
    const e = assertError(await summarize({ summary_fields: [{ field: 'id', type: 'count' }, { field: 'id', type: 'definitely_not_a_summary_type' }] }), 400, 103, 'Request Parameters invalid.');
    assert.deepEqual(e.source, { summary_fields: { 1: { type: ['type must be one of: record_count, count, sum, maximum, minimum, average, earliest, latest, percentage, status_percentage, status_percentage_as_float, status_list, checked, unchecked'] } } });
    const g = assertError(await summarize({ summary_fields: [{ field: 'id', type: 'count' }], grouping: [{ field: 'code', type: 'bogus' }] }), 400, 103, 'Request Parameters invalid.');
    assert.match(g.source.grouping[0].type[0], /^type must be one of: exact, tens, hundreds/);
    assertError(await summarize({ summary_fields: [{ field: 'sg_nope', type: 'count' }] }), 400, 103, "API summarize() Shot.sg_nope doesn't exist.");
    assertError(await summarize({ summary_fields: [{ field: 'id', type: 'count' }], grouping: [{ field: 'image', type: 'exact' }] }), 400, 103, /'image' data type cannot be used in a grouping/);
    assertError(await summarize({ filters: [['nope', 'is', 1]], summary_fields: [] }), 400, 103, "API read() Shot.nope doesn't exist.");
  });
});
