/**
 * The failure-kinds table as outcomes: for each kind and kind of request, how many attempts the
 * retry engine makes when the failure happens on every attempt, and the code that comes out.
 * Read by `test/lib/failure-kinds.test.ts` (which drives each row over HTTP) and rendered into
 * the README (a test checks that the README shows exactly this).
 */
import { FAILURE_KINDS, failureRow, type FailureKind } from './failures.js';
import type { RetryPolicy } from './retry.js';

/** The kinds of request the table distinguishes. */
export type RequestColumn = 'api-idempotent' | 'api-create' | 'storage';

/** Column headings. */
export const REQUEST_COLUMNS: Readonly<Record<RequestColumn, string>> = Object.freeze({
  'api-idempotent': 'API read, update, delete, upload init / part link',
  'api-create': 'API create, batch',
  storage: 'storage PUT / GET',
});

/** What happens when a failure of one kind meets every attempt of a request. */
export interface FailureOutcome {
  attempts: number;
  code: string;
}

/**
 * The outcome of a failure of `kind` on every attempt, under `policy`; `undefined` when the
 * kind does not occur on that kind of request. Storage links are renewable (a link the site
 * hands out); a bare URL's refused link is final after one attempt.
 */
export function expectedOutcome(kind: FailureKind, column: RequestColumn, policy: Pick<RetryPolicy, 'retries' | 'integrityResends'>): FailureOutcome | undefined {
  const row = failureRow(kind);
  const layer = column === 'storage' ? 'storage' : 'api';
  const code = row.code[layer];
  if (!row.layers.includes(layer) || code === undefined) return undefined;
  const all = policy.retries + 1;
  switch (row.repeat) {
    case 'always':
      return { attempts: all, code };
    case 'idempotent':
      return column === 'api-create' ? { attempts: 1, code: 'SG_OUTCOME_UNKNOWN' } : { attempts: all, code };
    case 'fresh-link':
      return { attempts: all, code };
    case 'fresh-body-once':
      return { attempts: 1 + policy.integrityResends, code };
    case 'never':
      return { attempts: 1, code };
  }
}

function cell(outcome: FailureOutcome | undefined): string {
  if (!outcome) return '—';
  return `${outcome.attempts} → ${outcome.code === 'its own' ? 'its own code' : `\`${outcome.code}\``}`;
}

/** The table as Markdown (README "Retries and the idempotency rule"). */
export function failureKindsMarkdown(policy: Pick<RetryPolicy, 'retries' | 'integrityResends'>): string {
  const columns = Object.keys(REQUEST_COLUMNS) as RequestColumn[];
  const lines = [
    `| failure kind | how it shows | ${columns.map((c) => REQUEST_COLUMNS[c]).join(' | ')} |`,
    `|---|---|${columns.map(() => '---').join('|')}|`,
    ...FAILURE_KINDS.map((row) => `| \`${row.kind}\` | ${row.shows} | ${columns.map((c) => cell(expectedOutcome(row.kind, c, policy))).join(' | ')} |`),
  ];
  return lines.join('\n');
}
