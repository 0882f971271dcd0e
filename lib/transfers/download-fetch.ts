/**
 * One download attempt: GET the URL (no bearer: see download-source), resuming with `Range`
 * from the bytes already held, into a sink. Checks what the server sends: a 206 must start
 * where we stopped (`Content-Range`), a 200 to a Range request means the server ignored it
 * (start over), and the byte count must match `Content-Length`. A resume sends `If-Range` with
 * the object's ETag (and refuses a 206 of another ETag), so a file that changed between attempts
 * is never stitched together; when the ETag is a plain MD5 the bytes must hash to it
 * (`SG_INTEGRITY`). A stall watchdog abandons an attempt whose body stopped arriving.
 */
import type { ApiCaller } from '../api-caller.js';
import { ShotGridError } from '../errors.js';
import { abortError, linkSignals } from '../http/abort.js';
import type { DownloadSink } from './download-sink.js';
import type { ProgressReporter } from './progress.js';
import { plainMd5Etag, type StreamDigest } from './checksums.js';
import { describeUrl, integrityError, storageHttpError, storageProtocolError, storageTransportError, stallError, type StorageRequestInfo } from './storage-errors.js';
import { StallWatchdog } from './watchdog.js';

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

/** Redirects followed (e.g. a non-API link that forwards to storage). */
const MAX_REDIRECTS = 5;

type Headers = Record<string, string | string[] | undefined>;

function one(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
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

function lengthOf(headers: Headers): number | undefined {
  const raw = one(headers, 'content-length');
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/** Runs one attempt; throws storage errors marked retry/refresh/fail. */
export async function fetchInto(api: ApiCaller, attempt: FetchAttempt): Promise<FetchOutcome> {
  const { sink, progress, check } = attempt;
  const { controller, dispose } = linkSignals(attempt.signal);
  const watchdog = new StallWatchdog(api.timeouts.stall, () => controller.abort(new Error('stalled')));
  let url = new URL(attempt.url);
  const info: StorageRequestInfo = { method: 'GET', url };
  // Back to byte 0: the bytes held, their hash and the object they came from are forgotten.
  const restart = async (): Promise<void> => {
    await sink.restart();
    progress.reset();
    check.digest.reset();
    check.etag = undefined;
    check.md5 = undefined;
  };
  const finish = async (total: number, contentType: string | undefined, lengthKnown: boolean): Promise<FetchOutcome> => {
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
  try {
    if (!attempt.resume && sink.size > 0) await restart();
    for (let redirects = 0; ; redirects++) {
      const from = sink.size;
      const headers: Record<string, string> = { 'user-agent': api.userAgent, 'accept-encoding': 'identity' };
      if (from > 0) headers.range = `bytes=${from}-`;
      // The rest only of the same object: a changed one is sent whole (200) and we start over.
      if (from > 0 && check.etag && !check.etag.startsWith('W/')) headers['if-range'] = check.etag;
      const res = await api.dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers,
        signal: controller.signal,
        headersTimeout: api.timeouts.headers,
        bodyTimeout: api.timeouts.body,
      });
      watchdog.kick();
      const resHeaders = res.headers as Headers;
      const status = res.statusCode;
      const location = one(resHeaders, 'location');
      if (status >= 300 && status < 400 && location && redirects < MAX_REDIRECTS) {
        await res.body.dump();
        url = new URL(location, url);
        info.url = url;
        continue;
      }
      if (status === 416 && from > 0) {
        await res.body.dump();
        const range = parseContentRange(one(resHeaders, 'content-range'));
        if (range?.total === from) return await finish(from, one(resHeaders, 'content-type'), true);
        await restart();
        throw storageProtocolError('refused the resume range; starting over', info);
      }
      if (status !== 200 && status !== 206) {
        const text = await res.body.text().catch(() => '');
        const err = storageHttpError(status, text, resHeaders, info);
        if (status === 404) err.code = 'SG_NOT_FOUND';
        throw err;
      }
      let total: number | undefined;
      const etag = one(resHeaders, 'etag');
      if (status === 206) {
        const range = parseContentRange(one(resHeaders, 'content-range'));
        if (from === 0 || range?.start !== from) {
          await res.body.dump();
          await restart();
          throw storageProtocolError(`answered a range that does not continue at byte ${from}; starting over`, info);
        }
        if (check.etag !== undefined && etag !== check.etag) {
          // A storage that ignored If-Range: never stitch two versions of a file together.
          await res.body.dump();
          await restart();
          throw storageProtocolError('the object changed since the download began (another ETag); starting over', info);
        }
        total = range.total;
      } else {
        // 200: the whole body (a server that ignores Range, or an object that changed, sends everything again).
        if (from > 0) await restart();
        total = lengthOf(resHeaders);
        check.etag = etag;
        check.md5 = plainMd5Etag(etag, resHeaders);
      }
      sink.accept(total);
      progress.setTotal(total);
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        // Time spent writing to our own disk is not the server stalling.
        watchdog.pause();
        await sink.write(chunk);
        check.digest.update(chunk);
        watchdog.kick();
        progress.add(chunk.length);
      }
      if (total !== undefined && sink.size !== total) {
        throw storageProtocolError(`body ended after ${sink.size} of ${total} bytes`, info);
      }
      return await finish(sink.size, one(resHeaders, 'content-type'), total !== undefined);
    }
  } catch (err) {
    if (attempt.signal?.aborted) throw abortError(attempt.signal, { method: 'GET', path: describeUrl(url) });
    if (watchdog.stalled) throw stallError(api.timeouts.stall, info);
    if (err instanceof ShotGridError) throw err;
    throw storageTransportError(err, info);
  } finally {
    watchdog.stop();
    dispose();
  }
}
