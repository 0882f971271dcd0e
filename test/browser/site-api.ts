/**
 * Just enough of the ShotGrid REST API to check, from outside, what the demo's flows did on the
 * local site (independent of lib/, so a client bug cannot hide a flow bug).
 */

/** A Version as the check needs it. */
export interface VersionRow {
  id: number;
  code: string | null;
  image: string | null;
}

/** Gets a bearer token with the script key (or the user login) the demo's site node holds. */
export async function accessToken(siteUrl: string, creds: Record<string, string>): Promise<string> {
  const form = new URLSearchParams();
  if (creds.scriptName && creds.scriptKey) {
    form.set('grant_type', 'client_credentials');
    form.set('client_id', creds.scriptName);
    form.set('client_secret', creds.scriptKey);
  } else if (creds.login && creds.password) {
    form.set('grant_type', 'password');
    form.set('username', creds.login);
    form.set('password', creds.password);
  } else {
    throw new Error(`the site's credentials hold neither a script key nor a login (keys: ${Object.keys(creds).join(', ')})`);
  }
  const res = await fetch(new URL('/api/v1/auth/access_token', siteUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: form,
  });
  if (!res.ok) throw new Error(`token request answered ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** The newest Versions, newest first. */
export async function newestVersions(siteUrl: string, token: string, count = 20): Promise<VersionRow[]> {
  const url = new URL('/api/v1/entity/versions', siteUrl);
  url.searchParams.set('fields', 'code,image');
  url.searchParams.set('sort', '-id');
  url.searchParams.set('page[size]', String(count));
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
  if (!res.ok) throw new Error(`GET /entity/versions answered ${res.status}`);
  const body = (await res.json()) as { data: Array<{ id: number; attributes: { code?: string | null; image?: string | null } }> };
  return body.data.map((r) => ({ id: r.id, code: r.attributes.code ?? null, image: r.attributes.image ?? null }));
}

/** True once an image field holds a real (signed) URL rather than the transcoding placeholder. */
export function thumbnailReady(image: string | null): boolean {
  return typeof image === 'string' && /^https?:\/\//.test(image) && !image.includes('/images/status/transient/');
}
