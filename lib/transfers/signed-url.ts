/** Signed storage URLs: temporary credentials (whoever holds one can use it until it expires). */

/** Query parameters that make a URL a signed one (S3 SigV4 and the site's own `sg` storage links). */
const SIGNATURE_PARAMS = ['x-amz-signature', 'x-amz-credential', 'x-amz-security-token', 'signature'];

/** True for an http(s) URL (string or `URL`) whose query carries a storage signature. */
export function isSignedUrl(value: unknown): boolean {
  let url: URL;
  if (value instanceof URL) url = value;
  else if (typeof value === 'string' && /^https?:\/\//i.test(value)) {
    try {
      url = new URL(value);
    } catch {
      return false;
    }
  } else return false;
  return [...url.searchParams.keys()].some((k) => SIGNATURE_PARAMS.includes(k.toLowerCase()));
}
