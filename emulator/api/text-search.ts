/**
 * `POST /entity/_text_search` (vendor Content-Type): `{"text", "entity_types": {Type: filters},
 * "page": {"size", "number"}}`. Matches the words in each type's display-name field; every row is
 * flattened to `name`, `links` (the linked entity's type and name, or `["", ""]`) and `status`.
 * As recorded by clients, a script token without `sudo_as_login` gets a 500 (UNSURE: GT saw 200).
 */
import { ApiError, sendJson } from '../http/respond.js';
import { asLink } from './field-paths.js';
import { findRows } from './query.js';
import { bodyFilters, readObjectBody, requireVendorType } from './read.js';
import { invalidParams } from './read-options.js';
import type { ApiRequest, Site } from './site.js';

/** Most rows per page the endpoint serves. */
const MAX_PAGE = 25;

function positive(v: unknown, fallback: number): number {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** Answers a text search. */
export async function handleTextSearch(site: Site, r: ApiRequest): Promise<void> {
  const kind = requireVendorType(r);
  const body = await readObjectBody(r);
  if (r.caller?.type === 'ApiUser' && !r.caller.login) throw new ApiError(500, 100, 'Shotgun Server Error', null, 'Text search needs a HumanUser or a sudo_as_login token.');
  if (body.text === undefined) throw invalidParams({ text: ['text is missing'] });
  if (typeof body.text !== 'string' || body.text.trim() === '') throw invalidParams({ text: ['text must be filled'] });
  const types = body.entity_types;
  if (types === undefined) throw invalidParams({ entity_types: ['entity_types is missing'] });
  if (typeof types !== 'object' || types === null || Array.isArray(types)) throw invalidParams({ entity_types: ['entity_types must be a hash'] });
  const words = body.text.toLowerCase().split(/\s+/).filter((w) => w !== '');
  const page = (body.page ?? {}) as { size?: unknown; number?: unknown };
  const size = Math.min(MAX_PAGE, positive(page.size, MAX_PAGE));
  const number = positive(page.number, 1);
  const rows: Array<Record<string, unknown>> = [];
  for (const [name, filters] of Object.entries(types as Record<string, unknown>)) {
    const type = site.store.typeDef(name)?.name;
    if (!type) throw invalidParams({ entity_types: { [name]: ['is not a valid entity type'] } });
    const nameField = site.store.typeDef(type)!.nameField;
    const test = bodyFilters(site, type, kind, filters);
    for (const rec of findRows(site, type, test, { returnOnly: 'active', includeArchived: false, sort: [] })) {
      const text = String(rec.fields[nameField] ?? '').toLowerCase();
      if (!words.every((w) => text.includes(w))) continue;
      const linked = asLink(rec.fields.entity ?? rec.fields.sg_sequence ?? null);
      rows.push({
        id: rec.id, type,
        attributes: { name: rec.fields[nameField] ?? null, links: linked ? [linked.type, site.store.nameOf(linked.type, linked.id) ?? ''] : ['', ''], status: rec.fields.sg_status_list ?? null },
        links: { self: `${r.prefix}/entity/${site.store.slug(type)}/${rec.id}` },
      });
    }
  }
  sendJson(r.res, 200, { data: rows.slice((number - 1) * size, number * size) });
}
