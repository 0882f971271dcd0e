/**
 * The navigation tree the web interface draws: `POST /hierarchy/_expand` (`{"path"}` → one level)
 * and `POST /hierarchy/_search` (`{"root_path", "search_criteria": {"entity": {type, id}}}` → the
 * breadcrumb to a row). Both take `application/json` only (the vendor types get the 415 naming
 * it) and ignore `seed_entity_field`, as recorded. The tree is the stock one: a Project, its
 * `Asset` and `Shot` nodes, Shots grouped by `sg_sequence` (`/Project/70/Shot/sg_sequence/Sequence/23`)
 * and Assets by `sg_asset_type`, rows last (`.../id/862`). Only `/Project/<id>` levels and the
 * `_search` answer are recorded; the deeper levels follow the recorded paths (UNSURE).
 */
import type { StoredRecord } from '../context.js';
import { ApiError, readJson, sendJson } from '../http/respond.js';
import { asLink } from './field-paths.js';
import { invalidParams } from './read-options.js';
import type { ApiRequest, Site } from './site.js';
import { requireJsonType } from './write.js';

/** A node reference: a record, a type's branch, or a list value group. */
type NodeRef =
  | { kind: 'entity'; value: { type: string; id: number } }
  | { kind: 'entity_type'; value: string }
  | { kind: 'list_value'; value: { field: string; value: string } };

interface Child {
  label: string;
  path: string;
  ref: NodeRef;
  has_children: boolean;
}

/** The branches under a Project (label, type, grouping field). */
const BRANCHES = [
  { label: 'Assets', type: 'Asset', group: 'sg_asset_type' },
  { label: 'Shots', type: 'Shot', group: 'sg_sequence' },
] as const;

type Branch = (typeof BRANCHES)[number];

/** 400 code 107: a lookup that found the wrong number of rows (the recorded project text). */
function lookupFailed(what: string, id: string): ApiError {
  return new ApiError(400, 107, `Unexpected result looking for ${what}: ${id}: 0 found.`, null);
}

async function readBodyObject(r: ApiRequest): Promise<Record<string, unknown>> {
  requireJsonType(r);
  const body = await readJson(r.req);
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 103, 'Invalid JSON body', { body: 'Expected a JSON object' });
  return body as Record<string, unknown>;
}

function liveRow(site: Site, type: string, id: number): StoredRecord | undefined {
  return site.store.get(type, id);
}

function project(site: Site, idText: string): StoredRecord {
  const id = /^\d+$/.test(idText) ? Number(idText) : NaN;
  const rec = Number.isSafeInteger(id) ? liveRow(site, 'Project', id) : undefined;
  if (!rec) throw lookupFailed('project', idText);
  return rec;
}

const label = (site: Site, rec: StoredRecord): string => site.store.nameOf(rec.type, rec.id) ?? `${rec.type} ${rec.id}`;

function rowsOf(site: Site, branch: Branch, projectId: number, test: (rec: StoredRecord) => boolean = () => true): StoredRecord[] {
  const next = site.store.indexedRows(branch.type, 'project', [`Project:${projectId}`])?.cursor(false);
  const rows: StoredRecord[] = [];
  for (let rec = next?.(); rec !== undefined; rec = next!()) if (!rec.retired && test(rec)) rows.push(rec);
  return rows;
}

function rowChild(site: Site, base: string, rec: StoredRecord): Child {
  return { label: label(site, rec), path: `${base}/id/${rec.id}`, ref: { kind: 'entity', value: { type: rec.type, id: rec.id } }, has_children: false };
}

/** The groups of a branch: linked records (`sg_sequence`) or list values (`sg_asset_type`), then ungrouped rows. */
function groupChildren(site: Site, branch: Branch, projectId: number, base: string): Child[] {
  const groups = new Map<string, Child>();
  const loose: Child[] = [];
  for (const rec of rowsOf(site, branch, projectId)) {
    const value = rec.fields[branch.group];
    const link = asLink(value);
    if (link) {
      const key = `${link.type}/${link.id}`;
      if (!groups.has(key)) {
        groups.set(key, {
          label: site.store.nameOf(link.type, link.id) ?? key, path: `${base}/${branch.group}/${key}`,
          ref: { kind: 'entity', value: { type: link.type, id: link.id } }, has_children: true,
        });
      }
    } else if (typeof value === 'string' && value !== '') {
      if (!groups.has(value)) {
        groups.set(value, { label: value, path: `${base}/${branch.group}/${encodeURIComponent(value)}`, ref: { kind: 'list_value', value: { field: branch.group, value } }, has_children: true });
      }
    } else loose.push(rowChild(site, base, rec));
  }
  return [...groups.values(), ...loose];
}

