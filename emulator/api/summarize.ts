/**
 * `POST /entity/{e}/_summarize`: summary values (`record_count`, `count`, `sum`, `maximum`,
 * `minimum`, `average`, `earliest`, `latest`, `percentage`, status roll-ups, `checked`,
 * `unchecked`) over the filtered rows, optionally grouped (one nesting level per `grouping`
 * entry, `exact`, numeric and date buckets). Same vendor Content-Type rule as `_search`.
 */
import type { StoredRecord } from '../context.js';
import { ApiError, sendJson } from '../http/respond.js';
import { asLink, asLinks, isMiss, resolvePath, valuesAt, type FieldPath } from './field-paths.js';
import { missingFieldError } from './filters.js';
import { findRowsInIdOrder } from './query.js';
import { bodyFilters, readObjectBody, requireVendorType, searchReadKey } from './read.js';
import { invalidParams, parseReadOptions } from './read-options.js';
import type { ApiRequest, Site } from './site.js';

const SUMMARY_TYPES = [
  'record_count', 'count', 'sum', 'maximum', 'minimum', 'average', 'earliest', 'latest', 'percentage',
  'status_percentage', 'status_percentage_as_float', 'status_list', 'checked', 'unchecked',
];
const GROUP_TYPES = [
  'exact', 'tens', 'hundreds', 'thousands', 'tensofthousands', 'hundredsofthousands', 'millions', 'day', 'week',
  'month', 'quarter', 'year', 'clustered_date', 'oneday', 'fivedays', 'entitytype', 'firstletter',
];
const NUMERIC_BUCKETS: Record<string, number> = { tens: 10, hundreds: 100, thousands: 1000, tensofthousands: 10_000, hundredsofthousands: 100_000, millions: 1_000_000 };
const NUMERIC = new Set(['number', 'float', 'duration', 'percent']);

interface SummaryField {
  path: FieldPath;
  type: string;
  value: unknown;
}

interface Grouping {
  path: FieldPath;
  type: string;
  desc: boolean;
}

interface Group {
  group_name: string;
  group_value: unknown;
  summaries: Record<string, unknown>;
  groups?: Group[];
}

function entryList(raw: unknown, name: string): Array<Record<string, unknown>> {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalidParams({ [name]: [`${name} must be an array`] });
  return raw.map((e) => (typeof e === 'object' && e !== null && !Array.isArray(e) ? (e as Record<string, unknown>) : {}));
}

function resolve(site: Site, type: string, field: unknown): FieldPath {
  const p = resolvePath(site.store, type, String(field));
  if (isMiss(p)) throw missingFieldError(p.missing, 'summarize');
  return p;
}

function parseSummaryFields(site: Site, type: string, raw: unknown): SummaryField[] {
  const entries = entryList(raw, 'summary_fields');
  const problems: Record<string, Record<string, string[]>> = {};
  entries.forEach((e, i) => {
    const p: Record<string, string[]> = {};
    if (typeof e.field !== 'string' || e.field === '') p.field = ['field is missing'];
    if (!SUMMARY_TYPES.includes(String(e.type))) p.type = [`type must be one of: ${SUMMARY_TYPES.join(', ')}`];
    if (Object.keys(p).length) problems[String(i)] = p;
  });
  if (Object.keys(problems).length) throw invalidParams({ summary_fields: problems });
  return entries.map((e) => ({ path: resolve(site, type, e.field), type: String(e.type), value: e.value }));
}

function parseGrouping(site: Site, type: string, raw: unknown): Grouping[] {
  const entries = entryList(raw, 'grouping');
  const problems: Record<string, Record<string, string[]>> = {};
  entries.forEach((e, i) => {
    const p: Record<string, string[]> = {};
    if (typeof e.field !== 'string' || e.field === '') p.field = ['field is missing'];
    if (e.type !== undefined && !GROUP_TYPES.includes(String(e.type))) p.type = [`type must be one of: ${GROUP_TYPES.join(', ')}`];
    if (e.direction !== undefined && e.direction !== 'asc' && e.direction !== 'desc') p.direction = ['direction must be one of: asc, desc'];
    if (Object.keys(p).length) problems[String(i)] = p;
  });
  if (Object.keys(problems).length) throw invalidParams({ grouping: problems });
  return entries.map((e) => {
    const path = resolve(site, type, e.field);
    const dt = path.last.dataType;
    if (dt === 'image' || dt === 'url' || dt === 'serializable') {
      throw new ApiError(400, 103, `API summarize() ${path.ownerType}.${path.last.name}'s '${dt}' data type cannot be used in a grouping.`, {});
    }
    return { path, type: String(e.type ?? 'exact'), desc: e.direction === 'desc' };
  });
}

function valueOf(site: Site, rec: StoredRecord, path: FieldPath): unknown {
  return path.hops.length === 0 ? (rec.fields[path.last.name] ?? null) : valuesAt(site.store, rec, path)[0];
}

function isEmpty(v: unknown): boolean {
  return v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
}

function sameValue(site: Site, stored: unknown, wanted: unknown): boolean {
  const l = asLink(stored);
  const w = asLink(wanted);
  if (l || w) return !!l && !!w && l.type === w.type && l.id === w.id;
  return String(stored ?? '').toLowerCase() === String(wanted ?? '').toLowerCase();
}

function percent(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 100);
}

