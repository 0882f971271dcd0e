/**
 * Content-Type of storage PUTs. S3 presigned URLs normally sign only `host`, so Content-Type is
 * free (and stored as the object's type); when a URL does sign it (`X-Amz-SignedHeaders`
 * contains `content-type`) the value must be the one the site signed, which it can only have
 * derived from the file name — the same guess as here. Parts of a multipart upload carry no
 * type (S3 ignores it on UploadPart) unless the part's URL signs it.
 */
import { lookup } from 'mime-types';

/** The type guessed from a file name (`application/octet-stream` when unknown). */
export function contentTypeFor(fileName: string): string {
  return lookup(fileName) || 'application/octet-stream';
}

/** Lower-case names of the headers a presigned URL signs (empty when it is not SigV4-presigned). */
export function signedHeadersOf(url: string | URL): string[] {
  try {
    const value = new URL(String(url)).searchParams.get('X-Amz-SignedHeaders');
    return value ? value.toLowerCase().split(';').map((h) => h.trim()).filter(Boolean) : [];
  } catch {
    return [];
  }
}

/** The Content-Type header to send with a PUT of `fileName` to `url`, or undefined for none. */
export function putContentType(url: string | URL, fileName: string, isPart: boolean): string | undefined {
  if (signedHeadersOf(url).includes('content-type')) return contentTypeFor(fileName);
  return isPart ? undefined : contentTypeFor(fileName);
}
