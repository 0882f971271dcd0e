/**
 * The retry loop of one storage PUT (a single upload or one part): the client's jittered
 * backoff, a new body on every attempt, a fresh signed link after a 403 (expired link), and one
 * re-send after damaged bytes (`BadDigest`, an ETag that is not our MD5) before `SG_INTEGRITY`.
 */
import type { ApiCaller } from '../api-caller.js';
import { finalStorageError, integrityCounter, storageActionOf } from './storage-errors.js';
import type { StoragePutResult } from './storage-put.js';

/** One PUT with retries. */
export interface RetriedPut {
  /** The link to try first; without it a fresh one is asked for before the first attempt. */
  link?: string;
  /** Asks the site for a fresh signed link (its own request retries already ran). */
  freshLink: () => Promise<string>;
  /** One attempt against `url`. */
  put: (url: string) => Promise<StoragePutResult>;
  signal?: AbortSignal;
  /** Called before each attempt (attempt counting). */
  onAttempt?: () => void;
}

/** Runs the PUT until it succeeds, fails for good, or the retries run out. */
export async function putWithRetries(api: ApiCaller, run: RetriedPut): Promise<StoragePutResult> {
  let link = run.link;
  const damaged = integrityCounter();
  return api.retryable(
    async () => {
      if (link === undefined) {
        try {
          link = await run.freshLink();
        } catch (err) {
          throw finalStorageError(err);
        }
      }
      run.onAttempt?.();
      try {
        return await run.put(link);
      } catch (err) {
        if (storageActionOf(err) === 'refresh') link = undefined;
        damaged(err);
        throw err;
      }
    },
    { signal: run.signal, shouldRetry: (err) => storageActionOf(err) !== 'fail' },
  );
}