/** One level of the tree at `path`. */
function expand(site: Site, path: string): Record<string, unknown> {
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length === 0) {
    const children = [...site.store.all('Project')]
      .filter((p) => p.fields.archived !== true)
      .map((p) => ({ label: label(site, p), path: `/Project/${p.id}`, ref: { kind: 'entity', value: { type: 'Project', id: p.id } }, has_children: true }));
    return { label: 'Projects', ref: { kind: 'root', value: null }, parent_path: null, path: '/', has_children: children.length > 0, children };
  }
  if (parts[0] !== 'Project' || parts[1] === undefined) throw invalidParams({ path: ['path must start with /Project/<id>'] });
  const proj = project(site, parts[1]);
  const root = `/Project/${proj.id}`;
  const targetEntities = { type: 'Version', additional_filter_presets: [{ preset_name: 'NAV_ENTRIES', path: `/${parts.join('/')}`, seed: { type: 'Version', field: 'entity' } }] };
  if (parts.length === 2) {
    const children = BRANCHES.map((b) => ({ label: b.label, path: `${root}/${b.type}`, ref: { kind: 'entity_type', value: b.type }, has_children: true }));
    return { label: label(site, proj), ref: { kind: 'entity', value: { type: 'Project', id: proj.id } }, parent_path: '/', path: root, target_entities: targetEntities, has_children: true, children };
  }
  const branch = BRANCHES.find((b) => b.type === parts[2]);
  if (!branch) throw invalidParams({ path: [`path names no branch '${parts[2]}' under ${root}`] });
  const base = `${root}/${branch.type}`;
  const node = (nodeLabel: string, ref: NodeRef, parent: string, here: string, children: Child[]): Record<string, unknown> =>
    ({ label: nodeLabel, ref, parent_path: parent, path: here, target_entities: targetEntities, has_children: children.length > 0, children });
  const rest = parts.slice(3);
  if (rest.length === 0) return node(branch.label, { kind: 'entity_type', value: branch.type }, root, base, groupChildren(site, branch, proj.id, base));
  if (rest[0] === branch.group && rest.length === 3 && branch.group === 'sg_sequence') {
    const seq = /^\d+$/.test(rest[2]!) ? liveRow(site, rest[1]!, Number(rest[2])) : undefined;
    if (!seq || seq.type !== 'Sequence') throw lookupFailed(rest[1]!.toLowerCase(), rest[2]!);
    const here = `${base}/${rest.join('/')}`;
    const rows = rowsOf(site, branch, proj.id, (rec) => asLink(rec.fields.sg_sequence)?.id === seq.id).map((rec) => rowChild(site, here, rec));
    return node(label(site, seq), { kind: 'entity', value: { type: 'Sequence', id: seq.id } }, base, here, rows);
  }
  if (rest[0] === branch.group && rest.length === 2 && branch.group === 'sg_asset_type') {
    const value = decodeURIComponent(rest[1]!);
    const here = `${base}/${rest.join('/')}`;
    const rows = rowsOf(site, branch, proj.id, (rec) => rec.fields.sg_asset_type === value).map((rec) => rowChild(site, here, rec));
    return node(value, { kind: 'list_value', value: { field: branch.group, value } }, base, here, rows);
  }
  if (rest[rest.length - 2] === 'id') {
    const rec = /^\d+$/.test(rest[rest.length - 1]!) ? liveRow(site, branch.type, Number(rest[rest.length - 1])) : undefined;
    if (!rec) throw lookupFailed(branch.type.toLowerCase(), rest[rest.length - 1]!);
    return node(label(site, rec), { kind: 'entity', value: { type: rec.type, id: rec.id } }, `/${parts.slice(0, -2).join('/')}`, `/${parts.join('/')}`, []);
  }
  throw invalidParams({ path: [`path '${path}' names no node`] });
}

