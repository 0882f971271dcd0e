/**
 * One download attempt: GET the URL (no bearer: see download-source), resuming with `Range`
 * from the bytes already held, into a sink. Checks what the server sends: a 206 must start
 * where we stopped (`Content-Range`), a 200 to a Range request means the server ignored it
 * (start over), and the byte count must match `Content-Length`. A resume sends `If-Range` with
 * the object's ETag (and refuses a 206 of another ETag), so a file that changed between attempts
 * is never stitched together; when the ETag is a plain MD5 the bytes must hash to it
 * (`SG_INTEGRITY`). Sent through the storage transport (redirects, stall watchdog, classified
 * failures); repeated by the caller under the client's retry policy.
 */
import type { ApiCaller } from '../api-caller.js';
import { integrityError, storageProtocolError } from '../http/storage-errors.js';
import { storageExchange, type StorageAnswer } from '../http/storage-transport.js';
import type { DownloadSink } from './download-sink.js';
import type { ProgressReporter } from './progress.js';
import { plainMd5Etag, type StreamDigest } from './checksums.js';

/** What an attempt needs. */
export interface FetchAttempt {
  url: string;
  sink: DownloadSink;
  /** Ask for the rest with `Range` when the sink already holds bytes. */
  resume: boolean;
  progress: ProgressReporter;
  /** What the attempts of one download share: the object's ETag and the hash of the bytes held. */
  check: DownloadCheck;
  signal?: AbortSignal;
}

/** Kept across the attempts of one download (a resume continues the same object and hash). */
export interface DownloadCheck {
  /** The ETag of the object whose bytes the sink holds (sent as `If-Range` on a resume). */
  etag?: string;
  /** Its MD5 (hex) when the ETag is a plain MD5: the bytes must hash to it. */
  md5?: string;
  /** Hash of the bytes in the sink, in order. */
  digest: StreamDigest;
}

/** What a finished attempt learnt. */
export interface FetchOutcome {
  total: number;
  contentType?: string;
  /** `md5` when the bytes were checked against the ETag's MD5, `length` when only their count could be. */
  verified: 'md5' | 'length' | 'none';
}

/** Parses `Content-Range`: `bytes 100-199/1000` gives start, end and total; the unsatisfied form (a star for the span) gives the total only. */
export function parseContentRange(value: string | undefined): { start?: number; end?: number; total?: number } | undefined {
  const m = value ? /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec(value.trim()) : null;
  if (!m) return undefined;
  return {
    start: m[1] === undefined ? undefined : Number(m[1]),
    end: m[2] === undefined ? undefined : Number(m[2]),
    total: m[3] === '*' ? undefined : Number(m[3]),
  };
}

function lengthOf(answer: StorageAnswer): number | undefined {
  const raw = answer.header('content-length');
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/** Runs one attempt; throws classified storage errors. */
export async function fetchInto(api: ApiCaller, attempt: FetchAttempt): Promise<FetchOutcome> {
  const { sink, progress, check } = attempt;
  // Back to byte 0: the bytes held, their hash and the object they came from are forgotten.
  const restart = async (): Promise<void> => {
    await sink.restart();
    progress.reset();
    check.digest.reset();
    check.etag = undefined;
    check.md5 = undefined;
  };
  if (!attempt.resume && sink.size > 0) await restart();
  const from = sink.size;
  const headers: Record<string, string> = { 'accept-encoding': 'identity' };
  if (from > 0) headers.range = `bytes=${from}-`;
  // The rest only of the same object: a changed one is sent whole (200) and we start over.
  if (from > 0 && check.etag && !check.etag.startsWith('W/')) headers['if-range'] = check.etag;
  return storageExchange(api, { method: 'GET', url: attempt.url, headers, signal: attempt.signal }, async (answer) => {
    const { status, info } = answer;
    const finish = async (total: number, lengthKnown: boolean): Promise<FetchOutcome> => {
      const contentType = answer.header('content-type');
      if (check.md5 === undefined) return { total, contentType, verified: lengthKnown ? 'length' : 'none' };
      const expected = check.md5;
      const got = check.digest.md5Hex();
      if (got !== expected) {
        // Damaged bytes are dropped: the next attempt fetches the whole object again.
        await restart();
        throw integrityError(`the ${total} bytes received hash to ${got}, not to the object's ETag ${expected}`, info);
      }
      return { total, contentType, verified: 'md5' };
    };
    if (status === 416 && from > 0) {
      await answer.discard();
      const range = parseContentRange(answer.header('content-range'));
      if (range?.total === from) return finish(from, true);
      await restart();
      throw storageProtocolError('refused the resume range; starting over', info);
    }
    if (status !== 200 && status !== 206) return answer.fail();
    let total: number | undefined;
    const etag = answer.header('etag');
    if (status === 206) {
      const range = parseContentRange(answer.header('content-range'));
      if (from === 0 || range?.start !== from) {
        await answer.discard();
        await restart();
        throw storageProtocolError(`answered a range that does not continue at byte ${from}; starting over`, info);
      }
      if (check.etag !== undefined && etag !== check.etag) {
        // A storage that ignored If-Range: never stitch two versions of a file together.
        await answer.discard();
        await restart();
        throw storageProtocolError('the object changed since the download began (another ETag); starting over', info);
      }
      total = range.total;
    } else {
      // 200: the whole body (a server that ignores Range, or an object that changed, sends everything again).
      if (from > 0) await restart();
      total = lengthOf(answer);
      check.etag = etag;
      check.md5 = plainMd5Etag(etag, answer.headers);
    }
    sink.accept(total);
    progress.setTotal(total);
    for await (const chunk of answer.body) {
      // Time spent writing to our own disk is not the server stalling.
      answer.pauseWatch();
      await sink.write(chunk);
      check.digest.update(chunk);
      progress.add(chunk.length);
    }
    if (total !== undefined && sink.size !== total) {
      throw storageProtocolError(`body ended after ${sink.size} of ${total} bytes`, info);
    }
    return finish(sink.size, total !== undefined);
  });
}
