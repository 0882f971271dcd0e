/**
 * Equality indexes of single-value fields: link fields (`project`, `entity`, `sg_sequence`, ...)
 * keyed by the linked record (`Shot:12`), and text, status and list fields (`code`,
 * `sg_status_list`, ...) keyed by their lower-cased text, as `is`/`in` compare them. For one type
 * and field, the rows (retired ones included) holding each key, in id order: the rows themselves,
 * not their ids, so a page reads them without a lookup in its type's (maybe million-row) table. Built on
 * the first filter that can use it, then kept in step by every store write, so a filtered page
 * reads the rows holding one value instead of the whole table.
 */
import type { DataType, StoredRecord } from '../context.js';

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

/** First position in an id-ordered row list whose id is ≥ `id`. */
function lowerBound(rows: readonly StoredRecord[], id: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid]!.id < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const NONE: readonly StoredRecord[] = Object.freeze([]);

/**
 * One field's index. A key held by one row maps to that row (no array per row: a `code` index
 * over a million rows stays small), by more rows to the rows in id order.
 */
export class FieldIndex {
  private readonly byKey = new Map<string, StoredRecord | StoredRecord[]>();

  constructor(readonly keyOf: KeyOf) {}

  /** Adds a row under its value (ids usually grow, so this is usually an append). */
  add(value: unknown, rec: StoredRecord): void {
    const key = this.keyOf(value);
    if (key === undefined) return;
    const held = this.byKey.get(key);
    if (held === undefined) this.byKey.set(key, rec);
    else if (!Array.isArray(held)) {
      if (held !== rec) this.byKey.set(key, held.id < rec.id ? [held, rec] : [rec, held]);
    } else if (held.length === 0 || held[held.length - 1]!.id < rec.id) held.push(rec);
    else {
      const at = lowerBound(held, rec.id);
      if (held[at] !== rec) held.splice(at, 0, rec);
    }
  }

  /** Removes a row from under its (previous) value. */
  remove(value: unknown, rec: StoredRecord): void {
    const key = this.keyOf(value);
    if (key === undefined) return;
    const held = this.byKey.get(key);
    if (held === undefined) return;
    if (!Array.isArray(held)) {
      if (held === rec) this.byKey.delete(key);
      return;
    }
    const at = lowerBound(held, rec.id);
    if (held[at] === rec) held.splice(at, 1);
    if (held.length === 1) this.byKey.set(key, held[0]!);
    else if (held.length === 0) this.byKey.delete(key);
  }

  /** The rows holding `key`, in id order; do not mutate. */
  rows(key: string): readonly StoredRecord[] {
    const held = this.byKey.get(key);
    return held === undefined ? NONE : Array.isArray(held) ? held : [held];
  }
}

/**
 * Rows in id order, read lazily: a page that needs the first few hundred of a million rows reads
 * only those. `length` is known up front, so the narrowest of several lists is chosen unread.
 */
export interface RowList {
  readonly length: number;
  /** Reads the rows one by one (ascending, or descending ids), undefined at the end. */
  cursor(descending: boolean): () => StoredRecord | undefined;
}

/**
 * The rows of several id-ordered lists that share no row (one field's keys: a row holds one
 * value), merged in id order as they are read.
 */
export function mergedRows(lists: ReadonlyArray<readonly StoredRecord[]>): RowList {
  const parts = lists.filter((l) => l.length > 0);
  return {
    length: parts.reduce((n, l) => n + l.length, 0),
    cursor(descending) {
      if (parts.length <= 1) {
        const only = parts[0] ?? NONE;
        let i = 0;
        return () => (i < only.length ? only[descending ? only.length - 1 - i++ : i++] : undefined);
      }
      const at = parts.map((l) => (descending ? l.length - 1 : 0));
      return () => {
        let best = -1;
        let bestId = 0;
        for (let k = 0; k < parts.length; k++) {
          const rec = parts[k]![at[k]!];
          if (rec === undefined) continue;
          if (best < 0 || (descending ? rec.id > bestId : rec.id < bestId)) {
            best = k;
            bestId = rec.id;
          }
        }
        if (best < 0) return undefined;
        const rec = parts[best]![at[best]!]!;
        at[best] = at[best]! + (descending ? -1 : 1);
        return rec;
      };
    },
  };
}