/** `POST /hierarchy/_expand`. */
export async function handleHierarchyExpand(site: Site, r: ApiRequest): Promise<void> {
  const body = await readBodyObject(r);
  if (body.path === undefined) throw invalidParams({ path: ['path is missing'] });
  if (typeof body.path !== 'string') throw invalidParams({ path: ['path must be a string'] });
  sendJson(r.res, 200, { data: expand(site, body.path) });
}

/** The breadcrumb (paths from the project down) to a row, or undefined when the tree has no place for it. */
function breadcrumb(site: Site, rec: StoredRecord): { paths: string[]; labels: string[]; projectId: number } | undefined {
  if (rec.type === 'Project') return { paths: [`/Project/${rec.id}`], labels: [], projectId: rec.id };
  const proj = asLink(rec.fields.project);
  if (!proj) return undefined;
  const root = `/Project/${proj.id}`;
  const shots = BRANCHES[1];
  if (rec.type === 'Sequence') {
    return { paths: [root, `${root}/Shot`, `${root}/Shot/sg_sequence/Sequence/${rec.id}`], labels: [shots.label], projectId: proj.id };
  }
  const branch = BRANCHES.find((b) => b.type === rec.type);
  if (!branch) return undefined;
  const base = `${root}/${branch.type}`;
  const group = rec.fields[branch.group];
  const link = asLink(group);
  if (link) {
    const groupPath = `${base}/${branch.group}/${link.type}/${link.id}`;
    return { paths: [root, base, groupPath, `${groupPath}/id/${rec.id}`], labels: [branch.label, site.store.nameOf(link.type, link.id) ?? ''], projectId: proj.id };
  }
  if (typeof group === 'string' && group !== '') {
    const groupPath = `${base}/${branch.group}/${encodeURIComponent(group)}`;
    return { paths: [root, base, groupPath, `${groupPath}/id/${rec.id}`], labels: [branch.label, group], projectId: proj.id };
  }
  return { paths: [root, base, `${base}/id/${rec.id}`], labels: [branch.label], projectId: proj.id };
}

/** `POST /hierarchy/_search`. */
export async function handleHierarchySearch(site: Site, r: ApiRequest): Promise<void> {
  const body = await readBodyObject(r);
  const criteria = body.search_criteria;
  if (criteria === undefined) throw invalidParams({ search_criteria: ['search_criteria is missing'] });
  if (typeof criteria !== 'object' || criteria === null || Array.isArray(criteria)) throw invalidParams({ search_criteria: ['search_criteria must be a hash'] });
  // The site counts the keys it knows, so any other single key reads as a size problem (recorded).
  const entity = (criteria as Record<string, unknown>).entity;
  if (!('entity' in criteria) || Object.keys(criteria).length !== 1) throw invalidParams({ search_criteria: ['search_criteria size must be 1'] });
  const link = asLink(entity);
  const type = link ? site.store.resolveType(link.type) : undefined;
  if (!link || !type) throw invalidParams({ search_criteria: { entity: ['entity must be a hash with type and id'] } });
  let rootProject: number | undefined;
  if (body.root_path !== undefined && body.root_path !== '/' ) {
    const m = typeof body.root_path === 'string' ? /^\/Project\/([^/]+)\/?$/.exec(body.root_path) : null;
    if (!m) throw invalidParams({ root_path: ['root_path must be / or /Project/<id>'] });
    rootProject = project(site, m[1]!).id;
  }
  const rec = liveRow(site, type, link.id);
  const found = rec ? breadcrumb(site, rec) : undefined;
  const data = !rec || !found || (rootProject !== undefined && found.projectId !== rootProject)
    ? []
    : [{ label: label(site, rec), incremental_path: found.paths, path_label: found.labels.join(' > '), ref: { id: rec.id, type: rec.type }, project_id: found.projectId }];
  sendJson(r.res, 200, { data });
}
