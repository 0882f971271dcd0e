/**
 * Running a read: rows of a type (live or retired), minus archived projects' rows when asked,
 * through the compiled filter, sorted (id ascending unless told otherwise), then one page.
 * A page in id order stops as soon as it is full and reads only the rows an index names when the
 * filter has one, so it costs time in proportion to the page, not to the table.
 */
import type { StoredRecord } from '../context.js';
import { asLink, isMiss, resolvePath, valuesAt, type FieldPath } from './field-paths.js';
import type { RowTest } from './filters.js';
import type { ReadOptions, SortKey } from './read-options.js';
import type { Site } from './site.js';

/** Ids of archived projects. */
function archivedProjects(site: Site): Set<number> {
  const ids = new Set<number>();
  for (const p of site.store.allWithRetired('Project')) if (p.fields.archived === true) ids.add(p.id);
  return ids;
}

/** A test that hides rows of archived projects (and archived Projects themselves). */
export function archivedFilter(site: Site, type: string): RowTest {
  const archived = archivedProjects(site);
  if (archived.size === 0) return () => true;
  if (type === 'Project') return (rec) => !archived.has(rec.id);
  if (!site.store.field(type, 'project')) return () => true;
  return (rec) => {
    const l = asLink(rec.fields.project);
    return !(l && l.type === 'Project' && archived.has(l.id));
  };
}

type FindOptions = Pick<ReadOptions, 'returnOnly' | 'includeArchived' | 'sort'>;

/** The next row a read may look at, or undefined at the end. */
type RowSource = () => StoredRecord | undefined;

/**
 * The rows a read may return, in id order (reversed when `descending`): those the filter's index
 * names, else the whole table.
 */
function rowSource(site: Site, type: string, test: RowTest, descending: boolean): RowSource {
  const store = site.store;
  const indexed = test.candidates?.();
  if (indexed) return indexed.cursor(descending);
  if (descending) {
    const rows = [...store.allWithRetired(type)];
    let i = rows.length;
    return () => (i > 0 ? rows[--i] : undefined);
  }
  const it = store.allWithRetired(type)[Symbol.iterator]();
  return () => {
    const next = it.next();
    return next.done ? undefined : next.value;
  };
}

/** The test a row must pass: the filter, the retired state asked for, archived projects hidden. */
function rowFilter(site: Site, type: string, test: RowTest, opts: FindOptions): RowTest {
  const retired = opts.returnOnly === 'retired';
  const visible = opts.includeArchived ? undefined : archivedFilter(site, type);
  return (rec) => rec.retired === retired && (visible === undefined || visible(rec)) && test(rec);
}

/** Every row matching the filter and options, in the requested order. */
export function findRows(site: Site, type: string, test: RowTest, opts: FindOptions): StoredRecord[] {
  const accept = rowFilter(site, type, test, opts);
  const next = rowSource(site, type, test, false);
  const rows: StoredRecord[] = [];
  for (let rec = next(); rec; rec = next()) if (accept(rec)) rows.push(rec);
  return sortRows(site, type, rows, opts.sort);
}

/**
 * A read in id order, remembered between pages: the matches found so far and where the scan
 * stopped. Paging on (page 2, 3, ... or back) reuses it until any row of the site changes.
 */
interface Cursor {
  version: number;
  next: RowSource;
  accept: RowTest;
  matches: StoredRecord[];
  done: boolean;
}

/** Cursors kept per store (most recently used last). */
const MAX_CURSORS = 16;
const cursors = new WeakMap<Site['store'], Map<string, Cursor>>();

/** Relations whose answer moves with the clock: such reads are never remembered. */
const CLOCK_RELATIONS = /"(?:not_)?in_(?:last|next)"|"in_calendar_[a-z]+"/;

function cursorFor(site: Site, key: string | undefined, make: () => Cursor): Cursor {
  if (key === undefined || CLOCK_RELATIONS.test(key)) return make();
  let byKey = cursors.get(site.store);
  if (!byKey) cursors.set(site.store, (byKey = new Map()));
  let cursor = byKey.get(key);
  byKey.delete(key);
  if (!cursor || cursor.version !== site.store.version) cursor = make();
  byKey.set(key, cursor);
  if (byKey.size > MAX_CURSORS) byKey.delete(byKey.keys().next().value!);
  return cursor;
}

/** The cursor of a read in id order: remembered under `cacheKey` (with the read options), else new. */
function idOrderCursor(site: Site, type: string, test: RowTest, opts: Pick<ReadOptions, 'returnOnly' | 'includeArchived'>, descending: boolean, cacheKey?: string): Cursor {
  const key = cacheKey === undefined ? undefined : `${cacheKey}|${opts.returnOnly}|${opts.includeArchived}|${descending}`;
  return cursorFor(site, key, () => ({
    version: site.store.version, next: rowSource(site, type, test, descending), accept: rowFilter(site, type, test, { ...opts, sort: [] }), matches: [], done: false,
  }));
}

