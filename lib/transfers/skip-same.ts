/**
 * "Skip when the field already holds this file" (`skipIfSame`): an upload repeated by a farm
 * retry sends no bytes. The file counts as already there when the target holds an uploaded
 * Attachment with the same name whose stored object has the same size and the same S3 ETag:
 *
 * - size: from the storage (a one-byte `Range` GET of the Attachment's URL), since
 *   `Attachment.file_size` stays null on modern sites;
 * - checksum: the ETag the storage recorded when the bytes arrived — the MD5 of the bytes for a
 *   single PUT, the MD5 of the parts' MD5s plus `-N` for a multipart upload — against the same
 *   value computed from the local file (one read of the file, no bytes sent). Part sizes that
 *   cut the file into N parts are tried (ours and common ones); an ETag none of them reproduces
 *   is a different file. A storage that sends no ETag leaves name and size to decide.
 *
 * Thumbnail fields (`image`, `filmstrip_image`) are never skipped: the site keeps a transcoded
 * picture, not the file. Whatever cannot be read or compared means "upload": skipping is only
 * ever done on proof.
 *
 * Uploads with `skipIfSame` of the same file to the same target through one client run one
 * after the other, so a duplicate delivered at the same moment waits and then skips.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { ApiCaller } from '../api-caller.js';
import { findRecords } from '../entities/find.js';
import { abortError, raceAbort } from '../http/abort.js';
import { readField, THUMBNAIL_FIELDS } from './completion.js';
import { resolveSource, type ResolvedSource } from './download-source.js';
import { parseContentRange } from './download-fetch.js';
import { storageExchange } from '../http/storage-transport.js';
import { StreamDigest, type FileChecksums } from './checksums.js';
import type { UploadSourceFile } from './local-file.js';
import { DEFAULT_PART_SIZE, MAX_PARTS, MIN_PART_SIZE, type UploadPlan } from './part-plan.js';
import type { DownloadSource, UploadResult, UploadTarget } from './types.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What the target already holds, when it is the same file. */
export interface SameFile {
  value: unknown;
  attachment: { type: 'Attachment'; id: number };
  /** The local file's checksums, for the result (computed in the same read as the ETag check). */
  checksums: FileChecksums;
}

/** Size and ETag of a stored object. */
interface StoredObjectInfo {
  size?: number;
  etag?: string;
}

/** A one-byte ranged GET: the object's size (`Content-Range`) and ETag, without its body; `undefined` when the storage has no such object. */
function probeOnce(api: ApiCaller, url: string, signal?: AbortSignal): Promise<StoredObjectInfo | undefined> {
  return storageExchange(api, { method: 'GET', url, headers: { 'accept-encoding': 'identity', range: 'bytes=0-0' }, what: 'already there?', signal }, async (answer) => {
    const ok = answer.status >= 200 && answer.status < 300;
    // At most a little of a 2xx body is read: a storage that ignores Range would send the whole file.
    if (ok) await answer.discard();
    if (answer.status === 206) return { size: parseContentRange(answer.header('content-range'))?.total, etag: answer.header('etag') };
    if (answer.status === 200) {
      const length = answer.header('content-length');
      return { size: length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined, etag: answer.header('etag') };
    }
    if (answer.status === 404) return undefined;
    // Anything else (5xx, 429, a refused link) is not an answer to "is it there?": never guess.
    return answer.fail();
  });
}

/**
 * {@link probeOnce} under the client's retry policy (a refused link is renewed when the source
 * can give a fresh one). A probe that still fails fails the upload: guessing "not the same"
 * would upload a duplicate, and the caller (a farm) retries the job anyway.
 */
function probeObject(api: ApiCaller, source: ResolvedSource, signal?: AbortSignal): Promise<StoredObjectInfo | undefined> {
  let current = source;
  const refresh = async (): Promise<void> => {
    if (current.refresh) current = await current.refresh();
  };
  return api.retryable(() => probeOnce(api, current.url, signal), { signal, ...(source.refresh ? { freshLink: refresh } : {}) });
}

/** Part sizes that cut `size` bytes into exactly `parts` parts: ours first, then common ones. */
function candidatePartSizes(size: number, parts: number, plan: UploadPlan): number[] {
  const MiB = 1024 * 1024;
  const common = [plan.partSize, DEFAULT_PART_SIZE, ...[5, 8, 10, 15, 16, 20, 25, 32, 50, 64, 100, 128, 256, 512].map((m) => m * MiB)];
  const fits = (p: number): boolean => p >= MIN_PART_SIZE && Math.ceil(size / p) === parts;
  return [...new Set(common)].filter(fits).slice(0, 8);
}

/** The S3 ETag the file would have: single-PUT MD5, or multipart MD5-of-MD5s for each part size. */
async function localEtags(path: string, partSizes: number[], sha256: boolean, signal?: AbortSignal): Promise<{ whole: FileChecksums; multipart: string[] }> {
  const whole = new StreamDigest(sha256);
  const runs = partSizes.map((partSize) => ({ partSize, filled: 0, part: createHash('md5') as Hash, digests: [] as Buffer[] }));
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024, signal })) {
    const buf = chunk as Buffer;
    whole.update(buf);
    for (const run of runs) {
      let offset = 0;
      while (offset < buf.length) {
        const take = Math.min(buf.length - offset, run.partSize - run.filled);
        run.part.update(buf.subarray(offset, offset + take));
        run.filled += take;
        offset += take;
        if (run.filled === run.partSize) {
          run.digests.push(run.part.digest());
          run.part = createHash('md5');
          run.filled = 0;
        }
      }
    }
  }
  const multipart = runs.map((run) => {
    if (run.filled > 0) run.digests.push(run.part.digest());
    return `${createHash('md5').update(Buffer.concat(run.digests)).digest('hex')}-${run.digests.length}`;
  });
  return { whole: whole.result(), multipart };
}

