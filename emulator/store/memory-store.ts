/**
 * The in-memory entity store: rows per type in id order (a Map keeps insertion order, and ids
 * only grow), retirement instead of deletion, an undo journal so `_batch` is atomic, and
 * indexes of single-entity link fields (built on first use, kept in step by every write).
 */
import type { EntityStore, FieldDef, StoredRecord } from '../context.js';
import { FieldIndex, keyOfType, mergedRows, type RowList } from './field-index.js';
import { buildSchema, type TypeDef } from './schema.js';

/** ISO date-time without milliseconds, as the site stores and reads date-times. */
export function isoSeconds(ms: number = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** An entity link value. */
export interface Link {
  type: string;
  id: number;
}

/** A row change, as a persistent site journals it (`store/persist.ts`). */
export type StoreChange =
  | { op: 'insert'; type: string; fields: Record<string, unknown> }
  | { op: 'set'; type: string; id: number; fields: Record<string, unknown> }
  | { op: 'retire' | 'revive'; type: string; id: number }
  /** A field made, changed, retired or revived through the schema API, as it stands after it. */
  | { op: 'field'; type: string; def: FieldDef; state: 'live' | 'retired' };

/**
 * Receives every row change: `record` as it happens (the values are live objects: copy or
 * serialize them at once), then `commit` once it stands or `rollback` when a transaction undid it.
 */
export interface ChangeSink {
  record(change: StoreChange): void;
  commit(): void;
  rollback(): void;
}

/** The emulator's store; implements the shared {@link EntityStore} seam plus what the API needs. */
export class MemoryStore implements EntityStore {
  readonly types: Map<string, TypeDef> = buildSchema();
  private readonly rows = new Map<string, Map<number, StoredRecord>>();
  private readonly nextId = new Map<string, number>();
  private readonly aliases = new Map<string, string>();
  private journal: Array<() => void> | undefined;
  /** Equality indexes per type, then per field. */
  private readonly indexes = new Map<string, Map<string, FieldIndex>>();
  /** Grows with every change to any row: what a cached read result is checked against. */
  version = 0;
  /** Set on a persistent site once it is seeded and replayed; unset, nothing extra is done. */
  changes: ChangeSink | undefined;

  constructor() {
    for (const [name, def] of this.types) {
      this.rows.set(name, new Map());
      this.nextId.set(name, 1);
      const snake = def.slug.slice(0, -1);
      for (const alias of [name, name.toLowerCase(), def.slug, snake]) this.aliases.set(alias, name);
    }
  }

  resolveType(nameOrSlug: string): string | undefined {
    return this.aliases.get(nameOrSlug) ?? this.aliases.get(nameOrSlug.toLowerCase());
  }

  slug(type: string): string {
    return this.typeDef(type)?.slug ?? type.toLowerCase();
  }

  typeDef(type: string): TypeDef | undefined {
    return this.types.get(type);
  }

  field(type: string, field: string): FieldDef | undefined {
    return this.types.get(type)?.fields.get(field);
  }

  get(type: string, id: number, opts: { includeRetired?: boolean } = {}): StoredRecord | undefined {
    const rec = this.rows.get(type)?.get(id);
    if (!rec || (rec.retired && !opts.includeRetired)) return undefined;
    return rec;
  }

  /** Inserts a row (no validation); system fields get defaults unless given. */
  insert(type: string, fields: Record<string, unknown>): StoredRecord {
    const now = 'created_at' in fields && 'updated_at' in fields ? undefined : isoSeconds();
    return this.adopt(type, now === undefined ? { ...fields } : { created_at: now, updated_at: now, ...fields });
  }

  /**
   * Inserts a row whose `fields` object the store may keep as it is (bulk seeding: no copy);
   * `fields` must already hold `created_at` and `updated_at`. Sets `fields.id`.
   */
  adopt(type: string, fields: Record<string, unknown>): StoredRecord {
    const table = this.table(type);
    const given = typeof fields.id === 'number' && !table.has(fields.id) ? fields.id : undefined;
    const id = given ?? this.nextId.get(type)!;
    const previousNext = this.nextId.get(type)!;
    this.nextId.set(type, Math.max(previousNext, id + 1));
    fields.id = id;
    this.version++;
    const rec: StoredRecord = { type, id, fields, retired: false };
    table.set(id, rec);
    const indexes = this.indexes.get(type);
    if (indexes) for (const [field, index] of indexes) index.add(rec.fields[field], rec);
    this.journal?.push(() => {
      table.delete(id);
      if (indexes) for (const [field, index] of indexes) index.remove(rec.fields[field], rec);
      this.nextId.set(type, previousNext);
    });
    if (this.changes) this.changed({ op: 'insert', type, fields });
    return rec;
  }

  setFields(type: string, id: number, fields: Record<string, unknown>): void {
    const rec = this.rows.get(type)?.get(id);
    if (!rec) return;
    this.version++;
    const before: Record<string, unknown> = {};
    const absent: string[] = [];
    for (const key of [...Object.keys(fields), 'updated_at']) {
      if (key in rec.fields) before[key] = rec.fields[key];
      else absent.push(key);
    }
    const indexes = this.indexes.get(type);
    const reindex = (apply: () => void, changed: Iterable<string>): void => {
      const moved = indexes ? [...changed].flatMap((f) => (indexes.has(f) ? [[f, indexes.get(f)!] as const] : [])) : [];
      for (const [f, index] of moved) index.remove(rec.fields[f], rec);
      apply();
      for (const [f, index] of moved) index.add(rec.fields[f], rec);
    };
    reindex(() => {
      Object.assign(rec.fields, fields);
      if (!('updated_at' in fields)) rec.fields.updated_at = isoSeconds();
    }, Object.keys(fields));
    if (this.changes) this.changed({ op: 'set', type, id, fields: Object.fromEntries([...Object.keys(fields), 'updated_at'].map((k) => [k, rec.fields[k]])) });
    this.journal?.push(() => reindex(() => {
      Object.assign(rec.fields, before);
      for (const key of absent) delete rec.fields[key];
    }, [...Object.keys(before), ...absent]));
  }

  /**
   * The rows of `type` (retired ones included, in id order) whose `field` holds any of `keys`
   * (see `field-index.ts`: `Shot:12` for a link, lower-cased text otherwise); undefined when the
   * field's type gets no index. Read lazily: build the list per read.
   */
  indexedRows(type: string, field: string, keys: readonly string[]): RowList | undefined {
    const dataType = this.field(type, field)?.dataType;
    const keyOf = dataType === undefined ? undefined : keyOfType(dataType);
    if (!keyOf) return undefined;
    let indexes = this.indexes.get(type);
    if (!indexes) this.indexes.set(type, (indexes = new Map()));
    let index = indexes.get(field);
    if (!index || index.keyOf !== keyOf) {
      indexes.set(field, (index = new FieldIndex(keyOf)));
      for (const rec of this.allWithRetired(type)) index.add(rec.fields[field], rec);
    }
    const built = index;
    return mergedRows([...new Set(keys)].map((k) => built.rows(k)));
  }

  /** Retires (soft-deletes) a row; false when it is missing or already retired. */
  retire(type: string, id: number): boolean {
    return this.setRetired(type, id, true);
  }

  /** Brings a retired row back; false when it is missing or live. */
  revive(type: string, id: number): boolean {
    return this.setRetired(type, id, false);
  }

  private setRetired(type: string, id: number, retired: boolean): boolean {
    const rec = this.rows.get(type)?.get(id);
    if (!rec || rec.retired === retired) return false;
    rec.retired = retired;
    this.version++;
    this.journal?.push(() => void (rec.retired = !retired));
    if (this.changes) this.changed({ op: retired ? 'retire' : 'revive', type, id });
    return true;
  }

  *all(type: string): Iterable<StoredRecord> {
    const table = this.rows.get(type);
    if (!table) return;
    for (const rec of table.values()) if (!rec.retired) yield rec;
  }

  /** Every row of a type, retired ones included, in id order. */
  allWithRetired(type: string): Iterable<StoredRecord> {
    return this.rows.get(type)?.values() ?? [];
  }

  /** The display name of a linked row (`code`, `name`, `content`, ...), or null. */
  nameOf(type: string, id: number): string | null {
    const rec = this.rows.get(type)?.get(id);
    const def = this.types.get(type);
    if (!rec || !def) return null;
    const v = rec.fields[def.nameField];
    return typeof v === 'string' ? v : v === undefined || v === null ? null : String(v);
  }

  /**
   * Runs `fn` atomically: when it throws, every store change it made is undone (in reverse)
   * and the error is rethrown. Nested calls join the outer transaction.
   */
  transaction<T>(fn: () => T): T {
    if (this.journal) return fn();
    const journal: Array<() => void> = [];
    this.journal = journal;
    try {
      const result = fn();
      this.changes?.commit();
      return result;
    } catch (err) {
      for (let i = journal.length - 1; i >= 0; i--) journal[i]!();
      this.version++;
      this.changes?.rollback();
      throw err;
    } finally {
      this.journal = undefined;
    }
  }

  /** A field administration change, for a persistent site (the schema API keeps its own books). */
  fieldChanged(type: string, def: FieldDef, state: 'live' | 'retired'): void {
    if (this.changes) this.changed({ op: 'field', type, def, state });
  }

  /** Hands a change to the sink; outside a transaction it stands at once. */
  private changed(change: StoreChange): void {
    this.changes!.record(change);
    if (!this.journal) this.changes!.commit();
  }

  private table(type: string): Map<number, StoredRecord> {
    const t = this.rows.get(type);
    if (!t) throw new Error(`Unknown entity type ${type}`);
    return t;
  }
}
