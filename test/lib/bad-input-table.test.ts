/**
 * Keeps the README's bad-input table and its tests in step: every row has a library test and a
 * node test of the same name (test/lib/bad-input-*.test.ts, test/nodes/bad-input-*.test.ts), and
 * every test there is a row. Reads the TypeScript sources under SG_ROOT.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableRows } from './fixtures/bad-input.js';

const root = process.env.SG_ROOT ?? process.cwd();

/** Names of the `test('…')` calls in the bad-input test files of one group. */
function testNames(group: 'lib' | 'nodes'): Set<string> {
  const dir = join(root, 'test', group);
  const names = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => /^bad-input-.*\.test\.ts$/.test(f) && f !== 'bad-input-table.test.ts')) {
    const source = readFileSync(join(dir, file), 'utf8');
    for (const m of source.matchAll(/\btest\(\s*'((?:[^'\\]|\\.)*)'/g)) names.add(m[1]!.replace(/\\(.)/g, '$1'));
  }
  return names;
}

test('every row of the README bad-input table has a library test and a node test of its name, and no test lacks a row', () => {
  const rows = tableRows(root);
  assert.ok(rows.length >= 20, `only ${rows.length} rows in the table`);
  assert.equal(new Set(rows).size, rows.length, 'a row appears twice');
  for (const group of ['lib', 'nodes'] as const) {
    const names = testNames(group);
    const untested = rows.filter((row) => !names.has(row));
    assert.deepEqual(untested, [], `rows without a test in test/${group}/bad-input-*.test.ts`);
    const unlisted = [...names].filter((name) => !rows.includes(name));
    assert.deepEqual(unlisted, [], `tests in test/${group}/bad-input-*.test.ts without a README row`);
  }
});
