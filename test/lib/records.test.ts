import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sortParam } from '../../lib/entities/find.js';
import { entityPath, flattenRecord, toWireData } from '../../lib/entities/records.js';
import { applyUpdateModes } from '../../lib/entities/write.js';
import { isShotGridError } from '../../lib/errors.js';

test('REST records flatten to the Python API shape', () => {
  const raw = {
    type: 'Shot',
    id: 12,
    attributes: { code: 'sh010', 'sg_sequence.Sequence.code': 'sq01', image: null, created_at: '2021-06-16 08:55:13 UTC' },
    relationships: {
      project: { data: { id: 70, name: 'Demo', type: 'Project' }, links: { related: '/api/v1/entity/projects/70' } },
      assets: { data: [{ id: 1, name: 'tree', type: 'Asset' }, { id: 2, name: 'rock', type: 'Asset' }], links: {} },
      sg_sequence: { data: null },
    },
    links: { self: '/api/v1/entity/shots/12' },
  };
  const flat = flattenRecord(raw);
  assert.deepEqual(flat, {
    type: 'Shot',
    id: 12,
    code: 'sh010',
    'sg_sequence.Sequence.code': 'sq01',
    image: null,
    created_at: '2021-06-16T08:55:13Z',
    project: { type: 'Project', id: 70, name: 'Demo' },
    assets: [{ type: 'Asset', id: 1, name: 'tree' }, { type: 'Asset', id: 2, name: 'rock' }],
    sg_sequence: null,
  });
  // In the Python API's order: type and id first, then attributes, then relationships.
  assert.deepEqual(Object.keys(flat), ['type', 'id', 'code', 'sg_sequence.Sequence.code', 'image', 'created_at', 'project', 'assets', 'sg_sequence']);
  assert.deepEqual(Object.keys(flat.project as object), ['type', 'id', 'name']);
  assert.equal('links' in flat, false);
});

test('a record without a numeric id is SG_BAD_RESPONSE', () => {
  for (const bad of [null, 'x', { type: 'Shot' }, { type: 'Shot', id: '3' }]) {
    assert.throws(() => flattenRecord(bad), (e: unknown) => isShotGridError(e) && e.code === 'SG_BAD_RESPONSE');
  }
  assert.equal(flattenRecord({ id: 4 }, 'Asset').type, 'Asset');
});

test('write data: links trimmed to {type, id}, url values and plain objects untouched, dates as UTC strings', () => {
  const out = toWireData(
    {
      project: { type: 'Project', id: 70, name: 'Demo' },
      assets: [{ type: 'Asset', id: 1, name: 'x' }],
      sg_link: { url: 'https://example.com', name: 'site', type: 'Attachment', id: 3 },
      sg_turnover_date: new Date(Date.UTC(2024, 4, 6, 7, 8, 9)),
      description: 'x',
      skipped: undefined,
    },
    'create',
  );
  assert.deepEqual(out, {
    project: { type: 'Project', id: 70 },
    assets: [{ type: 'Asset', id: 1 }],
    sg_link: { url: 'https://example.com', name: 'site', type: 'Attachment', id: 3 },
    sg_turnover_date: '2024-05-06T07:08:09Z',
    description: 'x',
  });
});

test('multi-entity update modes wrap the value; misuse is SG_CONFIG', () => {
  assert.deepEqual(applyUpdateModes({ assets: [{ type: 'Asset', id: 1 }], code: 'a' }, { assets: 'add' }), {
    assets: { multi_entity_update_mode: 'add', value: [{ type: 'Asset', id: 1 }] },
    code: 'a',
  });
  const isConfig = (e: unknown) => isShotGridError(e) && e.code === 'SG_CONFIG';
  assert.throws(() => applyUpdateModes({ assets: [] }, { assets: 'append' as never }), isConfig);
  assert.throws(() => applyUpdateModes({ code: 'a' }, { assets: 'add' }), isConfig);
  assert.throws(() => applyUpdateModes({ assets: { type: 'Asset', id: 1 } }, { assets: 'remove' }), isConfig);
});

test('sort accepts strings, "-" prefixes and {field_name, direction}', () => {
  assert.equal(sortParam('-created_at, code'), '-created_at,code');
  assert.equal(sortParam(['code', { field_name: 'id', direction: 'desc' }, { field: 'sg_cut_in' }]), 'code,-id,sg_cut_in');
  assert.equal(sortParam(undefined), undefined);
  assert.throws(() => sortParam({ field_name: 'id', direction: 'down' as never }), /direction/);
  assert.throws(() => sortParam('code;drop'), /field name/);
});

test('entity paths check type and id', () => {
  assert.equal(entityPath('Shot', 3), '/entity/Shot/3');
  assert.equal(entityPath('CustomEntity01'), '/entity/CustomEntity01');
  assert.throws(() => entityPath('../auth'), /entity type/);
  assert.throws(() => entityPath('Shot', 0), /positive integer/);
  assert.throws(() => entityPath('Shot', 1.5), /positive integer/);
});
