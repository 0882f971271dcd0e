/** Small numeric helpers of the bench. */

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Rounds to `digits` significant-looking decimals for reports. */
export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Milliseconds a promise-returning function took, with its value. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

/**
 * Runs `ours` and `baseline` `runs` times each, alternating which goes first so drift on a
 * shared machine (other processes, page cache) hits both sides alike; returns both sample lists.
 */
export async function alternate(runs: number, ours: () => Promise<number>, baseline: () => Promise<number>): Promise<{ ours: number[]; baseline: number[] }> {
  const o: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      o.push(await ours());
      b.push(await baseline());
    } else {
      b.push(await baseline());
      o.push(await ours());
    }
  }
  return { ours: o, baseline: b };
}

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
