/**
 * Builds the page's feed from the store: projects → shots → versions, newest activity first.
 * Read-only: it only reads rows and asks the file service how file fields read now.
 */
import type { EmulatorContext, StoredRecord } from '../context.js';
import { attachmentView, fileFieldView, thumbnailOf } from './file-views.js';
import {
  IDLE_SHOT_LIMIT, VERSION_LIMIT,
  type FieldView, type FileView, type ProjectView, type ShotView, type VersionView, type WebFeed,
} from './feed-types.js';
import { asLink, asLinks, displayText, isListable, isoOf, linkName, textOf, timeOf } from './values.js';

/** Version fields shown in their own place on the card, not in the generic list. */
const VERSION_OWN_FIELDS = new Set([
  'id', 'type', 'code', 'description', 'sg_status_list', 'created_at', 'created_by', 'entity', 'project',
  'image', 'filmstrip_image', 'attachments', 'open_notes', 'cached_display_name',
]);

/** Most fields listed per version. */
const FIELD_LIMIT = 40;

/** Live rows of a type, or none when the site has no such type. */
function rows(ctx: EmulatorContext, type: string): StoredRecord[] {
  return ctx.store.resolveType(type) === type ? [...ctx.store.all(type)] : [];
}

/** When a row was created (ms; -Infinity when unknown so it sorts last). */
function createdMs(rec: StoredRecord): number {
  const t = timeOf(rec.fields.created_at);
  return Number.isFinite(t) ? t : Number.NEGATIVE_INFINITY;
}

/** Newest first: by creation time, then by id (ids grow with creation). */
function newestFirst(a: { time: number; id: number }, b: { time: number; id: number }): number {
  return a.time !== b.time ? b.time - a.time : b.id - a.id;
}

/** Attachments by the `Type:id` of every record their `attachment_links` name. */
function attachmentsByOwner(ctx: EmulatorContext, attachments: StoredRecord[]): Map<string, StoredRecord[]> {
  const byOwner = new Map<string, StoredRecord[]>();
  for (const att of attachments) {
    for (const link of asLinks(att.fields.attachment_links)) {
      const key = `${link.type}:${link.id}`;
      const list = byOwner.get(key) ?? [];
      list.push(att);
      byOwner.set(key, list);
    }
  }
  for (const list of byOwner.values()) list.sort((a, b) => newestFirst({ time: createdMs(a), id: a.id }, { time: createdMs(b), id: b.id }));
  return byOwner;
}

/** A record's url fields, then its linked attachments not already shown by a field. */
function filesOf(ctx: EmulatorContext, rec: StoredRecord, attachments: StoredRecord[]): FileView[] {
  const files: FileView[] = [];
  for (const name of Object.keys(rec.fields).sort()) {
    if (ctx.store.field(rec.type, name)?.dataType !== 'url') continue;
    const view = fileFieldView(ctx, rec, name);
    if (view) files.push(view);
  }
  const shown = new Set(files.map((f) => f.attachmentId).filter((id) => id !== null));
  for (const att of attachments) if (!shown.has(att.id)) files.push(attachmentView(ctx, att));
  return files;
}

/** The generic field list of a version. */
function fieldsOf(ctx: EmulatorContext, rec: StoredRecord): FieldView[] {
  const fields: FieldView[] = [];
  for (const name of Object.keys(rec.fields).sort()) {
    if (VERSION_OWN_FIELDS.has(name)) continue;
    const def = ctx.store.field(rec.type, name);
    if (!isListable(name, def)) continue;
    const text = displayText(ctx.store, def, rec.fields[name]);
    if (text !== null) fields.push({ name, dataType: def?.dataType ?? 'text', text });
    if (fields.length >= FIELD_LIMIT) break;
  }
  return fields;
}

/** One version card. */
function versionView(ctx: EmulatorContext, rec: StoredRecord, owners: Map<string, StoredRecord[]>): VersionView {
  const entity = asLink(rec.fields.entity);
  const createdBy = asLink(rec.fields.created_by);
  return {
    key: `Version:${rec.id}`,
    id: rec.id,
    code: textOf(rec.fields.code) ?? `Version #${rec.id}`,
    status: textOf(rec.fields.sg_status_list),
    description: textOf(rec.fields.description),
    createdAt: isoOf(rec.fields.created_at),
    createdBy: createdBy ? linkName(ctx.store, createdBy) : null,
    entity: entity ? `${entity.type} ${linkName(ctx.store, entity)}` : null,
    thumbnail: thumbnailOf(ctx, rec),
    files: filesOf(ctx, rec, owners.get(`Version:${rec.id}`) ?? []),
    fields: fieldsOf(ctx, rec),
  };
}

/** Project being assembled: its versions grouped by shot. */
interface ProjectGroup {
  project: StoredRecord | undefined;
  latest: number;
  latestId: number;
  shots: Map<number, StoredRecord[]>;
  other: StoredRecord[];
}

