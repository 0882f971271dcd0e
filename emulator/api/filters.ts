/**
 * Filters: the `api3_array` form (a flat list of `[path, relation, value]` triples, implicit and)
 * and the `api3_hash` form (`{logical_operator: "and"|"or", conditions: [triple | group, ...]}`,
 * nestable), validated with the server's messages and compiled to one row predicate.
 */
import type { StoredRecord } from '../context.js';
import { ApiError } from '../http/respond.js';
import type { MemoryStore } from '../store/memory-store.js';
import { isMiss, resolvePath, valuesAt } from './field-paths.js';
import { buildValueTest } from './relations.js';
import { rubyInspect } from './ruby-inspect.js';

/** A compiled filter. */
export type RowTest = (rec: StoredRecord) => boolean;

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
    return (rec) => test(rec.fields[name] ?? null);
  }
  return (rec) => valuesAt(store, rec, path).some(test);
}

function all(tests: RowTest[]): RowTest {
  if (tests.length === 0) return MATCH_ALL;
  if (tests.length === 1) return tests[0]!;
  return (rec) => tests.every((t) => t(rec));
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
  return all(tests);
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
  return op === 'and' ? all(tests) : any(tests);
}

/** `api3_hash`: a (nested) logical group. */
export function compileHashFilters(store: MemoryStore, type: string, filters: unknown): RowTest {
  if (filters === undefined || filters === null) return MATCH_ALL;
  if (Array.isArray(filters) && filters.length === 0) return MATCH_ALL;
  return compileGroup(store, type, filters, 1);
}
