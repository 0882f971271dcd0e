/**
 * `find`, `findOne` and `iterate` over `POST /entity/{type}/_search` (hash filters), with the
 * Python API's paging rules: a single page when `page` is given or `limit` fits in one page,
 * otherwise every page until a short one (or `limit`).
 */
import { setMaxListeners } from 'node:events';
import type { ApiCaller } from '../api-caller.js';
import { ShotGridError } from '../errors.js';
import { linkSignals } from '../http/abort.js';
import { toRestFilter, type Filters } from './filters.js';
import { checkFieldName, dataOf, entityPath, flattenRecords } from './records.js';
import { noteReadSize, searchKey, wasLargeRead } from './large-reads.js';
import { countRecords } from './summarize.js';
import type { FindOptions, ReadOptions, ShotGridRecord, SortSpec } from './types.js';

/** Content type of hash-form filters. */
export const VENDOR_HASH = 'application/vnd+shotgun.api3_hash+json';
export const DEFAULT_PAGE_SIZE = 500;
export const MAX_PAGE_SIZE = 5000;
/**
 * Page size when every page is read and none was asked for: the REST cap. Each `_search` costs a
 * round trip and (on the site) a query over the whole match, so reading 50,000 records in
 * 5,000-record pages is ~3× faster than in 500-record ones (bench P4). `page` keeps the Python
 * API's 500-record pages, since its meaning depends on the size.
 */
export const READ_ALL_PAGE_SIZE = MAX_PAGE_SIZE;

/** How a search walks the pages. */
interface SearchPlan {
  type: string;
  body: Record<string, unknown>;
  pageSize: number;
  firstPage: number;
  /** Only `firstPage` is read. */
  singlePage: boolean;
  /** Most records to return. */
  limit: number;
}

function configError(message: string): ShotGridError {
  return new ShotGridError('SG_CONFIG', message);
}

function wholeNumber(value: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw configError(`${name} must be an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}`);
  }
  return value;
}

/** `'-created_at,code'` from the accepted sort shapes. */
export function sortParam(sort: SortSpec | SortSpec[] | undefined): string | undefined {
  if (sort === undefined) return undefined;
  const keys: string[] = [];
  for (const spec of Array.isArray(sort) ? sort : [sort]) {
    if (typeof spec === 'string') {
      for (const part of spec.split(',')) {
        const key = part.trim();
        if (key) keys.push(`${key.startsWith('-') ? '-' : ''}${checkFieldName(key.replace(/^[-+]/, ''), 'sort field')}`);
      }
      continue;
    }
    const field = typeof spec === 'object' && spec !== null ? ('field_name' in spec ? spec.field_name : spec.field) : undefined;
    const direction = typeof spec === 'object' && spec !== null ? (spec.direction ?? 'asc') : undefined;
    if (direction !== 'asc' && direction !== 'desc') throw configError(`sort direction must be 'asc' or 'desc'`);
    keys.push(`${direction === 'desc' ? '-' : ''}${checkFieldName(field, 'sort field')}`);
  }
  return keys.length > 0 ? keys.join(',') : undefined;
}

/** The `options` of a read. */
export function readOptionsBody(options: ReadOptions): Record<string, unknown> {
  return {
    return_only: options.retired ? 'retired' : 'active',
    include_archived_projects: options.includeArchivedProjects ?? true,
  };
}

function fieldsParam(fields: unknown): string[] {
  if (fields === undefined) return ['id'];
  if (!Array.isArray(fields)) throw configError(`fields must be a list of field names such as ['code', 'project']`);
  const names = fields.map((f) => checkFieldName(f));
  return names.length > 0 ? names : ['id'];
}

function planSearch(type: string, filters: Filters | null | undefined, options: FindOptions): SearchPlan {
  const limit = options.limit === undefined ? 0 : wholeNumber(options.limit, 'limit', 0);
  const page = options.page === undefined ? 0 : wholeNumber(options.page, 'page', 0);
  const pageSize = options.pageSize === undefined ? (page > 0 ? DEFAULT_PAGE_SIZE : READ_ALL_PAGE_SIZE) : wholeNumber(options.pageSize, 'pageSize', 1, MAX_PAGE_SIZE);
  const body: Record<string, unknown> = {
    filters: toRestFilter(filters, options.filterOperator),
    fields: fieldsParam(options.fields),
    options: readOptionsBody(options),
  };
  const sort = sortParam(options.sort);
  if (sort) body.sort = sort;
  // As the Python API: a limit that fits one page is that page's size (so `page` counts in limits).
  const size = limit > 0 && limit <= pageSize ? limit : pageSize;
  return { type, body, pageSize: size, firstPage: page || 1, singlePage: page > 0 || (limit > 0 && limit <= pageSize), limit: limit || Number.POSITIVE_INFINITY };
}

