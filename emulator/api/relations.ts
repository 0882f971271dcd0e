/**
 * Filter relations per data type: which relations each type accepts (the lists the server
 * names in its 400s) and how each one matches a stored value. Negating relations match null
 * rows, comparisons never do, and text matching is case-insensitive, as on the real site.
 */
import type { DataType } from '../context.js';
import { ApiError } from '../http/respond.js';
import type { MemoryStore } from '../store/memory-store.js';
import { asLink, asLinks } from './field-paths.js';
import { rubyClass, rubyInspect } from './ruby-inspect.js';
import { dateRange, toMs } from './time-values.js';

/** A predicate over one stored value. */
export type ValueTest = (stored: unknown) => boolean;

const TEXT = ['contains', 'not_contains', 'is', 'is_not', 'starts_with', 'ends_with', 'in', 'not_in'];
const DATES = [
  'is', 'is_not', 'greater_than', 'less_than', 'in_last', 'not_in_last', 'in_next', 'not_in_next',
  'in_calendar_week', 'in_calendar_month', 'in_calendar_day', 'in_calendar_year', 'between', 'in', 'not_in',
];
const NUMBERS = ['is', 'is_not', 'greater_than', 'less_than', 'between', 'in', 'not_in'];
const LINKS = ['is', 'is_not', 'name_contains', 'name_not_contains', 'name_is', 'type_is', 'type_is_not', 'in', 'not_in'];
const CHOICES = ['is', 'is_not', 'in', 'not_in'];
const ONLY_IS = ['is', 'is_not'];

/** Relations a data type accepts; undefined when the type cannot be used in a filter at all. */
export function validRelations(dataType: DataType): string[] | undefined {
  switch (dataType) {
    case 'text': return TEXT;
    case 'date': case 'date_time': return DATES;
    case 'number': case 'float': case 'duration': case 'percent': return NUMBERS;
    case 'entity': case 'multi_entity': return LINKS;
    case 'status_list': case 'list': case 'uuid': case 'tag_list': return CHOICES;
    case 'checkbox': case 'image': return ONLY_IS;
    default: return undefined;
  }
}

/** What the error messages quote for one condition. */
export interface ConditionInfo {
  /** `Shot.code`: the type owning the final field, and the field. */
  label: string;
  path: string;
  relation: string;
  dataType: DataType;
}

/** `Value: {"path" => ..., "relation" => ..., "values" => [...]}` as the server quotes it. */
function valueText(info: ConditionInfo, value: unknown): string {
  const values = Array.isArray(value) ? value : [value];
  return rubyInspect({ path: info.path, relation: info.relation, values });
}

/** 400 for a relation the data type does not support (or a type that cannot be filtered). */
export function relationError(info: ConditionInfo, value: unknown): ApiError {
  const valid = validRelations(info.dataType);
  if (!valid) {
    return new ApiError(400, 103, `API read() ${info.label}'s '${info.dataType}' data type cannot be used in a filter.`, {
      [info.label]: ` data type cannot be used in a filter. Value: ${valueText(info, value)}`,
    });
  }
  return new ApiError(400, 103, `API read() ${info.label}'s '${info.dataType}' data type doesn't support '${info.relation}' 'relation'`, {
    [info.label]: ` data type doesn't support '${info.relation}' 'relation'. Value: ${valueText(info, value)} Valid relations: ${rubyInspect(valid)}`,
  });
}

function shapeError(relation: string, what: string, value: unknown): ApiError {
  return new ApiError(400, 103, `API read() '${relation}' 'relation' expects ${what}: ${rubyInspect(Array.isArray(value) ? value : [value])}`, {});
}

/** Lower-cased text, with '' read as null (the site stores no empty strings). */
function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = typeof v === 'string' ? v : String(v);
  return s === '' ? null : s.toLowerCase();
}

