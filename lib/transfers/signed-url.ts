/** Signed storage URLs: temporary credentials (whoever holds one can use it until it expires). */

/** Query parameters that make a URL a signed one (S3 SigV4 and the site's own `sg` storage links). */
const SIGNATURE_PARAMS = ['x-amz-signature', 'x-amz-credential', 'x-amz-security-token', 'signature'];

/** A signature parameter written plainly in the query (before any fragment): signed, no parse needed. */
const PLAIN_SIGNATURE = /^[^?#]*\?(?:[^#]*&)?(?:x-amz-signature|x-amz-credential|x-amz-security-token|signature)=/i;
/** Without any of these, no query key can decode to a signature parameter: not signed, no parse needed. */
const MAYBE_SIGNATURE = /%|signature|credential|security-token/i;

/**
 * True for an http(s) URL (string or `URL`) whose query carries a storage signature. Strings
 * are decided without a URL parse when their text settles it (nodes check every value they send).
 */
export function isSignedUrl(value: unknown): boolean {
  let url: URL;
  if (value instanceof URL) url = value;
  else if (typeof value === 'string' && /^https?:\/\//i.test(value)) {
    if (PLAIN_SIGNATURE.test(value)) return true;
    if (!MAYBE_SIGNATURE.test(value)) return false;
    try {
      url = new URL(value);
    } catch {
      return false;
    }
  } else return false;
  return [...url.searchParams.keys()].some((k) => SIGNATURE_PARAMS.includes(k.toLowerCase()));
}
