/**
 * Filters: the Python API's list form (conditions `[field, relation, ...values]`, nested
 * `{filter_operator, filters}` groups) and the REST hash form (`{logical_operator, conditions}`),
 * both translated to the hash form `_search` and `_summarize` take.
 */
import { ShotGridError } from '../errors.js';

/** Relations the site knows (the valid set depends on the field's data type). */
export type FilterRelation =
  | 'is'
  | 'is_not'
  | 'less_than'
  | 'greater_than'
  | 'contains'
  | 'not_contains'
  | 'starts_with'
  | 'ends_with'
  | 'between'
  | 'not_between'
  | 'in'
  | 'not_in'
  | 'in_last'
  | 'not_in_last'
  | 'in_next'
  | 'not_in_next'
  | 'in_calendar_day'
  | 'in_calendar_week'
  | 'in_calendar_month'
  | 'in_calendar_year'
  | 'type_is'
  | 'type_is_not'
  | 'name_contains'
  | 'name_not_contains'
  | 'name_starts_with'
  | 'name_ends_with'
  | 'name_is'
  | 'name_id';

/**
 * One condition: `['code', 'is', 'sh010']`, `['sg_status_list', 'in', 'ip', 'rev']` (or with
 * one array value), `['project', 'is', {type: 'Project', id: 70}]`, `['created_at', 'in_last', 7, 'DAY']`.
 */
export type FilterCondition = [field: string, relation: FilterRelation | (string & {}), ...values: unknown[]];

/** A nested group in the Python API's shape. */
export interface FilterGroup {
  /** `any`/`or`: one entry must match; `all`/`and`: every entry must. */
  filter_operator: 'any' | 'all' | 'or' | 'and';
  /** Conditions and nested groups. */
  filters: FilterList;
}

/** A group in the REST hash shape (accepted as is). */
export interface HashFilterGroup {
  /** Lowercase `and` or `or`. */
  logical_operator: 'and' | 'or';
  /** Conditions and nested groups. */
  conditions: Array<FilterCondition | FilterGroup | HashFilterGroup>;
}

/** A list of conditions and groups, combined with the top-level operator (default: all). */
export type FilterList = Array<FilterCondition | FilterGroup | HashFilterGroup>;

/** Anything `find`, `count` and `summarize` accept as filters. */
export type Filters = FilterList | FilterGroup | HashFilterGroup;

/** A condition as sent: exactly `[path, relation, value]`. */
export type RestCondition = [string, string, unknown];

/** The REST hash filter sent to the site. */
export interface RestFilter {
  logical_operator: 'and' | 'or';
  conditions: Array<RestCondition | RestFilter>;
}

/** Relations whose single value is always a list. */
const LIST_RELATIONS = new Set(['in', 'not_in']);
/** Nesting deeper than this is refused (the site fails with a 500 well below any sane use). */
const MAX_DEPTH = 64;

function invalid(where: string, message: string): ShotGridError {
  return new ShotGridError('SG_CONFIG', `filters${where}: ${message}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** Entity links in filters are sent as `{type, id}` (extra keys such as `name` are dropped). */
function trimValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(trimValue);
  if (isPlainObject(value) && typeof value.type === 'string' && typeof value.id === 'number') return { type: value.type, id: value.id };
  if (value instanceof Date) return value.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return value;
}

function operatorOf(raw: unknown, where: string): 'and' | 'or' {
  if (raw === 'all' || raw === 'and') return 'and';
  if (raw === 'any' || raw === 'or') return 'or';
  throw invalid(where, `operator must be 'all', 'any', 'and' or 'or' (got ${JSON.stringify(raw) ?? String(raw)})`);
}

function translateCondition(cond: unknown[], where: string): RestCondition {
  const [field, relation, ...values] = cond;
  if (typeof field !== 'string' || field.trim() === '') throw invalid(where, 'a condition starts with a field name: [field, relation, value]');
  if (typeof relation !== 'string' || relation.trim() === '') throw invalid(where, `the relation of '${field}' must be a string such as 'is' or 'in'`);
  if (values.length === 0) throw invalid(where, `condition on '${field}' has no value: [field, relation, value]`);
  let value: unknown = values.length === 1 ? values[0] : values;
  if (value === undefined) throw invalid(where, `condition on '${field}' has an undefined value (use null)`);
  if (LIST_RELATIONS.has(relation) && !Array.isArray(value)) value = [value];
  return [field, relation, trimValue(value)];
}

function translateEntry(entry: unknown, where: string, depth: number): RestCondition | RestFilter {
  if (Array.isArray(entry)) return translateCondition(entry, where);
  if (isPlainObject(entry)) return translateGroup(entry, where, depth + 1);
  throw invalid(where, 'each entry must be a condition [field, relation, value] or a group {filter_operator, filters}');
}

function translateList(list: unknown[], operator: 'and' | 'or', where: string, depth: number): RestFilter {
  return { logical_operator: operator, conditions: list.map((entry, i) => translateEntry(entry, `${where}[${i}]`, depth)) };
}

function translateGroup(group: Record<string, unknown>, where: string, depth: number): RestFilter {
  if (depth > MAX_DEPTH) throw invalid(where, `groups nest deeper than ${MAX_DEPTH} levels`);
  if ('filter_operator' in group || 'filters' in group) {
    if (!Array.isArray(group.filters)) throw invalid(where, 'a group needs a filters list: {filter_operator, filters: [...]}');
    if (group.filter_operator === undefined) throw invalid(where, 'a group needs a filter_operator (any or all)');
    return translateList(group.filters, operatorOf(group.filter_operator, `${where}.filter_operator`), `${where}.filters`, depth);
  }
  if ('logical_operator' in group || 'conditions' in group) {
    if (!Array.isArray(group.conditions)) throw invalid(where, 'a hash group needs a conditions list: {logical_operator, conditions: [...]}');
    if (group.logical_operator !== 'and' && group.logical_operator !== 'or') {
      throw invalid(`${where}.logical_operator`, `must be 'and' or 'or' (lowercase)`);
    }
    return translateList(group.conditions, group.logical_operator, `${where}.conditions`, depth);
  }
  throw invalid(where, 'a group is {filter_operator, filters} or {logical_operator, conditions}');
}

/**
 * Translates filters to the REST hash form. `null`/`undefined`/`[]` match every record.
 * Throws `SG_CONFIG` naming the offending entry.
 */
export function toRestFilter(filters: Filters | null | undefined, filterOperator?: 'all' | 'any' | 'and' | 'or'): RestFilter {
  if (filters === null || filters === undefined) return { logical_operator: operatorOf(filterOperator ?? 'all', ' operator'), conditions: [] };
  if (Array.isArray(filters) && typeof filters[0] === 'string') {
    throw invalid('', 'must be a list of conditions; wrap a single condition in a list: [[field, relation, value]]');
  }
  if (Array.isArray(filters)) return translateList(filters, operatorOf(filterOperator ?? 'all', ' operator'), '', 0);
  if (isPlainObject(filters)) {
    if (filterOperator !== undefined) throw invalid('', 'filterOperator applies to a list of conditions, not to a group (set the group operator instead)');
    return translateGroup(filters, '', 0);
  }
  throw invalid('', 'must be a list of conditions or a group');
}