async function fetchPage(api: ApiCaller, plan: SearchPlan, number: number, signal?: AbortSignal): Promise<ShotGridRecord[]> {
  const res = await api.request({
    method: 'POST',
    path: `${entityPath(plan.type)}/_search`,
    json: { ...plan.body, page: { size: plan.pageSize, number } },
    contentType: VENDOR_HASH,
    idempotent: true,
    signal,
  });
  return flattenRecords(dataOf(res.body), plan.type);
}

/**
 * Pages requested ahead of the one the caller holds when `iterate` reads every page. Each is a
 * round trip, so on a distant site a few in flight hide the latency; memory stays at this many
 * pages whatever the result's size.
 */
export const READ_AHEAD_PAGES = 4;

/**
 * Pages requested ahead by `find`, which holds every record anyway (so the look-ahead costs no
 * memory the result would not): the client's default connection budget (10) less one for the
 * count. 50,000 records in 5,000-record pages then take three round trips in series (page 1;
 * page 2 with the count; pages 3-10 together), two when the search was read before (page 1 with
 * the count; pages 2-10), not ten (bench P12). The client's `maxConnections` limiter still caps
 * what is on the wire.
 */
export const FIND_READ_AHEAD_PAGES = 9;

/** One page request in flight. */
interface PageFetch {
  number: number;
  records: Promise<ShotGridRecord[]>;
  controller: AbortController;
}

/**
 * Yields the matching records a page at a time (cut to `limit`), in the order of a sequential
 * read. After a full first page, the record count is asked for alongside the next page; once it
 * is known, up to `ahead` pages are in flight while the caller handles the current one. The count
 * says where the result ends, so no page past the end is asked for and no empty page is needed
 * to prove it (without a count, the read goes on to a short page).
 *
 * When this client's last read of the same search went past a full first page, the count is
 * asked for together with page 1 instead (just before it, so that its answer, the smaller, comes
 * first and the next pages go out while page 1 is still arriving). Pages past the first can only be asked for together
 * once the count is known, so counting after page 1 puts a third round trip in series (page 1;
 * page 2 + count; pages 3-10): on a site 100 ms away, 50,000 records take two round trips instead
 * of three (bench P12). Counting with every page 1 would do that for first reads too, but costs
 * one more request (a `_summarize`) for every read whose result fits on page 1, which is most
 * finds (lookups in a flow, one per message): two requests for each instead of one. Remembering
 * large reads keeps small ones at one request; a search that has shrunk to one page pays one
 * unneeded count, once.
 *
 * Consistency (the site's pages are offsets in a sorted list): with the default order (id
 * ascending) a record created during the read sorts after every existing one and shifts no page,
 * so every record that matched when the read began and still matches is returned exactly once,
 * in id order; records created meanwhile may or may not be included. A record deleted (or, with
 * another sort, re-sorted) during the read shifts later offsets: as with sequential pages, a
 * record can then be missed or returned twice. A short page ends the read, as it would
 * sequentially.
 */
