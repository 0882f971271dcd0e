/** The Timeout property of the upload and download nodes (seconds; blank: the library's node default; 0: none). */
import { LIBRARY_DEFAULTS, ShotGridError } from '../../lib/index.js';

/** The node's total time limit in ms, or undefined for none. `SG_CONFIG` for a value that is not a number ≥ 0. */
export function transferTimeout(value: unknown): number | undefined {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return LIBRARY_DEFAULTS.nodeTransferTimeout;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0) throw new ShotGridError('SG_CONFIG', `timeout must be a number of seconds ≥ 0 (got ${JSON.stringify(value)})`);
  return seconds === 0 ? undefined : Math.round(seconds * 1000);
}

/** `{timeout}` for the library call, or nothing when the node sets no limit. */
export function withTimeout(value: unknown): { timeout?: number } {
  const timeout = transferTimeout(value);
  return timeout === undefined ? {} : { timeout };
}
