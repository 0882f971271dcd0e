/**
 * Attention: followers (`GET /entity/{e}/{id}/followers`), what a user follows
 * (`GET /entity/human_users/{id}/following`), follow (`POST /entity/human_users/{id}/follow`,
 * `{"entities":[{"record_id","entity"}]}`, not atomic) and unfollow (`PUT /entity/{e}/{id}/unfollow`,
 * `{"user_id"}`), all 204 or plain lists; the activity stream of a record and a Note's thread.
 */
import type { StoredRecord } from '../context.js';
import { ApiError, sendEmpty, sendJson } from '../http/respond.js';
import { asLink, asLinks } from './field-paths.js';
import { readObjectBody } from './read.js';
import { invalidParams } from './read-options.js';
import { entityHash } from './render.js';
import type { ApiRequest, Site } from './site.js';
import { requireJsonType } from './write.js';

/** Followers per record (`Shot:12` → HumanUser ids, in the order they followed). */
const follows = new WeakMap<Site['store'], Map<string, Set<number>>>();

function followsOf(site: Site): Map<string, Set<number>> {
  let map = follows.get(site.store);
  if (!map) follows.set(site.store, (map = new Map()));
  return map;
}

function couldNotFind(type: string, id: unknown): ApiError {
  return new ApiError(404, 104, 'Not Found', null, `Couldn't find ${type} with id=${typeof id === 'string' ? JSON.stringify(id) : String(id)}`);
}

function humanUser(site: Site, id: number, quoted = false): StoredRecord {
  const user = site.store.get('HumanUser', id);
  if (!user) throw couldNotFind('HumanUser', quoted ? String(id) : id);
  return user;
}

/** A user as the follow lists show one: `name` only, `links.self` singular CamelCase. */
function userRow(site: Site, r: ApiRequest, id: number): Record<string, unknown> {
  return { id, type: 'HumanUser', attributes: { name: site.store.nameOf('HumanUser', id) }, links: { self: `${r.prefix}/entity/HumanUser/${id}` } };
}

/** `GET /entity/{e}/{id}/followers`. */
export function handleFollowers(site: Site, r: ApiRequest, type: string, id: number): void {
  if (!site.store.get(type, id)) throw couldNotFind(type, id);
  const ids = [...(followsOf(site).get(`${type}:${id}`) ?? [])];
  sendJson(r.res, 200, { data: ids.filter((u) => site.store.get('HumanUser', u)).map((u) => userRow(site, r, u)) });
}

/**
 * `GET /entity/human_users/{id}/following[?entity=&project_id=]`: what one HumanUser follows,
 * unpaged; rows are `{id, type, links.self}` with a singular CamelCase self (as recorded).
 */
export function handleFollowing(site: Site, r: ApiRequest, type: string, userId: number): void {
  if (type !== 'HumanUser') throw new ApiError(404, 103, 'Not Found', null);
  humanUser(site, userId, true);
  const entityParam = r.url.searchParams.get('entity');
  const only = entityParam === null ? undefined : site.store.resolveType(entityParam);
  if (entityParam !== null && !only) throw invalidParams({ entity: ['entity is not valid'] });
  const projectParam = r.url.searchParams.get('project_id');
  const projectId = projectParam === null ? undefined : Number(projectParam);
  if (projectParam !== null && (!Number.isInteger(projectId) || !site.store.get('Project', projectId!))) throw couldNotFind('Project', projectParam);
  const data: unknown[] = [];
  for (const [key, users] of followsOf(site)) {
    if (!users.has(userId)) continue;
    const [t, n] = key.split(':');
    const id = Number(n);
    const rec = site.store.get(t!, id);
    if (!rec || (only !== undefined && t !== only)) continue;
    if (projectId !== undefined && !(t === 'Project' ? id === projectId : asLink(rec.fields.project)?.id === projectId)) continue;
    data.push({ id, type: t, links: { self: `${r.prefix}/entity/${t}/${id}` } });
  }
  sendJson(r.res, 200, { data });
}

/** `POST /entity/human_users/{id}/follow`: applied in order, so a bad entry 404s after the good ones. */
export async function handleFollow(site: Site, r: ApiRequest, type: string, userId: number): Promise<void> {
  if (type !== 'HumanUser') throw new ApiError(404, 103, 'Not Found', null);
  requireJsonType(r);
  const body = await readObjectBody(r);
  humanUser(site, userId, true);
  const entities = body.entities;
  if (!Array.isArray(entities)) throw invalidParams({ entities: ['entities is missing'] });
  entities.forEach((e, i) => {
    const name = typeof e === 'object' && e !== null ? (e as { entity?: unknown }).entity : undefined;
    // The schema name only: the slug spelling every path takes is a 500 on the site.
    if (typeof name !== 'string' || !site.store.typeDef(name)) {
      if (typeof name === 'string' && site.store.resolveType(name)) throw new ApiError(500, 100, 'Shotgun Server Error', null);
      throw invalidParams({ entities: { [i]: { entity: ['entity is not valid'] } } });
    }
  });
  for (const e of entities as Array<{ entity: string; record_id?: unknown }>) {
    const id = Number(e.record_id);
    if (!Number.isInteger(id) || !site.store.get(e.entity, id)) throw couldNotFind(e.entity, e.record_id);
    const key = `${e.entity}:${id}`;
    let users = followsOf(site).get(key);
    if (!users) followsOf(site).set(key, (users = new Set()));
    users.add(userId);
  }
  sendEmpty(r.res, 204);
}

