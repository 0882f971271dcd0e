/**
 * The parts of a multipart upload: one generator of part numbers feeding `concurrency` workers
 * (as @aws-sdk/lib-storage does). A worker takes the part's MD5 from the hash pass
 * (hash-pass.ts), then streams the part from the file with it as `Content-MD5`, with its own
 * retries (each attempt reads the span from disk again) and fresh links; each part's link is
 * asked for ahead, while earlier parts are in flight. No part is held in memory: the storage
 * checks every part against the MD5 the pass computed, so what it keeps is what was hashed, and
 * a part changed on disk in between is refused and ends the upload as `SG_FILE`. The first part
 * that fails for good stops every other worker at once; the caller then aborts the upload on
 * the site.
 */
import { setMaxListeners } from 'node:events';
import type { ApiCaller } from '../api-caller.js';
import { isShotGridError, ShotGridError } from '../errors.js';
import { failureKindOf, markFailure } from '../http/failures.js';
import { abortError, linkSignals, raceAbort } from '../http/abort.js';
import { hashSpan, md5Hash, plainMd5Etag } from './checksums.js';
import type { HashPass } from './hash-pass.js';
import { putContentType } from './content-type.js';
import { partSpan, type UploadPlan } from './part-plan.js';
import type { ProgressReporter } from './progress.js';
import { putToStorage, putWithRetries, sendBuffers, type FileSpan, type SendBuffers } from './storage-put.js';
import { partLink, type UploadSession } from './upload-api.js';

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
  /** The hash pass over the file (started with the plan): each part's MD5, the file's checksums. */
  pass: HashPass;
  /** Parts already on the storage (a resumed upload, see resume-upload.ts): hashed, not sent again. */
  stored?: ReadonlyMap<number, string>;
  /** Called as each part is stored, with its ETag. */
  onPartStored?: (partNumber: number, etag: string) => void;
}

