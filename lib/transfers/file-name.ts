/** Safe local file names from names chosen by others (attachment names, URL paths). */

/** Name used when nothing usable is left. */
export const FALLBACK_FILE_NAME = 'download';
/** Longest name most file systems accept, in UTF-8 bytes. */
const MAX_NAME_BYTES = 255;

function cutToBytes(text: string, maxBytes: number): string {
  let out = '';
  for (const ch of text) {
    if (Buffer.byteLength(out + ch) > maxBytes) break;
    out += ch;
  }
  return out;
}

/**
 * A name that stays inside the folder it is joined to: path separators and control characters
 * become `_`, runs of dots collapse (no `..`), leading dots and trailing dots/spaces go (no
 * hidden or odd names), and it is cut to 255 bytes keeping its extension.
 */
export function sanitizeFileName(name: unknown): string {
  if (typeof name !== 'string') return FALLBACK_FILE_NAME;
  let s = name
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex
    .replace(/[/\\\u0000-\u001f\u007f-\u009f]/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '');
  if (s === '' || /^_+$/.test(s)) return FALLBACK_FILE_NAME;
  if (Buffer.byteLength(s) > MAX_NAME_BYTES) {
    const dot = s.lastIndexOf('.');
    const ext = dot > 0 && s.length - dot <= 16 ? s.slice(dot) : '';
    s = cutToBytes(s.slice(0, s.length - ext.length), MAX_NAME_BYTES - Buffer.byteLength(ext)) + ext;
  }
  return s;
}

/** The decoded last path segment of a URL (its query and signature ignored), or undefined. */
export function nameFromUrl(url: string | URL): string | undefined {
  try {
    const segments = new URL(String(url)).pathname.split('/').filter(Boolean);
    const last = segments[segments.length - 1];
    if (!last) return undefined;
    try {
      return decodeURIComponent(last);
    } catch {
      return last;
    }
  } catch {
    return undefined;
  }
}
