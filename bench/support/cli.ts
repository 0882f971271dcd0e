/** Command-line options of `npm run bench`. */

/** Parsed options. */
export interface BenchArgs {
  only: string[] | undefined;
  quick: boolean;
  runs: number;
  /** Skip the concurrency sweep (chart). */
  chart: boolean;
  /** Write bench/results/latest.json, the SVG and the README section (default: unless --quick). */
  write: boolean;
  /** Only re-render the chart and README section from bench/results/latest.json. */
  render: boolean;
  help: boolean;
}

export const USAGE = `usage: npm run bench -- [P10 P12 ...] [--only P1,P4] [--quick] [--runs N] [--no-chart] [--no-write]
  P1 P4 ...   measures to run (as --only; the ids are in bench/measures/index.ts)
  --only      measures to run, comma-separated (CHART for the concurrency sweep alone)
  --quick     scaled-down sizes for a smoke run (writes nothing unless --write)
  --runs N    runs per side, the median is reported (default 3, at least 1)
  --no-chart  skip the upload-throughput-vs-concurrency sweep
  --no-write  print only; leave bench/results, docs/images and README untouched
  --write     write them even after --quick
  --render    run nothing: redraw the chart and README section from bench/results/latest.json`;

function ids(list: string): string[] {
  return list.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
}

/** Parses argv (without node and script). */
export function parseArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = { only: undefined, quick: false, runs: 3, chart: true, write: true, render: false, help: false };
  let write: boolean | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const eq = a.indexOf('=');
      if (eq !== -1) return a.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') args.quick = true;
    else if (a === '--no-chart') args.chart = false;
    else if (a === '--no-write') write = false;
    else if (a === '--write') write = true;
    else if (a === '--render') args.render = true;
    else if (a === '--help' || a === '-h') args.help = true;
    else if (a.startsWith('--only')) args.only = [...(args.only ?? []), ...ids(value())];
    else if (/^(p\d+|chart)(,|$)/i.test(a)) args.only = [...(args.only ?? []), ...ids(a)];
    else if (a.startsWith('--runs')) {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) throw new Error('--runs must be a whole number ≥ 1');
      args.runs = n;
    } else throw new Error(`unknown option ${a}`);
  }
  args.write = write ?? !args.quick;
  return args;
}
