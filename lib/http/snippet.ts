/** Short, safe excerpts of server text for error messages. */

const TAGS = /<(script|style)[^>]*>[\s\S]*?<\/\1>|<[^>]*>/gi;
const JWT = /\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]{5,}/g;
const BEARER = /\b(bearer)\s+[\w.~+/=-]{8,}/gi;
const SECRET_PARAMS = /\b(x-amz-signature|x-amz-credential|x-amz-security-token|signature|access_token|refresh_token|client_secret|password|session_token|token|key)=[^&\s"'<>]+/gi;

/**
 * Strips markup, collapses whitespace, hides tokens and URL signatures, and cuts to `max`
 * characters (with an ellipsis).
 */
export function sanitizeSnippet(text: string, max = 160): string {
  const plain = text
    .replace(TAGS, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(JWT, '***')
    .replace(BEARER, '$1 ***')
    .replace(SECRET_PARAMS, '$1=***')
    .replace(/\s+/g, ' ')
    .trim();
  return plain.length > max ? `${plain.slice(0, max - 1)}…` : plain;
}
