/**
 * Progress reporting for transfers: counts bytes, computes a recent throughput, and calls the
 * user's callback at most every `minIntervalMs` (plus one final report), so a fast transfer
 * does not flood a Node-RED status or a log.
 */
import type { TransferProgress } from './types.js';

/** Default gap between two reports (about four a second). */
export const PROGRESS_INTERVAL_MS = 250;
/** Window of the throughput estimate. */
const RATE_WINDOW_MS = 3000;

/** Options of a {@link ProgressReporter}. */
export interface ProgressReporterOptions {
  total: number | undefined;
  partsTotal: number;
  onProgress?: (progress: TransferProgress) => void;
  minIntervalMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** Accumulates transfer progress and reports it, throttled. */
export class ProgressReporter {
  #loaded = 0;
  #partsDone = 0;
  #part = 1;
  #lastReport = -Infinity;
  #finished = false;
  #total: number | undefined;
  readonly #samples: Array<[time: number, loaded: number]> = [];
  readonly #options: ProgressReporterOptions;
  readonly #now: () => number;
  readonly #interval: number;

  constructor(options: ProgressReporterOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#interval = options.minIntervalMs ?? PROGRESS_INTERVAL_MS;
    this.#total = options.total;
  }

  /** Sets the total once known (a download learns it from the first answer). */
  setTotal(total: number | undefined): void {
    this.#total = total;
  }

  /** Bytes counted so far. */
  get loaded(): number {
    return this.#loaded;
  }

  /** Adds (or with a negative count, takes back: a failed attempt) bytes of `part`. */
  add(bytes: number, part = 1): void {
    this.#loaded = Math.max(0, this.#loaded + bytes);
    this.#part = part;
    this.#maybeReport();
  }

  /** Marks a part finished. */
  partDone(part: number): void {
    this.#partsDone++;
    this.#part = part;
    this.#maybeReport();
  }

  /** Starts over from zero bytes (a download restarted without Range). */
  reset(): void {
    this.#loaded = 0;
    this.#samples.length = 0;
  }

  /** The final report (always delivered, once). */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#report(this.#now());
  }

  /** Current progress. */
  snapshot(time = this.#now()): TransferProgress {
    return {
      loaded: this.#loaded,
      total: this.#total,
      part: this.#part,
      partsDone: this.#partsDone,
      partsTotal: this.#options.partsTotal,
      bytesPerSecond: this.#rate(time),
    };
  }

  #rate(time: number): number {
    const samples = this.#samples;
    samples.push([time, this.#loaded]);
    while (samples.length > 2 && time - samples[0]![0] > RATE_WINDOW_MS) samples.shift();
    const [t0, l0] = samples[0]!;
    const span = time - t0;
    return span > 0 ? Math.max(0, Math.round(((this.#loaded - l0) * 1000) / span)) : 0;
  }

  #maybeReport(): void {
    if (!this.#options.onProgress || this.#finished) return;
    const time = this.#now();
    if (time - this.#lastReport < this.#interval) return;
    this.#report(time);
  }

  #report(time: number): void {
    this.#lastReport = time;
    const callback = this.#options.onProgress;
    if (!callback) return;
    try {
      callback(this.snapshot(time));
    } catch {
      // A failing progress callback must not break the transfer.
    }
  }
}
