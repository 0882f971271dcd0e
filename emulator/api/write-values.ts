/**
 * Field values on create and update: each data type's accepted shapes, coercions (`"42"` → 42,
 * `""` → null on text, UTC normalisation of date-times) and refusals, with the site's messages.
 */
import type { FieldDef } from '../context.js';
import { ApiError } from '../http/respond.js';
import { isoSeconds, type MemoryStore } from '../store/memory-store.js';
import { asLink, asLinks } from './field-paths.js';
import { isLocalLinkWrite, resolveLocalLink, type LocalLinkValue } from './local-links.js';
import { rubyClass, rubyInspect } from './ruby-inspect.js';
import { toMs } from './time-values.js';

/** `create` or `update`, as the messages name the verb. */
export type WriteVerb = 'create' | 'update';

/** A url-field value a write asks for; stored once the web Attachment exists. */
export interface UrlWrite {
  kind: 'url';
  value: Record<string, unknown>;
  /** A local file link, already resolved against the LocalStorage rows. */
  local?: LocalLinkValue;
}

/** Fields that only a create may set (the site: "is editable on create only"). */
const CREATE_ONLY = new Set(['created_at', 'created_by', 'updated_at', 'updated_by']);
/** Fields accepted and silently dropped. */
const DISCARDED = new Set(['cached_display_name']);

const HASH_CLASSES = '[Hash, ActiveSupport::HashWithIndifferentAccess, ActionDispatch::Http::Parameters, ActionDispatch::Http::ParamsHashWithIndifferentAccess, NilClass]';

function label(type: string, f: FieldDef): string {
  return `${type}.${f.name}`;
}

function classError(verb: WriteVerb, type: string, f: FieldDef, classes: string, value: unknown): ApiError {
  return new ApiError(400, 103, `API ${verb}() ${label(type, f)} expected ${classes} data type(s) but got ${rubyClass(value)}: ${rubyInspect(value)}`, {});
}

function invalidData(f: FieldDef, value: unknown): ApiError {
  return new ApiError(400, 103, `Invalid data for '${f.dataType}' data type`, { [f.name]: `Invalid data for '${f.dataType}' data type. Value: ${value === null ? '' : String(value)}` });
}

/** `Update failed for [Version.entity]: Value is not legal.` (code 104). */
export function notLegal(verb: WriteVerb, type: string, f: FieldDef, why = 'Value is not legal.'): ApiError {
  return new ApiError(400, 104, `${verb === 'create' ? 'Create' : 'Update'} failed for [${label(type, f)}]: ${why}`, null);
}

function linkValue(store: MemoryStore, verb: WriteVerb, type: string, f: FieldDef, v: unknown): { type: string; id: number } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ApiError(400, 103, `API ${verb}() invalid/missing entity hash: ${rubyInspect(v)}`, {});
  }
  const h = v as { type?: unknown; id?: unknown };
  const target = typeof h.type === 'string' ? store.resolveType(h.type) : undefined;
  if (!target) {
    throw new ApiError(400, 103, `API ${verb}() invalid/missing entity hash string 'type': ${rubyInspect(v)} Valid entity types: ${rubyInspect([...store.types.keys()].sort())}`, {});
  }
  if (typeof h.id !== 'number' || !Number.isInteger(h.id)) {
    throw new ApiError(400, 103, `API ${verb}() invalid/missing entity hash integer 'id': ${rubyInspect(v)}`, {});
  }
  if (!store.get(target, h.id)) throw notLegal(verb, type, f);
  // `project` binds its valid type on the site; most other link fields do not.
  if (f.name === 'project' && f.validTypes && !f.validTypes.includes(target)) throw notLegal(verb, type, f, `${f.validTypes[0]} expected, got ${target}`);
  return { type: target, id: h.id };
}

function multiValue(store: MemoryStore, verb: WriteVerb, type: string, f: FieldDef, v: unknown, current: unknown): Array<{ type: string; id: number }> {
  let mode = 'set';
  let list: unknown = v;
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const w = v as { multi_entity_update_mode?: unknown; value?: unknown };
    if (w.multi_entity_update_mode !== 'add' && w.multi_entity_update_mode !== 'remove' && w.multi_entity_update_mode !== 'set') {
      throw new ApiError(400, 103, `API ${verb}() invalid/missing string 'multi_entity_update_mode'`, {});
    }
    if (!Array.isArray(w.value)) throw new ApiError(400, 103, `API ${verb}() invalid/missing array of entity hashes 'value'`, {});
    mode = w.multi_entity_update_mode;
    list = w.value;
  } else if (!Array.isArray(v)) {
    throw classError(verb, type, f, '[Array, Hash]', v);
  }
  const given = (list as unknown[]).map((x) => linkValue(store, verb, type, f, x));
  const key = (l: { type: string; id: number }): string => `${l.type}:${l.id}`;
  const dedupe = (links: Array<{ type: string; id: number }>): Array<{ type: string; id: number }> => {
    const seen = new Set<string>();
    return links.filter((l) => !seen.has(key(l)) && seen.add(key(l)));
  };
  const existing = asLinks(current);
  if (mode === 'add') return dedupe([...existing, ...given]);
  if (mode === 'remove') {
    const drop = new Set(given.map(key));
    return existing.filter((l) => !drop.has(key(l)));
  }
  return dedupe(given);
}

