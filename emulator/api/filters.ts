/**
 * Filters: the `api3_array` form (a flat list of `[path, relation, value]` triples, implicit and)
 * and the `api3_hash` form (`{logical_operator: "and"|"or", conditions: [triple | group, ...]}`,
 * nestable), validated with the server's messages and compiled to one row predicate.
 */
import type { DataType, StoredRecord } from '../context.js';
import { ApiError } from '../http/respond.js';
import { keyOfType, linkKey, type RowList } from '../store/field-index.js';
import type { MemoryStore } from '../store/memory-store.js';
import { isMiss, resolvePath, valuesAt } from './field-paths.js';
import { buildValueTest } from './relations.js';
import { rubyInspect } from './ruby-inspect.js';

/**
 * A compiled filter. `candidates`, when present, lists (in id order, retired rows included) rows
 * that include every row the test can accept: an index answer that spares a table scan.
 */
export interface RowTest {
  (rec: StoredRecord): boolean;
  candidates?: () => RowList | undefined;
}

function isLink(v: unknown): v is { type: string; id: number } {
  return typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string' && typeof (v as { id?: unknown }).id === 'number';
}

/**
 * The index keys an `is` / `in` condition asks for (`Shot:12` for links, lower-cased text for
 * text, status and list fields), else undefined: the condition cannot use an index (a null
 * value, another relation, a field type without one).
 */
function wantedKeys(store: MemoryStore, dataType: DataType, relation: string, value: unknown): string[] | undefined {
  if (relation !== 'is' && relation !== 'in') return undefined;
  const values = relation === 'in' ? (Array.isArray(value) ? value : [value]) : Array.isArray(value) ? (value.length === 1 ? value : []) : [value];
  if (values.length === 0) return undefined;
  const keyOf = keyOfType(dataType);
  if (keyOf === linkKey) {
    if (!values.every(isLink)) return undefined;
    return values.map((l: { type: string; id: number }) => `${store.resolveType(l.type) ?? l.type}:${l.id}`);
  }
  if (!keyOf) return undefined;
  const keys = values.map(keyOf);
  return keys.every((k) => k !== undefined) ? (keys as string[]) : undefined;
}

/** The smallest candidate list among tests that all must pass. */
function narrowest(tests: RowTest[]): RowTest['candidates'] {
  const sources = tests.flatMap((t) => (t.candidates ? [t.candidates] : []));
  if (sources.length === 0) return undefined;
  return () => {
    let best: RowList | undefined;
    for (const source of sources) {
      const ids = source();
      if (ids && (!best || ids.length < best.length)) best = ids;
    }
    return best;
  };
}

/** Deepest nesting the server handles; deeper groups are a 500 there too. */
const MAX_DEPTH = 265;

const MATCH_ALL: RowTest = () => true;

function isTriple(c: unknown): c is [string, string, unknown] {
  return Array.isArray(c) && c.length === 3 && typeof c[0] === 'string' && typeof c[1] === 'string';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** 400 for a field path that does not exist. */
export function missingFieldError(label: string, verb: string, detail: string | null = null, source: unknown = {}): ApiError {
  return new ApiError(400, 103, `API ${verb}() ${label} doesn't exist.`, source, detail);
}

/** Compiles one `[path, relation, value]` condition. */
export function compileCondition(store: MemoryStore, type: string, cond: unknown): RowTest {
  if (!isTriple(cond)) throw new ApiError(400, 103, `Invalid condition: ${rubyInspect(cond)}`, {});
  const [pathText, relation, value] = cond;
  const path = resolvePath(store, type, pathText);
  if (isMiss(path)) {
    const values = Array.isArray(value) ? value : [value];
    throw missingFieldError(path.missing, 'read', null, {
      [path.missing]: ` does not exist. Value: ${rubyInspect({ path: pathText, relation, values })}`,
    });
  }
  const test = buildValueTest(relation, value, {
    label: `${path.ownerType}.${path.last.name}`,
    path: pathText,
    relation,
    dataType: path.last.dataType,
  }, store);
  if (path.hops.length === 0) {
    const name = path.last.name;
    const direct: RowTest = (rec) => test(rec.fields[name] ?? null);
    const keys = wantedKeys(store, path.last.dataType, relation, value);
    if (keys) direct.candidates = () => store.indexedRows(type, name, keys);
    return direct;
  }
  return (rec) => valuesAt(store, rec, path).some(test);
}

/** A test passing when every one of `tests` does (keeping the narrowest index answer). */
export function allOf(tests: RowTest[]): RowTest {
  if (tests.length === 0) return MATCH_ALL;
  if (tests.length === 1) return tests[0]!;
  const every: RowTest = (rec) => tests.every((t) => t(rec));
  const candidates = narrowest(tests);
  if (candidates) every.candidates = candidates;
  return every;
}

function any(tests: RowTest[]): RowTest {
  if (tests.length === 0) return MATCH_ALL;
  return (rec) => tests.some((t) => t(rec));
}

/** `api3_array`: a flat list of triples. */
export function compileArrayFilters(store: MemoryStore, type: string, filters: unknown): RowTest {
  if (filters === undefined || filters === null) return MATCH_ALL;
  if (!Array.isArray(filters)) throw new ApiError(400, 103, `Query is not an Array: ${rubyInspect(filters)}`, {});
  const tests: RowTest[] = [];
  for (const cond of filters) {
    if (!Array.isArray(cond)) {
      throw new ApiError(400, 103, `Invalid filter. Expected array of basic condition arrays but received: ${rubyInspect(filters)}`, {});
    }
    tests.push(compileCondition(store, type, cond));
  }
  return allOf(tests);
}

function compileGroup(store: MemoryStore, type: string, group: unknown, depth: number): RowTest {
  if (depth > MAX_DEPTH) throw new ApiError(500, 100, 'Shotgun Server Error', null);
  if (!isPlainObject(group)) throw new ApiError(400, 103, `Query is not an Hash: ${rubyInspect(group)}`, {});
  if (!('logical_operator' in group)) throw new ApiError(400, 103, `Missing logical operator: ${rubyInspect(group)}`, {});
  const op = group.logical_operator;
  if (op !== 'and' && op !== 'or') throw new ApiError(400, 103, `Invalid logical operator: ${typeof op === 'string' ? op : rubyInspect(op)}`, {});
  if (!('conditions' in group)) throw new ApiError(400, 103, `Missing conditions parameter: ${rubyInspect(group)}`, {});
  const conditions = group.conditions;
  if (!Array.isArray(conditions)) throw new ApiError(400, 103, `Invalid conditions parameter: ${rubyInspect(conditions)}`, {});
  const tests = conditions.map((c) => (isPlainObject(c) ? compileGroup(store, type, c, depth + 1) : compileCondition(store, type, c)));
  return op === 'and' ? allOf(tests) : any(tests);
}

/** `api3_hash`: a (nested) logical group. */
export function compileHashFilters(store: MemoryStore, type: string, filters: unknown): RowTest {
  if (filters === undefined || filters === null) return MATCH_ALL;
  if (Array.isArray(filters) && filters.length === 0) return MATCH_ALL;
  return compileGroup(store, type, filters, 1);
}