/** Reads on until the cursor holds `need` matches or the rows run out. */
function advance(cursor: Cursor, need: number): void {
  while (!cursor.done && cursor.matches.length < need) {
    const rec = cursor.next();
    if (!rec) cursor.done = true;
    else if (cursor.accept(rec)) cursor.matches.push(rec);
  }
}

/**
 * One page of the matching rows. In id order (the default) the scan stops once the page is full,
 * reads only the rows an index names when the filter has one, and, given `cacheKey` (the read's
 * type, filters and options), continues from where an earlier page of the same read stopped.
 */
export function findPage(site: Site, type: string, test: RowTest, opts: FindOptions & Pick<ReadOptions, 'page'>, cacheKey?: string): StoredRecord[] {
  const keys = sortKeys(site, type, opts.sort);
  const idOnly = keys.length === 0 || (keys.length === 1 && keys[0]!.path.last.name === 'id' && keys[0]!.path.hops.length === 0);
  if (!idOnly) return pageRows(findRows(site, type, test, opts), opts.page);
  const cursor = idOrderCursor(site, type, test, opts, keys[0]?.desc === true, cacheKey);
  const skip = (opts.page.number - 1) * opts.page.size;
  const need = skip + opts.page.size;
  advance(cursor, need);
  return cursor.matches.slice(skip, need);
}

/**
 * Every matching row in id order (what a summary reads), through the same remembered read as
 * {@link findPage} given the same `cacheKey`: a count asked for with a paged read scans the rows
 * once for both, not once for the count and again for the pages. Do not mutate the answer.
 */
export function findRowsInIdOrder(site: Site, type: string, test: RowTest, opts: Pick<ReadOptions, 'returnOnly' | 'includeArchived'>, cacheKey?: string): readonly StoredRecord[] {
  const cursor = idOrderCursor(site, type, test, opts, false, cacheKey);
  advance(cursor, Number.POSITIVE_INFINITY);
  return cursor.matches;
}

/** Data types whose sort is a silent no-op on the site. */
const UNSORTABLE = new Set(['url', 'image', 'multi_entity', 'serializable', 'tag_list']);

type SortValue = string | number | null;

function sortValue(site: Site, path: FieldPath, rec: StoredRecord): SortValue {
  const v = path.hops.length === 0 ? rec.fields[path.last.name] : valuesAt(site.store, rec, path)[0];
  if (v === null || v === undefined || v === '') return null;
  switch (path.last.dataType) {
    case 'entity': {
      const l = asLink(v);
      return l ? (site.store.nameOf(l.type, l.id) ?? '').toLowerCase() : null;
    }
    case 'checkbox': return v === true ? 1 : 0;
    case 'number': case 'float': case 'duration': case 'percent': return typeof v === 'number' ? v : Number(v);
    default: return typeof v === 'string' ? v.toLowerCase() : String(v);
  }
}

/** The sort keys the site honours (unknown and unsortable ones are silently dropped). */
function sortKeys(site: Site, type: string, sort: SortKey[]): Array<{ path: FieldPath; desc: boolean }> {
  const keys: Array<{ path: FieldPath; desc: boolean }> = [];
  for (const k of sort) {
    if (k.path === 'id') {
      keys.push({ path: resolvePath(site.store, type, 'id') as FieldPath, desc: k.desc });
      continue;
    }
    const p = resolvePath(site.store, type, k.path);
    if (!isMiss(p) && !p.throughMulti && !UNSORTABLE.has(p.last.dataType)) keys.push({ path: p, desc: k.desc });
  }
  return keys;
}

/** Sorts by the usable keys (nulls last ascending, first descending), then by id. */
export function sortRows(site: Site, type: string, rows: StoredRecord[], sort: SortKey[]): StoredRecord[] {
  const keys = sortKeys(site, type, sort);
  if (keys.length === 0) return rows;
  const decorated = rows.map((rec) => ({ rec, values: keys.map((k) => sortValue(site, k.path, rec)) }));
  decorated.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const x = a.values[i]!;
      const y = b.values[i]!;
      if (x === y) continue;
      const desc = keys[i]!.desc;
      if (x === null) return desc ? -1 : 1;
      if (y === null) return desc ? 1 : -1;
      const c = x < y ? -1 : 1;
      return desc ? -c : c;
    }
    return a.rec.id - b.rec.id;
  });
  return decorated.map((d) => d.rec);
}

/** The rows of one page. */
export function pageRows(rows: StoredRecord[], page: { size: number; number: number }): StoredRecord[] {
  const start = (page.number - 1) * page.size;
  return start >= rows.length ? [] : rows.slice(start, start + page.size);
}
