/** Stored field values turned into the display text the page shows. */
import type { EntityStore, FieldDef } from '../context.js';

/** An entity link as stored (`{type,id}`, maybe with a name). */
export interface Link {
  type: string;
  id: number;
  name?: string;
}

/** The link in a stored entity value, or undefined when it is not one. */
export function asLink(value: unknown): Link | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as { type?: unknown; id?: unknown; name?: unknown };
  if (typeof v.type !== 'string' || typeof v.id !== 'number') return undefined;
  return typeof v.name === 'string' ? { type: v.type, id: v.id, name: v.name } : { type: v.type, id: v.id };
}

/** The links in a stored multi-entity value. */
export function asLinks(value: unknown): Link[] {
  if (!Array.isArray(value)) return [];
  return value.map(asLink).filter((l): l is Link => l !== undefined);
}

/** The first non-empty string among a record's naming fields. */
export function recordName(fields: Record<string, unknown>): string | undefined {
  for (const key of ['code', 'name', 'title', 'content', 'display_name', 'original_fname', 'filename', 'firstname']) {
    const v = fields[key];
    if (typeof v === 'string' && v.trim() !== '') return v;
  }
  return undefined;
}

/** A link's display name: the target's name or code (never a login), else `Type #id`. */
export function linkName(store: EntityStore, link: Link): string {
  const target = store.get(link.type, link.id, { includeRetired: true });
  return (target && recordName(target.fields)) ?? link.name ?? `${link.type} #${link.id}`;
}

/** Milliseconds since the epoch of a stored date-time (Date, ISO string, ms number), or NaN. */
export function timeOf(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    // Create responses render date-times as `2021-06-16 08:55:13 UTC`; reads as ISO.
    const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) UTC$/.exec(value);
    return Date.parse(m ? `${m[1]}T${m[2]}Z` : value);
  }
  return Number.NaN;
}

/** ISO form of a stored date-time, or null. */
export function isoOf(value: unknown): string | null {
  const t = timeOf(value);
  return Number.isFinite(t) ? new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z') : null;
}

/** A stored string value, or null. */
export function textOf(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** Field names that could hold a secret on some record; never shown, whatever the type. */
const SECRET_NAME = /(password|passwd|secret|token|salt|script_key|api_key|signature|credential)/i;

/** Data types the generic field list shows (files and serialised blobs have their own place or none). */
const LISTED_TYPES = new Set([
  'text', 'number', 'float', 'checkbox', 'date', 'date_time', 'status_list', 'list', 'entity',
  'multi_entity', 'tag_list', 'uuid', 'duration', 'percent',
]);

/** Most entities listed in one multi-entity value. */
const MULTI_LIMIT = 8;

/** Whether a field may appear in the page's generic field list. */
export function isListable(name: string, def: FieldDef | undefined): boolean {
  if (SECRET_NAME.test(name)) return false;
  return def === undefined || LISTED_TYPES.has(def.dataType);
}

/** Display text of a stored value (null when empty). */
export function displayText(store: EntityStore, def: FieldDef | undefined, value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  switch (def?.dataType) {
    case 'checkbox':
      return value ? 'yes' : 'no';
    case 'date_time':
      return isoOf(value) ?? String(value);
    case 'entity': {
      const link = asLink(value);
      return link ? `${link.type} ${linkName(store, link)}` : null;
    }
    case 'multi_entity': {
      const links = asLinks(value);
      if (links.length === 0) return null;
      const shown = links.slice(0, MULTI_LIMIT).map((l) => `${l.type} ${linkName(store, l)}`);
      return links.length > MULTI_LIMIT ? `${shown.join(', ')} … (+${links.length - MULTI_LIMIT})` : shown.join(', ');
    }
    case 'tag_list': {
      if (!Array.isArray(value)) return plainText(value);
      const names = value.map((t) => {
        const link = asLink(t);
        return link ? linkName(store, link) : String(t);
      });
      return names.length ? names.join(', ') : null;
    }
    default:
      return plainText(value);
  }
}

/** Scalars as themselves; anything structured as compact JSON (shortened). */
function plainText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return isoOf(value);
  const json = JSON.stringify(value);
  if (json === undefined) return null;
  return json.length > 200 ? `${json.slice(0, 199)}…` : json;
}
