/**
 * `npm run bench`: each measure against the emulator on loopback (in a child process), one JSON
 * line per measure on stdout, progress on stderr. Then, unless `--no-write`: the machine results
 * (`bench/results/latest.json`, merged with earlier results for measures not run this time), the
 * concurrency chart (`docs/images/bench-concurrency.svg`) and the README's "## Benchmarks" section.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { concurrencySweep } from './measures/concurrency-sweep.js';
import { REGISTRY } from './measures/index.js';
import { parseArgs, USAGE } from './support/cli.js';
import { fillPageCache } from './support/page-cache.js';
import { renderSection } from './support/section.js';
import { concurrencyChart } from './support/svg.js';
import { updateReadme } from './support/readme.js';
import { keptRows } from './support/table.js';
import type { BenchContext, BenchReport, MeasureResult } from './support/types.js';

/** The source tree (the script runs from `$SG_OUT/bench`). */
const ROOT = process.env.SG_ROOT ?? resolve(__dirname, '..', '..');

function previous(path: string): BenchReport | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as BenchReport;
  } catch {
    return undefined;
  }
}

/** The chart and the README section from a report. */
function render(report: BenchReport): void {
  if (report.concurrency) {
    mkdirSync(join(ROOT, 'docs', 'images'), { recursive: true });
    const singleCap = report.concurrency.shaping.storageBandwidth! / 1e6;
    writeFileSync(join(ROOT, 'docs', 'images', 'bench-concurrency.svg'), concurrencyChart(report.concurrency.points, {
      title: 'Upload throughput vs parts in flight',
      subtitle: `${Math.round(report.concurrency.sizeBytes / 1048576)} MiB file, storage shaped to ${singleCap} MB/s and ${report.concurrency.shaping.storageLatency} ms per connection`,
      reference: { value: singleCap, label: `one connection's cap (${singleCap} MB/s)` },
    }));
  }
  const readme = join(ROOT, 'README.md');
  // P7's row (npm run test:scale, docs/scaling.md) is not the bench's: kept as it stands.
  updateReadme(readme, renderSection(report, keptRows(readFileSync(readme, 'utf8'), REGISTRY.map((m) => m.id))));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (args.render) {
    const saved = previous(join(ROOT, 'bench', 'results', 'latest.json'));
    if (!saved) throw new Error('--render needs bench/results/latest.json');
    render(saved);
    return;
  }
  const unknown = args.only?.filter((id) => id !== 'CHART' && !REGISTRY.some((m) => m.id === id)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown measure ${unknown.join(', ')} (known: ${REGISTRY.map((m) => m.id).join(', ')}, CHART)`);
  const selected = REGISTRY.filter((m) => !args.only || args.only.includes(m.id));
  const sweep = args.chart && (!args.only || args.only.includes('CHART') || args.only.includes('P2'));
  const tmpDir = mkdtempSync(join(tmpdir(), 'sg-bench-'));
  const ctx: BenchContext = { quick: args.quick, runs: args.runs, tmpDir, log: (m) => process.stderr.write(`bench: ${m}\n`) };
  const startedAt = new Date().toISOString();
  const results: MeasureResult[] = [];
  let concurrency: BenchReport['concurrency'];
  let failed = false;
  try {
    // Not for a smoke run: it takes ~30-50 s on a machine that has not run for long.
    const fill = (): void => {
      const done = args.quick ? undefined : fillPageCache(tmpDir);
      if (done) ctx.log(`page cache filled with ${Math.round(done.bytes / 2 ** 30)} GiB in ${done.seconds.toFixed(1)} s (${done.systemSeconds.toFixed(1)} s of kernel CPU): see support/page-cache.ts`);
    };
    for (const entry of selected) {
      try {
        fill();
        const measure = await entry.load();
        const r = await measure.run(ctx);
        results.push(r);
        process.stdout.write(`${JSON.stringify(r)}\n`);
      } catch (err) {
        failed = true;
        ctx.log(`${entry.id} failed: ${err instanceof Error ? err.stack : String(err)}`);
      }
    }
    if (sweep) {
      fill();
      concurrency = await concurrencySweep(ctx);
    }
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
  const report: BenchReport = { startedAt, finishedAt: new Date().toISOString(), node: process.version, cpus: availableParallelism(), quick: args.quick, runs: args.runs, results, ...(concurrency ? { concurrency } : {}) };
  if (args.write) {
    const resultsPath = join(ROOT, 'bench', 'results', 'latest.json');
    // Measures not run this time keep their last figures (marked by their own run's date).
    const old = previous(resultsPath);
    const merged: BenchReport = {
      ...report,
      results: REGISTRY.map((m): MeasureResult | undefined => {
        const fresh = results.find((r) => r.id === m.id);
        if (fresh) return { ...fresh, ranAt: report.finishedAt };
        const kept = old?.results.find((r) => r.id === m.id);
        return kept && { ...kept, ranAt: kept.ranAt ?? old!.finishedAt };
      }).filter((r): r is MeasureResult => r !== undefined),
      ...(concurrency ?? old?.concurrency ? { concurrency: concurrency ?? old!.concurrency } : {}),
    };
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(resultsPath, `${JSON.stringify(merged, null, 2)}\n`);
    render(merged);
    ctx.log(`wrote bench/results/latest.json${merged.concurrency ? ', docs/images/bench-concurrency.svg' : ''} and the README section`);
  }
  if (failed) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
  process.exit(1);
});
