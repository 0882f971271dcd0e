/** Shapes shared by the bench runner, its measures and its reports. */

/** One measure's outcome: medians of `runs` runs of ours and of the baseline. */
export interface MeasureResult {
  id: string;
  /** What was measured, one line (the README table's "measure" column). */
  measure: string;
  ours: number | null;
  baseline: number | null;
  /** As the target states it: `ours/baseline`, or `baseline/ours` for "× faster" targets. */
  ratio: number | null;
  ratioIs: 'ours/baseline' | 'baseline/ours';
  unit: string;
  /** The target in words, e.g. `ratio ≤ 1.15`. */
  target: string;
  met: boolean;
  params: Record<string, unknown>;
  /** Why the measure could not run here (e.g. no radosgw without root): shown loudly, never `met`. */
  skipped?: string;
  /** Peers measured side by side (P10-P13): each one's medians, rendered as their own table. */
  contenders?: Contender[];
  /** When the run that measured it ended (ISO): results of earlier runs are kept for measures not run again. */
  ranAt?: string;
}

/** One client's medians in a side-by-side measure. */
export interface Contender {
  name: string;
  /** Wall time, seconds. */
  seconds: number;
  /** Client CPU (user + system), seconds, when measured. */
  cpuSeconds?: number;
  /** Peak RSS of the client process, MiB, when measured. */
  peakRssMiB?: number;
}

/** What every measure gets from the runner. */
export interface BenchContext {
  /** Sizes scaled down for a smoke run. */
  quick: boolean;
  /** Runs of ours and of the baseline each (the median is reported). */
  runs: number;
  /** A scratch folder, removed at the end. */
  tmpDir: string;
  /** Progress lines (stderr, so stdout stays one JSON line per measure). */
  log(message: string): void;
}

/** A chart series point: upload throughput at one part concurrency. */
export interface ConcurrencyPoint {
  concurrency: number;
  mbPerSecond: number;
}

/** One measure module. */
export interface Measure {
  id: string;
  run(ctx: BenchContext): Promise<MeasureResult>;
}

/** Everything one bench run wrote. */
export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  node: string;
  cpus: number;
  quick: boolean;
  runs: number;
  results: MeasureResult[];
  concurrency?: { sizeBytes: number; shaping: Record<string, number>; points: ConcurrencyPoint[] };
}
