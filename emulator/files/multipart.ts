/**
 * Multipart uploads: the open sessions, and the checks S3 makes when one is completed
 * (`InvalidPart`, `InvalidPartOrder`, `EntityTooSmall`; ETag quotes ignored).
 */
import type { StoredPart } from './object-store.js';

/** Smallest size of every part but the last (5 MiB). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
/** Highest part number S3 accepts. */
export const MAX_PART_NUMBER = 10_000;

/** Where an upload goes: a record, and a field unless it is a record-level Attachment. */
export interface UploadTarget {
  type: string;
  id: number;
  field?: string;
}

/** One multipart upload. */
export interface MultipartSession {
  uploadId: string;
  key: string;
  target: UploadTarget;
  state: 'open' | 'completed' | 'aborted';
  /** When the init opened it (ms since the epoch; 0 when a journal from before this field replayed it). */
  openedAt: number;
}

/** A session change, as a persistent site journals it (`files/persist.ts`). */
export type SessionChange =
  | { op: 'mp_open'; uploadId: string; key: string; target: UploadTarget; openedAt?: number }
  | { op: 'mp_close'; uploadId: string; state: 'completed' | 'aborted' };

/** Open and closed multipart uploads by id. */
export class MultipartRegistry {
  private readonly sessions = new Map<string, MultipartSession>();

  /** `journal` (a persistent site) receives every open and final close. */
  constructor(private readonly journal?: (change: SessionChange) => void) {}

  /** Opens a session under the id the storage gave the upload. */
  open(uploadId: string, key: string, target: UploadTarget): MultipartSession {
    const session: MultipartSession = { uploadId, key, target, state: 'open', openedAt: Date.now() };
    this.sessions.set(uploadId, session);
    this.journal?.({ op: 'mp_open', uploadId, key, target, openedAt: session.openedAt });
    return session;
  }

  /** Closes a session for good (completed on the storage, or aborted). */
  close(session: MultipartSession, state: 'completed' | 'aborted'): void {
    session.state = state;
    this.journal?.({ op: 'mp_close', uploadId: session.uploadId, state });
  }

  /** Applies a journalled change at start. */
  replay(change: SessionChange): void {
    if (change.op === 'mp_open') this.sessions.set(change.uploadId, { uploadId: change.uploadId, key: change.key, target: change.target, state: 'open', openedAt: change.openedAt ?? 0 });
    else this.closeAtReplay(change.uploadId, change.state);
  }

  /** Closes a session at start (its parts were assembled or dropped: it cannot be open). */
  closeAtReplay(uploadId: string, state: 'completed' | 'aborted'): void {
    const session = this.sessions.get(uploadId);
    if (session?.state === 'open') session.state = state;
  }

  /** The sessions still open. */
  *openSessions(): Iterable<MultipartSession> {
    for (const s of this.sessions.values()) if (s.state === 'open') yield s;
  }

  get(uploadId: string): MultipartSession | undefined {
    return this.sessions.get(uploadId);
  }

  /** The session if it is still open. */
  openSession(uploadId: string): MultipartSession | undefined {
    const s = this.sessions.get(uploadId);
    return s?.state === 'open' ? s : undefined;
  }
}

/** An S3 refusal of a completion. */
export interface CompletionRefusal {
  code: 'InvalidPart' | 'InvalidPartOrder' | 'EntityTooSmall' | 'NoSuchUpload' | 'MalformedXML';
  message: string;
}

const bareEtag = (etag: string): string => etag.trim().replace(/^W\//, '').replace(/"/g, '').toLowerCase();

/** A listed part: position-numbered string ETags, or explicit `{part_number, etag}` objects. */
export interface ListedPart {
  n: number;
  etag: string;
}

/** The parts a completion lists, or undefined when the list is malformed. */
export function parseListedParts(etags: unknown[]): ListedPart[] | undefined {
  const out: ListedPart[] = [];
  for (let i = 0; i < etags.length; i++) {
    const e = etags[i];
    if (typeof e === 'string') {
      out.push({ n: i + 1, etag: e });
      continue;
    }
    if (typeof e !== 'object' || e === null) return undefined;
    const o = e as Record<string, unknown>;
    const n = o.part_number ?? o.PartNumber ?? o.partNumber;
    const etag = o.etag ?? o.ETag;
    if (typeof n !== 'number' || !Number.isInteger(n) || typeof etag !== 'string') return undefined;
    out.push({ n, etag });
  }
  return out;
}

/**
 * Checks a completion against the uploaded parts; returns the part numbers to assemble, or the
 * S3 refusal. Plain ETag strings are numbered by position (the REST API sends no numbers): an
 * ETag that belongs to another uploaded part means the list is out of order.
 */
export function checkCompletion(parts: ReadonlyMap<number, StoredPart>, etags: unknown[]): number[] | CompletionRefusal {
  const listed = parseListedParts(etags);
  if (!listed || listed.length === 0) return { code: 'MalformedXML', message: 'The XML you provided was not well-formed or did not validate against our published schema.' };
  for (let i = 1; i < listed.length; i++) {
    if (listed[i]!.n <= listed[i - 1]!.n) return { code: 'InvalidPartOrder', message: 'The list of parts was not in ascending order. Parts must be ordered by part number.' };
  }
  const byEtag = new Map([...parts].map(([n, p]) => [bareEtag(p.etag), n]));
  for (const { n, etag } of listed) {
    const part = parts.get(n);
    if (part && bareEtag(part.etag) === bareEtag(etag)) continue;
    const elsewhere = byEtag.get(bareEtag(etag));
    if (elsewhere !== undefined && elsewhere !== n) {
      return { code: 'InvalidPartOrder', message: `The ETag listed for part ${n} belongs to part ${elsewhere}. Parts must be listed in ascending part-number order.` };
    }
    return { code: 'InvalidPart', message: 'One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part\'s entity tag.' };
  }
  for (let i = 0; i < listed.length - 1; i++) {
    if (parts.get(listed[i]!.n)!.size < MIN_PART_SIZE) return { code: 'EntityTooSmall', message: 'Your proposed upload is smaller than the minimum allowed size' };
  }
  return listed.map((p) => p.n);
}