function num(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

/** A value list for `in`/`not_in` (a bare value counts as a one-element list). */
function listOf(relation: string, value: unknown): unknown[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw shapeError(relation, 'at least a 1-element array', value);
  return list;
}

function pair(relation: string, value: unknown): [unknown, unknown] {
  if (!Array.isArray(value) || value.length !== 2) throw shapeError(relation, 'a 2-element array', value);
  return [value[0], value[1]];
}

/** A scalar for relations that take one value (`[x]` is unwrapped, longer lists refused). */
function single(relation: string, value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  if (value.length !== 1) throw shapeError(relation, 'a 1-element array', value);
  return value[0];
}

/** Entity link from a filter value; refuses bare ids and hashes without a type. */
function filterLink(value: unknown, store: MemoryStore): { type: string; id: number } | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ApiError(400, 103, `API read() invalid/missing entity hash: ${rubyInspect(value)}`, {});
  }
  const v = value as { type?: unknown; id?: unknown };
  if (typeof v.type !== 'string' || !store.resolveType(v.type)) {
    throw new ApiError(400, 103, `API read() invalid/missing entity hash string 'type': ${rubyInspect(value)} Valid entity types: ${rubyInspect([...store.types.keys()].sort())}`, {});
  }
  const id = typeof v.id === 'string' && /^\d+$/.test(v.id) ? Number(v.id) : v.id;
  if (typeof id !== 'number') throw new ApiError(400, 103, `API read() invalid/missing entity hash integer 'id': ${rubyInspect(value)}`, {});
  return { type: store.resolveType(v.type)!, id };
}

function textTest(relation: string, value: unknown, info: ConditionInfo): ValueTest {
  if (relation === 'in' || relation === 'not_in') {
    const set = new Set(listOf(relation, value).map(text));
    return relation === 'in' ? (s) => set.has(text(s)) : (s) => !set.has(text(s));
  }
  const want = text(single(relation, value));
  switch (relation) {
    case 'is': return (s) => text(s) === want;
    case 'is_not': return (s) => text(s) !== want;
    case 'contains': return (s) => { const t = text(s); return t !== null && t.includes(want ?? ''); };
    case 'not_contains': return (s) => { const t = text(s); return t === null || !t.includes(want ?? ''); };
    case 'starts_with': return (s) => { const t = text(s); return t !== null && t.startsWith(want ?? ''); };
    case 'ends_with': return (s) => { const t = text(s); return t !== null && t.endsWith(want ?? ''); };
    default: throw relationError(info, value);
  }
}

function orderedTest(relation: string, value: unknown, info: ConditionInfo, conv: (v: unknown) => number | null): ValueTest {
  switch (relation) {
    case 'in': case 'not_in': {
      const set = new Set(listOf(relation, value).map(conv));
      return relation === 'in' ? (s) => set.has(conv(s)) : (s) => !set.has(conv(s));
    }
    case 'between': {
      const [a, b] = pair(relation, value).map(conv) as [number | null, number | null];
      return (s) => { const v = conv(s); return v !== null && a !== null && b !== null && v >= a && v <= b; };
    }
    default: break;
  }
  const want = conv(single(relation, value));
  switch (relation) {
    case 'is': return (s) => conv(s) === want;
    case 'is_not': return (s) => conv(s) !== want;
    case 'greater_than': return (s) => { const v = conv(s); return v !== null && want !== null && v > want; };
    case 'less_than': return (s) => { const v = conv(s); return v !== null && want !== null && v < want; };
    default: throw relationError(info, value);
  }
}

function dateTest(relation: string, value: unknown, info: ConditionInfo): ValueTest {
  const conv = (v: unknown): number | null => toMs(v, info.dataType === 'date');
  if (/^(not_)?in_(last|next)$|^in_calendar_/.test(relation)) {
    const [from, to] = dateRange(relation, value, info.dataType === 'date');
    const inside = (s: unknown): boolean => { const v = conv(s); return v !== null && v >= from && v < to; };
    return relation.startsWith('not_') ? (s) => !inside(s) : inside;
  }
  return orderedTest(relation, value, info, conv);
}

