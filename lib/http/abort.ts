/** AbortSignal helpers: the `SG_ABORTED` error, abortable waits and races. */
import { ShotGridError, type ShotGridErrorDetails } from '../errors.js';
import type { RetryEvent } from '../options.js';

/** The error for a fired caller signal. */
export function abortError(signal?: AbortSignal, details: ShotGridErrorDetails = {}): ShotGridError {
  const reason: unknown = signal?.reason;
  const why = reason instanceof Error && reason.name !== 'AbortError' && reason.message ? `: ${reason.message}` : '';
  return new ShotGridError('SG_ABORTED', `the operation was aborted${why}`, { ...details, cause: reason });
}

/** Abort reasons marked by {@link pauseReason}. */
const pauses = new WeakSet<object>();

/**
 * Marks an abort reason as a pause rather than a cancel: a resumable upload (`resumeDir`) stopped
 * with it keeps its multipart upload open on the site and its state on disk, so that the next run
 * of the same upload carries on (e.g. a Node-RED restart or redeploy); any other abort reason
 * aborts the multipart upload on the site. Returns `reason`.
 */
export function pauseReason<T extends object>(reason: T): T {
  pauses.add(reason);
  return reason;
}

/** Whether `signal` was aborted with a {@link pauseReason}. */
export function isPaused(signal?: AbortSignal): boolean {
  const reason: unknown = signal?.reason;
  return signal?.aborted === true && typeof reason === 'object' && reason !== null && pauses.has(reason);
}

/** Resolves after `ms`, or rejects with `SG_ABORTED` when `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Waits for a shared promise, but lets this caller leave early when its own signal fires. */
export function raceAbort<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** Hears of the retries of the calls made with one signal (see {@link reportRetries}). */
export type RetryListener = (event: RetryEvent) => void;

const retryListeners = new WeakMap<AbortSignal, RetryListener>();

/**
 * Tells `listener` of every retry (before its wait) of a call made with `signal`, or with a
 * signal linked to it, besides the client's `onRetry`. Shows retries per operation (a Node-RED
 * node's status for one message) without an async context: on Node 20 an AsyncLocalStorage in use
 * puts a hook on every promise of the process.
 */
export function reportRetries(signal: AbortSignal, listener: RetryListener): void {
  retryListeners.set(signal, listener);
}

/** The listener {@link reportRetries} gave `signal` (or a signal it is linked to). */
export function retryListenerOf(signal: AbortSignal | undefined): RetryListener | undefined {
  return signal && retryListeners.get(signal);
}

/** A controller linked to parent signals (see {@link linkSignals}). */
export interface LinkedSignal {
  /** Aborts when any parent does (with its reason), or when aborted directly. */
  readonly controller: AbortController;
  readonly signal: AbortSignal;
  /** Detaches from the parents (and clears a deadline timer); always call it, also after an abort. */
  dispose(): void;
}

/**
 * The one way signals are linked in the library: a controller that aborts when any of `parents`
 * does, detached by `dispose()` so long-lived parents (a client's close signal, an upload's)
 * never collect a listener per call, as `AbortSignal.any` may on Node 20.
 */
export function linkSignals(...parents: Array<AbortSignal | undefined>): LinkedSignal {
  const controller = new AbortController();
  const attached: Array<[AbortSignal, () => void]> = [];
  const dispose = (): void => {
    for (const [parent, listener] of attached.splice(0)) parent.removeEventListener('abort', listener);
  };
  let heard = false;
  for (const parent of parents) {
    if (!parent) continue;
    // The first parent's retry listener hears the linked signal's retries too.
    const hears = heard ? undefined : retryListeners.get(parent);
    if (hears) {
      retryListeners.set(controller.signal, hears);
      heard = true;
    }
    if (parent.aborted) {
      dispose();
      controller.abort(parent.reason);
      break;
    }
    const listener = (): void => controller.abort(parent.reason);
    parent.addEventListener('abort', listener, { once: true });
    attached.push([parent, listener]);
  }
  return { controller, signal: controller.signal, dispose };
}

/** A total time limit on an operation, on top of the caller's signal. */
export interface Deadline extends LinkedSignal {
  /** Whether the time ran out (rather than the caller aborting). */
  readonly expired: boolean;
}

/**
 * A signal that fires when `parent` does or `ms` have passed (`ms` undefined: no limit). Its
 * timer does not keep the process alive and is cleared by `dispose()`.
 */
export function withDeadline(parent: AbortSignal | undefined, ms: number | undefined): Deadline {
  const linked = linkSignals(parent);
  let expired = false;
  const timer = ms === undefined ? undefined : setTimeout(() => {
    expired = !linked.signal.aborted;
    linked.controller.abort(new ShotGridError('SG_TIMEOUT', `did not finish within ${ms} ms`));
  }, ms);
  timer?.unref?.();
  return {
    controller: linked.controller,
    signal: linked.signal,
    get expired() {
      return expired;
    },
    dispose() {
      if (timer) clearTimeout(timer);
      linked.dispose();
    },
  };
}

/** Checks an optional total time limit in ms (`SG_CONFIG` when not a positive finite number). */
export function checkTimeout(value: unknown, name = 'timeout'): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new ShotGridError('SG_CONFIG', `${name} must be a positive number of milliseconds`);
  return value;
}

/**
 * Runs `fn` under a total time limit: `fn` gets the linked signal; when the time runs out (and the
 * caller did not abort), its failure becomes `SG_TIMEOUT` "<what> did not finish within N ms".
 */
export async function runWithin<T>(what: string, ms: number | undefined, parent: AbortSignal | undefined, fn: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  if (ms === undefined) return fn(parent);
  const deadline = withDeadline(parent, ms);
  try {
    return await fn(deadline.signal);
  } catch (err) {
    if (deadline.expired && !parent?.aborted) throw new ShotGridError('SG_TIMEOUT', `${what} did not finish within ${ms} ms (its timeout)`, { cause: err });
    throw err;
  } finally {
    deadline.dispose();
  }
}
