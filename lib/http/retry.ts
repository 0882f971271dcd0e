/**
 * The one retry engine of the library (API calls and storage transfers), on p-retry, driven by
 * one policy object ({@link RetryPolicy}): which failures are repeated (the failure-kinds table
 * in `failures.ts`), how many attempts, the backoff (jittered exponential, `minTimeout · 2^n ·
 * [1, 2)` capped at `maxTimeout`), `Retry-After` as the minimum wait, the idempotency rule, a
 * fresh storage link after a 403, one fresh body after damaged bytes, and the read-back that
 * learns whether a non-idempotent request whose answer was lost landed. Nothing retries around
 * it: a request runs through it exactly once.
 *
 * p-retry is ESM-only: it is loaded with a real dynamic `import()`, which `module: nodenext`
 * keeps as is in the CommonJS output.
 */
import { pathToFileURL } from 'node:url';
import type { RetryRunOptions } from '../api-caller.js';
import type { RetryEvent } from '../options.js';
import type { ResolvedRetry } from '../config/resolve-options.js';
import { ShotGridError } from '../errors.js';
import { abortError, sleep } from './abort.js';
import { asStep, failureKindOf, failureRow, settled } from './failures.js';

function importPRetry() {
  return import('p-retry');
}

/**
 * `import()` resolves bare names without NODE_PATH; when the compiled code lives outside the
 * package (a build output folder elsewhere), the CommonJS resolver finds the file instead.
 */
async function importPRetryAnywhere(): ReturnType<typeof importPRetry> {
  try {
    return await importPRetry();
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    return (await import(pathToFileURL(require.resolve('p-retry')).href)) as Awaited<ReturnType<typeof importPRetry>>;
  }
}

let pRetryModule: ReturnType<typeof importPRetry> | undefined;

/** Loads p-retry once. */
export function loadPRetry(): ReturnType<typeof importPRetry> {
  pRetryModule ??= importPRetryAnywhere();
  return pRetryModule;
}

/** A `Retry-After` longer than this is not waited for: the error goes to the caller. */
export const MAX_RETRY_AFTER_WAIT_MS = 120_000;

/** Fresh attempts after damaged bytes before `SG_INTEGRITY` is final. */
export const INTEGRITY_RESENDS = 1;

/** The whole retry policy of a client, in one object. */
export interface RetryPolicy extends ResolvedRetry {
  /** Longest `Retry-After` waited for. */
  maxRetryAfterWait: number;
  /** Fresh bodies after damaged bytes. */
  integrityResends: number;
}

/** The policy for the client's `retry` option (the failure kinds come from `failures.ts`). */
export function retryPolicy(retry: ResolvedRetry): RetryPolicy {
  return { ...retry, maxRetryAfterWait: MAX_RETRY_AFTER_WAIT_MS, integrityResends: INTEGRITY_RESENDS };
}

