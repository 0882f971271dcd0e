/**
 * Local file links: a url field written as `{local_path}` or `{relative_path, local_storage}`
 * points at a file on studio storage (a `LocalStorage` row's roots), as the site stores a
 * PublishedFile's `path`. Follows what was measured on a live site (sg-groundtruth,
 * `corpus/recipes/004_register_published_file.md`, `corpus/findings/058_local_storage_roots.md`,
 * `corpus/findings/field_types/url.md`):
 * - `local_path` under any platform's root of a row (mac, linux, or windows matched with forward
 *   slashes) resolves to that row; the deepest matching root wins, equal roots go to the higher id;
 * - the stored value names the row, the path relative to it, and the path under every root the row
 *   defines (windows with backslashes); it has no `url` key; `content_type` is guessed from the name;
 * - a path under no root → 400 code 104; a backslash in `relative_path` or `relative_path` without
 *   a storage → 400 code 103.
 */
import { lookup } from 'mime-types';
import { ApiError } from '../http/respond.js';
import type { MemoryStore } from '../store/memory-store.js';
import { rubyInspect } from './ruby-inspect.js';

/** The keys a local link is read back with (REST), besides `type` and `id` of its Attachment. */
export interface LocalLinkValue {
  link_type: 'local';
  name: string;
  content_type: string | null;
  local_storage: { type: 'LocalStorage'; id: number; name: string | null };
  relative_path: string;
  local_path_mac: string | null;
  local_path_windows: string | null;
  local_path_linux: string | null;
}

/** The three platform roots of a LocalStorage row, in the order they are tried. */
const ROOT_FIELDS = ['mac_path', 'linux_path', 'windows_path'] as const;

/** Whether a url-field write asks for a local link rather than a web link. */
export function isLocalLinkWrite(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { url?: unknown }).url !== 'string'
    && ('local_path' in v || 'relative_path' in v);
}

/** A root as it is matched: forward slashes, no trailing slash, case kept. */
function normalRoot(root: string): string {
  return root.replace(/\\/g, '/').replace(/\/+$/, '');
}

/** The row's root for a platform joined with a relative path, spelled as that platform spells it. */
function joinRoot(root: unknown, relative: string, windows: boolean): string | null {
  if (typeof root !== 'string' || root === '') return null;
  const joined = `${root.replace(/[\\/]+$/, '')}/${relative}`;
  return windows ? joined.replace(/\//g, '\\') : joined;
}

/** The LocalStorage row whose root is the deepest prefix of `path` (ties: the higher id). */
function storageFor(store: MemoryStore, path: string): { id: number; relative: string } | undefined {
  let best: { id: number; depth: number; relative: string } | undefined;
  for (const row of store.all('LocalStorage')) {
    for (const field of ROOT_FIELDS) {
      const raw = row.fields[field];
      if (typeof raw !== 'string' || raw === '') continue;
      const root = normalRoot(raw);
      if (!path.startsWith(`${root}/`)) continue;
      const depth = root.length;
      if (!best || depth > best.depth || (depth === best.depth && row.id > best.id)) best = { id: row.id, depth, relative: path.slice(root.length + 1) };
    }
  }
  return best && { id: best.id, relative: best.relative };
}

/** Resolves a local-link write against the LocalStorage rows; throws the site's errors. */
export function resolveLocalLink(store: MemoryStore, verb: 'create' | 'update', v: Record<string, unknown>): LocalLinkValue {
  let storageId: number;
  let relative: string;
  if (typeof v.local_path === 'string' && v.local_path !== '') {
    const found = storageFor(store, v.local_path);
    if (!found) throw new ApiError(400, 104, `Create failed for [Attachment]: Path ${v.local_path} doesn't match any defined Local Storage.`, null);
    storageId = found.id;
    relative = found.relative;
  } else {
    const rel = v.relative_path;
    const ls = v.local_storage as { type?: unknown; id?: unknown } | null | undefined;
    if (typeof ls !== 'object' || ls === null || typeof ls.id !== 'number') {
      throw new ApiError(400, 103, `API ${verb}() invalid/missing url hash string 'url': ${rubyInspect(v)}`, {});
    }
    if (typeof rel !== 'string' || rel === '' || rel.includes('\\')) {
      throw new ApiError(400, 103, `API ${verb}() invalid/missing relative_path hash string 'relative_path': ${rubyInspect(v)}`, {});
    }
    if (!store.get('LocalStorage', ls.id)) throw new ApiError(400, 104, `Create failed for [Attachment]: LocalStorage with id=${ls.id} does not exist.`, null);
    storageId = ls.id;
    relative = rel.replace(/^\/+/, '');
  }
  const row = store.get('LocalStorage', storageId)!;
  const base = relative.split('/').pop() ?? relative;
  const name = typeof v.name === 'string' && v.name !== '' ? v.name : base;
  const guessed = lookup(base);
  return {
    link_type: 'local',
    name,
    content_type: typeof v.content_type === 'string' ? v.content_type : guessed === false ? null : guessed,
    local_storage: { type: 'LocalStorage', id: row.id, name: store.nameOf('LocalStorage', row.id) },
    relative_path: relative,
    local_path_mac: joinRoot(row.fields.mac_path, relative, false),
    local_path_windows: joinRoot(row.fields.windows_path, relative, true),
    local_path_linux: joinRoot(row.fields.linux_path, relative, false),
  };
}
