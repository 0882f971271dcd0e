/**
 * One HTTP exchange with the site: send, read, parse, map failures. No retries, no auth
 * renewal (see `api-client.ts`).
 */
import type { ApiResponse, HttpMethod } from '../api-caller.js';
import { ShotGridError } from '../errors.js';
import { badResponseError, httpError, type RequestContext } from './error-mapping.js';
import { markFailure } from './failures.js';
import { exchange, exchangeFailure, readText, type AnswerHeaders, type ExchangeSettings } from './exchange.js';

/** A request ready to send: URL parts resolved, body serialised. */
export interface PreparedRequest {
  method: HttpMethod;
  /** `https://site.example.com` */
  origin: string;
  /** Path and query as sent. */
  pathWithQuery: string;
  /** Path without query, for messages and errors. */
  displayPath: string;
  headers: Record<string, string>;
  body?: string;
  responseType: 'json' | 'none';
  okStatuses: readonly number[];
}

/** Per-exchange settings. */
export interface ExchangeOptions extends ExchangeSettings {
  /** `Bearer …` header value, when authenticated. */
  authorization?: string;
  signal?: AbortSignal;
}

type Headers = AnswerHeaders;

function isJsonType(headers: Headers): boolean {
  const type = String(headers['content-type'] ?? '').toLowerCase();
  return type === '' || type.includes('json');
}

/** Parses a body: empty → undefined; HTML or broken JSON → `SG_BAD_RESPONSE`. */
function parseBody(status: number, text: string, headers: Headers, ctx: RequestContext): unknown {
  if (text.trim() === '') return undefined;
  const type = String(headers['content-type'] ?? '').toLowerCase();
  if (type.includes('html') || /^\s*</.test(text)) {
    // A proxy's 5xx page is an outage; a web page anywhere else means the URL is not a ShotGrid site.
    const hint = status < 500 && ctx.origin ? `is ${ctx.origin} the ShotGrid site URL?` : undefined;
    throw badResponseError(status, text, headers, ctx, `expected JSON but got ${type.includes('html') ? 'an HTML page' : 'markup'}`, hint);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badResponseError(status, text, headers, ctx, isJsonType(headers) ? 'invalid JSON' : `expected JSON but got ${type.split(';')[0]}`);
  }
}

/**
 * Largest API answer read (64 MiB: a 5,000-record page of wide records is a few MB). A larger one
 * is no ShotGrid answer (a misrouted download, a proxy's endless page): `SG_BAD_RESPONSE`
 * instead of unbounded memory, as storage answers are capped.
 */
export const MAX_API_ANSWER_BYTES = 64 * 1024 * 1024;

/** Sends one request and returns the parsed answer, or throws a mapped `ShotGridError`. */
export async function sendOnce<T>(req: PreparedRequest, options: ExchangeOptions): Promise<ApiResponse<T>> {
  const ctx: RequestContext = { method: req.method, path: req.displayPath, origin: req.origin };
  const { signal } = options;
  const headers = options.authorization ? { ...req.headers, authorization: options.authorization } : req.headers;
  try {
    const res = await exchange(options, { url: new URL(req.pathWithQuery, req.origin), method: req.method, headers, body: req.body, signal });
    const status = res.statusCode;
    const resHeaders = res.headers as Headers;
    const ok = (status >= 200 && status < 300) || req.okStatuses.includes(status);
    if (ok && req.responseType === 'none') {
      await res.body.dump();
      return { status, headers: resHeaders, body: undefined as T };
    }
    const text = await readText(res.body, MAX_API_ANSWER_BYTES, {
      tooLarge: () => markFailure(new ShotGridError('SG_BAD_RESPONSE', `the answer is larger than ${MAX_API_ANSWER_BYTES} bytes, which no ShotGrid API answer is (${ctx.method} ${ctx.path} → ${status})`, { status, method: ctx.method, path: ctx.path }), 'bad-response'),
    });
    const body = parseBody(status, text, resHeaders, ctx);
    if (!ok) throw httpError(status, body, resHeaders, ctx);
    return { status, headers: resHeaders, body: body as T };
  } catch (err) {
    throw exchangeFailure(err, signal, ctx);
  }
}
