/**
 * Equality indexes of single-value fields: link fields (`project`, `entity`, `sg_sequence`, ...)
 * keyed by the linked record (`Shot:12`), and text, status and list fields (`code`,
 * `sg_status_list`, ...) keyed by their lower-cased text, as `is`/`in` compare them. For one type
 * and field, the ids of the rows (retired ones included) holding each key, in id order. Built on
 * the first filter that can use it, then kept in step by every store write, so a filtered page
 * reads the rows holding one value instead of the whole table.
 */
import type { DataType } from '../context.js';

/** The index key of a stored value, or undefined when the value is not indexed (null, a list...). */
export type KeyOf = (value: unknown) => string | undefined;

/** `Shot:12` for a link value, undefined for anything else (null, a list, a bad value). */
export function linkKey(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const l = value as { type?: unknown; id?: unknown };
  return typeof l.type === 'string' && typeof l.id === 'number' ? `${l.type}:${l.id}` : undefined;
}

/** Lower-cased text of a scalar (what text `is` compares); undefined for null, '' and lists. */
export function textKey(value: unknown): string | undefined {
  if (value === null || value === undefined || typeof value === 'object') return undefined;
  const s = typeof value === 'string' ? value : String(value);
  return s === '' ? undefined : s.toLowerCase();
}

/** How a data type's values are keyed, or undefined when the type gets no index. */
export function keyOfType(dataType: DataType): KeyOf | undefined {
  switch (dataType) {
    case 'entity': return linkKey;
    case 'text': case 'status_list': case 'list': return textKey;
    default: return undefined;
  }
}

/** First position in a sorted list whose value is ≥ `id`. */
function lowerBound(ids: readonly number[], id: number): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const NONE: readonly number[] = Object.freeze([]);

/**
 * One field's index. A key held by one row maps to its bare id (no array per row: a `code`
 * index over a million rows stays small), by more rows to their ids in order.
 */
export class FieldIndex {
  private readonly byKey = new Map<string, number | number[]>();

  constructor(readonly keyOf: KeyOf) {}

  /** Adds a row under its value (ids usually grow, so this is usually an append). */
  add(value: unknown, id: number): void {
    const key = this.keyOf(value);
    if (key === undefined) return;
    const held = this.byKey.get(key);
    if (held === undefined) this.byKey.set(key, id);
    else if (typeof held === 'number') {
      if (held !== id) this.byKey.set(key, held < id ? [held, id] : [id, held]);
    } else if (held.length === 0 || held[held.length - 1]! < id) held.push(id);
    else {
      const at = lowerBound(held, id);
      if (held[at] !== id) held.splice(at, 0, id);
    }
  }

  /** Removes a row from under its (previous) value. */
  remove(value: unknown, id: number): void {
    const key = this.keyOf(value);
    if (key === undefined) return;
    const held = this.byKey.get(key);
    if (held === undefined) return;
    if (typeof held === 'number') {
      if (held === id) this.byKey.delete(key);
      return;
    }
    const at = lowerBound(held, id);
    if (held[at] === id) held.splice(at, 1);
    if (held.length === 1) this.byKey.set(key, held[0]!);
    else if (held.length === 0) this.byKey.delete(key);
  }

  /** Ids of the rows holding `key`, in id order; do not mutate. */
  ids(key: string): readonly number[] {
    const held = this.byKey.get(key);
    return held === undefined ? NONE : typeof held === 'number' ? [held] : held;
  }
}

/** The ids in any of several id-ordered lists, in id order, each once. */
export function unionIds(lists: ReadonlyArray<readonly number[]>): readonly number[] {
  const nonEmpty = lists.filter((l) => l.length > 0);
  if (nonEmpty.length <= 1) return nonEmpty[0] ?? NONE;
  return [...new Set(nonEmpty.flat())].sort((a, b) => a - b);
}
