/**
 * The read parameters shared by list, read-one and `_search`: `fields`, `sort`, `page`,
 * `options[return_only]`, `options[include_archived_projects]`, from the query string or (on
 * `_search`) the body. Query parameters win, so a `links.next` URL re-POSTed with the original
 * body reads the next page.
 */
import { ApiError } from '../http/respond.js';

/** One sort key. */
export interface SortKey {
  path: string;
  desc: boolean;
}

/** Parsed read parameters. */
export interface ReadOptions {
  /** Requested field names/paths; null = every field. */
  fields: string[] | null;
  sort: SortKey[];
  page: { size: number; number: number };
  returnOnly: 'active' | 'retired';
  includeArchived: boolean;
}

/** What a `_search`/`_summarize` body may carry besides filters. */
export interface ReadBody {
  fields?: unknown;
  sort?: unknown;
  page?: unknown;
  options?: unknown;
}

/** Default and largest page sizes. */
export const DEFAULT_PAGE_SIZE = 500;
export const MAX_PAGE_SIZE = 5000;

type Problems = Record<string, Record<string, string[]> | string[]>;

function addProblem(problems: Problems, group: string, key: string | null, message: string): void {
  if (key === null) {
    const list = (problems[group] ??= []) as string[];
    list.push(message);
    return;
  }
  const g = (problems[group] ??= {}) as Record<string, string[]>;
  (g[key] ??= []).push(message);
}

/** 400 `Request Parameters invalid.` with `source` mapping each parameter to its messages. */
export function invalidParams(source: unknown): ApiError {
  return new ApiError(400, 103, 'Request Parameters invalid.', source);
}

/** A field list from `a,b,c` or `["a","b"]`. */
export function parseFieldList(raw: unknown): string[] | null {
  if (raw === undefined || raw === null) return null;
  const list = Array.isArray(raw) ? raw.map(String) : String(raw).split(',');
  const names = list.map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0 || names.includes('*')) return null;
  return names;
}

function parseSort(raw: unknown, problems: Problems): SortKey[] {
  if (raw === undefined || raw === null) return [];
  const text = Array.isArray(raw) ? raw.map(String).join(',') : String(raw);
  if (text.trim() === '') {
    addProblem(problems, 'sort', null, 'sort must be filled');
    return [];
  }
  const keys: SortKey[] = [];
  for (const part of text.split(',')) {
    const key = part.trim();
    if (!/^-?[A-Za-z0-9_.]+$/.test(key)) {
      addProblem(problems, 'sort', null, 'sort list is not valid');
      return [];
    }
    keys.push(key.startsWith('-') ? { path: key.slice(1), desc: true } : { path: key, desc: false });
  }
  return keys;
}

function parsePageNumber(raw: unknown, name: 'size' | 'number', problems: Problems): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const n = typeof raw === 'number' ? raw : /^-?\d+$/.test(String(raw).trim()) ? Number(String(raw).trim()) : Number.NaN;
  if (!Number.isInteger(n)) {
    addProblem(problems, 'page', name, `${name} must be an integer`);
    return undefined;
  }
  if (n <= 0) addProblem(problems, 'page', name, `${name} must be greater than 0`);
  else if (name === 'size' && n > MAX_PAGE_SIZE) addProblem(problems, 'page', name, `size must be less than ${MAX_PAGE_SIZE}`);
  return n;
}

function parseBool(raw: unknown, name: string, problems: Problems): boolean | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (raw === true || raw === 'true' || raw === '1') return true;
  if (raw === false || raw === 'false' || raw === '0') return false;
  addProblem(problems, 'options', name, `${name} must be boolean`);
  return undefined;
}

function objectOf(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** Parses read parameters; invalid ones → 400 `Request Parameters invalid.` naming each. */
export function parseReadOptions(query: URLSearchParams, body: ReadBody = {}): ReadOptions {
  const problems: Problems = {};
  const q = (name: string): string | undefined => query.get(name) ?? undefined;
  const bodyPage = objectOf(body.page);
  const bodyOptions = objectOf(body.options);

  const fields = parseFieldList(q('fields') ?? body.fields);
  const sort = parseSort(q('sort') ?? body.sort, problems);
  const size = parsePageNumber(q('page[size]') ?? bodyPage.size, 'size', problems);
  const number = parsePageNumber(q('page[number]') ?? bodyPage.number, 'number', problems);
  const returnOnlyRaw = q('options[return_only]') ?? bodyOptions.return_only;
  let returnOnly: 'active' | 'retired' = 'active';
  if (returnOnlyRaw !== undefined && returnOnlyRaw !== null) {
    if (returnOnlyRaw === 'active' || returnOnlyRaw === 'retired') returnOnly = returnOnlyRaw;
    else addProblem(problems, 'options', 'return_only', 'return_only must be one of: active, retired');
  }
  const includeArchived = parseBool(q('options[include_archived_projects]') ?? bodyOptions.include_archived_projects, 'include_archived_projects', problems);

  if (Object.keys(problems).length > 0) throw invalidParams(problems);
  return {
    fields,
    sort,
    page: { size: size ?? DEFAULT_PAGE_SIZE, number: number ?? 1 },
    returnOnly,
    includeArchived: includeArchived ?? true,
  };
}