/** Builds the feed. */
export function buildFeed(ctx: EmulatorContext): WebFeed {
  const projects = rows(ctx, 'Project');
  const shots = rows(ctx, 'Shot');
  const versions = rows(ctx, 'Version');
  const attachments = rows(ctx, 'Attachment');
  const owners = attachmentsByOwner(ctx, attachments);
  const shotById = new Map(shots.map((s) => [s.id, s]));
  const projectKeyOf = (link: unknown): string => {
    const l = asLink(link);
    return l && l.type === 'Project' ? `Project:${l.id}` : 'Project:none';
  };

  const groups = new Map<string, ProjectGroup>();
  const groupOf = (key: string): ProjectGroup => {
    let g = groups.get(key);
    if (!g) {
      const id = key === 'Project:none' ? undefined : Number(key.slice('Project:'.length));
      g = { project: id === undefined ? undefined : ctx.store.get('Project', id), latest: Number.NEGATIVE_INFINITY, latestId: 0, shots: new Map(), other: [] };
      groups.set(key, g);
    }
    return g;
  };
  for (const p of projects) {
    const g = groupOf(`Project:${p.id}`);
    g.latest = createdMs(p);
    g.latestId = p.id;
  }

  const sorted = versions.map((v) => ({ rec: v, time: createdMs(v), id: v.id })).sort(newestFirst);
  for (const { rec, time } of sorted) {
    const entity = asLink(rec.fields.entity);
    const shot = entity?.type === 'Shot' ? shotById.get(entity.id) : undefined;
    const g = groupOf(projectKeyOf(shot?.fields.project ?? rec.fields.project));
    if (time > g.latest || (time === g.latest && rec.id > g.latestId)) {
      g.latest = time;
      g.latestId = rec.id;
    }
    if (shot) {
      const list = g.shots.get(shot.id) ?? [];
      list.push(rec);
      g.shots.set(shot.id, list);
    } else {
      g.other.push(rec);
    }
  }

  // Shots without versions, listed by code under their project.
  const idle = new Map<string, StoredRecord[]>();
  for (const s of shots) {
    const key = projectKeyOf(s.fields.project);
    if (groups.get(key)?.shots.has(s.id)) continue;
    const list = idle.get(key) ?? [];
    list.push(s);
    idle.set(key, list);
  }
  for (const key of idle.keys()) groupOf(key);

  const ordered = [...groups.entries()].sort(([, a], [, b]) => newestFirst({ time: a.latest, id: a.latestId }, { time: b.latest, id: b.latestId }));
  const projectViews: ProjectView[] = ordered.map(([key, g]) => {
    const idleShots = (idle.get(key) ?? []).map((s) => textOf(s.fields.code) ?? `Shot #${s.id}`).sort();
    return {
      key,
      id: g.project?.id ?? null,
      name: g.project ? (textOf(g.project.fields.name) ?? `Project #${g.project.id}`) : 'Versions without a project',
      status: g.project ? textOf(g.project.fields.sg_status) ?? textOf(g.project.fields.sg_status_list) : null,
      // Versions are already newest first, so each shot's first version orders the shots.
      shots: [...g.shots.entries()].map(([shotId, list]) => shotView(ctx, shotById.get(shotId)!, list, owners)),
      otherVersions: g.other.slice(0, VERSION_LIMIT).map((v) => versionView(ctx, v, owners)),
      moreOtherVersions: Math.max(0, g.other.length - VERSION_LIMIT),
      idleShots: idleShots.slice(0, IDLE_SHOT_LIMIT),
      moreIdleShots: Math.max(0, idleShots.length - IDLE_SHOT_LIMIT),
    };
  });

  return {
    site: { kind: 'local-emulator', url: ctx.baseUrl, storage: ctx.options.storage, transcodeDelayMs: ctx.options.transcodeDelay },
    counts: { projects: projects.length, shots: shots.length, versions: versions.length, attachments: attachments.length },
    projects: projectViews,
  };
}

/** One shot with its versions (already newest first). */
function shotView(ctx: EmulatorContext, shot: StoredRecord, versions: StoredRecord[], owners: Map<string, StoredRecord[]>): ShotView {
  const sequence = asLink(shot.fields.sg_sequence);
  return {
    key: `Shot:${shot.id}`,
    id: shot.id,
    code: textOf(shot.fields.code) ?? `Shot #${shot.id}`,
    sequence: sequence ? linkName(ctx.store, sequence) : null,
    status: textOf(shot.fields.sg_status_list),
    description: textOf(shot.fields.description),
    attachments: (owners.get(`Shot:${shot.id}`) ?? []).map((a) => attachmentView(ctx, a)),
    versions: versions.slice(0, VERSION_LIMIT).map((v) => versionView(ctx, v, owners)),
    moreVersions: Math.max(0, versions.length - VERSION_LIMIT),
  };
}
