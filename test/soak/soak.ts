/**
 * `npm run soak` (issue 6, fault soak): uploads files of log-spread sizes through the library,
 * then through the Node-RED upload node, then (issue 12) as farm jobs through example 1 in a
 * Node-RED killed twice, against an emulator that injects every kind of fault
 * at the given rate on every route; verifies each run through the API and the emulator's
 * counters and prints one JSON line per run on stdout (which run is which goes to stderr).
 * Exits non-zero on any shortfall. Options: see `options.ts` (`--count`, `--max-size`,
 * `--concurrency`, `--fault-rate`, `--seed`, … or `SOAK_*` variables).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSoakOptions } from './options.js';
import { isClean } from './outcome.js';
import { runSoak } from './run.js';
import { isFarmClean, runFarmSoak } from './run-farm.js';

/** Node-RED kills during the farm run (issue 12). */
const FARM_KILLS = 2;

async function main(): Promise<number> {
  const o = parseSoakOptions(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'sg-soak-'));
  const cleanUp = (): void => rmSync(dir, { recursive: true, force: true });
  // Ctrl-C / kill: the generated files go with the process.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      cleanUp();
      process.exit(130);
    });
  }
  let clean = true;
  try {
    for (const run of o.runs) {
      const started = Date.now();
      process.stderr.write(`soak: ${run} run: ${o.count} files, ${o.minSize}…${o.maxSize} bytes, ${o.concurrency} at once, fault rate ${o.faultRate}, seed ${o.seed}\n`);
      if (run === 'farm') {
        const { result, stats } = await runFarmSoak(o, dir, FARM_KILLS);
        process.stderr.write(`soak: farm run took ${((Date.now() - started) / 1000).toFixed(1)} s; ${stats}\n`);
        process.stderr.write('soak: farm result:\n');
        process.stdout.write(`${JSON.stringify(result)}\n`);
        clean &&= isFarmClean(result, FARM_KILLS);
        continue;
      }
      const { result, stats } = await runSoak(run, o, dir);
      process.stderr.write(`soak: ${run} run took ${((Date.now() - started) / 1000).toFixed(1)} s; ${stats}\n`);
      process.stderr.write(`soak: ${run} result:\n`);
      process.stdout.write(`${JSON.stringify(result)}\n`);
      clean &&= isClean(result);
    }
  } finally {
    cleanUp();
  }
  return clean ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`soak: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 2;
  },
);
