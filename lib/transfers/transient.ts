/** The site's "thumbnail pending" placeholder URLs. */

/** Path prefix of every transient image (the file name after it varies: never match on it). */
export const TRANSIENT_IMAGE_PREFIX = '/images/status/transient/';

/**
 * True when an image field value is a transient placeholder
 * (`<site>/images/status/transient/thumbnail_pending.png` or any other name under that path).
 */
export function isTransientImageUrl(url: unknown): boolean {
  if (typeof url !== 'string' || url === '') return false;
  try {
    return new URL(url, 'http://site.invalid').pathname.startsWith(TRANSIENT_IMAGE_PREFIX);
  } catch {
    return url.includes(TRANSIENT_IMAGE_PREFIX);
  }
}