function linkTest(relation: string, value: unknown, info: ConditionInfo, store: MemoryStore): ValueTest {
  const multi = info.dataType === 'multi_entity';
  const linksOf = (s: unknown): Array<{ type: string; id: number }> => (multi ? asLinks(s) : [asLink(s)].filter((l) => l !== undefined));
  const same = (a: { type: string; id: number }, b: { type: string; id: number }): boolean => a.type === b.type && a.id === b.id;
  switch (relation) {
    case 'is': case 'is_not': {
      const want = filterLink(single(relation, value), store);
      const hit = want === null ? (s: unknown) => linksOf(s).length === 0 : (s: unknown) => linksOf(s).some((l) => same(l, want));
      return relation === 'is' ? hit : (s) => !hit(s);
    }
    case 'in': case 'not_in': {
      const wants = listOf(relation, value).map((v) => filterLink(v, store)).filter((l) => l !== null);
      const hit = (s: unknown): boolean => linksOf(s).some((l) => wants.some((w) => same(l, w)));
      return relation === 'in' ? hit : (s) => !hit(s);
    }
    case 'type_is': case 'type_is_not': {
      const want = single(relation, value);
      const hit = (s: unknown): boolean => linksOf(s).some((l) => l.type === want);
      return relation === 'type_is' ? hit : (s) => !hit(s);
    }
    case 'name_is': case 'name_contains': case 'name_not_contains': {
      const raw = single(relation, value);
      if (typeof raw !== 'string') throw shapeError(relation, 'a String', raw);
      const want = raw.toLowerCase();
      const nameOf = (l: { type: string; id: number }): string => (store.nameOf(l.type, l.id) ?? '').toLowerCase();
      if (relation === 'name_is') return (s) => linksOf(s).some((l) => nameOf(l) === want);
      const hit = (s: unknown): boolean => linksOf(s).some((l) => nameOf(l).includes(want));
      return relation === 'name_contains' ? hit : (s) => !hit(s);
    }
    default: throw relationError(info, value);
  }
}

function choiceTest(relation: string, value: unknown, info: ConditionInfo): ValueTest {
  if (info.dataType === 'tag_list') {
    const has = (s: unknown, w: string | null): boolean => (Array.isArray(s) ? s.some((t) => text(t) === w) : w === null);
    if (relation === 'in' || relation === 'not_in') {
      const wants = listOf(relation, value).map(text);
      return relation === 'in' ? (s) => wants.some((w) => has(s, w)) : (s) => !wants.some((w) => has(s, w));
    }
    const want = text(single(relation, value));
    if (relation === 'is') return want === null ? (s) => !Array.isArray(s) || s.length === 0 : (s) => has(s, want);
    if (relation === 'is_not') return want === null ? (s) => Array.isArray(s) && s.length > 0 : (s) => !has(s, want);
    throw relationError(info, value);
  }
  if (relation === 'is' || relation === 'is_not' || relation === 'in' || relation === 'not_in') return textTest(relation, value, info);
  throw relationError(info, value);
}

/** 400 for a filter value of a class the field refuses (`... but got Float: 2.5`). */
function valueClassError(info: ConditionInfo, classes: string, v: unknown): ApiError {
  return new ApiError(400, 103, `API read() ${info.label} expected ${classes} data type(s) but got ${rubyClass(v)}: ${rubyInspect(v)}`, {});
}

/** Integer-valued types refuse floats, booleans and hashes as filter values, as on the site. */
function checkIntegerValues(relation: string, value: unknown, info: ConditionInfo): void {
  if (/^(not_)?in_|^in_calendar/.test(relation)) return;
  for (const v of Array.isArray(value) ? value : [value]) {
    if (v === null || typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v))) continue;
    throw valueClassError(info, '[String, Integer, NilClass]', v);
  }
}

/** Builds the test for one condition on a field of the given data type. */
export function buildValueTest(relation: string, value: unknown, info: ConditionInfo, store: MemoryStore): ValueTest {
  const valid = validRelations(info.dataType);
  if (!valid || !valid.includes(relation)) throw relationError(info, value);
  switch (info.dataType) {
    case 'text': return textTest(relation, value, info);
    case 'date': case 'date_time': return dateTest(relation, value, info);
    case 'number': case 'duration': case 'percent':
      checkIntegerValues(relation, value, info);
      return orderedTest(relation, value, info, num);
    case 'float': return orderedTest(relation, value, info, num);
    case 'entity': case 'multi_entity': return linkTest(relation, value, info, store);
    case 'checkbox': {
      const raw = single(relation, value);
      if (raw !== true && raw !== false && raw !== 'true' && raw !== 'false') throw valueClassError(info, '[String, FalseClass, TrueClass]', raw);
      const want = raw === true || raw === 'true';
      return relation === 'is' ? (s) => (s === true) === want : (s) => (s === true) !== want;
    }
    case 'image': {
      if (single(relation, value) !== null) throw new ApiError(400, 103, `API read() ${info.label} can only be filtered with null.`, {});
      return relation === 'is' ? (s) => s === null || s === undefined : (s) => s !== null && s !== undefined;
    }
    default: return choiceTest(relation, value, info);
  }
}
