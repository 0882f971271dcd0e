/**
 * Indexes of single-entity link fields (`project`, `entity`, `sg_sequence`, ...): for one type and
 * field, the ids of the rows (retired ones included) linking to each record, in id order. Built on
 * the first filter that can use it, then kept in step by every store write, so a filtered page
 * reads the rows linked to one record instead of the whole table.
 */

/** `Shot:12` for a link value, undefined for anything else (null, a list, a bad value). */
export function linkKey(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const l = value as { type?: unknown; id?: unknown };
  return typeof l.type === 'string' && typeof l.id === 'number' ? `${l.type}:${l.id}` : undefined;
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

/** One field's index. */
export class LinkIndex {
  private readonly byKey = new Map<string, number[]>();

  /** Adds a row under its value (ids usually grow, so this is usually an append). */
  add(value: unknown, id: number): void {
    const key = linkKey(value);
    if (key === undefined) return;
    let ids = this.byKey.get(key);
    if (!ids) this.byKey.set(key, (ids = []));
    if (ids.length === 0 || ids[ids.length - 1]! < id) ids.push(id);
    else {
      const at = lowerBound(ids, id);
      if (ids[at] !== id) ids.splice(at, 0, id);
    }
  }

  /** Removes a row from under its (previous) value. */
  remove(value: unknown, id: number): void {
    const key = linkKey(value);
    const ids = key === undefined ? undefined : this.byKey.get(key);
    if (!ids) return;
    const at = lowerBound(ids, id);
    if (ids[at] === id) ids.splice(at, 1);
    if (ids.length === 0) this.byKey.delete(key!);
  }

  /** Ids of the rows linking to the record `key` (`Shot:12`), in id order; do not mutate. */
  ids(key: string): readonly number[] {
    return this.byKey.get(key) ?? NONE;
  }
}

/** The ids in any of several id-ordered lists, in id order, each once. */
export function unionIds(lists: ReadonlyArray<readonly number[]>): readonly number[] {
  const nonEmpty = lists.filter((l) => l.length > 0);
  if (nonEmpty.length <= 1) return nonEmpty[0] ?? NONE;
  return [...new Set(nonEmpty.flat())].sort((a, b) => a - b);
}
