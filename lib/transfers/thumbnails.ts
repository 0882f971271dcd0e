/**
 * Waiting for thumbnails: polls with backoff, with ONE `_search` per round for every id still
 * pending (`id in [...]`, chunked to the page size), until each is ready, failed, or the time
 * is up.
 *
 * The rule for `null`: it means "nothing uploaded" as much as "generation failed". By default
 * (`nullIsFailure: 'after-transient'`) a null counts as `failed` only once this wait has seen
 * the field transient (an upload was being processed, then the thumbnail was dropped); a record
 * that stays null is still waited for (an upload may be about to land) and ends as `timeout`.
 * With `nullIsFailure: 'always'` a null is `failed` at once (waits that start after a completed
 * upload, where the field is already transient or ready).
 */
import type { ApiCaller } from '../api-caller.js';
import { ShotGridError } from '../errors.js';
import { DEFAULT_PAGE_SIZE, VENDOR_HASH, readOptionsBody } from '../entities/find.js';
import { checkEntityType, checkFieldName, dataOf, entityPath, flattenRecords } from '../entities/records.js';
import { abortError, sleep, withDeadline } from '../http/abort.js';
import { isTransientImageUrl } from './transient.js';
import type { ThumbnailResult, ThumbnailWaitOptions } from './types.js';

/** Defaults of the wait. */
export const THUMBNAIL_WAIT_DEFAULTS = Object.freeze({ timeout: 120_000, interval: 1000, maxInterval: 10_000, backoff: 1.5 });

function positive(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new ShotGridError('SG_CONFIG', `${name} must be a positive number of milliseconds`);
  return value;
}

function checkIds(ids: unknown): number[] {
  if (!Array.isArray(ids)) throw new ShotGridError('SG_CONFIG', 'ids must be a list of record ids');
  const out: number[] = [];
  for (const id of ids) {
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) throw new ShotGridError('SG_CONFIG', `ids must be positive integers (got ${JSON.stringify(id) ?? String(id)})`);
    if (!out.includes(id)) out.push(id);
  }
  return out;
}

/** The field values of `ids` (records not found are absent), one `_search` per chunk. */
async function readImages(api: ApiCaller, type: string, field: string, ids: number[], signal?: AbortSignal): Promise<Map<number, unknown>> {
  const values = new Map<number, unknown>();
  for (let i = 0; i < ids.length; i += DEFAULT_PAGE_SIZE) {
    const chunk = ids.slice(i, i + DEFAULT_PAGE_SIZE);
    const res = await api.request({
      method: 'POST',
      path: `${entityPath(type)}/_search`,
      json: {
        filters: { logical_operator: 'and', conditions: [['id', 'in', chunk]] },
        fields: [field],
        options: readOptionsBody({}),
        page: { size: chunk.length, number: 1 },
      },
      contentType: VENDOR_HASH,
      idempotent: true,
      signal,
    });
    for (const record of flattenRecords(dataOf(res.body), type)) {
      // The site leaves out a requested field it does not have (no error): waiting could never end.
      if (!(field in record)) throw new ShotGridError('SG_NOT_FOUND', `Field '${type}.${field}' does not exist (or cannot be read)`);
      const value = record[field] ?? null;
      if (!isImageValue(value)) throw new ShotGridError('SG_BAD_REQUEST', `Field ${type}.${field} is not an image field (it holds ${typeof value === 'object' ? 'a file or link' : `a ${typeof value}`}); thumbnails are in image or filmstrip_image`);
      values.set(record.id, value);
    }
  }
  return values;
}

/** What an image field holds: nothing, or a URL (signed, or the transient placeholder). */
function isImageValue(value: unknown): boolean {
  return value === null || value === '' || (typeof value === 'string' && /^https?:\/\//i.test(value));
}

/** Waits until each record's thumbnail is ready, failed, or the timeout passes. Results follow `ids` (duplicates once). */
export async function waitForThumbnails(api: ApiCaller, typeIn: string, idsIn: number[], options: ThumbnailWaitOptions = {}): Promise<ThumbnailResult[]> {
  const type = checkEntityType(typeIn);
  const ids = checkIds(idsIn);
  const field = checkFieldName(options.field ?? 'image');
  const timeout = positive(options.timeout, 'timeout', THUMBNAIL_WAIT_DEFAULTS.timeout);
  const maxInterval = positive(options.maxInterval, 'maxInterval', Math.max(THUMBNAIL_WAIT_DEFAULTS.maxInterval, options.interval ?? 0));
  let delay = Math.min(positive(options.interval, 'interval', THUMBNAIL_WAIT_DEFAULTS.interval), maxInterval);
  const nullIsFailure = options.nullIsFailure ?? 'after-transient';
  if (nullIsFailure !== 'after-transient' && nullIsFailure !== 'always') throw new ShotGridError('SG_CONFIG', `nullIsFailure must be 'after-transient' or 'always'`);
  const { signal } = options;
  if (signal?.aborted) throw abortError(signal);

  const results = new Map<number, ThumbnailResult>();
  const seenTransient = new Set<number>();
  // The deadline also ends a poll in flight: a hung `_search` cannot carry the wait past it.
  const deadline = withDeadline(signal, timeout);
  try {
    await pollUntil(deadline.signal);
  } catch (err) {
    if (!deadline.expired || signal?.aborted) throw err;
  } finally {
    deadline.dispose();
  }
  return ids.map((id) => results.get(id) ?? { id, status: 'timeout' });

  async function pollUntil(within: AbortSignal): Promise<void> {
    for (;;) {
      const pending = ids.filter((id) => !results.has(id));
      const values = await readImages(api, type, field, pending, within);
      for (const id of pending) {
        if (!values.has(id)) {
          results.set(id, { id, status: 'failed' }); // no such (live) record: nothing will ever come
          continue;
        }
        const value = values.get(id);
        if (isTransientImageUrl(value)) seenTransient.add(id);
        else if (typeof value === 'string' && value !== '') results.set(id, { id, status: 'ready', url: value });
        else if (nullIsFailure === 'always' || seenTransient.has(id)) results.set(id, { id, status: 'failed' });
      }
      if (results.size === ids.length) return;
      await sleep(delay, within);
      delay = Math.min(delay * THUMBNAIL_WAIT_DEFAULTS.backoff, maxInterval);
    }
  }
}
