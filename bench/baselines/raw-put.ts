/**
 * P1's baseline: the least any client can do — one undici PUT of the file, streamed from disk,
 * to a signed storage URL obtained beforehand. Only the PUT is timed (no ShotGrid calls).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request } from 'undici';
import { absolute, initUpload } from './upload-init.js';

/** Gets a signed single-PUT link for `versionId`, then times one PUT of `path` to it (ms). */
export async function rawPut(site: string, token: string, versionId: number, path: string): Promise<number> {
  const { size } = await stat(path);
  const init = await initUpload(site, token, versionId, 'sg_uploaded_movie', 'raw.bin', false);
  const started = performance.now();
  const res = await request(absolute(site, init.links.upload), {
    method: 'PUT',
    headers: { 'content-length': String(size), 'content-type': 'application/octet-stream' },
    body: createReadStream(path, { highWaterMark: 1024 * 1024 }),
  });
  await res.body.dump();
  const ms = performance.now() - started;
  if (res.statusCode !== 200) throw new Error(`raw PUT answered ${res.statusCode}`);
  return ms;
}