/**
 * The local file's checksums when the stored object is that file, by size and (when the storage
 * gives one) ETag; undefined when it is not. They come from the same one read of the file.
 */
async function sameContent(info: StoredObjectInfo, local: UploadSourceFile, plan: UploadPlan, sha256: boolean, signal?: AbortSignal): Promise<FileChecksums | undefined> {
  if (info.size !== local.size) return undefined;
  if (info.etag === undefined) return (await localEtags(local.path, [], sha256, signal)).whole;
  const etag = info.etag.trim().replace(/^W\//, '').replace(/"/g, '').toLowerCase();
  const single = /^[0-9a-f]{32}$/.test(etag);
  const multi = /^[0-9a-f]{32}-(\d+)$/.exec(etag);
  const parts = multi ? Number(multi[1]) : 0;
  if (!single && !(multi && parts >= 1 && parts <= MAX_PARTS)) return undefined;
  const sizes = multi ? candidatePartSizes(local.size, parts, plan) : [];
  if (multi && sizes.length === 0) return undefined;
  const computed = await localEtags(local.path, sizes, sha256, signal);
  const same = single ? computed.whole.md5 === etag : computed.multipart.includes(etag);
  return same ? computed.whole : undefined;
}

/** The uploaded Attachments that could hold the file: the field's value, or the record's by name. */
async function candidates(api: ApiCaller, target: UploadTarget, fileName: string, signal?: AbortSignal): Promise<Array<{ value: unknown; file: Record<string, unknown>; id: number }>> {
  if (target.field) {
    const value = await readField(api, target, target.field, signal);
    if (!isObject(value) || typeof value.id !== 'number' || (value.type !== undefined && value.type !== 'Attachment')) return [];
    return [{ value, file: value, id: value.id }];
  }
  const rows = await findRecords(api, 'Attachment', [
    ['attachment_links', 'is', { type: target.type, id: target.id }],
    ['original_fname', 'is', fileName],
  ], { fields: ['this_file'], sort: 'id', signal });
  return rows.filter((r) => isObject(r.this_file)).map((r) => ({ value: { type: 'Attachment', id: r.id }, file: r.this_file as Record<string, unknown>, id: r.id }));
}

/**
 * What the target holds when it is already this file (same name, size and ETag), else
 * `undefined`. A read that fails after the client's retries fails the upload (never guessed as
 * "not the same", which would upload a duplicate).
 */
export async function findSameFile(api: ApiCaller, target: UploadTarget, local: UploadSourceFile, fileName: string, plan: UploadPlan, sha256: boolean, signal?: AbortSignal): Promise<SameFile | undefined> {
  if (target.field && THUMBNAIL_FIELDS.has(target.field)) return undefined;
  try {
    for (const c of await candidates(api, target, fileName, signal)) {
      if (c.file.name !== fileName || (c.file.link_type !== undefined && c.file.link_type !== 'upload') || typeof c.file.url !== 'string') continue;
      const value: DownloadSource = { url: c.file.url, name: fileName, type: 'Attachment', id: c.id, link_type: 'upload' };
      const source = await resolveSource(api, value, undefined, signal);
      const info = await probeObject(api, source, signal);
      const checksums = info && (await sameContent(info, local, plan, sha256, signal));
      if (checksums) return { value: c.value, attachment: { type: 'Attachment', id: c.id }, checksums };
    }
  } catch (err) {
    if (signal?.aborted) throw abortError(signal);
    throw err;
  }
  return undefined;
}

/** The result of an upload skipped because the target already holds the file. */
export function skippedResult(target: UploadTarget, same: SameFile): UploadResult {
  return { target, value: same.value, attachment: same.attachment, bytes: 0, parts: 0, attempts: 0, multipart: false, skipped: true, checksums: same.checksums };
}

/** Per client: the tail of the queue of `skipIfSame` uploads, by target and file. */
const queues = new WeakMap<ApiCaller, Map<string, Promise<unknown>>>();

/** The queue key: the target, the file's identity and the name it is uploaded under. */
export function sameUploadKey(target: UploadTarget, local: UploadSourceFile, fileName: string): string {
  return JSON.stringify([target.type, target.id, target.field ?? '', local.path, local.size, local.mtimeMs, fileName]);
}

/**
 * Runs `task` after every earlier task with the same key on this client has settled, so a
 * duplicate upload starts its "already there?" check only once the first one is done. Waiting
 * ends early when `signal` fires (`SG_ABORTED`).
 */
export async function oneAfterAnother<T>(api: ApiCaller, key: string, signal: AbortSignal | undefined, task: () => Promise<T>): Promise<T> {
  let byKey = queues.get(api);
  if (!byKey) queues.set(api, (byKey = new Map()));
  const earlier = byKey.get(key) ?? Promise.resolve();
  // Waiting ends early when this caller's signal fires; an earlier failure is not ours.
  const waited = raceAbort(earlier.then(() => undefined, () => undefined), signal);
  const mine = waited.then(task);
  const tail = Promise.allSettled([earlier, mine]);
  byKey.set(key, tail);
  try {
    return await mine;
  } finally {
    if (byKey.get(key) === tail) byKey.delete(key);
  }
}
