/** The README "## Benchmarks" section body: fixed text around the generated table. */
import { provenance, resultsTable } from './table.js';
import type { BenchReport } from './types.js';

/** The section body (without its heading) for a report. */
export function renderSection(report: BenchReport): string {
  return [
    '`npm run bench` measures the client against the baselines a user would otherwise have, on',
    'loopback against the emulator (run in a child process). Each measure runs ours and the',
    'baseline alternately, at least 3 times each, and reports the medians; the ratios are the',
    'result, not the absolute times. One JSON line per measure goes to stdout; the machine results',
    'are in [`bench/results/latest.json`](bench/results/latest.json). Options: `--only P1,P4`,',
    '`--quick` (smaller sizes, smoke run), `--runs N`, `--no-chart`, `--no-write`. Benchmarks never',
    'run inside `npm test`.',
    '',
    resultsTable(report.results),
    '',
    provenance(report),
    '',
    'Baselines (`bench/baselines/`): P1 one raw undici PUT of the whole file to a signed URL (only',
    'the PUT is timed); P2 the official Python API\'s upload algorithm (20,000,000-byte parts read',
    'into memory, one link request per part, strictly sequential); P4 sequential 500-record',
    '`_search` pages; P5 one read per pending entity per round on the same schedule; P6 the',
    'library called directly with the same number of uploads in flight as the node.',
    '',
    ...(report.concurrency
      ? ['![Upload throughput against part concurrency](docs/images/bench-concurrency.svg)', '',
          'Upload throughput against parts in flight on storage shaped like P2\'s: each connection is capped,',
          'so throughput grows with the parts in flight until the client or the machine is the limit.', '']
      : []),
    ...NOTES,
  ].join('\n');
}

/** What bounds each measure, kept with the generator so a re-run does not lose it. */
const NOTES: string[] = [];
