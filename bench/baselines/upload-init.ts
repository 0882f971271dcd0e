/** The REST upload init (shotgrid-rest §6.1) as a hand-written baseline does it: one GET, bearer auth. */
import { request } from 'undici';

/** What the init answered. */
export interface InitReply {
  data: Record<string, unknown>;
  links: { upload: string; complete_upload: string; get_next_part?: string };
}

/** `GET /entity/versions/{id}/{field}/_upload?filename=…[&multipart_upload=true]`. */
export async function initUpload(site: string, token: string, versionId: number, field: string, filename: string, multipart: boolean): Promise<InitReply> {
  const query = new URLSearchParams({ filename, ...(multipart ? { multipart_upload: 'true' } : {}) });
  const res = await request(`${site}/api/v1/entity/versions/${versionId}/${field}/_upload?${query.toString()}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  });
  const body = (await res.body.json()) as InitReply;
  if (res.statusCode !== 200) throw new Error(`upload init answered ${res.statusCode}`);
  return body;
}

/** An absolute URL for a link the site may give root-relative. */
export function absolute(site: string, link: string): string {
  return new URL(link, site).toString();
}
