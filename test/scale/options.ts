/**
 * Settings of `npm run test:scale` (issue 16). Every number that shapes the run is here, each
 * overridable by a `SCALE_*` variable for a quicker or a bigger run.
 */

const MiB = 1024 * 1024;

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number ≥ 0 (got ${raw})`);
  return n;
}

/** The run's settings. */
export interface ScaleOptions {
  /** Jobs in all (phase 1 + phase 3 + phase 3w). */
  jobs: number;
  /** Jobs through one worker alone (measures jobs/min for 1). */
  phaseOneJobs: number;
  /** Jobs through three workers, no faults (measures jobs/min for 3). */
  phaseThreeJobs: number;
  workers: number;
  /** Outstanding jobs the farm keeps per worker (published, no result yet). */
  windowPerWorker: number;
  /** A job without a result this long after it was (last) published is published again. */
  deadlineMs: number;
  /** Share of the fault-phase jobs published twice, a few seconds apart / at the same moment. */
  duplicateLater: number;
  duplicateTwin: number;
  /** Smallest and largest movie. */
  minSize: number;
  maxSize: number;
  seed: number;
  /**
   * The site's shaping in the measuring phases: every request waits `apiLatency` / `storageLatency`
   * ms, each storage connection is capped at `storageBandwidth` bytes/s. Slow enough that a job's
   * time is waiting, not CPU, even with three workers on a busy 2-core machine.
   */
  apiLatency: number;
  storageLatency: number;
  storageBandwidth: number;
  /** The same in the fault phase, where only correctness is checked (faster, to bound the run). */
  faultApiLatency: number;
  faultStorageBandwidth: number;
  /** Per-worker transfer settings (Node-RED settings of the upload node). */
  partsInFlight: number;
  partSize: number;
  multipartThreshold: number;
  /** 429 storm: share of API requests refused while it lasts, and the Retry-After (s). */
  stormRate: number;
  stormRetryAfter: number;
  stormMs: number;
}

/** Reads the settings from the environment. */
export function scaleOptions(): ScaleOptions {
  const jobs = Math.floor(envNumber('SCALE_JOBS', 300));
  const phaseOneJobs = Math.floor(envNumber('SCALE_PHASE1_JOBS', Math.round(jobs / 15)));
  const phaseThreeJobs = Math.floor(envNumber('SCALE_PHASE3_JOBS', phaseOneJobs * 3));
  if (phaseOneJobs + phaseThreeJobs >= jobs) throw new Error('SCALE_JOBS must exceed the two measuring phases');
  return {
    jobs,
    phaseOneJobs,
    phaseThreeJobs,
    workers: 3,
    windowPerWorker: Math.floor(envNumber('SCALE_WINDOW', 6)),
    // Long enough for a killed worker to restart and finish its own jobs (example 4's note of jobs
    // in progress): the deadline is for a worker that never comes back.
    deadlineMs: envNumber('SCALE_DEADLINE_MS', 60_000),
    duplicateLater: envNumber('SCALE_DUPLICATE_LATER', 0.1),
    duplicateTwin: envNumber('SCALE_DUPLICATE_TWIN', 0.05),
    minSize: envNumber('SCALE_MIN_SIZE', 2 * MiB),
    maxSize: envNumber('SCALE_MAX_SIZE', 60 * MiB),
    seed: Math.floor(envNumber('SCALE_SEED', 16)),
    apiLatency: envNumber('SCALE_API_LATENCY', 120),
    storageLatency: envNumber('SCALE_STORAGE_LATENCY', 30),
    storageBandwidth: envNumber('SCALE_STORAGE_BANDWIDTH', 1_500_000),
    faultApiLatency: envNumber('SCALE_FAULT_API_LATENCY', 60),
    faultStorageBandwidth: envNumber('SCALE_FAULT_STORAGE_BANDWIDTH', 4_000_000),
    partsInFlight: Math.floor(envNumber('SCALE_PARTS_IN_FLIGHT', 2)),
    partSize: Math.floor(envNumber('SCALE_PART_SIZE', 8 * MiB)),
    multipartThreshold: Math.floor(envNumber('SCALE_MULTIPART_THRESHOLD', 16 * MiB)),
    stormRate: envNumber('SCALE_STORM_RATE', 0.15),
    stormRetryAfter: envNumber('SCALE_STORM_RETRY_AFTER', 1),
    stormMs: envNumber('SCALE_STORM_MS', 20_000),
  };
}
