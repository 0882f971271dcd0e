/**
 * Record shapes: REST records (`attributes` + `relationships`) flattened to the Python API's
 * shape, values prepared for the wire, and entity paths.
 */
import { ShotGridError } from '../errors.js';
import type { ShotGridRecord } from './types.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function badRecord(what: string): ShotGridError {
  return new ShotGridError('SG_BAD_RESPONSE', `the site returned ${what} where a record was expected`);
}

/** Create answers write date-times as `2021-06-16 08:55:13 UTC`; reads as `2021-06-16T08:55:13Z`. */
const SPACED_UTC = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) UTC$/;

/** Length of `2021-06-16 08:55:13 UTC`: other strings are returned without running the pattern. */
const SPACED_UTC_LENGTH = 23;

function normalizeAttribute(value: unknown): unknown {
  if (typeof value === 'string' && value.length === SPACED_UTC_LENGTH) {
    const m = SPACED_UTC.exec(value);
    return m ? `${m[1]}T${m[2]}Z` : value;
  }
  return value;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** A link as the Python API shows it: `{type, id, name, …}` in that order. */
function normalizeLink(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalizeLink);
  if (isPlainObject(value) && typeof value.type === 'string' && typeof value.id === 'number') {
    const { type, id, ...rest } = value;
    return { type, id, ...rest };
  }
  return value;
}

/**
 * `{type, id, attributes: {...}, relationships: {f: {data}}}` → `{type, id, ...attributes,
 * f: data}`. Links are `{type, id, name}` objects; multi-entity fields stay arrays; create
 * answers' date-times are written as reads write them.
 */
export function flattenRecord(raw: unknown, fallbackType?: string): ShotGridRecord {
  if (!isPlainObject(raw)) throw badRecord(raw === null ? 'null' : typeof raw);
  const id = raw.id;
  if (typeof id !== 'number') throw badRecord('an object without a numeric id');
  const type = typeof raw.type === 'string' ? raw.type : fallbackType;
  if (type === undefined) throw badRecord('an object without a type');
  // Built from `{}` rather than `{ type, id }`: an empty literal has room for four properties in
  // the object itself, a two-property literal for two, so `type`, `id` and two fields take one
  // allocation instead of two. A find keeps every record it reads (50,000 in bench P4), and the
  // smaller records are less for the garbage collector to copy while the read goes on.
  const record = {} as ShotGridRecord;
  record.type = type;
  record.id = id;
  // for-in over own keys, not Object.entries: the same keys in the same order, without an array
  // per record and a pair per field (a 50,000-record find flattens 50,000 of them, bench P4).
  const { attributes, relationships } = raw;
  if (isPlainObject(attributes)) {
    for (const key in attributes) if (hasOwn.call(attributes, key)) record[key] = normalizeAttribute(attributes[key]);
  }
  if (isPlainObject(relationships)) {
    for (const key in relationships) {
      if (!hasOwn.call(relationships, key)) continue;
      const rel = relationships[key];
      record[key] = isPlainObject(rel) && 'data' in rel ? normalizeLink(rel.data) : null;
    }
  }
  return record;
}

/** Flattens every element of a `data` array. */
export function flattenRecords(data: unknown, fallbackType?: string): ShotGridRecord[] {
  if (!Array.isArray(data)) throw badRecord(data === null ? 'null' : typeof data);
  return data.map((raw) => flattenRecord(raw, fallbackType));
}

/** `data` of an answer envelope. */
export function dataOf(body: unknown): unknown {
  return isPlainObject(body) ? body.data : undefined;
}

/** Date-times as the site writes them (`YYYY-MM-DDTHH:MM:SSZ`). */
function dateToWire(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new ShotGridError('SG_CONFIG', 'an invalid Date was given as a field value');
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * A field value for create/update: links trimmed to `{type, id}` (what the site reads from them),
 * `Date`s as UTC strings, everything else as given.
 */
export function toWireValue(value: unknown): unknown {
  if (value instanceof Date) return dateToWire(value);
  if (Array.isArray(value)) return value.map(toWireValue);
  if (isPlainObject(value) && typeof value.type === 'string' && typeof value.id === 'number' && !('url' in value) && !('local_path' in value)) {
    return { type: value.type, id: value.id };
  }
  return value;
}

/** A record body for create/update. */
export function toWireData(data: Record<string, unknown>, what: string): Record<string, unknown> {
  if (!isPlainObject(data)) throw new ShotGridError('SG_CONFIG', `${what} data must be an object of field values`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (value !== undefined) out[key] = toWireValue(value);
  }
  return out;
}

const TYPE_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Checks an entity type name (`Shot`, `CustomEntity01`, `shots`). */
export function checkEntityType(type: unknown): string {
  if (typeof type !== 'string' || !TYPE_NAME.test(type)) {
    throw new ShotGridError('SG_CONFIG', `entity type must be a name such as 'Shot' (got ${JSON.stringify(type) ?? String(type)})`);
  }
  return type;
}

/** Checks a record id. */
export function checkId(id: unknown, what = 'id'): number {
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) {
    throw new ShotGridError('SG_CONFIG', `${what} must be a positive integer (got ${JSON.stringify(id) ?? String(id)})`);
  }
  return id;
}

/** Checks a field name or dotted path. */
export function checkFieldName(field: unknown, what = 'field'): string {
  if (typeof field !== 'string' || !/^[A-Za-z0-9_.*]+$/.test(field)) {
    throw new ShotGridError('SG_CONFIG', `${what} must be a field name such as 'code' (got ${JSON.stringify(field) ?? String(field)})`);
  }
  return field;
}

/** `/entity/{type}[/{id}]`. */
export function entityPath(type: string, id?: number): string {
  const base = `/entity/${encodeURIComponent(checkEntityType(type))}`;
  return id === undefined ? base : `${base}/${checkId(id)}`;
}