function numberValue(verb: WriteVerb, type: string, f: FieldDef, v: unknown): number | null {
  if (v === null) return null;
  if (typeof v === 'string') {
    if (!/^\s*-?\d+\s*$/.test(v)) throw invalidData(f, v);
    v = Number(v);
  }
  if (typeof v !== 'number' || !Number.isInteger(v)) throw classError(verb, type, f, '[String, Integer, NilClass]', v);
  if (v > 2_147_483_647 || v < -2_147_483_648) {
    throw verb === 'update' ? notLegal(verb, type, f, 'Invalid statement.') : new ApiError(400, 104, `Create failed for [${type}]: PG::NumericValueOutOfRange: ERROR:  integer out of range\n`, null);
  }
  return v;
}

/**
 * Converts one written value to its stored form. `current` is the row's value (multi-entity
 * `add`/`remove` modes start from it). Url fields return a {@link UrlWrite} the caller turns
 * into a web Attachment.
 */
export function storedValue(store: MemoryStore, verb: WriteVerb, type: string, f: FieldDef, v: unknown, current: unknown): unknown {
  if (f.name === 'id') throw new ApiError(400, 103, `API ${verb}() ${label(type, f)} is read only.`, {});
  if (CREATE_ONLY.has(f.name) && verb === 'update') throw new ApiError(400, 103, `API update() ${label(type, f)} is editable on create only.`, {});
  if (!f.editable && !CREATE_ONLY.has(f.name)) {
    throw new ApiError(400, 104, `The field is not editable for this user: [${label(type, f)}]`, null);
  }
  switch (f.dataType) {
    case 'text': case 'uuid': {
      if (v === null) return null;
      if (typeof v !== 'string') throw classError(verb, type, f, '[String, NilClass]', v);
      const t = v.trim();
      return t === '' ? null : t;
    }
    case 'number': case 'duration': case 'percent': return numberValue(verb, type, f, v);
    case 'float': {
      if (v === null) return null;
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw classError(verb, type, f, '[String, Float, NilClass]', v);
      return Math.round(n * 1e6) / 1e6;
    }
    case 'checkbox': {
      if (v === true || v === 'true') return true;
      if (v === false || v === 'false') return false;
      if (typeof v === 'string') throw new ApiError(400, 103, "Invalid data for 'checkbox' data type", { [f.name]: `Invalid data for 'checkbox' data type. Value: ${v}` });
      throw classError(verb, type, f, '[String, FalseClass, TrueClass]', v);
    }
    case 'date': {
      if (v === null || v === '') return null;
      if (typeof v !== 'string') throw classError(verb, type, f, '[String, NilClass]', v);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v.trim()) || toMs(v, true) === null) throw invalidData(f, v);
      return v.trim();
    }
    case 'date_time': {
      if (v === null) return null;
      if (typeof v !== 'string') throw classError(verb, type, f, '[String, NilClass]', v);
      const ms = toMs(v, false);
      if (ms === null) throw invalidData(f, v);
      return isoSeconds(ms);
    }
    case 'status_list': case 'list': {
      if (v === null) return null;
      if (typeof v !== 'string') throw classError(verb, type, f, '[String, NilClass]', v);
      if (f.validValues && !f.validValues.includes(v)) {
        throw new ApiError(400, 103, `API ${verb}() ${label(type, f)} value '${v}' is not one of the valid values: ${rubyInspect(f.validValues)}`, {});
      }
      return v;
    }
    case 'entity': {
      if (v === null) return null;
      if (typeof v !== 'object' || Array.isArray(v)) throw classError(verb, type, f, HASH_CLASSES, v);
      return linkValue(store, verb, type, f, v);
    }
    case 'multi_entity': return multiValue(store, verb, type, f, v, current);
    case 'tag_list': {
      if (v === null) return [];
      if (!Array.isArray(v) || v.some((t) => typeof t !== 'string')) throw classError(verb, type, f, '[Array, NilClass]', v);
      return [...new Set(v as string[])];
    }
    case 'image': {
      if (v === null) return null;
      throw new ApiError(400, 103, `API ${verb}() Write access of the 'image' data type (${label(type, f)}) is not yet supported in API`, {});
    }
    case 'url': {
      if (v === null) return null;
      if (isLocalLinkWrite(v)) return { kind: 'url', value: v, local: resolveLocalLink(store, verb, v) } satisfies UrlWrite;
      if (typeof v !== 'object' || Array.isArray(v) || asLink(v) || typeof (v as { url?: unknown }).url !== 'string') {
        throw classError(verb, type, f, '[Hash, NilClass]', v);
      }
      return { kind: 'url', value: v as Record<string, unknown> } satisfies UrlWrite;
    }
    default:
      throw new ApiError(400, 103, `API ${verb}() ${label(type, f)} is read only.`, {});
  }
}

/** Whether a write of this field is accepted and dropped. */
export function isDiscarded(field: string): boolean {
  return DISCARDED.has(field);
}

/** Whether a stored value is a pending url write. */
export function isUrlWrite(v: unknown): v is UrlWrite {
  return typeof v === 'object' && v !== null && (v as UrlWrite).kind === 'url' && typeof (v as UrlWrite).value === 'object';
}
