/**
 * The web view on a real emulator over HTTP: the page and its feed answer, records made through
 * the API show up (a Version, its thumbnail pending then ready, its movie and attachments, each
 * downloadable without a bearer), and the page changes nothing about the API: `/api/v1` still
 * wants a bearer, and neither page nor feed carries credentials, tokens or signed URLs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { startEmulator } from '../../emulator/index.js';
import type { Emulator } from '../../emulator/types.js';
import type { FileView, VersionView, WebFeed } from '../../emulator/web/feed-types.js';

const TRANSCODE_MS = 800;

/** A small solid-colour PNG (real, decodable). */
function png(width: number, height: number, rgb: [number, number, number]): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer): number => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** A bearer token for the script user. */
async function accessToken(emu: Emulator): Promise<{ access: string; refresh: string }> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: emu.credentials.scriptName, client_secret: emu.credentials.scriptKey });
  const res = await fetch(`${emu.url}/api/v1/auth/access_token`, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(res.status, 200, 'token request');
  const body = (await res.json()) as { access_token: string; refresh_token: string };
  return { access: body.access_token, refresh: body.refresh_token };
}

/** One API call with the bearer; returns status and parsed JSON (undefined for empty bodies). */
async function api(emu: Emulator, token: string, method: string, path: string, json?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(new URL(path, emu.url), {
    method,
    headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  return { status: res.status, body: text.trim() ? (JSON.parse(text) as unknown) : undefined };
}

/** Uploads bytes the way the REST API wants (init, PUT to storage, complete). */
async function upload(emu: Emulator, token: string, target: string, filename: string, bytes: Buffer, contentType: string): Promise<void> {
  const init = await api(emu, token, 'GET', `/api/v1/entity/${target}/_upload?filename=${encodeURIComponent(filename)}`);
  assert.equal(init.status, 200, `upload init for ${target}`);
  const { data, links } = init.body as { data: Record<string, unknown>; links: { upload: string; complete_upload: string } };
  const put = await fetch(new URL(links.upload, emu.url), { method: 'PUT', body: bytes, headers: { 'content-type': contentType } });
  assert.equal(put.status, 200, 'storage PUT');
  await put.arrayBuffer();
  const done = await api(emu, token, 'POST', links.complete_upload, { upload_info: data, upload_data: {} });
  assert.ok(done.status === 201 || done.status === 204, `upload completion answered ${done.status}`);
}

async function feed(emu: Emulator): Promise<{ feed: WebFeed; text: string }> {
  const res = await fetch(`${emu.url}/web/state.json`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const text = await res.text();
  return { feed: JSON.parse(text) as WebFeed, text };
}

function findVersion(f: WebFeed, id: number): { version: VersionView; project: string; shot: string | null } | undefined {
  for (const p of f.projects) {
    for (const s of p.shots) {
      const v = s.versions.find((x) => x.id === id);
      if (v) return { version: v, project: p.name, shot: s.code };
    }
    const v = p.otherVersions.find((x) => x.id === id);
    if (v) return { version: v, project: p.name, shot: null };
  }
  return undefined;
}

/** Polls the feed until the version matches, or fails with what it last saw. */
async function waitForVersion(emu: Emulator, id: number, ok: (v: VersionView) => boolean, what: string, timeoutMs = 10_000): Promise<VersionView> {
  const deadline = Date.now() + timeoutMs;
  let last: VersionView | undefined;
  while (Date.now() < deadline) {
    last = findVersion((await feed(emu)).feed, id)?.version;
    if (last && ok(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`Version ${id} never showed ${what} in the feed (last: ${JSON.stringify(last?.thumbnail ?? null)})`);
}

/** Every string in a JSON value. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => strings(v, out));
  return out;
}

describe('web view on the emulator', () => {
  let emu: Emulator;
  let token: { access: string; refresh: string };
  let shot: { id: number; code: string; projectId: number };
  let versionId: number;
  const image = png(64, 36, [240, 140, 30]);
  const movie = Buffer.from('not really a movie, but bytes the page must hand back unchanged');
  const notes = Buffer.from('review notes\n');

  before(async () => {
    emu = await startEmulator({ transcodeDelay: TRANSCODE_MS });
    token = await accessToken(emu);
    const shots = await api(emu, token.access, 'GET', '/api/v1/entity/shots?fields=code,project&page[size]=1');
    assert.equal(shots.status, 200);
    const first = (shots.body as { data: Array<{ id: number; attributes: { code: string }; relationships: { project: { data: { id: number } } } }> }).data[0]!;
    shot = { id: first.id, code: first.attributes.code, projectId: first.relationships.project.data.id };
    const created = await api(emu, token.access, 'POST', '/api/v1/entity/versions', {
      code: 'web_view_v001', description: 'made by the web view test', project: { type: 'Project', id: shot.projectId }, entity: { type: 'Shot', id: shot.id },
    });
    assert.equal(created.status, 201, `create Version: ${JSON.stringify(created.body)}`);
    versionId = (created.body as { data: { id: number } }).data.id;
  });
  after(() => emu?.close());

  test('GET / is an HTML page that names itself the local emulator, and its files load', async () => {
    const res = await fetch(`${emu.url}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const html = await res.text();
    assert.match(html, /LOCAL EMULATOR ONLY/);
    for (const m of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
      const asset = await fetch(new URL(m[1]!, emu.url));
      assert.equal(asset.status, 200, `${m[1]} loads`);
      await asset.arrayBuffer();
    }
  });

  test('a Version created through the API is listed under its project and shot, newest first', async () => {
    const { feed: f } = await feed(emu);
    const found = findVersion(f, versionId);
    assert.ok(found, 'the new Version is in the feed');
    assert.equal(found.version.code, 'web_view_v001');
    assert.equal(found.shot, shot.code);
    assert.equal(found.version.description, 'made by the web view test');
    assert.equal(found.version.thumbnail.state, 'none');
    const project = f.projects.find((p) => p.id === shot.projectId)!;
    assert.equal(f.projects[0], project, 'the project with the newest version comes first');
    assert.equal(project.shots[0]!.code, shot.code, 'the shot with the newest version comes first');
    assert.equal(project.shots[0]!.versions[0]!.id, versionId, 'newest version first');
  });

  test('an uploaded thumbnail shows as the placeholder while pending, then as the image', async () => {
    await upload(emu, token.access, `versions/${versionId}/image`, 'thumb.png', image, 'image/png');
    const pending = await waitForVersion(emu, versionId, (v) => v.thumbnail.state !== 'none', 'a thumbnail');
    if (pending.thumbnail.state === 'pending') {
      assert.equal(pending.thumbnail.src, '/images/status/transient/thumbnail_pending.png');
      const placeholder = await fetch(new URL(pending.thumbnail.src!, emu.url));
      assert.equal(placeholder.status, 200);
      assert.match(placeholder.headers.get('content-type') ?? '', /^image\/png/);
      await placeholder.arrayBuffer();
    } else {
      console.log('note: the thumbnail was ready before the first feed read saw it pending');
    }
    const ready = await waitForVersion(emu, versionId, (v) => v.thumbnail.state === 'ready', 'a ready thumbnail', TRANSCODE_MS + 10_000);
    const res = await fetch(new URL(ready.thumbnail.src!, emu.url)); // follows the redirect, no bearer
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), image);
  });

  test('the movie and attachments are listed once each and download without a bearer', async () => {
    await upload(emu, token.access, `versions/${versionId}/sg_uploaded_movie`, 'web_view_v001.mov', movie, 'video/quicktime');
    await upload(emu, token.access, `versions/${versionId}`, 'notes.txt', notes, 'text/plain');
    const v = await waitForVersion(emu, versionId, (x) => x.files.length >= 2, 'its movie and attachment');
    const byName = (name: string): FileView => v.files.find((f) => f.name === name) ?? assert.fail(`${name} not listed: ${JSON.stringify(v.files)}`);
    const mov = byName('web_view_v001.mov');
    assert.equal(mov.role, 'sg_uploaded_movie');
    assert.equal(byName('notes.txt').role, 'attachment');
    assert.equal(v.files.filter((f) => f.name === 'web_view_v001.mov').length, 1, 'the movie is not listed again as an attachment');
    for (const [file, bytes] of [[mov, movie], [byName('notes.txt'), notes]] as const) {
      assert.match(file.href ?? '', /^\/web\/file\//);
      const res = await fetch(new URL(file.href!, emu.url));
      assert.equal(res.status, 200, `${file.name} downloads`);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), bytes);
    }
  });

  test('the API still requires a bearer token', async () => {
    for (const path of ['/api/v1/entity/versions', `/api/v1/entity/versions/${versionId}`, `/api/v1/entity/versions/${versionId}/image`]) {
      const res = await fetch(new URL(path, emu.url), { headers: { accept: 'application/json' } });
      assert.equal(res.status, 401, `${path} without a bearer`);
      await res.arrayBuffer();
    }
    const fromPage = await fetch(`${emu.url}/api/v1/entity/versions`, { headers: { referer: `${emu.url}/` } });
    assert.equal(fromPage.status, 401, 'coming from the page grants nothing');
    await fromPage.arrayBuffer();
  });

  test('neither page nor feed carries credentials, tokens or signed storage URLs', async () => {
    // A movie upload starts a new thumbnail; wait until it is ready, when the API hands out signed URLs.
    await waitForVersion(emu, versionId, (v) => v.thumbnail.state === 'ready', 'a ready thumbnail', TRANSCODE_MS + 10_000);
    const { feed: f, text } = await feed(emu);
    assert.equal(findVersion(f, versionId)?.version.thumbnail.state, 'ready');
    const page = await (await fetch(`${emu.url}/`)).text();
    const script = await (await fetch(`${emu.url}/web/app.js`)).text();
    const { scriptKey, password } = emu.credentials;
    for (const [what, secret] of [['script key', scriptKey], ['password', password], ['access token', token.access], ['refresh token', token.refresh]] as const) {
      for (const [where, body] of [['feed', text], ['page', page], ['app.js', script]] as const) {
        assert.ok(!body.includes(secret), `the ${where} contains the ${what}`);
      }
    }
    // Links are same-site paths; the only absolute URL is the site's own address.
    const absolute = strings(f).filter((s) => /^[a-z]+:\/\//i.test(s) && s !== f.site.url && !s.startsWith(`${f.site.url}/images/status/transient/`));
    assert.deepEqual(absolute, []);
    assert.ok(!/signature|x-amz-/i.test(text), 'the feed holds a signed URL');
  });

  test('the page is read-only', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const res = await fetch(`${emu.url}/web/state.json`, { method });
      assert.equal(res.status, 405, method);
      await res.arrayBuffer();
    }
  });
});
