/**
 * Reads: `GET /entity/{e}/{id}`, `GET /entity/{e}` (list with `filter[...]`) and
 * `POST /entity/{e}/_search` (array or hash filters chosen by the vendor Content-Type).
 */
import type { StoredRecord } from '../context.js';
import { ApiError, JsonText, mediaType, readJson, sendJson } from '../http/respond.js';
import { allOf, compileArrayFilters, compileCondition, compileHashFilters, type RowTest } from './filters.js';
import { archivedFilter, findPage } from './query.js';
import { parseReadOptions, type ReadBody, type ReadOptions } from './read-options.js';
import { recordEncoder, renderRecord, selectFields } from './render.js';
import type { ApiRequest, Site } from './site.js';

export const VENDOR_ARRAY = 'application/vnd+shotgun.api3_array+json';
export const VENDOR_HASH = 'application/vnd+shotgun.api3_hash+json';

/** `self`, `next` (always) and `prev` (after page 1) of a listing. */
export function pageLinks(r: ApiRequest, page: { size: number; number: number }): Record<string, string> {
  const self = r.req.url ?? r.url.pathname;
  const at = (n: number): string => {
    const params = new URLSearchParams(r.url.searchParams);
    params.delete('page[number]');
    params.delete('page[size]');
    params.append('page[number]', String(n));
    params.append('page[size]', String(page.size));
    return `${r.url.pathname}?${params.toString()}`;
  };
  const links: Record<string, string> = { self, next: at(page.number + 1) };
  if (page.number > 1) links.prev = at(page.number - 1);
  return links;
}

/**
 * Records rendered and encoded per `JSON.stringify` call. A 5,000-record page encoded at once is
 * one ~0.8 MB string, which V8 places apart from its heap in memory not touched yet: that cost
 * about twice as much per record as pieces of 500 (~80 KB), whose renderings also die young.
 */
export const RECORDS_PER_PIECE = 500;

/**
 * Answers one page of matching rows; `readKey` names the read for paging on (see `findPage`).
 * The text is what `JSON.stringify({ data, links })` gives, built from pieces of records.
 */
function answerPage(site: Site, r: ApiRequest, type: string, test: RowTest, opts: ReadOptions, readKey: string): void {
  const rows = findPage(site, type, test, opts, readKey);
  const sel = selectFields(site, type, opts.fields);
  const encode = recordEncoder(site, type, sel, r.prefix);
  const text = new JsonText(r.res);
  text.append('{"data":[');
  for (let start = 0; start < rows.length; start += RECORDS_PER_PIECE) {
    const piece = rows.slice(start, start + RECORDS_PER_PIECE);
    // `r1,r2,…`: the array's text without its brackets.
    const records = encode ? piece.map(encode).join(',') : JSON.stringify(piece.map((rec) => renderRecord(site, rec, sel, r.prefix))).slice(1, -1);
    // Room for the whole page, guessed from its first piece (pieces of one read are alike).
    if (start === 0) text.reserve(Buffer.byteLength(records, 'utf8') * Math.ceil(rows.length / RECORDS_PER_PIECE) * 1.1 + 1024);
    else text.append(',');
    text.append(records);
  }
  text.append(`],"links":${JSON.stringify(pageLinks(r, opts.page))}}`);
  text.send(200);
}

/** A `filter[...]` query value: a JSON hash/list for links, a comma list as `in`, else equality. */
function queryCondition(path: string, raw: string): [string, string, unknown] {
  const trimmed = raw.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      return [path, Array.isArray(parsed) ? 'in' : 'is', parsed];
    } catch {
      // not JSON: an ordinary string
    }
  }
  if (raw.includes(',')) return [path, 'in', raw.split(',')];
  return [path, 'is', raw];
}

/** `GET /entity/{e}`. */
export function handleList(site: Site, r: ApiRequest, type: string): void {
  const opts = parseReadOptions(r.url.searchParams);
  const tests: RowTest[] = [];
  const conditions: Array<[string, string, unknown]> = [];
  for (const [key, value] of r.url.searchParams) {
    const m = /^filter\[(.+)\]$/.exec(key);
    if (!m) continue;
    conditions.push(queryCondition(m[1]!, value));
    tests.push(compileCondition(site.store, type, conditions[conditions.length - 1]));
  }
  answerPage(site, r, type, allOf(tests), opts, JSON.stringify([type, 'list', conditions]));
}

/** `GET /entity/{e}/{id}`. */
export function handleReadOne(site: Site, r: ApiRequest, type: string, id: number): void {
  const opts = parseReadOptions(r.url.searchParams);
  const rec = site.store.get(type, id, { includeRetired: true });
  const wanted = opts.returnOnly === 'retired';
  const hidden = !rec || rec.retired !== wanted || (!opts.includeArchived && !archivedFilter(site, type)(rec));
  if (hidden) throw new ApiError(404, 104, 'Not Found', null, `${type}: ${id} not found`);
  const sel = selectFields(site, type, opts.fields);
  sendJson(r.res, 200, { data: renderRecord(site, rec as StoredRecord, sel, r.prefix), links: { self: r.req.url ?? r.url.pathname } });
}

/** 415 unless the request carries one of the vendor filter types. */
export function requireVendorType(r: ApiRequest): 'array' | 'hash' {
  const type = mediaType(r.req);
  if (type === VENDOR_ARRAY) return 'array';
  if (type === VENDOR_HASH) return 'hash';
  throw new ApiError(415, 103, `Unsupported Content-Type '${type}'`, {
    content_type: `Content-Type must be one of: '${VENDOR_ARRAY}', '${VENDOR_HASH}'.`,
  });
}

/** A JSON object body (empty → `{}`); anything else is a 400. */
export async function readObjectBody(r: ApiRequest): Promise<Record<string, unknown>> {
  const body = await readJson(r.req);
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, 103, 'Invalid JSON body', { body: 'Expected a JSON object' });
  }
  return body as Record<string, unknown>;
}

/** Compiles a body's `filters` according to the vendor type. */
export function bodyFilters(site: Site, type: string, kind: 'array' | 'hash', filters: unknown): RowTest {
  return kind === 'array' ? compileArrayFilters(site.store, type, filters) : compileHashFilters(site.store, type, filters);
}

/** What names a `_search` (or `_summarize`) read for paging on: its type and filters (see `findPage`). */
export function searchReadKey(type: string, kind: 'array' | 'hash', filters: unknown): string {
  return JSON.stringify([type, kind, filters ?? null]);
}

/** `POST /entity/{e}/_search`. */
export async function handleSearch(site: Site, r: ApiRequest, type: string): Promise<void> {
  const kind = requireVendorType(r);
  const body = await readObjectBody(r);
  const test = bodyFilters(site, type, kind, body.filters);
  const opts = parseReadOptions(r.url.searchParams, body as ReadBody);
  answerPage(site, r, type, test, opts, searchReadKey(type, kind, body.filters));
}
