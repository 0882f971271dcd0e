/**
 * P4's baseline: what the Python API's `find` does for a large result (python-api.md §6) —
 * 500-record pages, strictly one after another, stopping at the first short page — over
 * `POST /entity/{e}/_search` with hash filters.
 */
import { request } from 'undici';

/** Reads every record of `type` matching `filters`; returns how many. */
export async function sequentialPages(site: string, token: string, type: string, filters: unknown, fields: string[], pageSize = 500): Promise<number> {
  let total = 0;
  for (let number = 1; ; number++) {
    const res = await request(`${site}/api/v1/entity/${type}/_search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/vnd+shotgun.api3_hash+json', accept: 'application/json' },
      body: JSON.stringify({ filters, fields, page: { size: pageSize, number } }),
    });
    const body = (await res.body.json()) as { data?: unknown[] };
    if (res.statusCode !== 200 || !Array.isArray(body.data)) throw new Error(`page ${number} answered ${res.statusCode}`);
    total += body.data.length;
    if (body.data.length < pageSize) return total;
  }
}
