/**
 * Field administration: `POST /schema/{Type}/fields` (create: the display name becomes the
 * `sg_` name, a taken name gets `_1`), `PUT .../fields/{field}` (properties; `data_type` is
 * silently kept), `DELETE .../fields/{field}` (retires the field; its name stays taken) and
 * `POST .../fields/{field}` with `revive: true` (in the body or the query). A created field is an
 * ordinary field from then on: reads, filters and writes use it.
 */
import type { DataType, FieldDef } from '../context.js';
import { ApiError, sendEmpty, sendJson } from '../http/respond.js';
import { requireJsonType } from './write.js';
import { readObjectBody } from './read.js';
import { invalidParams } from './read-options.js';
import { fieldSchema } from './schema.js';
import type { ApiRequest, Site } from './site.js';

/** Data types a field can be created with (`color`, `image` and the rest are refused). */
const CREATABLE: readonly DataType[] = ['text', 'number', 'float', 'checkbox', 'date', 'date_time', 'list', 'status_list', 'entity', 'multi_entity', 'url', 'duration', 'percent'];

/** Fields made through the API (only they can be retired) and retired ones (their names stay taken), by `Type.field`. */
interface FieldAdmin {
  created: Set<string>;
  retired: Map<string, FieldDef>;
}
const admins = new WeakMap<Site['store'], FieldAdmin>();

function adminOf(site: Pick<Site, 'store'>): FieldAdmin {
  let admin = admins.get(site.store);
  if (!admin) admins.set(site.store, (admin = { created: new Set(), retired: new Map() }));
  return admin;
}

/** Puts a journalled field change back at start (a persistent site, `store/persist.ts`). */
export function restoreField(store: Site['store'], type: string, def: FieldDef, state: 'live' | 'retired'): void {
  const { created, retired } = adminOf({ store });
  const key = `${type}.${def.name}`;
  if (state === 'live') {
    store.typeDef(type)!.fields.set(def.name, def);
    created.add(key);
    retired.delete(key);
  } else {
    store.typeDef(type)!.fields.delete(def.name);
    created.delete(key);
    retired.set(key, def);
  }
  store.version++;
}

/** `[{property_name, value}]` as a map; anything else is a 400 naming `properties`. */
function properties(body: Record<string, unknown>): Map<string, unknown> {
  const list = body.properties ?? [];
  if (!Array.isArray(list)) throw invalidParams({ properties: ['properties must be an array'] });
  const out = new Map<string, unknown>();
  list.forEach((p, i) => {
    const name = typeof p === 'object' && p !== null ? (p as { property_name?: unknown }).property_name : undefined;
    if (typeof name !== 'string') throw invalidParams({ properties: { [i]: { property_name: ['property_name is missing'] } } });
    out.set(name, (p as { value?: unknown }).value);
  });
  return out;
}

/** `My Field (v2)` → `sg_my_field__v2_`, as the site derives programmatic names. */
export function fieldNameOf(displayName: string): string {
  return `sg_${displayName.toLowerCase().replace(/[^a-z0-9]/g, '_')}`;
}

function stringList(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
}

function applyProperties(site: Site, def: FieldDef, props: Map<string, unknown>): void {
  for (const [name, value] of props) {
    if (name === 'name' && typeof value === 'string') def.displayName = value;
    else if (name === 'description' && typeof value === 'string') def.description = value;
    else if (name === 'valid_values' && stringList(value)) def.validValues = stringList(value);
    else if (name === 'valid_types' && stringList(value)) {
      for (const t of stringList(value)!) if (!site.store.resolveType(t)) throw invalidParams({ valid_types: [`'${t}' is not a valid entity type`] });
      def.validTypes = stringList(value);
    }
  }
}

const self = (r: ApiRequest, type: string, field: string): string => `${r.prefix}/schema/${type}/fields/${field}`;