/** `PUT /entity/{e}/{id}/unfollow` `{"user_id": n}`: 204 whether or not the user followed. */
export async function handleUnfollow(site: Site, r: ApiRequest, type: string, id: number): Promise<void> {
  requireJsonType(r);
  const body = await readObjectBody(r);
  if (body.user_id === undefined) throw invalidParams({ user_id: ['user_id is missing'] });
  const userId = Number(body.user_id);
  if (!Number.isInteger(userId)) throw invalidParams({ user_id: ['user_id must be an integer'] });
  humanUser(site, userId);
  followsOf(site).get(`${type}:${id}`)?.delete(userId);
  sendEmpty(r.res, 204);
}

/** A person or script as the stream names one. */
function actor(site: Site, link: unknown): Record<string, unknown> | null {
  const l = asLink(link);
  return l ? { ...entityHash(site, l), status: null, image: null } : null;
}

/**
 * `GET /entity/{e}/{id}/activity_stream[?limit=&max_id=&min_id=]`: the record's creation, as the
 * local site keeps no update history (UNSURE beyond that). A missing record is a 500, as recorded.
 */
export function handleActivityStream(site: Site, r: ApiRequest, type: string, id: number): void {
  const q = r.url.searchParams;
  const rawLimit = q.get('limit');
  let limit = 25;
  if (rawLimit !== null) {
    if (!/^-?\d+$/.test(rawLimit)) throw invalidParams({ limit: ['limit must be an integer'] });
    limit = Number(rawLimit);
    if (limit <= 0) throw invalidParams({ limit: ['limit must be greater than 0'] });
    if (limit > 500) throw invalidParams({ limit: ['limit must be less than or equal to 500'] });
  }
  const rec = site.store.get(type, id);
  if (!rec) throw new ApiError(500, 100, 'Shotgun Server Error', null);
  const maxId = q.has('max_id') ? Number(q.get('max_id')) : Infinity;
  const minId = q.has('min_id') ? Number(q.get('min_id')) : -Infinity;
  const primary = { type, id, name: site.store.nameOf(type, id), status: rec.fields.sg_status_list ?? null };
  const updates = [{
    id: rec.id, update_type: 'create', meta: { type: 'new_entity', entity_type: type, entity_id: id },
    created_at: rec.fields.created_at ?? null, read: false, primary_entity: primary, created_by: actor(site, rec.fields.created_by),
  }].filter((u) => u.id < maxId && u.id > minId).slice(0, limit);
  sendJson(r.res, 200, {
    data: { entity_type: type, entity_id: id, latest_update_id: updates[0]?.id ?? 0, earliest_update_id: updates.length < limit ? 0 : updates[updates.length - 1]!.id, updates },
    links: { self: r.req.url ?? r.url.pathname },
  });
}

/** Extra fields of thread rows of one type (`entity_fields[Note]=subject,...`). */
function extraFields(r: ApiRequest, type: string): string[] {
  return (r.url.searchParams.get(`entity_fields[${type}]`) ?? '').split(',').map((f) => f.trim()).filter((f) => f !== '');
}

function threadRow(site: Site, r: ApiRequest, rec: StoredRecord, own: string[]): Record<string, unknown> {
  const row: Record<string, unknown> = { type: rec.type, id: rec.id };
  for (const f of [...own, ...extraFields(r, rec.type)]) {
    const def = site.store.field(rec.type, f);
    if (!def) continue;
    const v = rec.fields[f];
    const l = def.dataType === 'entity' ? asLink(v) : undefined;
    row[f] = def.dataType === 'entity' ? (l ? entityHash(site, l) : null) : (v ?? null);
  }
  row.created_at = rec.fields.created_at ?? null;
  const author = asLink(rec.fields.created_by);
  row.created_by = author ? entityHash(site, author) : null;
  return row;
}

/** `GET /entity/notes/{id}/thread_contents`: the Note, then its Attachments, in time order (no Replies here). */
export function handleNoteThread(site: Site, r: ApiRequest, type: string, id: number): void {
  if (type !== 'Note') throw new ApiError(404, 103, 'Not Found', null, `Field '${type}.thread_contents' does not exist.`);
  const note = site.store.get('Note', id);
  if (!note) throw new ApiError(404, 104, 'Not Found', null, `Note: ${id} not found`);
  const attachments = asLinks(note.fields.attachments).flatMap((l) => {
    const a = site.store.get('Attachment', l.id);
    return a ? [a] : [];
  });
  const rows = [threadRow(site, r, note, ['content']), ...attachments.map((a) => threadRow(site, r, a, []))];
  rows.sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
  sendJson(r.res, 200, { data: rows, links: { self: `${r.prefix}/entity/notes/${id}/thread_contents` } });
}