export async function* iteratePages(api: ApiCaller, type: string, filters: Filters | null | undefined, options: FindOptions, ahead = READ_AHEAD_PAGES): AsyncGenerator<ShotGridRecord[], void, undefined> {
  const plan = planSearch(type, filters, options);
  // Detached from the caller's signal when the read ends (a long-lived signal collects no listeners).
  const { controller, dispose } = linkSignals(options.signal);
  // Each page in flight and the count listen on it (a few listeners each): past 10 Node would
  // warn of a listener leak that is not one.
  setMaxListeners(Math.max(10, 3 * (ahead + 1)), controller.signal);
  const inFlight: PageFetch[] = [];
  let next = plan.firstPage;
  // Last page to read: the one holding `limit`, then also the count's last page once known.
  let lastPage = plan.singlePage ? plan.firstPage : plan.firstPage - 1 + Math.ceil(plan.limit / plan.pageSize);
  // Counted only when more pages may be left than the look-ahead covers. `retired` reads are not
  // counted by `_summarize`: they page on to a short page.
  const countable = !plan.singlePage && plan.firstPage + ahead < lastPage && !options.retired;
  const key = countable ? searchKey(plan.type, plan.body, plan.pageSize) : undefined;
  let counting = false;
  // While the count is on its way only the next page is asked for: the count may say the result
  // ends there, and a page past the end is a request for nothing (the site still runs the query).
  let countPending = false;
  let countSettled: Promise<void> = Promise.resolve();
  const launch = (): void => {
    // Linked to this read's own controller, which is aborted when the read ends.
    const own = linkSignals(controller.signal);
    const records = fetchPage(api, plan, next, own.signal);
    // Detached once settled: a long read would otherwise leave a listener per page on the read's
    // signal. If the caller stops early, a prefetch's failure must not surface as unhandled.
    records.then(own.dispose, own.dispose);
    inFlight.push({ number: next++, records, controller: own.controller });
  };
  const fill = (): void => {
    // The count may settle after the read has ended.
    if (controller.signal.aborted) return;
    const upTo = countPending ? Math.min(lastPage, plan.firstPage + 1) : lastPage;
    while (inFlight.length < ahead && next <= upTo) launch();
  };
  const endAt = (page: number): void => {
    lastPage = Math.min(lastPage, page);
    // Pages past the end are cancelled, not awaited.
    for (const f of inFlight) if (f.number > lastPage) f.controller.abort();
  };
  const startCount = (): void => {
    counting = true;
    countPending = true;
    const settled = (): void => {
      countPending = false;
      fill();
    };
    countSettled = countRecords(api, type, filters, { filterOperator: options.filterOperator, includeArchivedProjects: options.includeArchivedProjects, signal: controller.signal }).then(
      (count) => {
        endAt(Math.max(plan.firstPage, Math.ceil(count / plan.pageSize)));
        settled();
      },
      settled, // without a count the read goes on until a short page
    );
  };
  let yielded = 0;
  try {
    // The count is asked for first: a site answers it first (it is small), so the pages past
    // page 1 are asked for before this client is busy parsing page 1, and the site renders them
    // while it does (bench P4: the count otherwise waited behind page 1's parse).
    if (key !== undefined && wasLargeRead(api, key)) startCount();
    launch();
    for (;;) {
      // Every page asked for so far is read: the count says whether there are more.
      if (inFlight.length === 0 && countPending) await countSettled;
      const current = inFlight[0];
      if (current === undefined) return;
      if (current.number > lastPage) return;
      let records: ShotGridRecord[];
      try {
        records = await current.records;
      } catch (err) {
        // Cancelled because the count ended the result before this page: not an error.
        if (current.number > lastPage && !controller.signal.aborted) return;
        throw err;
      }
      inFlight.shift();
      const full = records.length === plan.pageSize;
      if (!full) endAt(current.number);
      if (key !== undefined && current.number === plan.firstPage) {
        noteReadSize(api, key, full);
        if (full && !counting) startCount();
      }
      fill();
      const page = yielded + records.length > plan.limit ? records.slice(0, plan.limit - yielded) : records;
      yielded += page.length;
      if (page.length > 0) yield page;
      if (yielded >= plan.limit || current.number >= lastPage) return;
    }
  } finally {
    // Cancels every prefetch nobody will read, and a count still on its way.
    controller.abort();
    dispose();
  }
}

/**
 * Yields matching records page by page, in order; while the caller handles one page the next
 * ones are being fetched. At most {@link READ_AHEAD_PAGES} + 1 pages are held, so memory stays
 * bounded for any result size.
 */
export async function* iterateRecords(api: ApiCaller, type: string, filters: Filters | null | undefined, options: FindOptions = {}): AsyncGenerator<ShotGridRecord, void, undefined> {
  for await (const page of iteratePages(api, type, filters, options)) yield* page;
}

/**
 * Every matching record (all pages unless `limit`/`page` say otherwise). Collected a page at a
 * time: stepping an async generator per record cost ~30 % of a 50,000-record find (bench P4).
 */
export async function findRecords(api: ApiCaller, type: string, filters: Filters | null | undefined, options: FindOptions = {}): Promise<ShotGridRecord[]> {
  const out: ShotGridRecord[] = [];
  for await (const page of iteratePages(api, type, filters, options, FIND_READ_AHEAD_PAGES)) for (const record of page) out.push(record);
  return out;
}

/** The first matching record, or `null`. */
export async function findOneRecord(api: ApiCaller, type: string, filters: Filters | null | undefined, options: Omit<FindOptions, 'limit' | 'page' | 'pageSize'> = {}): Promise<ShotGridRecord | null> {
  const [first] = await findRecords(api, type, filters, { ...options, limit: 1, page: undefined, pageSize: undefined });
  return first ?? null;
}
