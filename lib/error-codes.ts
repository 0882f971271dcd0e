/**
 * The one table of which error codes each Node-RED node of this package can raise, with a short
 * human reason per code. The nodes' status line shows `code: reason`; each node's help lists
 * exactly its codes (test/package/help-codes.test.ts fails when a help page and this table drift).
 * Plain data about codes, so it lives beside {@link ShotGridErrorCode} rather than in nodes/.
 */
import type { ShotGridErrorCode } from './errors.js';

/** Code the nodes give a failure that carries none (a bug, or something thrown outside the library). */
export const UNEXPECTED_CODE = 'SG_UNEXPECTED';

/** Every code a node can hand to a Catch node. */
export type NodeErrorCode = ShotGridErrorCode | typeof UNEXPECTED_CODE;

/** A few words per code, short enough for a node's status line after the code. */
export const ERROR_REASONS: Readonly<Record<NodeErrorCode, string>> = Object.freeze({
  SG_CONFIG: 'invalid setting or input',
  SG_AUTH: 'bad credentials',
  SG_PERMISSION: 'not permitted',
  SG_NOT_FOUND: 'not found',
  SG_BAD_REQUEST: 'refused by the site',
  SG_RATE_LIMITED: 'rate limited',
  SG_SERVER: 'site error',
  SG_TIMEOUT: 'timed out',
  SG_NETWORK: 'site unreachable',
  SG_ABORTED: 'stopped',
  SG_BAD_RESPONSE: 'not a ShotGrid answer',
  SG_OUTCOME_UNKNOWN: 'outcome unknown',
  SG_FILE: 'file problem',
  SG_STORAGE: 'storage refused',
  SG_THUMBNAIL_PENDING: 'not ready yet',
  SG_INTEGRITY: 'bytes damaged',
  SG_UNEXPECTED: 'unexpected error',
});

/** Codes any node that calls the site can raise. */
const SITE_CALL_CODES: readonly NodeErrorCode[] = [
  'SG_CONFIG',
  'SG_AUTH',
  'SG_PERMISSION',
  'SG_NOT_FOUND',
  'SG_BAD_REQUEST',
  'SG_RATE_LIMITED',
  'SG_SERVER',
  'SG_TIMEOUT',
  'SG_NETWORK',
  'SG_BAD_RESPONSE',
  'SG_ABORTED',
  UNEXPECTED_CODE,
];

/** The codes each node type can send to a Catch node (`msg.error.code`). */
export const NODE_ERROR_CODES: Readonly<Record<string, readonly NodeErrorCode[]>> = Object.freeze({
  'shotgrid-find': SITE_CALL_CODES,
  // Creates and batches are not repeated after a failure that may have been applied.
  'shotgrid-write': [...SITE_CALL_CODES, 'SG_OUTCOME_UNKNOWN'],
  'shotgrid-upload': [...SITE_CALL_CODES, 'SG_OUTCOME_UNKNOWN', 'SG_FILE', 'SG_STORAGE', 'SG_INTEGRITY'],
  'shotgrid-download': [...SITE_CALL_CODES, 'SG_FILE', 'SG_STORAGE', 'SG_THUMBNAIL_PENDING', 'SG_INTEGRITY'],
  'shotgrid-thumbnail-wait': SITE_CALL_CODES,
});

/** The short reason for a code; unknown codes get the generic one. */
export function errorReason(code: string): string {
  return (ERROR_REASONS as Record<string, string>)[code] ?? ERROR_REASONS[UNEXPECTED_CODE];
}

/** A node's status text for a failure: `SG_AUTH: bad credentials`. */
export function errorStatusText(code: string): string {
  return `${code}: ${errorReason(code)}`;
}
