/**
 * The parts of a multipart upload: one generator of part numbers feeding `concurrency` workers
 * (as @aws-sdk/lib-storage does), each part streamed from disk by offset with its own retries
 * and fresh links. The first part that fails for good stops every other worker at once; the
 * caller then aborts the upload on the site.
 */
import { setMaxListeners } from 'node:events';
import type { ApiCaller } from '../api-caller.js';
import { isShotGridError } from '../errors.js';
import { abortError } from '../http/abort.js';
import { putContentType } from './content-type.js';
import { partSpan, type UploadPlan } from './part-plan.js';
import type { ProgressReporter } from './progress.js';
import { putToStorage } from './storage-put.js';
import { putWithRetries } from './storage-retry.js';
import { partLink, type UploadSession } from './upload-api.js';
import { childController } from './watchdog.js';

/** What the part workers need. */
export interface PartsJob {
  api: ApiCaller;
  session: UploadSession;
  plan: UploadPlan;
  file: string;
  fileName: string;
  progress: ProgressReporter;
  signal?: AbortSignal;
  /** Counts storage attempts. */
  onAttempt: () => void;
}

/** Uploads every part; returns their ETags in part order, exactly as received. */
export async function uploadParts(job: PartsJob): Promise<string[]> {
  const { api, session, plan, progress } = job;
  const etags: string[] = new Array<string>(plan.partCount);
  // Aborted by the caller's signal, or by the first part that fails for good.
  const { controller, dispose } = childController(job.signal);
  // Every part in flight listens on this signal (its PUT, link request or retry sleep, a few each):
  // above ~9 parts Node would warn of a listener leak that is not one.
  setMaxListeners(Math.max(10, plan.concurrency * 4), controller.signal);
  let next = 1;
  let failure: unknown;
  const takePart = (): number | undefined => (failure === undefined && !controller.signal.aborted && next <= plan.partCount ? next++ : undefined);

  const uploadPart = async (partNumber: number): Promise<void> => {
    const span = partSpan(plan, partNumber);
    const result = await putWithRetries(api, {
      // Part 1's link came with the init; every other part asks for its own, right before use.
      link: partNumber === 1 ? session.uploadUrl : undefined,
      freshLink: () => partLink(api, session, partNumber, controller.signal),
      signal: controller.signal,
      onAttempt: job.onAttempt,
      put: async (url) => {
        let sent = 0;
        try {
          return await putToStorage(api, {
            url,
            file: job.file,
            start: span.start,
            end: span.end,
            contentType: putContentType(url, job.fileName, true),
            what: `part ${partNumber} of ${plan.partCount}`,
            requireEtag: true,
            signal: controller.signal,
            onBytes: (bytes) => {
              sent += bytes;
              progress.add(bytes, partNumber);
            },
          });
        } catch (err) {
          progress.add(-sent, partNumber);
          throw err;
        }
      },
    });
    etags[partNumber - 1] = result.etag!;
    progress.partDone(partNumber);
  };

  const worker = async (): Promise<void> => {
    for (let n = takePart(); n !== undefined; n = takePart()) {
      try {
        await uploadPart(n);
      } catch (err) {
        // Only the first real failure counts: the others are the stop it caused.
        if (failure === undefined && !(isShotGridError(err) && err.code === 'SG_ABORTED' && !job.signal?.aborted)) failure = err;
        controller.abort(new Error('another part failed'));
        return;
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: plan.concurrency }, worker));
  } finally {
    dispose();
  }
  if (job.signal?.aborted) throw abortError(job.signal);
  if (failure !== undefined) throw failure;
  return etags;
}
