/**
 * Schema reads: `GET /schema`, `/schema/{Type}`, `/schema/{Type}/fields[?project_id=]` and
 * `/schema/{Type}/fields/{field}`, every property wrapped as `{value, editable}`.
 */
import type { FieldDef } from '../context.js';
import { ApiError, sendJson } from '../http/respond.js';
import type { ApiRequest, Site } from './site.js';

function wrap(value: unknown, editable = false): { value: unknown; editable: boolean } {
  return { value, editable };
}

/** One field's schema document. */
export function fieldSchema(site: Site, type: string, f: FieldDef, withHidden: boolean): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    default_value: wrap(f.dataType === 'checkbox' ? false : f.dataType === 'status_list' ? (f.validValues?.[0] ?? null) : null),
    summary_default: wrap(f.dataType === 'number' || f.dataType === 'float' ? 'sum' : 'none', true),
  };
  if (f.validTypes) properties.valid_types = wrap(f.validTypes, true);
  if (f.validValues) {
    properties.valid_values = wrap(f.validValues, true);
    properties.display_values = wrap(Object.fromEntries(f.validValues.map((v) => [v, v])));
    if (withHidden) properties.hidden_values = wrap([]);
  }
  return {
    name: wrap(f.displayName ?? (f.name === 'id' ? 'Id' : f.name.replace(/^sg_/, '').replace(/_/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase())), true),
    description: wrap(f.description ?? '', true),
    entity_type: wrap(type),
    data_type: wrap(f.dataType),
    editable: wrap(f.editable),
    mandatory: wrap(f.mandatory ?? false),
    unique: wrap(f.name === 'id'),
    visible: wrap(true),
    ui_value_displayable: wrap(true),
    custom_metadata: wrap('', true),
    properties,
  };
}

function typeSchema(type: string): Record<string, unknown> {
  return { name: wrap(type), visible: wrap(true) };
}

const self = (r: ApiRequest): string => r.req.url ?? r.url.pathname;

/** `GET /schema`: every entity type. */
export function handleSchemaAll(site: Site, r: ApiRequest): void {
  const data = Object.fromEntries([...site.store.types.keys()].sort().map((t) => [t, typeSchema(t)]));
  sendJson(r.res, 200, { data, links: { self: self(r) } });
}

/** `GET /schema/{Type}`. */
export function handleSchemaType(_site: Site, r: ApiRequest, type: string): void {
  sendJson(r.res, 200, { data: typeSchema(type), links: { self: self(r) } });
}

/** `GET /schema/{Type}/fields[?project_id=]`. */
export function handleSchemaFields(site: Site, r: ApiRequest, type: string): void {
  const def = site.store.typeDef(type)!;
  const withHidden = r.url.searchParams.has('project_id');
  const data = Object.fromEntries([...def.fields.values()].map((f) => [f.name, fieldSchema(site, type, f, withHidden)]));
  sendJson(r.res, 200, { data, links: { self: self(r) } });
}

/** `GET /schema/{Type}/fields/{field}`. */
export function handleSchemaField(site: Site, r: ApiRequest, type: string, name: string): void {
  const field = site.store.typeDef(type)!.fields.get(name);
  if (!field) throw new ApiError(404, 103, 'Not Found', null, `Field '${type}.${name}' does not exist.`);
  sendJson(r.res, 200, { data: fieldSchema(site, type, field, r.url.searchParams.has('project_id')), links: { self: self(r) } });
}
