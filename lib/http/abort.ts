/** AbortSignal helpers: the `SG_ABORTED` error, abortable waits and races. */
import { ShotGridError, type ShotGridErrorDetails } from '../errors.js';

/** The error for a fired caller signal. */
export function abortError(signal?: AbortSignal, details: ShotGridErrorDetails = {}): ShotGridError {
  const reason: unknown = signal?.reason;
  const why = reason instanceof Error && reason.name !== 'AbortError' && reason.message ? `: ${reason.message}` : '';
  return new ShotGridError('SG_ABORTED', `the operation was aborted${why}`, { ...details, cause: reason });
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
