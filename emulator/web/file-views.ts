/**
 * Thumbnails and file links as the page shows them. The feed never carries signed storage URLs:
 * links point at `/web/file/...`, which redirects to a fresh signed URL when followed, so links
 * on a page left open do not expire and the feed stays identical between polls.
 */
import { createHash } from 'node:crypto';
import type { EmulatorContext, StoredRecord } from '../context.js';
import type { FileView, ThumbnailView } from './feed-types.js';

/** Path marking the server's transient thumbnail placeholder. */
export const TRANSIENT_MARK = '/images/status/transient/';

/** Record types and field data types whose files `/web/file/...` hands out (what the page links). */
export const FILE_ROUTE_TYPES: ReadonlySet<string> = new Set(['Version', 'Shot', 'Attachment']);

/** A short digest of a stored file value, so a link changes when the file does. */
function digest(stored: unknown): string {
  return createHash('sha1').update(JSON.stringify(stored) ?? '').digest('hex').slice(0, 12);
}

/** The page's bearer-free link to a record's file field. */
export function fileRoute(ctx: EmulatorContext, rec: StoredRecord, field: string): string {
  return `/web/file/${ctx.store.slug(rec.type)}/${rec.id}/${encodeURIComponent(field)}?v=${digest(rec.fields[field])}`;
}

/** Root-relative form of a URL on this site (works whichever host name the browser used). */
export function siteRelative(ctx: EmulatorContext, url: string): string {
  const base = ctx.baseUrl.replace(/\/+$/, '');
  return base && url.startsWith(`${base}/`) ? url.slice(base.length) : url;
}

/** The thumbnail of a record's image field: none, the pending placeholder, or the real image. */
export function thumbnailOf(ctx: EmulatorContext, rec: StoredRecord, field = 'image'): ThumbnailView {
  const stored = rec.fields[field];
  if (stored === null || stored === undefined) return { state: 'none', src: null };
  const rendered = ctx.files.render('image', stored);
  if (typeof rendered !== 'string' || rendered === '') return { state: 'none', src: null };
  if (rendered.includes(TRANSIENT_MARK)) return { state: 'pending', src: siteRelative(ctx, rendered) };
  return { state: 'ready', src: fileRoute(ctx, rec, field) };
}

/** A rendered `url` field value (`{url,name,content_type,link_type,type,id}` or a bare string). */
interface RenderedUrl {
  url?: unknown;
  name?: unknown;
  content_type?: unknown;
  link_type?: unknown;
  type?: unknown;
  id?: unknown;
}

/** Whether a string is an http(s) URL. */
function isHttp(url: unknown): url is string {
  return typeof url === 'string' && /^https?:\/\//i.test(url);
}

/** Whether a browser can be sent there: an http(s) URL or a root-relative path on this site. */
function isFollowable(url: unknown): url is string {
  return isHttp(url) || (typeof url === 'string' && url.startsWith('/') && !url.startsWith('//'));
}

/** A record's url field as a file entry, or undefined when empty. */
export function fileFieldView(ctx: EmulatorContext, rec: StoredRecord, field: string, role = field): FileView | undefined {
  const stored = rec.fields[field];
  if (stored === null || stored === undefined) return undefined;
  const rendered = ctx.files.render('url', stored);
  if (rendered === null || rendered === undefined) return undefined;
  if (typeof rendered === 'string') {
    return { role, attachmentId: null, name: rendered, contentType: null, linkType: 'web', href: isHttp(rendered) ? rendered : null };
  }
  if (typeof rendered !== 'object') return undefined;
  const r = rendered as RenderedUrl;
  const linkType = typeof r.link_type === 'string' ? r.link_type : 'upload';
  const href = linkType === 'upload' ? fileRoute(ctx, rec, field) : linkType === 'web' && isHttp(r.url) ? r.url : null;
  return {
    role,
    attachmentId: r.type === 'Attachment' && typeof r.id === 'number' ? r.id : null,
    name: typeof r.name === 'string' && r.name !== '' ? r.name : linkType === 'web' && typeof r.url === 'string' ? r.url : field,
    contentType: typeof r.content_type === 'string' ? r.content_type : null,
    linkType,
    href,
  };
}

/** An Attachment row as a file entry (its `this_file`, named by its display name). */
export function attachmentView(ctx: EmulatorContext, att: StoredRecord): FileView {
  const view = fileFieldView(ctx, att, 'this_file', 'attachment') ?? {
    role: 'attachment', attachmentId: att.id, name: '', contentType: null, linkType: 'upload', href: null,
  };
  const named = [att.fields.display_name, att.fields.original_fname, att.fields.filename].find((v) => typeof v === 'string' && v !== '');
  return { ...view, attachmentId: att.id, name: (named as string | undefined) ?? (view.name || `Attachment #${att.id}`) };
}

/**
 * Where `/web/file/{slug}/{id}/{field}` sends the browser: the fresh signed URL (or placeholder)
 * the API would give for that field, or undefined when there is nothing to hand out.
 */
export function fileRedirectTarget(ctx: EmulatorContext, rec: StoredRecord, field: string): string | undefined {
  const def = ctx.store.field(rec.type, field);
  const stored = rec.fields[field];
  if (!def || stored === null || stored === undefined) return undefined;
  if (def.dataType === 'image') {
    const rendered = ctx.files.render('image', stored);
    return isFollowable(rendered) ? rendered : undefined;
  }
  if (def.dataType === 'url') {
    const rendered = ctx.files.render('url', stored);
    if (!rendered || typeof rendered !== 'object') return undefined;
    const { url, link_type: linkType } = rendered as RenderedUrl;
    return (linkType ?? 'upload') === 'upload' && isFollowable(url) ? url : undefined;
  }
  return undefined;
}
