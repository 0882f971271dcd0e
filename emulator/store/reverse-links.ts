/**
 * Paired link fields the site keeps in step: setting `Shot.sg_sequence` adds the Shot to the
 * Sequence's `shots` (and takes it off the previous Sequence's), and the other way round.
 * Applied after API writes (not by bulk seeding), through `setFields` so `_batch` can undo it.
 */
import type { StoredRecord } from '../context.js';
import type { MemoryStore } from './memory-store.js';

interface Side {
  type: string;
  field: string;
  multi: boolean;
}

const PAIRS: Array<[Side, Side]> = [
  [{ type: 'Shot', field: 'sg_sequence', multi: false }, { type: 'Sequence', field: 'shots', multi: true }],
  [{ type: 'Shot', field: 'assets', multi: true }, { type: 'Asset', field: 'shots', multi: true }],
  [{ type: 'Task', field: 'entity', multi: false }, { type: 'Shot', field: 'tasks', multi: true }],
  [{ type: 'Task', field: 'entity', multi: false }, { type: 'Asset', field: 'tasks', multi: true }],
  [{ type: 'PublishedFile', field: 'version', multi: false }, { type: 'Version', field: 'published_files', multi: true }],
];

type Link = { type: string; id: number };

function linksOf(v: unknown): Link[] {
  const list = Array.isArray(v) ? v : v ? [v] : [];
  return list.filter((l): l is Link => typeof l === 'object' && l !== null && typeof (l as Link).type === 'string' && typeof (l as Link).id === 'number');
}

const key = (l: Link): string => `${l.type}:${l.id}`;

/** The opposite sides of a field, keyed by the type they live on. */
function partners(type: string, field: string): Map<string, Side> {
  const out = new Map<string, Side>();
  for (const [a, b] of PAIRS) {
    if (a.type === type && a.field === field) out.set(b.type, b);
    if (b.type === type && b.field === field) out.set(a.type, a);
  }
  return out;
}

/** Removes `who` from `row.field`. */
function unlink(store: MemoryStore, row: StoredRecord, side: Side, who: Link): void {
  const current = row.fields[side.field];
  if (side.multi) {
    const kept = linksOf(current).filter((l) => key(l) !== key(who));
    if (kept.length !== linksOf(current).length) store.setFields(row.type, row.id, { [side.field]: kept });
  } else if (linksOf(current)[0] && key(linksOf(current)[0]!) === key(who)) {
    store.setFields(row.type, row.id, { [side.field]: null });
  }
}

/** Adds `who` to `row.field`; a single link that moves is also taken off its previous owner. */
function link(store: MemoryStore, row: StoredRecord, side: Side, who: Link, whoField: string): void {
  const current = linksOf(row.fields[side.field]);
  if (side.multi) {
    if (!current.some((l) => key(l) === key(who))) store.setFields(row.type, row.id, { [side.field]: [...current, who] });
    return;
  }
  const previous = current[0];
  if (previous && key(previous) === key(who)) return;
  store.setFields(row.type, row.id, { [side.field]: who });
  if (previous) {
    const prevRow = store.get(previous.type, previous.id);
    const back = partners(row.type, side.field).get(previous.type);
    if (prevRow && back && back.field === whoField) unlink(store, prevRow, back, { type: row.type, id: row.id });
  }
}

/** Brings the partner fields in line after `row.field` changed from `before` to its current value. */
export function syncReverseLinks(store: MemoryStore, row: StoredRecord, field: string, before: unknown): void {
  const sides = partners(row.type, field);
  if (sides.size === 0) return;
  const self = { type: row.type, id: row.id };
  const old = new Map(linksOf(before).map((l) => [key(l), l]));
  const now = new Map(linksOf(row.fields[field]).map((l) => [key(l), l]));
  for (const [k, l] of old) {
    const side = sides.get(l.type);
    const target = side && !now.has(k) ? store.get(l.type, l.id) : undefined;
    if (side && target) unlink(store, target, side, self);
  }
  for (const [k, l] of now) {
    const side = sides.get(l.type);
    const target = side && !old.has(k) ? store.get(l.type, l.id) : undefined;
    if (side && target) link(store, target, side, self, field);
  }
}
