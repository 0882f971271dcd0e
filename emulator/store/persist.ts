/**
 * Records of a persistent site (`--data DIR`): every row change after seeding — creates,
 * updates, retirements, revivals, from the API, uploads, `bulkCreate` — and every field made,
 * changed, retired or revived through the schema API is a line of
 * `records.jsonl`, replayed on top of the seeded studio at the next start. A transaction (a
 * `_batch`, a create with its web Attachments) is one line, so it comes back whole or not at
 * all; a rolled-back one is never written. Seeded rows are made again at every start (same ids
 * and values), so only their changes are journalled.
 */
import { join } from 'node:path';
import { openJournal } from '../journal.js';
import type { FieldDef } from '../context.js';
import type { MemoryStore, StoreChange } from './memory-store.js';

/** One line of the records journal: a change, or a transaction's changes. */
type RecordsLine = StoreChange | { op: 'tx'; changes: StoreChange[] };

/** The records journal's file name in the data folder. */
export const RECORDS_JOURNAL = 'records.jsonl';

/** Puts back what the store does not own itself (field administration lives in the schema API). */
export interface Restorers {
  field(store: MemoryStore, type: string, def: FieldDef, state: 'live' | 'retired'): void;
}

function apply(store: MemoryStore, change: StoreChange, where: string, restore: Restorers): void {
  switch (change.op) {
    case 'field': return restore.field(store, change.type, change.def, change.state);
    case 'insert': {
      const id = change.fields.id;
      if (typeof id !== 'number' || store.get(change.type, id, { includeRetired: true })) throw new Error(`${where}: row ${change.type} ${String(id)} cannot be made again (seeded differently?)`);
      store.adopt(change.type, change.fields);
      return;
    }
    case 'set': return store.setFields(change.type, change.id, change.fields);
    case 'retire': return void store.retire(change.type, change.id);
    case 'revive': return void store.revive(change.type, change.id);
  }
}

/**
 * Replays the folder's records journal into the (seeded) store, then journals every later
 * change. Close the returned journal when the site stops.
 */
export function persistRecords(store: MemoryStore, dataDir: string, restore: Restorers): { close(): void } {
  const path = join(dataDir, RECORDS_JOURNAL);
  const journal = openJournal<RecordsLine>(path, (line, n) => {
    const where = `${path} line ${n}`;
    if (line.op === 'tx') for (const change of line.changes) apply(store, change, where, restore);
    else apply(store, line, where, restore);
  });
  // Thumbnails pending when the site stopped were made while it was down (not journalled: done again at each start).
  for (const att of store.all('Attachment')) if (att.fields.processing_status === 'thumbnail_pending_us') store.setFields('Attachment', att.id, { processing_status: null });
  // Serialized as they happen: later writes in the same transaction change the live objects.
  let pending: string[] = [];
  store.changes = {
    record: (change) => void pending.push(JSON.stringify(change)),
    commit() {
      if (pending.length === 0) return;
      const lines = pending;
      pending = [];
      journal.appendJson(lines.length === 1 ? lines[0]! : `{"op":"tx","changes":[${lines.join(',')}]}`);
    },
    rollback: () => void (pending = []),
  };
  return {
    close() {
      store.changes = undefined;
      journal.close();
    },
  };
}
