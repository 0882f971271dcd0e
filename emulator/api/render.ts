/**
 * Records as the API renders them: `type`, `id`, `attributes` (every non-link field, dotted
 * paths under their literal key), `relationships` (entity and multi-entity fields as
 * `{data, links}`) and `links.self` with the plural slug.
 */
import type { FieldDef, StoredRecord } from '../context.js';
import { asLink, asLinks, isMiss, resolvePath, rowsAt, type FieldPath } from './field-paths.js';
import type { Site } from './site.js';

/** The fields a request renders, resolved once for all its rows. */
export interface FieldSelection {
  plain: FieldDef[];
  dotted: FieldPath[];
}

/** Resolves requested field names (null = all); unknown names are dropped silently, as the server does. */
export function selectFields(site: Site, type: string, names: string[] | null): FieldSelection {
  const def = site.store.typeDef(type)!;
  if (names === null) return { plain: [...def.fields.values()].filter((f) => f.name !== 'id'), dotted: [] };
  const plain: FieldDef[] = [];
  const dotted: FieldPath[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name) || name === 'id') continue;
    seen.add(name);
    if (name.includes('.')) {
      const p = resolvePath(site.store, type, name);
      if (!isMiss(p) && !p.throughMulti) dotted.push(p);
    } else {
      const f = def.fields.get(name);
      if (f) plain.push(f);
    }
  }
  return { plain, dotted };
}

/** `{id, name, type}` of a stored link. */
export function entityHash(site: Site, link: { type: string; id: number }): { id: number; name: string | null; type: string } {
  return { id: link.id, name: site.store.nameOf(link.type, link.id), type: link.type };
}

/** A non-link value as it reads in `attributes`. */
export function attributeValue(site: Site, field: FieldDef, stored: unknown): unknown {
  switch (field.dataType) {
    case 'image': return site.ctx.files.render('image', stored ?? null) ?? null;
    case 'url': return site.ctx.files.render('url', stored ?? null) ?? null;
    case 'entity': {
      const l = asLink(stored);
      return l ? entityHash(site, l) : null;
    }
    case 'multi_entity': return asLinks(stored).map((l) => entityHash(site, l));
    case 'checkbox': return stored === true;
    case 'tag_list': return Array.isArray(stored) ? stored : [];
    default: return stored ?? null;
  }
}

/** The rendered record. */
export interface RecordJson {
  type: string;
  id: number;
  attributes: Record<string, unknown>;
  relationships: Record<string, unknown>;
  links: { self: string };
}

/** Renders one row. */
export function renderRecord(site: Site, rec: StoredRecord, sel: FieldSelection, prefix: string): RecordJson {
  const slug = site.store.slug(rec.type);
  const self = `${prefix}/entity/${slug}/${rec.id}`;
  const attributes: Record<string, unknown> = {};
  const relationships: Record<string, unknown> = {};
  for (const f of sel.plain) {
    const stored = rec.fields[f.name];
    if (f.dataType === 'entity') {
      const l = asLink(stored);
      relationships[f.name] = l
        ? { data: entityHash(site, l), links: { self: `${self}/relationships/${f.name}`, related: `${prefix}/entity/${site.store.slug(l.type)}/${l.id}` } }
        : { data: null, links: { self: `${self}/relationships/${f.name}` } };
    } else if (f.dataType === 'multi_entity') {
      relationships[f.name] = { data: asLinks(stored).map((l) => entityHash(site, l)), links: { self: `${self}/relationships/${f.name}` } };
    } else if (f.name === 'cached_display_name') {
      // Mirrors the row's name field, whatever was written to it.
      attributes[f.name] = site.store.nameOf(rec.type, rec.id);
    } else {
      attributes[f.name] = attributeValue(site, f, stored);
    }
  }
  for (const p of sel.dotted) {
    const end = rowsAt(site.store, rec, p)[0];
    attributes[p.text] = end ? attributeValue(site, p.last, end.fields[p.last.name]) : null;
  }
  return { type: rec.type, id: rec.id, attributes, relationships, links: { self } };
}
