/**
 * Completing an upload exactly once. The completion creates the Attachment, so it is never
 * repeated blindly: when its outcome is unknown (connection lost after it was sent, a gateway
 * error, a 500), the record is checked first and the completion is sent again only if it
 * provably did not happen.
 *
 * How "did it happen?" is decided, per kind of target:
 * - a file field (`sg_uploaded_movie`…): the field now holds an Attachment that was not there
 *   before the init, under our file name;
 * - record level: an Attachment linked to the record with our file name whose id was not in
 *   the set seen before the init;
 * - a thumbnail field (`image`, `filmstrip_image`): the field has turned transient when it was
 *   not before. When it already was transient, the check cannot tell and the completion is
 *   sent again: a repeated thumbnail completion only replaces the thumbnail with the same image.
 */
import type { ApiCaller } from '../api-caller.js';
import { isShotGridError } from '../errors.js';
import { findRecords } from '../entities/find.js';
import { dataOf, entityPath, flattenRecord } from '../entities/records.js';
import { completeUpload, type UploadInfo, type UploadSession } from './upload-api.js';
import { isTransientImageUrl } from './transient.js';
import type { UploadTarget } from './types.js';

/** Fields whose uploads are thumbnails (`upload_type: Thumbnail`). */
export const THUMBNAIL_FIELDS = new Set(['image', 'filmstrip_image']);

/** What an upload produced. */
export interface UploadOutcome {
  value: unknown;
  attachment?: { type: 'Attachment'; id: number };
}

/** Looks at the target before and after an upload. */
export interface CompletionProbe {
  /** Records the state before the init. */
  before(signal?: AbortSignal): Promise<void>;
  /** Whether a completion whose answer was lost took effect. */
  applied(signal?: AbortSignal): Promise<boolean>;
  /** What the upload produced, read back after the completion. */
  outcome(signal?: AbortSignal): Promise<UploadOutcome>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A record's field value (flattened), read with the client's policy. */
export async function readField(api: ApiCaller, target: UploadTarget, field: string, signal?: AbortSignal): Promise<unknown> {
  const res = await api.request({ method: 'GET', path: entityPath(target.type, target.id), query: { fields: field }, idempotent: true, signal });
  return flattenRecord(dataOf(res.body), target.type)[field] ?? null;
}

function attachmentOf(value: unknown): { type: 'Attachment'; id: number } | undefined {
  if (!isObject(value) || typeof value.id !== 'number') return undefined;
  if (value.type !== undefined && value.type !== 'Attachment') return undefined;
  return { type: 'Attachment', id: value.id };
}

function fieldProbe(api: ApiCaller, target: UploadTarget, field: string, fileName: string): CompletionProbe {
  let priorId: number | undefined;
  return {
    async before(signal) {
      priorId = attachmentOf(await readField(api, target, field, signal))?.id;
    },
    async applied(signal) {
      const value = await readField(api, target, field, signal);
      const att = attachmentOf(value);
      const name = isObject(value) ? value.name : undefined;
      return att !== undefined && att.id !== priorId && (name === undefined || name === fileName);
    },
    async outcome(signal) {
      const value = await readField(api, target, field, signal);
      return { value, attachment: attachmentOf(value) };
    },
  };
}

function thumbnailProbe(api: ApiCaller, target: UploadTarget, field: string): CompletionProbe {
  let wasTransient = false;
  return {
    async before(signal) {
      wasTransient = isTransientImageUrl(await readField(api, target, field, signal));
    },
    async applied(signal) {
      return !wasTransient && isTransientImageUrl(await readField(api, target, field, signal));
    },
    async outcome(signal) {
      return { value: await readField(api, target, field, signal) };
    },
  };
}

function recordProbe(api: ApiCaller, target: UploadTarget, fileName: string): CompletionProbe {
  const prior = new Set<number>();
  const search = async (signal?: AbortSignal): Promise<number[]> => {
    const rows = await findRecords(api, 'Attachment', [
      ['attachment_links', 'is', { type: target.type, id: target.id }],
      ['original_fname', 'is', fileName],
    ], { fields: ['id'], signal });
    return rows.map((r) => r.id);
  };
  const newest = async (signal?: AbortSignal): Promise<number | undefined> => {
    const fresh = (await search(signal)).filter((id) => !prior.has(id));
    return fresh.length > 0 ? Math.max(...fresh) : undefined;
  };
  return {
    async before(signal) {
      for (const id of await search(signal)) prior.add(id);
    },
    async applied(signal) {
      return (await newest(signal)) !== undefined;
    },
    async outcome(signal) {
      const id = await newest(signal);
      const attachment = id === undefined ? undefined : { type: 'Attachment' as const, id };
      return { value: attachment ?? null, attachment };
    },
  };
}

function probeFor(api: ApiCaller, target: UploadTarget, fileName: string): CompletionProbe {
  if (!target.field) return recordProbe(api, target, fileName);
  if (THUMBNAIL_FIELDS.has(target.field)) return thumbnailProbe(api, target, target.field);
  return fieldProbe(api, target, target.field, fileName);
}

/** Probe failures that are not about reading rights: the upload cannot succeed either. */
const FATAL_PROBE_CODES: ReadonlySet<string> = new Set(['SG_AUTH', 'SG_NETWORK', 'SG_TIMEOUT', 'SG_BAD_RESPONSE', 'SG_CONFIG']);

/**
 * The probe for a target. Reading the state before the init is best effort (an API user may
 * not be allowed to read Attachments): without it the upload still runs, but a lost completion
 * answer then stays `SG_OUTCOME_UNKNOWN` instead of being checked. An abort still stops it.
 */
export function completionProbe(api: ApiCaller, target: UploadTarget, fileName: string): CompletionProbe {
  const inner = probeFor(api, target, fileName);
  let known = false;
  return {
    async before(signal) {
      try {
        await inner.before(signal);
        known = true;
      } catch (err) {
        if (signal?.aborted || (isShotGridError(err) && err.code === 'SG_ABORTED')) throw err;
        // Failures the init would meet too (refused credentials, a site that is down or not a
        // ShotGrid site) end the upload here rather than after a second round of retries.
        if (isShotGridError(err) && FATAL_PROBE_CODES.has(err.code)) throw err;
      }
    },
    async applied(signal) {
      if (!known) throw new Error('the state before the upload is unknown');
      return inner.applied(signal);
    },
    outcome: (signal) => inner.outcome(signal),
  };
}

/**
 * Completes the upload exactly once: one request under the client's retry policy, whose
 * read-back step checks the record whenever an answer is lost (a reset after sending, a 500, a
 * gateway error). A completion the check proves did not happen is sent again while the retry
 * budget lasts; one that did happen is not; one that cannot be checked is `SG_OUTCOME_UNKNOWN`.
 */
export async function completeExactlyOnce(api: ApiCaller, session: UploadSession, info: UploadInfo, uploadData: Record<string, unknown>, probe: CompletionProbe, signal?: AbortSignal): Promise<void> {
  await completeUpload(api, session, info, uploadData, signal, (s) => probe.applied(s));
}