/** `POST /schema/{Type}/fields`. */
export async function handleFieldCreate(site: Site, r: ApiRequest, type: string): Promise<void> {
  requireJsonType(r);
  const body = await readObjectBody(r);
  const dataType = body.data_type;
  if (dataType === undefined) throw invalidParams({ data_type: ['data_type is missing'] });
  if (typeof dataType !== 'string' || !CREATABLE.includes(dataType as DataType)) throw invalidParams({ data_type: ['data_type is not valid'] });
  const props = properties(body);
  const display = props.get('name');
  if (typeof display !== 'string' || display.trim() === '') throw invalidParams({ properties: ['a name property is required'] });
  const validTypes = props.get('valid_types');
  if ((dataType === 'entity' || dataType === 'multi_entity') && (!Array.isArray(validTypes) || validTypes.length !== 1)) {
    throw new ApiError(400, 103, "'valid_types' value expected Array with one element", {});
  }
  const fields = site.store.typeDef(type)!.fields;
  const { created, retired } = adminOf(site);
  const base = fieldNameOf(display);
  if (retired.has(`${type}.${base}`)) {
    throw new ApiError(400, 103, `API schema_field_create() failed, there is a retired field with the same field_name: ${base}. Delete the retired field forever from the Trash Page in Shotgun and try again.`, {});
  }
  let name = base;
  for (let n = 1; fields.has(name) || retired.has(`${type}.${name}`); n++) name = `${base}_${n}`;
  const def: FieldDef = { name, dataType: dataType as DataType, editable: true };
  applyProperties(site, def, props);
  fields.set(name, def);
  created.add(`${type}.${name}`);
  site.store.fieldChanged(type, def, 'live');
  sendJson(r.res, 201, { data: fieldSchema(site, type, def, false), links: { self: self(r, type, name) } });
}

/** The live custom field, or the site's 404. */
function liveField(site: Site, type: string, field: string): FieldDef {
  const def = site.store.typeDef(type)!.fields.get(field);
  if (!def) throw new ApiError(404, 103, 'Not Found', null, `Field '${type}.${field}' does not exist.`);
  return def;
}

/** `PUT /schema/{Type}/fields/{field}`: properties change, `data_type` never does. */
export async function handleFieldUpdate(site: Site, r: ApiRequest, type: string, field: string): Promise<void> {
  requireJsonType(r);
  const body = await readObjectBody(r);
  const def = liveField(site, type, field);
  applyProperties(site, def, properties(body));
  site.store.fieldChanged(type, def, 'live');
  sendJson(r.res, 200, { data: fieldSchema(site, type, def, false), links: { self: self(r, type, field) } });
}

/** `DELETE /schema/{Type}/fields/{field}`: only fields made through the API can be retired. */
export function handleFieldDelete(site: Site, r: ApiRequest, type: string, field: string): void {
  const def = liveField(site, type, field);
  const { created, retired } = adminOf(site);
  // UNSURE on a live site; here the seeded schema stays whole so every test can rely on it.
  if (!created.has(`${type}.${field}`)) throw new ApiError(400, 103, `API schema_field_delete() failed: ${type}.${field} is not a custom field made through the API.`, {});
  site.store.typeDef(type)!.fields.delete(field);
  created.delete(`${type}.${field}`);
  retired.set(`${type}.${field}`, def);
  site.store.version++;
  site.store.fieldChanged(type, def, 'retired');
  sendEmpty(r.res, 204);
}

/** `POST /schema/{Type}/fields/{field}` with `revive: true` (body or query). */
export async function handleFieldRevive(site: Site, r: ApiRequest, type: string, field: string): Promise<void> {
  const body = await readObjectBody(r);
  const revive = body.revive ?? r.url.searchParams.get('revive') ?? undefined;
  if (revive === undefined) throw invalidParams({ revive: ['revive is missing'] });
  if (revive !== true && revive !== 'true' && revive !== '1') throw invalidParams({ revive: ['revive must be true'] });
  const { created, retired } = adminOf(site);
  const def = retired.get(`${type}.${field}`);
  if (!def) throw new ApiError(404, 103, 'Not Found', null, `Field '${type}.${field}' does not exist.`);
  retired.delete(`${type}.${field}`);
  created.add(`${type}.${field}`);
  site.store.typeDef(type)!.fields.set(field, def);
  site.store.version++;
  site.store.fieldChanged(type, def, 'live');
  sendEmpty(r.res, 204);
}
