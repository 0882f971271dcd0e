/** Small HTTP helpers shared by every emulator route: JSON answers, the error envelope, bodies. */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bodyBuffer } from './body-buffers.js';

/** An API error in the server's envelope; thrown by handlers, answered by the router. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    readonly title: string,
    readonly source: unknown = null,
    readonly detail: string | null = null,
  ) {
    super(title);
  }
}

/** 32 lowercase hex characters, like the server's per-request error ids. */
export function requestId(): string {
  return randomBytes(16).toString('hex');
}

const COMMON_HEADERS = {
  'cache-control': 'private, max-age=0, must-revalidate',
} as const;

/**
 * A weak entity tag of a body, as the site sends on its JSON answers (conditional headers are
 * ignored): Rack::ETag's form, the first 32 hex digits of the body's SHA-256 (also ~2× faster
 * here than MD5, which mattered: big `_search` pages were spending a fifth of their time on it).
 */
function weakEtag(bytes: Buffer): string {
  return `W/"${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}"`;
}

/** Answers JSON with the server's headers (`application/json; charset=utf-8`, weak `etag`, `x-request-id`). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = new JsonText(res);
  text.append(JSON.stringify(body));
  text.send(status, headers);
}

/**
 * A JSON answer's text encoded into one buffer as it is produced, then sent with its length and
 * tag. A large answer (a 5,000-record page is ~0.8 MB) is appended in pieces, each encoded as soon
 * as it is made: a piece dies young instead of living until the whole text is made, which left
 * ~0.8 MB for every scavenge during a page to copy (bench P4).
 */
export class JsonText {
  #buffer: Buffer | undefined;
  #size = 0;

  constructor(private readonly res: ServerResponse) {}

  /** Makes room for `bytes` in all (a guess: appending past it still works, with a copy). */
  reserve(bytes: number): void {
    if (this.#buffer && bytes <= this.#buffer.length) return;
    const next = bodyBuffer(this.res, Math.ceil(bytes));
    this.#buffer?.copy(next, 0, 0, this.#size);
    this.#buffer = next;
  }

  /** Appends a piece of the text. */
  append(piece: string): void {
    const end = this.#size + Buffer.byteLength(piece, 'utf8');
    if (!this.#buffer || end > this.#buffer.length) this.reserve(Math.max(end, 2 * (this.#buffer?.length ?? 0)));
    this.#size += this.#buffer!.write(piece, this.#size, 'utf8');
  }

  /** Answers with the text so far. */
  send(status: number, headers: Record<string, string> = {}): void {
    const bytes = this.#buffer ? this.#buffer.subarray(0, this.#size) : Buffer.alloc(0);
    this.res.writeHead(status, {
      ...COMMON_HEADERS,
      'content-type': 'application/json; charset=utf-8',
      'content-length': bytes.length,
      // Rack sets it on 200/201 answers only.
      ...(status === 200 || status === 201 ? { etag: weakEtag(bytes) } : {}),
      'x-request-id': requestId(),
      ...headers,
    });
    this.res.end(bytes);
  }
}

/** Answers text of a given media type with the server's headers. */
export function sendText(res: ServerResponse, status: number, text: string, contentType: string): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'x-request-id': requestId() });
  res.end(text);
}

/** Answers with a status and no body (204 etc.). */
export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'x-request-id': requestId(), ...headers });
  res.end();
}

/** Answers the error envelope `{"errors":[{id,status,code,title,source,detail,meta}]}`. */
export function sendApiError(res: ServerResponse, err: ApiError, headers: Record<string, string> = {}): void {
  sendJson(
    res,
    err.status,
    { errors: [{ id: requestId(), status: err.status, code: err.code, title: err.title, source: err.source, detail: err.detail, meta: null }] },
    headers,
  );
}

/** Reads a request body up to `limit` bytes (413-style ApiError beyond). */
export async function readBody(req: IncomingMessage, limit = 16 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new ApiError(413, 103, 'Request Entity Too Large', null, `Body exceeds ${limit} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/**
 * Reads and discards the whole request body. Refusals of an upload answer after it, so the
 * client sees the answer (403, 411, 503...) instead of a broken pipe while still sending.
 */
export function drainBody(req: IncomingMessage): Promise<void> {
  return new Promise<void>((resolve) => {
    if (req.readableEnded || req.destroyed) return resolve();
    req.once('end', () => resolve());
    req.once('close', () => resolve());
    req.once('error', () => resolve());
    req.resume();
  });
}

/** Parses a JSON body; invalid JSON → 400 code 103 `Invalid JSON body`. Empty → undefined. */
export async function readJson(req: IncomingMessage, limit?: number): Promise<unknown> {
  const buf = await readBody(req, limit);
  if (buf.length === 0) return undefined;
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw new ApiError(400, 103, 'Invalid JSON body', { body: (e as Error).message }, null);
  }
}

/** The media type of a request without parameters, lower case ('' when absent). */
export function mediaType(req: IncomingMessage): string {
  return String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}