/** The server-requested wait carried by an error, if any. */
export function retryAfterOf(error: unknown): number | undefined {
  const value = typeof error === 'object' && error !== null ? (error as { retryAfterMs?: unknown }).retryAfterMs : undefined;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** Extra options of {@link runRetryable} beyond the public contract. */
export interface RunRetryableOptions<T = unknown> extends RetryRunOptions<T> {
  /** Debug sink for retry decisions. */
  debug?: (message: string) => void;
  /** Told before each wait between attempts (the client's `onRetry` option). */
  onRetry?: (event: RetryEvent) => void;
}

/**
 * The wait after failed attempt `attempt` (from 1): `minTimeout · 2^(attempt-1) · [1, 2)`, capped
 * at `maxTimeout`, and never shorter than the server's `Retry-After`. Computed here rather than
 * inside p-retry so that it can be announced (`retrying 2/5 in 4 s`) before it starts.
 */
export function backoffDelay(attempt: number, policy: ResolvedRetry, retryAfterMs?: number, random: () => number = Math.random): number {
  const backoff = Math.min(Math.round(policy.minTimeout * 2 ** (attempt - 1) * (1 + random())), policy.maxTimeout);
  return Math.max(backoff, retryAfterMs ?? 0);
}

/** The error for a non-idempotent request that failed after it may have been applied. */
function outcomeUnknown(err: unknown): ShotGridError {
  const e = err instanceof ShotGridError ? err : undefined;
  return settled(new ShotGridError(
    'SG_OUTCOME_UNKNOWN',
    `${e?.message ?? String(err)}; the request may have been applied, so it was not repeated (check before trying again)`,
    { status: e?.status, errors: e?.errors, requestId: e?.requestId, method: e?.method, path: e?.path, cause: err },
  ));
}

/** Damaged bytes still damaged after the fresh attempts: final. */
function integrityFinal(err: unknown, resends: number): ShotGridError {
  const e = err as ShotGridError;
  return settled(new ShotGridError('SG_INTEGRITY', `${e.message} (still so after ${resends} fresh attempt)`, {
    status: e.status, storageCode: e.storageCode, method: e.method, path: e.path, cause: err,
  }));
}

/**
 * Runs `fn` until it succeeds, the policy says stop, or the signal fires (`SG_ABORTED`). What a
 * failure calls for is its kind's `repeat` in the failure-kinds table, applied to this request
 * (`idempotent`, `freshLink`, `readBack`).
 */
export async function runRetryable<T>(fn: (attempt: number) => Promise<T>, policy: RetryPolicy, options: RunRetryableOptions<T> = {}): Promise<T> {
  const { default: pRetry } = await loadPRetry();
  const { signal, freshLink, readBack } = options;
  const idempotent = options.idempotent ?? true;
  const retries = options.retries ?? policy.retries;
  let attempts = 0;
  let retryThis = false;
  let damaged = 0;
  let linkExpired = false;
  // Failures of a non-idempotent request that the read-back proved did not land: safe to repeat.
  const notLanded = new WeakSet<object>();

  const attempt = async (n: number): Promise<T> => {
    attempts = n;
    if (linkExpired) {
      linkExpired = false;
      await asStep(freshLink!);
    }
    try {
      return await fn(n);
    } catch (err) {
      const repeat = failureRow(failureKindOf(err)).repeat;
      if (repeat === 'fresh-body-once' && ++damaged > policy.integrityResends) throw integrityFinal(err, policy.integrityResends);
      if (repeat === 'idempotent' && !idempotent && !signal?.aborted) {
        // It may have been applied: learn whether it landed (never repeat it blindly).
        if (!readBack) throw outcomeUnknown(err);
        let landed: { value: T } | undefined;
        try {
          landed = await readBack(signal);
        } catch {
          throw outcomeUnknown(err);
        }
        if (landed) return landed.value;
        if (typeof err === 'object' && err !== null) notLanded.add(err);
      }
      throw err;
    }
  };

  const mayRepeat = (error: unknown): boolean => {
    if (typeof error === 'object' && error !== null && notLanded.has(error)) return true;
    switch (failureRow(failureKindOf(error)).repeat) {
      case 'always': case 'fresh-body-once': return true;
      case 'idempotent': return idempotent;
      case 'fresh-link': return freshLink !== undefined;
      case 'never': return false;
    }
  };

  try {
    return await pRetry(attempt, {
      retries,
      // The wait happens in onFailedAttempt (backoffDelay), so p-retry adds none of its own.
      minTimeout: 0,
      maxTimeout: 0,
      signal,
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
        const wait = retryAfterOf(error);
        retryThis = retriesLeft > 0 && !signal?.aborted && (wait === undefined || wait <= policy.maxRetryAfterWait) && mayRepeat(error);
        if (!retryThis) return;
        if (failureKindOf(error) === 'expired-link') linkExpired = true;
        options.onFailedAttempt?.(error, attemptNumber);
        const delayMs = backoffDelay(attemptNumber, policy, wait);
        options.debug?.(`attempt ${attemptNumber} failed (${(error as { code?: unknown }).code ?? error.name}, ${failureKindOf(error)}); retrying in ${delayMs} ms`);
        try {
          options.onRetry?.({ attempt: attemptNumber, retries, delayMs, error });
        } catch {
          // A listener's failure must not change the call's outcome.
        }
        await sleep(delayMs, signal);
      },
      shouldRetry: () => retryThis,
    });
  } catch (err) {
    if (signal?.aborted && !(err instanceof ShotGridError && err.code === 'SG_ABORTED')) throw abortError(signal, { attempts });
    if (err instanceof ShotGridError && err.attempts === undefined) err.attempts = attempts;
    throw err;
  }
}
