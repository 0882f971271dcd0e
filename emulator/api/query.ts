/**
 * Running a read: rows of a type (live or retired), minus archived projects' rows when asked,
 * through the compiled filter, sorted (id ascending unless told otherwise), then one page.
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

/** Every row matching the filter and options, in the requested order. */
export function findRows(site: Site, type: string, test: RowTest, opts: Pick<ReadOptions, 'returnOnly' | 'includeArchived' | 'sort'>): StoredRecord[] {
  const source = opts.returnOnly === 'retired'
    ? [...site.store.allWithRetired(type)].filter((r) => r.retired)
    : site.store.all(type);
  const visible = opts.includeArchived ? () => true : archivedFilter(site, type);
  const rows: StoredRecord[] = [];
  for (const rec of source) if (visible(rec) && test(rec)) rows.push(rec);
  return sortRows(site, type, rows, opts.sort);
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

/** Sorts by the usable keys (nulls last ascending, first descending), then by id. */
export function sortRows(site: Site, type: string, rows: StoredRecord[], sort: SortKey[]): StoredRecord[] {
  const keys: Array<{ path: FieldPath; desc: boolean }> = [];
  for (const k of sort) {
    if (k.path === 'id') {
      keys.push({ path: resolvePath(site.store, type, 'id') as FieldPath, desc: k.desc });
      continue;
    }
    const p = resolvePath(site.store, type, k.path);
    if (!isMiss(p) && !p.throughMulti && !UNSORTABLE.has(p.last.dataType)) keys.push({ path: p, desc: k.desc });
  }
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
