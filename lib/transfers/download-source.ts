/**
 * What a download fetches: a file field of a record (read through the API, so the URL is freshly
 * signed), an attachment / url-field value (`{url, name, …}`), or a URL.
 *
 * Who gets the bearer: only the site's API, through `api.request` (a field read, or an API URL
 * that redirects to the storage). Signed storage URLs and any other host are fetched without it:
 * the signature is the credential, and the token must not travel to another host.
 */
import type { ApiCaller } from '../api-caller.js';
import { ShotGridError } from '../errors.js';
import { checkEntityType, checkFieldName, checkId, dataOf, entityPath } from '../entities/records.js';
import { isTransientImageUrl } from './transient.js';
import type { DownloadSource } from './types.js';
import { isSignedUrl } from './signed-url.js';

/** A resolved source. */
export interface ResolvedSource {
  url: string;
  /** The file name the source gives (attachment name), if any. */
  name?: string;
  /** Fetches a freshly signed URL (field and Attachment sources), for one retry after a 403. */
  refresh?: () => Promise<ResolvedSource>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function pending(where: string): ShotGridError {
  return new ShotGridError('SG_THUMBNAIL_PENDING', `${where}: the thumbnail is still being processed (transient placeholder); wait for it (waitForThumbnail) and download again`);
}

/** The URL and name of a field value (image string or url hash). */
function fromValue(value: unknown, where: string): ResolvedSource {
  if (value === null || value === undefined || value === '') throw new ShotGridError('SG_NOT_FOUND', `${where} is empty`);
  if (typeof value === 'string') {
    if (isTransientImageUrl(value)) throw pending(where);
    return { url: value };
  }
  if (isObject(value)) {
    if (value.link_type === 'local' || typeof value.url !== 'string' || value.url === '') {
      throw new ShotGridError('SG_NOT_FOUND', `${where} has no URL to download (${value.link_type === 'local' ? 'a local file link' : 'no url'})`);
    }
    if (isTransientImageUrl(value.url)) throw pending(where);
    return { url: value.url, name: typeof value.name === 'string' ? value.name : undefined };
  }
  throw new ShotGridError('SG_BAD_RESPONSE', `${where} is not a file field value`);
}

/** Reads a file field through the API (a fresh signed URL each time). */
async function readFileField(api: ApiCaller, type: string, id: number, field: string, alt: 'original' | 'thumbnail' | undefined, signal?: AbortSignal): Promise<ResolvedSource> {
  const where = `${type} ${id} ${field}`;
  const path = `${entityPath(type, id)}/${encodeURIComponent(field)}`;
  let resolved: ResolvedSource;
  if (alt === 'thumbnail') {
    // Only the site knows where a url field's thumbnail is: ask it to redirect there.
    const res = await api.request({ method: 'GET', path, query: { alt }, okStatuses: [301, 302, 303, 307, 308], responseType: 'none', idempotent: true, signal });
    const location = res.headers.location;
    resolved = fromValue(Array.isArray(location) ? location[0] : location, where);
  } else {
    const res = await api.request({ method: 'GET', path, idempotent: true, signal });
    resolved = fromValue(dataOf(res.body), where);
  }
  return { ...resolved, refresh: () => readFileField(api, type, id, field, alt, signal) };
}

/** An API URL on the site (never fetched without the bearer): the storage URL it redirects to. */
async function followApiUrl(api: ApiCaller, url: URL, signal?: AbortSignal): Promise<ResolvedSource> {
  const res = await api.request({ method: 'GET', path: `${url.pathname}${url.search}`, okStatuses: [301, 302, 303, 307, 308], idempotent: true, signal });
  const location = res.headers.location;
  const where = url.pathname;
  if (res.status >= 300 && res.status < 400) return fromValue(Array.isArray(location) ? location[0] : location, where);
  return fromValue(dataOf(res.body), where);
}

/** Resolves a URL given as a string or as a value's `url`. */
async function fromUrl(api: ApiCaller, text: string, name: string | undefined, signal?: AbortSignal): Promise<ResolvedSource> {
  let url: URL;
  try {
    url = new URL(text, api.siteUrl);
  } catch {
    throw new ShotGridError('SG_CONFIG', 'download source is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ShotGridError('SG_CONFIG', `download URLs must be http(s) (got ${url.protocol})`);
  if (isTransientImageUrl(url.href)) throw pending(url.pathname);
  if (url.origin === api.siteUrl.origin && url.pathname.startsWith('/api/') && !isSignedUrl(url)) {
    const followed = await followApiUrl(api, url, signal);
    return { ...followed, name: name ?? followed.name };
  }
  return { url: url.href, name };
}

/** Resolves a download source to a URL (and name). `SG_NOT_FOUND` / `SG_THUMBNAIL_PENDING` as the field says. */
export async function resolveSource(api: ApiCaller, source: DownloadSource, alt: 'original' | 'thumbnail' | undefined, signal?: AbortSignal): Promise<ResolvedSource> {
  if (typeof source === 'string') return fromUrl(api, source, undefined, signal);
  if (!isObject(source)) throw new ShotGridError('SG_CONFIG', 'download source must be {type, id, field}, a file field value {url, name}, or a URL');
  if ('url' in source && typeof source.url === 'string') {
    const value = source as { url: string; name?: unknown; type?: unknown; id?: unknown; link_type?: unknown };
    const name = typeof value.name === 'string' ? value.name : undefined;
    const resolved = await fromUrl(api, value.url, name, signal);
    // An uploaded Attachment can be re-read for a fresh URL when this one has expired.
    if (value.type === 'Attachment' && typeof value.id === 'number' && value.link_type !== 'web') {
      const id = value.id;
      return { ...resolved, refresh: () => readFileField(api, 'Attachment', id, 'this_file', undefined, signal) };
    }
    return resolved;
  }
  if ('url' in source) throw new ShotGridError('SG_NOT_FOUND', 'the file value has no URL (nothing uploaded, or a local file link)');
  const { type, id, field } = source as { type?: unknown; id?: unknown; field?: unknown };
  if (field === undefined) throw new ShotGridError('SG_CONFIG', 'download source {type, id} needs a field (e.g. sg_uploaded_movie, image)');
  const fieldName = checkFieldName(field);
  if (fieldName.includes('.')) throw new ShotGridError('SG_CONFIG', 'download field must be a field of the record itself (no dotted path)');
  return readFileField(api, checkEntityType(type), checkId(id), fieldName, alt, signal);
}