/** One summary value over a set of rows. */
function summaryValue(site: Site, rows: readonly StoredRecord[], s: SummaryField): unknown {
  if (s.type === 'record_count') return rows.length;
  const values = rows.map((r) => valueOf(site, r, s.path));
  const present = values.filter((v) => !isEmpty(v));
  const numeric = NUMERIC.has(s.path.last.dataType);
  const nums = present.map(Number).filter((n) => Number.isFinite(n));
  switch (s.type) {
    case 'count': return present.length;
    case 'sum': return nums.reduce((a, b) => a + b, 0);
    case 'average': return nums.length ? nums.reduce((a, b) => a + b, 0) / nums.length : 0;
    case 'maximum': case 'minimum': case 'earliest': case 'latest': {
      const max = s.type === 'maximum' || s.type === 'latest';
      if (numeric) return nums.length ? (max ? Math.max(...nums) : Math.min(...nums)) : 0;
      const strs = present.map(String).sort();
      return strs.length ? (max ? strs[strs.length - 1] : strs[0]) : null;
    }
    case 'percentage':
      return percent(s.value === undefined ? present.length : values.filter((v) => sameValue(site, v, s.value)).length, rows.length);
    case 'status_percentage': case 'status_percentage_as_float': {
      if (rows.length > 0 && present.length === rows.length && present.every((v) => v === 'na')) return -1;
      return percent(values.length - present.length, rows.length);
    }
    case 'status_list': {
      const distinct = new Set(present.map(String));
      if (distinct.size === 0) return null;
      return distinct.size === 1 && values.length === present.length ? [...distinct][0] : 'ip';
    }
    case 'checked': return values.filter((v) => v === true).length;
    default: return values.filter((v) => v !== true).length;
  }
}

function summaries(site: Site, rows: readonly StoredRecord[], fields: SummaryField[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Two entries on one field: the last wins, as on the site.
  for (const s of fields) out[s.path.text] = summaryValue(site, rows, s);
  return out;
}

function dateBucket(v: string, type: string): string {
  const day = v.slice(0, 10);
  const d = new Date(`${day}T00:00:00Z`);
  switch (type) {
    case 'week': {
      const monday = new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * 86_400_000);
      return monday.toISOString().slice(0, 10);
    }
    case 'month': return day.slice(0, 7);
    case 'quarter': return `${day.slice(0, 4)} Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
    case 'year': return day.slice(0, 4);
    default: return day;
  }
}

/** `[group_name, group_value]` of one row under a grouping. */
function groupOf(site: Site, rec: StoredRecord, g: Grouping): [string, unknown] {
  const v = valueOf(site, rec, g.path);
  if (isEmpty(v)) return ['', null];
  const dt = g.path.last.dataType;
  if (dt === 'entity') {
    const l = asLink(v)!;
    const name = site.store.nameOf(l.type, l.id) ?? '';
    return g.type === 'entitytype' ? [l.type, l.type] : [name, { type: l.type, id: l.id, name, valid: 'valid' }];
  }
  if (dt === 'multi_entity') {
    const names = asLinks(v).map((l) => site.store.nameOf(l.type, l.id) ?? '').join(', ');
    return [names, names];
  }
  if (NUMERIC_BUCKETS[g.type] && typeof v === 'number') {
    const b = Math.floor(v / NUMERIC_BUCKETS[g.type]!) * NUMERIC_BUCKETS[g.type]!;
    return [String(b), b];
  }
  if ((dt === 'date' || dt === 'date_time') && typeof v === 'string' && g.type !== 'exact') {
    const b = dateBucket(v, g.type);
    return [b, b];
  }
  if (g.type === 'firstletter') {
    const c = String(v).charAt(0).toUpperCase();
    return [c, c];
  }
  return [String(v), v];
}

function groupRows(site: Site, rows: readonly StoredRecord[], groupings: Grouping[], fields: SummaryField[]): Group[] {
  const [g, ...rest] = groupings;
  if (!g) return [];
  const buckets = new Map<string, { name: string; value: unknown; rows: StoredRecord[] }>();
  for (const rec of rows) {
    const [name, value] = groupOf(site, rec, g);
    const key = JSON.stringify(value);
    const b = buckets.get(key) ?? { name, value, rows: [] };
    b.rows.push(rec);
    buckets.set(key, b);
  }
  const ordered = [...buckets.values()].sort((a, b) => {
    if (a.value === null || b.value === null) return a.value === b.value ? 0 : a.value === null ? 1 : -1;
    const x = typeof a.value === 'number' && typeof b.value === 'number' ? a.value - b.value : a.name.toLowerCase().localeCompare(b.name.toLowerCase());
    return g.desc ? -x : x;
  });
  return ordered.map((b) => {
    const group: Group = { group_name: b.name, group_value: b.value, summaries: summaries(site, b.rows, fields) };
    if (rest.length > 0) group.groups = groupRows(site, b.rows, rest, fields);
    return group;
  });
}

/** Handles the summarize request. */
export async function handleSummarize(site: Site, r: ApiRequest, type: string): Promise<void> {
  const kind = requireVendorType(r);
  const body = await readObjectBody(r);
  const test = bodyFilters(site, type, kind, body.filters);
  const fields = parseSummaryFields(site, type, body.summary_fields);
  const groupings = parseGrouping(site, type, body.grouping);
  const opts = parseReadOptions(r.url.searchParams, { options: body.options });
  // The same remembered read as a `_search` with these filters: a count asked for alongside a
  // paged read (as `find` does) scans the rows once for both.
  const rows = findRowsInIdOrder(site, type, test, opts, searchReadKey(type, kind, body.filters));
  sendJson(r.res, 200, { data: { summaries: summaries(site, rows, fields), groups: groupRows(site, rows, groupings, fields) } });
}
