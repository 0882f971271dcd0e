/**
 * `GET /entity/{e}/{id}/relationships/{field}`: the link (or links) of one entity or
 * multi-entity field as `{id, name, type}`, unpaged; `page`, `fields` and `sort` are ignored.
 */
import { ApiError, sendJson } from '../http/respond.js';
import { asLink, asLinks } from './field-paths.js';
import { parseReadOptions } from './read-options.js';
import { entityHash } from './render.js';
import type { ApiRequest, Site } from './site.js';

/** Answers the relationship read. */
export function handleRelationship(site: Site, r: ApiRequest, type: string, id: number, field: string): void {
  const opts = parseReadOptions(r.url.searchParams);
  const def = site.store.field(type, field);
  if (!def) throw new ApiError(404, 103, 'Not Found', null, `Field '${type}.${field}' does not exist.`);
  if (def.dataType !== 'entity' && def.dataType !== 'multi_entity') {
    throw new ApiError(400, 103, `Field '${field}' is not a relationship field`, { related_field: [' is not an Entity or Multi Entity field.'] });
  }
  const rec = site.store.get(type, id, { includeRetired: true });
  if (!rec) throw new ApiError(404, 104, 'Not Found', null, `${type}: ${id} not found`);
  // `options[return_only]` is checked against the owning row: recorded as 404 code 103.
  if (rec.retired !== (opts.returnOnly === 'retired')) throw new ApiError(404, 103, 'Not Found', null, `${type}: ${id} not found`);
  const value = rec.fields[field];
  const data = def.dataType === 'entity' ? (asLink(value) ? entityHash(site, asLink(value)!) : null) : asLinks(value).map((l) => entityHash(site, l));
  sendJson(r.res, 200, { data, links: { self: `${r.prefix}/entity/${site.store.slug(type)}/${id}/relationships/${field}` } });
}
