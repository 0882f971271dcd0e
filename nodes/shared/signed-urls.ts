/**
 * Signed storage URLs are temporary credentials: whoever holds one can read the file until it
 * expires. Nodes do not put one in a message unless sending it is their job (thumbnail-wait) or
 * the flow asked for that field's value (find).
 */
import { isSignedUrl } from '../../lib/index.js';

/**
 * `value` with every signed URL left out: object properties holding one are dropped (a file
 * field's `url`), array items and a bare signed URL become null. Plain data only; depth-limited.
 */
export function withoutSignedUrls(value: unknown, depth = 0): unknown {
  if (isSignedUrl(value)) return null;
  if (depth > 8 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => withoutSignedUrls(v, depth + 1));
  const out: Record<string, unknown> = {};
  const record = value as Record<string, unknown>;
  for (const k of Object.keys(record)) {
    const v = record[k];
    if (!isSignedUrl(v)) out[k] = withoutSignedUrls(v, depth + 1);
  }
  return out;
}