/** Uploads every part; returns their ETags in part order, exactly as received. */
export async function uploadParts(job: PartsJob): Promise<string[]> {
  const { api, session, plan, progress } = job;
  const etags: string[] = new Array<string>(plan.partCount);
  // Aborted by the caller's signal, or by the first part that fails for good.
  const { controller, dispose } = linkSignals(job.signal);
  // Every part in flight listens on this signal (its wait for its MD5, its PUT, the link asked
  // for ahead, a retry sleep: a few each); above ~5 parts Node would warn of a listener leak
  // that is not one.
  setMaxListeners(Math.max(10, plan.concurrency * 6), controller.signal);
  let next = 1;
  let failure: unknown;
  const takePart = (): number | undefined => (failure === undefined && !controller.signal.aborted && next <= plan.partCount ? next++ : undefined);

  /** A worker's read buffers, reused from part to part while its PUTs succeed (see sendBuffers). */
  interface Slot {
    buffers?: SendBuffers;
  }

  const uploadPart = async (partNumber: number, link: Promise<string | undefined>, slot: Slot): Promise<void> => {
    const span = partSpan(plan, partNumber);
    const md5 = await raceAbort(job.pass.partMd5(partNumber), controller.signal);
    const saved = job.stored?.get(partNumber);
    if (saved !== undefined && plainMd5Etag(saved, {}) === md5.toString('hex')) {
      // Stored by an interrupted run with these very bytes (its ETag is their MD5): not sent again.
      etags[partNumber - 1] = saved;
      progress.add(span.end - span.start, partNumber);
      progress.partDone(partNumber);
      return;
    }
    const body = { file: job.file, start: span.start, end: span.end, md5 };
    const result = await putWithRetries(api, {
      // Asked for while earlier parts were sent (see linkOf); undefined if that failed: asked again.
      link: await link,
      freshLink: () => partLink(api, session, partNumber, controller.signal),
      signal: controller.signal,
      onAttempt: job.onAttempt,
      put: async (url) => {
        let sent = 0;
        const buffers = (slot.buffers ??= sendBuffers());
        try {
          return await putToStorage(api, {
            url,
            body: { ...body, buffers },
            contentType: putContentType(url, job.fileName, true),
            what: `part ${partNumber} of ${plan.partCount}`,
            requireEtag: true,
            signal: controller.signal,
            onBytes: (n) => {
              sent += n;
              progress.add(n, partNumber);
            },
          });
        } catch (err) {
          // Its socket may not be done with these buffers: the next attempt reads into fresh ones.
          slot.buffers = undefined;
          progress.add(-sent, partNumber);
          throw (await changedOnDisk(err, body, controller.signal)) ?? err;
        }
      },
    });
    etags[partNumber - 1] = result.etag!;
    job.onPartStored?.(partNumber, result.etag!);
    progress.partDone(partNumber);
  };

  // A part's link is a round trip to the site; asked for right before the PUT it would sit on the
  // critical path once per part (a site 100 ms away: +14-20 % on 1 GiB, bench P11). So when a
  // worker takes part n, the link of part n + concurrency (the part a worker takes next, about one
  // part's transfer later) is asked for too. Links expire in minutes and this is one part ahead;
  // a 403 still fetches a fresh one (putWithRetries). Each link is asked for once.
  const ahead = new Map<number, Promise<string | undefined>>();
  const fetchLink = (n: number): Promise<string | undefined> => partLink(api, session, n, controller.signal).catch(() => undefined);
  // A look-ahead is asked for after the links parts wait for now. At the start every worker asks
  // for its part's link in the same tick, and the client's connection budget (maxConnections,
  // 10) is first come, first served: asked for at once, the look-aheads took slots ahead of
  // parts 6-8's own links, which then waited a third round trip (bench P11).
  const fetchLater = (n: number): Promise<string | undefined> => new Promise<void>((resolve) => setImmediate(resolve)).then(() => fetchLink(n));
  const linkOf = (n: number): Promise<string | undefined> => {
    const later = n + plan.concurrency;
    // A part a resumed upload already stored needs no link unless its bytes changed (then asked for then).
    if (later <= plan.partCount && !ahead.has(later) && !job.stored?.has(later)) ahead.set(later, fetchLater(later));
    if (job.stored?.has(n)) return Promise.resolve(undefined);
    // Part 1's link came with the init.
    if (n === 1) return Promise.resolve(session.uploadUrl);
    const known = ahead.get(n);
    ahead.delete(n);
    return known ?? fetchLink(n);
  };

  const worker = async (): Promise<void> => {
    const slot: Slot = {};
    for (let n = takePart(); n !== undefined; n = takePart()) {
      try {
        await uploadPart(n, linkOf(n), slot);
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
    // The caller waits for the file to be closed (HashPass.close); here the pass only has to end.
    if (failure !== undefined || controller.signal.aborted) void job.pass.close();
  }
  if (job.signal?.aborted) throw abortError(job.signal);
  if (failure !== undefined) throw failure;
  return etags;
}

/**
 * After the storage refused a part's bytes as damaged (`BadDigest`, or an ETag that is not the
 * MD5 sent): `SG_FILE` (final) when the span on disk no longer hashes to the MD5 of the pass —
 * the file changed since, and sending it again would be refused forever — else undefined: the
 * bytes were damaged in transit, and the retry policy sends them once more.
 */
async function changedOnDisk(err: unknown, span: FileSpan & { md5: Buffer }, signal: AbortSignal): Promise<ShotGridError | undefined> {
  if (failureKindOf(err) !== 'bad-digest') return undefined;
  const hash = md5Hash();
  await hashSpan(span.file, span.start, span.end, hash, signal);
  if (hash.digest().equals(span.md5)) return undefined;
  return markFailure(new ShotGridError('SG_FILE', `${span.file} changed while it was being uploaded (bytes ${span.start}-${span.end - 1} differ from those hashed); nothing was completed`, { cause: err }), 'local-file');
}
