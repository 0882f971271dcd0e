/**
 * The bench's report generators (no benchmarking here): the README table, the section splice that
 * must leave other sections alone, the SVG chart, the median, and the option parser.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REGISTRY } from '../../bench/measures/index.js';
import { parseArgs } from '../../bench/support/cli.js';
import { replaceSection } from '../../bench/support/readme.js';
import { median } from '../../bench/support/stats.js';
import { concurrencyChart, niceCeiling } from '../../bench/support/svg.js';
import { contendersTable, keptRows, resultsTable } from '../../bench/support/table.js';
import type { MeasureResult } from '../../bench/support/types.js';

const result = (over: Partial<MeasureResult>): MeasureResult => ({
  id: 'P1', measure: 'upload', ours: 2, baseline: 1, ratio: 2, ratioIs: 'ours/baseline', unit: 's', target: 'ratio ≤ 1.15', met: false, params: {}, ...over,
});

test('the table has one row per result, "× faster" for baseline/ours ratios, and marks misses', () => {
  const table = resultsTable([
    result({}),
    result({ id: 'P2', measure: 'a | b', ours: 3.5, baseline: 21, ratio: 6, ratioIs: 'baseline/ours', target: '≥ 4× faster', met: true }),
  ]).split('\n');
  assert.equal(table.length, 4);
  assert.equal(table[0], '| id | measure | ours | baseline | ratio | target | met |');
  assert.equal(table[2], '| P1 | upload | 2 s | 1 s | 2 | ratio ≤ 1.15 | **no** |');
  assert.equal(table[3], '| P2 | a \\| b | 3.5 s | 21 s | 6× faster | ≥ 4× faster | yes |');
});

test('a row of a measure the bench does not run (P7, from test:scale) is kept, in id order', () => {
  const p7 = '| P7 | farm jobs | 64.8 jobs/min | 24.0 jobs/min | 2.7× | ≥ 2.5× | yes |';
  const readme = ['## Benchmarks', '', '| id | measure | ours | baseline | ratio | target | met |', '|---|---|---|---|---|---|---|', '| P6 | old | 1 s | 1 s | 1 | ratio ≤ 1.1 | yes |', p7, '| P8 | old | 1 | 1 | 1 | t | yes |'].join('\n');
  const kept = keptRows(readme, ['P6', 'P8']);
  assert.deepEqual(kept, [p7]);
  const table = resultsTable([result({ id: 'P6' }), result({ id: 'P8' })], kept).split('\n');
  assert.deepEqual(table.slice(2).map((l) => l.slice(0, 5)), ['| P6 ', '| P7 ', '| P8 ']);
  assert.equal(table[3], p7);
});

test('peers measured side by side get their own table; none, no table', () => {
  assert.equal(contendersTable([result({})]), '');
  const lines = contendersTable([result({ id: 'P10', contenders: [{ name: 'ours', seconds: 5, cpuSeconds: 2.5, peakRssMiB: 100 }, { name: 'rclone', seconds: 11 }] })]).split('\n');
  assert.deepEqual(lines, ['| id | client | time | client CPU | peak RSS |', '|---|---|---|---|---|', '| P10 | ours | 5 s | 2.5 s | 100 MiB |', '| P10 | rclone | 11 s | — | — |']);
});

test('the README section is replaced in place, other sections untouched; added before Licence when missing', () => {
  const readme = '# T\n\n## A\n\na\n\n## Benchmarks\n\nold\n\n## Licence\n\nMIT\n';
  assert.equal(replaceSection(readme, 'new'), '# T\n\n## A\n\na\n\n## Benchmarks\n\nnew\n\n## Licence\n\nMIT\n');
  assert.equal(replaceSection('# T\n\n## A\n\na\n\n## Licence\n\nMIT\n', 'new'), '# T\n\n## A\n\na\n\n## Benchmarks\n\nnew\n\n## Licence\n\nMIT\n');
  assert.equal(replaceSection('# T\n\n## Benchmarks\n\nold\n', 'new'), '# T\n\n## Benchmarks\n\nnew\n');
});

test('the chart is a well-formed SVG with one point and label per concurrency, scaled to a nice ceiling', () => {
  const svg = concurrencyChart([{ concurrency: 1, mbPerSecond: 24 }, { concurrency: 2, mbPerSecond: 48 }, { concurrency: 4, mbPerSecond: 95 }, { concurrency: 8, mbPerSecond: 160 }], { title: 'T <&>', subtitle: 'sub', reference: { value: 25, label: 'cap' } });
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>/);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  assert.equal(svg.match(/<circle /g)?.length, 4);
  assert.match(svg, /T &lt;&amp;&gt;/);
  assert.match(svg, />sub</);
  assert.match(svg, />160</);
  assert.match(svg, /stroke-dasharray/);
  // Highest point (160) under the 200 ceiling: plotted below the top of the plot area (y=40).
  const ys = [...svg.matchAll(/<circle cx="[\d.]+" cy="([\d.]+)"/g)].map((m) => Number(m[1]));
  assert.deepEqual([...ys].sort((a, b) => b - a), ys, 'higher throughput is drawn higher');
  assert.ok(ys[3]! > 56);
  assert.equal(niceCeiling(160), 200);
  assert.equal(niceCeiling(24), 25);
  assert.equal(concurrencyChart([{ concurrency: 1, mbPerSecond: 1 }], { title: 't' }), concurrencyChart([{ concurrency: 1, mbPerSecond: 1 }], { title: 't' }));
});

test('median and options', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.deepEqual(parseArgs(['--only', 'p1,P4', '--quick', '--runs=5']), { only: ['P1', 'P4'], quick: true, runs: 5, chart: true, write: false, render: false, help: false });
  assert.equal(parseArgs([]).write, true);
  assert.equal(parseArgs(['--quick', '--write']).write, true);
  assert.throws(() => parseArgs(['--runs', '0']));
  assert.throws(() => parseArgs(['--bogus']));
  // `npm run bench -- P10 p12` selects measures without --only.
  assert.deepEqual(parseArgs(['P10', 'p12', '--no-chart']).only, ['P10', 'P12']);
  assert.deepEqual(parseArgs(['--only', 'P1', 'P4']).only, ['P1', 'P4']);
  assert.throws(() => parseArgs(['X1']));
});

test('every registered measure loads, under its own id, once', async () => {
  const ids = REGISTRY.map((e) => e.id);
  assert.deepEqual([...new Set(ids)], ids, 'ids are unique');
  for (const entry of REGISTRY) {
    const measure = await entry.load();
    assert.equal(measure.id, entry.id);
    assert.equal(typeof measure.run, 'function');
  }
});
