/**
 * Field paths: plain names (`code`) and dotted deep links through entity fields
 * (`sg_sequence.Sequence.code`, `entity.Shot.sg_sequence.Sequence.code`), resolved against the
 * schema once per request and then read cheaply per row.
 */
import type { FieldDef, StoredRecord } from '../context.js';
import type { MemoryStore } from '../store/memory-store.js';

/** One link hop of a dotted path: the link field and the type it must point at. */
interface Hop {
  field: string;
  multi: boolean;
  targetType: string;
}

/** A resolved path. */
export interface FieldPath {
  /** The path as the caller wrote it. */
  text: string;
  hops: Hop[];
  /** The final field and the type that owns it. */
  last: FieldDef;
  ownerType: string;
  /** Whether a hop crosses a multi-entity field (such paths read back as absent). */
  throughMulti: boolean;
}

/** Why a path does not resolve: the first `Type.field` that does not exist. */
export interface PathMiss {
  missing: string;
}

/** Resolves `path` on `type`; a miss names the first unknown `Type.field`. */
export function resolvePath(store: MemoryStore, type: string, path: string): FieldPath | PathMiss {
  const parts = path.split('.');
  if (parts.length % 2 === 0) return { missing: `${type}.${path}` };
  const hops: Hop[] = [];
  let owner = type;
  for (let i = 0; i < parts.length - 1; i += 2) {
    const def = store.field(owner, parts[i]!);
    const target = store.resolveType(parts[i + 1]!);
    if (!def || (def.dataType !== 'entity' && def.dataType !== 'multi_entity')) return { missing: `${owner}.${parts.slice(i).join('.')}` };
    if (!target || target !== parts[i + 1]) return { missing: `${owner}.${parts.slice(i).join('.')}` };
    hops.push({ field: parts[i]!, multi: def.dataType === 'multi_entity', targetType: target });
    owner = target;
  }
  const last = store.field(owner, parts[parts.length - 1]!);
  if (!last) return { missing: `${owner}.${parts[parts.length - 1]}` };
  return { text: path, hops, last, ownerType: owner, throughMulti: hops.some((h) => h.multi) };
}

export function isMiss(p: FieldPath | PathMiss): p is PathMiss {
  return (p as PathMiss).missing !== undefined;
}

/** A stored link value `{type,id}`, or undefined. */
export function asLink(v: unknown): { type: string; id: number } | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const l = v as { type?: unknown; id?: unknown };
  return typeof l.type === 'string' && typeof l.id === 'number' ? { type: l.type, id: l.id } : undefined;
}

/** The stored links of a multi-entity value. */
export function asLinks(v: unknown): Array<{ type: string; id: number }> {
  if (!Array.isArray(v)) return [];
  const out: Array<{ type: string; id: number }> = [];
  for (const x of v) {
    const l = asLink(x);
    if (l) out.push(l);
  }
  return out;
}

/**
 * The rows at the end of a path's hops (the row itself for a plain field). An unlinked hop, or a
 * link of another type, ends nowhere: the result is empty.
 */
export function rowsAt(store: MemoryStore, rec: StoredRecord, path: FieldPath): StoredRecord[] {
  let current: StoredRecord[] = [rec];
  for (const hop of path.hops) {
    const next: StoredRecord[] = [];
    for (const row of current) {
      const value = row.fields[hop.field];
      const links = hop.multi ? asLinks(value) : [asLink(value)].filter((l) => l !== undefined);
      for (const link of links) {
        if (link.type !== hop.targetType) continue;
        const target = store.get(link.type, link.id);
        if (target) next.push(target);
      }
    }
    current = next;
  }
  return current;
}

/** The raw values a path reads on a row: one per end row, or `[null]` when the path ends nowhere. */
export function valuesAt(store: MemoryStore, rec: StoredRecord, path: FieldPath): unknown[] {
  if (path.hops.length === 0) return [rec.fields[path.last.name] ?? null];
  const rows = rowsAt(store, rec, path);
  return rows.length === 0 ? [null] : rows.map((r) => r.fields[path.last.name] ?? null);
}
