/**
 * P2's baseline: the official Python API's upload algorithm (python-api.md §2), re-implemented
 * over the REST routes with undici:
 *
 * - multipart when the file is larger than 20,000,000 bytes (strict `>`), parts of exactly
 *   20,000,000 bytes (decimal);
 * - each part is read **into memory** before it is sent;
 * - one link request per part, made right before that part's PUT (part 1 included: Python asks
 *   `api_get_upload_link_for_part` from part 1 on, so the init's own link is not used);
 * - strictly sequential: one part in flight, nothing read ahead;
 * - PUT headers only Content-Type (the whole file's guessed type) and Content-Length;
 * - then one completion with every ETag as received.
 *
 * Python's retries are left out (nothing fails here), as is its per-request TLS opener.
 */
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { lookup } from 'mime-types';
import { request } from 'undici';
import { absolute, initUpload } from './upload-init.js';

/** `_MULTIPART_UPLOAD_CHUNK_SIZE`. */
export const PYTHON_CHUNK = 20_000_000;

async function putBytes(url: string, body: Buffer, contentType: string): Promise<string> {
  const res = await request(url, { method: 'PUT', headers: { 'content-type': contentType, 'content-length': String(body.length) }, body });
  await res.body.dump();
  const etag = res.headers.etag;
  if (res.statusCode !== 200 || typeof etag !== 'string') throw new Error(`part PUT answered ${res.statusCode}`);
  return etag;
}

/** The link for part `n`: the init's `get_next_part` with that part number. */
async function partLink(site: string, token: string, nextPart: string, n: number): Promise<string> {
  const url = new URL(nextPart, site);
  url.searchParams.set('part_number', String(n));
  const res = await request(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
  const body = (await res.body.json()) as { links?: { upload?: string } };
  if (res.statusCode !== 200 || !body.links?.upload) throw new Error(`part link ${n} answered ${res.statusCode}`);
  return absolute(site, body.links.upload);
}

/** Uploads `path` to `Version.<field>` the Python way; resolves when the site accepted the completion. */
export async function pythonUpload(site: string, token: string, versionId: number, path: string, field = 'sg_uploaded_movie'): Promise<void> {
  const { size } = await stat(path);
  const filename = basename(path);
  const contentType = lookup(filename) || 'application/octet-stream';
  const multipart = size > PYTHON_CHUNK;
  const init = await initUpload(site, token, versionId, field, filename, multipart);
  const etags: string[] = [];
  const file = await open(path, 'r');
  try {
    if (!multipart) {
      const body = Buffer.alloc(size);
      await file.read(body, 0, size, 0);
      etags.push(await putBytes(absolute(site, init.links.upload), body, contentType));
    } else {
      for (let offset = 0, n = 1; offset < size; offset += PYTHON_CHUNK, n++) {
        const length = Math.min(PYTHON_CHUNK, size - offset);
        const chunk = Buffer.allocUnsafe(length);
        const { bytesRead } = await file.read(chunk, 0, length, offset);
        if (bytesRead !== length) throw new Error('short read');
        const url = await partLink(site, token, init.links.get_next_part!, n);
        etags.push(await putBytes(url, chunk, contentType));
      }
    }
  } finally {
    await file.close();
  }
  const uploadInfo = multipart ? { ...init.data, etags } : init.data;
  const res = await request(absolute(site, init.links.complete_upload), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ upload_info: uploadInfo, upload_data: { display_name: filename } }),
  });
  await res.body.dump();
  if (res.statusCode !== 201 && res.statusCode !== 204) throw new Error(`completion answered ${res.statusCode}`);
}
