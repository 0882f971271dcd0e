import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toRestFilter } from '../../lib/entities/filters.js';
import { ShotGridError } from '../../lib/errors.js';

test('a list of conditions becomes an "and" group of [path, relation, value] triples', () => {
  assert.deepEqual(toRestFilter([['code', 'is', 'sh010'], ['sg_cut_in', 'greater_than', 1001]]), {
    logical_operator: 'and',
    conditions: [['code', 'is', 'sh010'], ['sg_cut_in', 'greater_than', 1001]],
  });
});

test('several values are packed into one list; a single list value is kept; in/not_in always get a list', () => {
  const out = toRestFilter([
    ['sg_status_list', 'in', 'ip', 'rev'],
    ['code', 'in', ['a', 'b']],
    ['code', 'not_in', 'c'],
    ['sg_cut_in', 'between', 1, 10],
    ['created_at', 'in_last', 7, 'DAY'],
    ['description', 'is', null],
  ]);
  assert.deepEqual(out.conditions, [
    ['sg_status_list', 'in', ['ip', 'rev']],
    ['code', 'in', ['a', 'b']],
    ['code', 'not_in', ['c']],
    ['sg_cut_in', 'between', [1, 10]],
    ['created_at', 'in_last', [7, 'DAY']],
    ['description', 'is', null],
  ]);
});

test('nested {filter_operator, filters} groups translate recursively; any→or, all→and', () => {
  const out = toRestFilter([
    ['project', 'is', { type: 'Project', id: 70, name: 'Demo' }],
    {
      filter_operator: 'any',
      filters: [
        ['sg_status_list', 'is', 'ip'],
        { filter_operator: 'all', filters: [['code', 'starts_with', 'bbb'], ['sg_cut_in', 'less_than', 5]] },
      ],
    },
  ]);
  assert.deepEqual(out, {
    logical_operator: 'and',
    conditions: [
      ['project', 'is', { type: 'Project', id: 70 }],
      {
        logical_operator: 'or',
        conditions: [
          ['sg_status_list', 'is', 'ip'],
          { logical_operator: 'and', conditions: [['code', 'starts_with', 'bbb'], ['sg_cut_in', 'less_than', 5]] },
        ],
      },
    ],
  });
});

test('entity values in lists are trimmed to {type, id}; dates become UTC strings', () => {
  const out = toRestFilter([
    ['sg_sequence', 'in', [{ type: 'Sequence', id: 1, name: 'a' }, { type: 'Sequence', id: 2, code: 'b' }]],
    ['created_at', 'greater_than', new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678))],
  ]);
  assert.deepEqual(out.conditions, [
    ['sg_sequence', 'in', [{ type: 'Sequence', id: 1 }, { type: 'Sequence', id: 2 }]],
    ['created_at', 'greater_than', '2024-01-02T03:04:05Z'],
  ]);
});

test('the top-level operator applies to lists; the hash form is accepted as is', () => {
  assert.equal(toRestFilter([['code', 'is', 'a']], 'any').logical_operator, 'or');
  const hash = { logical_operator: 'or' as const, conditions: [['code', 'is', 'a'] as ['code', 'is', string], { logical_operator: 'and' as const, conditions: [] }] };
  assert.deepEqual(toRestFilter(hash), hash);
  assert.deepEqual(toRestFilter({ filter_operator: 'any', filters: [['code', 'is', 'a']] }), { logical_operator: 'or', conditions: [['code', 'is', 'a']] });
});

test('no filters match everything', () => {
  for (const empty of [null, undefined, []]) assert.deepEqual(toRestFilter(empty), { logical_operator: 'and', conditions: [] });
});

test('malformed filters are SG_CONFIG errors naming the entry', () => {
  const cases: Array<[unknown, RegExp, string?]> = [
    [['code', 'is', 'x'], /wrap a single condition/],
    [[['code', 'is']], /filters\[0\].*no value/],
    [[[42, 'is', 'x']], /filters\[0\].*field name/],
    [[['code', 7, 'x']], /relation of 'code'/],
    [[['code', 'is', undefined]], /undefined value/],
    [[['code', 'is', 'a'], 'oops'], /filters\[1\]/],
    [[{ filter_operator: 'some', filters: [] }], /filters\[0\]\.filter_operator.*'all', 'any'/],
    [[{ filter_operator: 'any' }], /filters\[0\].*filters list/],
    [[{ filters: [] }], /filter_operator/],
    [{ logical_operator: 'AND', conditions: [] }, /lowercase/],
    [{ something: 1 }, /a group is/],
    [[['code', 'is', 'a']], /operator/, 'xor'],
    [{ logical_operator: 'and', conditions: [] }, /filterOperator applies to a list/, 'any'],
    ['code is a', /list of conditions or a group/],
  ];
  for (const [filters, pattern, op] of cases) {
    assert.throws(
      () => toRestFilter(filters as never, op as never),
      (err: unknown) => err instanceof ShotGridError && err.code === 'SG_CONFIG' && pattern.test(err.message),
      `${JSON.stringify(filters)} should fail with ${pattern}`,
    );
  }
});

test('absurd nesting is refused instead of sent', () => {
  let group: unknown = [['code', 'is', 'a']];
  for (let i = 0; i < 70; i++) group = [{ filter_operator: 'all', filters: group }];
  assert.throws(() => toRestFilter(group as never), /nest deeper/);
});
