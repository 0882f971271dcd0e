/**
 * One download attempt: GET the URL (no bearer: see download-source), resuming with `Range`
 * from the bytes already held, into a sink. Checks what the server sends: a 206 must start
 * where we stopped (`Content-Range`), a 200 to a Range request means the server ignored it
 * (start over), and the byte count must match `Content-Length`. A stall watchdog abandons an
 * attempt whose body stopped arriving.
 */
import type { ApiCaller } from '../api-caller.js';
import { ShotGridError } from '../errors.js';
import { abortError } from '../http/abort.js';
import type { DownloadSink } from './download-sink.js';
import type { ProgressReporter } from './progress.js';
import { describeUrl, storageHttpError, storageProtocolError, storageTransportError, stallError, type StorageRequestInfo } from './storage-errors.js';
import { childController, StallWatchdog } from './watchdog.js';

/** What an attempt needs. */
export interface FetchAttempt {
  url: string;
  sink: DownloadSink;
  /** Ask for the rest with `Range` when the sink already holds bytes. */
  resume: boolean;
  progress: ProgressReporter;
  signal?: AbortSignal;
}

/** What a finished attempt learnt. */
export interface FetchOutcome {
  total: number;
  contentType?: string;
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
  const { sink, progress } = attempt;
  const { controller, dispose } = childController(attempt.signal);
  const watchdog = new StallWatchdog(api.timeouts.stall, () => controller.abort(new Error('stalled')));
  let url = new URL(attempt.url);
  const info: StorageRequestInfo = { method: 'GET', url };
  try {
    if (!attempt.resume && sink.size > 0) {
      await sink.restart();
      progress.reset();
    }
    for (let redirects = 0; ; redirects++) {
      const from = sink.size;
      const headers: Record<string, string> = { 'user-agent': api.userAgent, 'accept-encoding': 'identity' };
      if (from > 0) headers.range = `bytes=${from}-`;
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
        if (range?.total === from) return { total: from, contentType: one(resHeaders, 'content-type') };
        await sink.restart();
        progress.reset();
        throw storageProtocolError('refused the resume range; starting over', info);
      }
      if (status !== 200 && status !== 206) {
        const text = await res.body.text().catch(() => '');
        const err = storageHttpError(status, text, resHeaders, info);
        if (status === 404) err.code = 'SG_NOT_FOUND';
        throw err;
      }
      let total: number | undefined;
      if (status === 206) {
        const range = parseContentRange(one(resHeaders, 'content-range'));
        if (from === 0 || range?.start !== from) {
          await res.body.dump();
          await sink.restart();
          progress.reset();
          throw storageProtocolError(`answered a range that does not continue at byte ${from}; starting over`, info);
        }
        total = range.total;
      } else {
        // 200: the whole body (a server that ignores Range sends everything again).
        if (from > 0) {
          await sink.restart();
          progress.reset();
        }
        total = lengthOf(resHeaders);
      }
      sink.accept(total);
      progress.setTotal(total);
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        // Time spent writing to our own disk is not the server stalling.
        watchdog.pause();
        await sink.write(chunk);
        watchdog.kick();
        progress.add(chunk.length);
      }
      if (total !== undefined && sink.size !== total) {
        throw storageProtocolError(`body ended after ${sink.size} of ${total} bytes`, info);
      }
      return { total: sink.size, contentType: one(resHeaders, 'content-type') };
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
