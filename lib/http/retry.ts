/**
 * Retries with p-retry: jittered exponential backoff (`minTimeout · 2^n · [1, 2)`, capped at
 * `maxTimeout`), and a server's `Retry-After` (a numeric `retryAfterMs` on the error) as the
 * minimum wait.
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
import { retryClassOf } from './error-mapping.js';

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

/** The server-requested wait carried by an error, if any. */
export function retryAfterOf(error: unknown): number | undefined {
  const value = typeof error === 'object' && error !== null ? (error as { retryAfterMs?: unknown }).retryAfterMs : undefined;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** Default decision: anything that may be repeated without harm to the request itself. */
export function defaultShouldRetry(error: unknown): boolean {
  return retryClassOf(error) !== 'never';
}

/** Extra options of {@link runRetryable} beyond the public contract. */
export interface RunRetryableOptions extends RetryRunOptions {
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

/** Runs `fn` until it succeeds, the policy says stop, or the signal fires (`SG_ABORTED`). */
export async function runRetryable<T>(fn: (attempt: number) => Promise<T>, policy: ResolvedRetry, options: RunRetryableOptions = {}): Promise<T> {
  const { default: pRetry } = await loadPRetry();
  const { signal } = options;
  const shouldRetry = options.shouldRetry ?? defaultShouldRetry;
  const retries = options.retries ?? policy.retries;
  let attempts = 0;
  let retryThis = false;
  try {
    return await pRetry(
      async (attempt) => {
        attempts = attempt;
        return fn(attempt);
      },
      {
        retries,
        // The wait happens in onFailedAttempt (backoffDelay), so p-retry adds none of its own.
        minTimeout: 0,
        maxTimeout: 0,
        signal,
        onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
          const wait = retryAfterOf(error);
          retryThis = retriesLeft > 0 && !signal?.aborted && (wait === undefined || wait <= MAX_RETRY_AFTER_WAIT_MS) && shouldRetry(error, attemptNumber);
          if (!retryThis) return;
          options.onFailedAttempt?.(error, attemptNumber);
          const delayMs = backoffDelay(attemptNumber, policy, wait);
          options.debug?.(`attempt ${attemptNumber} failed (${(error as { code?: unknown }).code ?? error.name}); retrying in ${delayMs} ms`);
          try {
            options.onRetry?.({ attempt: attemptNumber, retries, delayMs, error });
          } catch {
            // A listener's failure must not change the call's outcome.
          }
          await sleep(delayMs, signal);
        },
        shouldRetry: () => retryThis,
      },
    );
  } catch (err) {
    if (signal?.aborted && !(err instanceof ShotGridError && err.code === 'SG_ABORTED')) throw abortError(signal, { attempts });
    if (err instanceof ShotGridError && err.attempts === undefined) err.attempts = attempts;
    throw err;
  }
}
