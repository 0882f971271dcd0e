/**
 * The web view's handler over real HTTP against a small in-memory site (fake store and file
 * service behind the `EmulatorContext` seams), so grouping, ordering, thumbnail states, file
 * redirects and what the feed leaves out are pinned down independently of the REST side.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EmulatorContext, EntityStore, FieldDef, FileService, StoredRecord } from '../../emulator/context.js';
import { handleWeb } from '../../emulator/web/index.js';
import type { VersionView, WebFeed } from '../../emulator/web/feed-types.js';

const SIGNATURE = 'X-Amz-Signature=feedbeefcafe0123456789';
const SECRET_KEY = 'script-key-that-must-never-show';

/** Field types of the fake schema. */
const SCHEMA: Record<string, Record<string, FieldDef['dataType']>> = {
  Project: { name: 'text', sg_status: 'list', created_at: 'date_time' },
  Sequence: { code: 'text', project: 'entity' },
  Shot: { code: 'text', project: 'entity', sg_sequence: 'entity', sg_status_list: 'status_list', description: 'text', created_at: 'date_time', image: 'image' },
  Version: {
    code: 'text', project: 'entity', entity: 'entity', sg_status_list: 'status_list', description: 'text', created_at: 'date_time',
    created_by: 'entity', image: 'image', sg_uploaded_movie: 'url', frame_count: 'number', secret_token: 'text', sg_task: 'entity',
  },
  Attachment: { display_name: 'text', this_file: 'url', attachment_links: 'multi_entity', created_at: 'date_time' },
  ApiUser: { firstname: 'text', salted_password: 'text' },
};
const SLUGS: Record<string, string> = { Project: 'projects', Sequence: 'sequences', Shot: 'shots', Version: 'versions', Attachment: 'attachments', ApiUser: 'api_users' };

/** A stored file value of the fake file service: which object, and when its thumbnail is ready. */
interface FakeFile {
  object: string;
  readyAt?: number;
  name?: string;
  contentType?: string;
  attachmentId?: number;
}

function fakeStore(rows: StoredRecord[]): EntityStore {
  return {
    resolveType: (n) => Object.keys(SLUGS).find((t) => t === n || SLUGS[t] === n || t.toLowerCase() === n),
    slug: (t) => SLUGS[t]!,
    field: (t, f) => (SCHEMA[t]?.[f] ? { name: f, dataType: SCHEMA[t]![f]!, editable: true } : undefined),
    get: (t, id) => rows.find((r) => r.type === t && r.id === id && !r.retired),
    insert: () => assert.fail('the web view must not insert'),
    setFields: () => assert.fail('the web view must not write'),
    all: (t) => rows.filter((r) => r.type === t && !r.retired),
  };
}

function fakeFiles(ctx: { baseUrl: string }): FileService {
  const signed = (f: FakeFile): string => `${ctx.baseUrl}/storage/bucket/${f.object}?X-Amz-Expires=900&${SIGNATURE}`;
  return {
    serve: async () => assert.fail('the web view serves no files route'),
    render(dataType, stored) {
      const f = stored as FakeFile | null;
      if (!f) return null;
      if (dataType === 'image') return f.readyAt !== undefined && Date.now() < f.readyAt ? `${ctx.baseUrl}/images/status/transient/thumbnail_pending.png` : signed(f);
      return { url: signed(f), name: f.name, content_type: f.contentType, link_type: 'upload', type: 'Attachment', id: f.attachmentId };
    },
    openUploads: () => [],
    close: async () => {},
  };
}

const row = (type: string, id: number, fields: Record<string, unknown>): StoredRecord => ({ type, id, fields, retired: false });
const link = (type: string, id: number) => ({ type, id });

describe('web view handler (fake site)', () => {
  let server: Server;
  let base: string;
  let rows: StoredRecord[];
  const pendingUntil = Date.now() + 60_000;

  before(async () => {
    rows = [
      row('Project', 1, { name: 'Old Show', sg_status: 'Active', created_at: '2024-01-01T00:00:00Z' }),
      row('Project', 2, { name: 'New Show', created_at: '2024-02-01T00:00:00Z' }),
      row('Project', 3, { name: 'Empty Show', created_at: '2023-01-01T00:00:00Z' }),
      row('Sequence', 5, { code: 'SQ010', project: link('Project', 2) }),
      row('Shot', 10, { code: 'SH010', project: link('Project', 2), sg_sequence: link('Sequence', 5), sg_status_list: 'ip' }),
      row('Shot', 11, { code: 'SH020', project: link('Project', 2), sg_sequence: link('Sequence', 5) }),
      row('Shot', 12, { code: 'SH999', project: link('Project', 1) }),
      row('ApiUser', 7, { firstname: 'demo script', salted_password: SECRET_KEY }),
      row('Version', 100, { code: 'SH010_v001', project: link('Project', 2), entity: link('Shot', 10), created_at: '2024-03-01T10:00:00Z', image: { object: 'v100.png' } }),
      row('Version', 101, {
        code: 'SH010_v002 <script>alert(1)</script>', project: link('Project', 2), entity: link('Shot', 10), sg_status_list: 'rev',
        created_at: '2024-03-02T10:00:00Z', created_by: link('ApiUser', 7), frame_count: 24, secret_token: SECRET_KEY,
        image: { object: 'v101.png', readyAt: pendingUntil },
        sg_uploaded_movie: { object: 'v101.mov', name: 'plate.mov', contentType: 'video/quicktime', attachmentId: 300 },
      }),
      row('Version', 102, { code: 'loose_v001', project: link('Project', 2), created_at: '2024-03-03T10:00:00Z' }),
      row('Attachment', 300, { display_name: 'plate.mov', this_file: { object: 'v101.mov', name: 'plate.mov' }, attachment_links: [link('Version', 101)] }),
      row('Attachment', 301, { display_name: 'notes.pdf', this_file: { object: 'notes.pdf', name: 'notes.pdf', contentType: 'application/pdf' }, attachment_links: [link('Version', 101)] }),
    ];
    const ctx = { baseUrl: '', options: { storage: 's3', transcodeDelay: 3000 }, store: fakeStore(rows) } as unknown as EmulatorContext;
    ctx.files = fakeFiles(ctx);
    server = createServer((req, res) => {
      handleWeb(ctx, req, res, new URL(req.url ?? '/', base))
        .then((handled) => {
          if (!handled) res.writeHead(404, { 'x-not-web': '1' }).end();
        })
        .catch((err: unknown) => res.writeHead(500).end(String(err)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    ctx.baseUrl = base;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function feed(): Promise<WebFeed> {
    const res = await fetch(`${base}/web/state.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    return (await res.json()) as WebFeed;
  }
  const versionOf = (f: WebFeed, id: number): VersionView | undefined =>
    f.projects.flatMap((p) => [...p.shots.flatMap((s) => s.versions), ...p.otherVersions]).find((v) => v.id === id);

  test('GET / is the page: HTML that says it is the local emulator, with a strict CSP and only local assets', async () => {
    const res = await fetch(`${base}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const html = await res.text();
    assert.match(html, /LOCAL EMULATOR ONLY/);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'no external asset');
    for (const path of ['/web/app.js', '/web/style.css', '/web/favicon.svg']) {
      assert.ok(html.includes(path), `${path} is referenced`);
      const asset = await fetch(`${base}${path}`);
      assert.equal(asset.status, 200, path);
      assert.doesNotMatch(await asset.text(), /https?:\/\/(?!www\.w3\.org\/2000\/svg)/, `${path} reaches for no other host`);
    }
  });

  test('projects → shots → versions, newest activity first, with shots without versions listed apart', async () => {
    const f = await feed();
    assert.equal(f.site.kind, 'local-emulator');
    assert.deepEqual(f.projects.map((p) => p.name), ['New Show', 'Old Show', 'Empty Show']);
    const show = f.projects[0]!;
    assert.deepEqual(show.shots.map((s) => s.code), ['SH010']);
    assert.equal(show.shots[0]!.sequence, 'SQ010');
    assert.deepEqual(show.shots[0]!.versions.map((v) => v.id), [101, 100]);
    assert.deepEqual(show.otherVersions.map((v) => v.id), [102]);
    assert.deepEqual(show.idleShots, ['SH020']);
    assert.deepEqual(f.projects[1]!.idleShots, ['SH999']);
    assert.deepEqual(f.counts, { projects: 3, shots: 3, versions: 3, attachments: 2 });
  });

  test('thumbnails: pending shows the placeholder, ready links a bearer-free redirect to the signed image', async () => {
    const f = await feed();
    const pending = versionOf(f, 101)!;
    assert.deepEqual(pending.thumbnail, { state: 'pending', src: '/images/status/transient/thumbnail_pending.png' });
    const ready = versionOf(f, 100)!;
    assert.equal(ready.thumbnail.state, 'ready');
    assert.match(ready.thumbnail.src!, /^\/web\/file\/versions\/100\/image\?v=[0-9a-f]+$/);
    const res = await fetch(`${base}${ready.thumbnail.src}`, { redirect: 'manual' });
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), `${base}/storage/bucket/v100.png?X-Amz-Expires=900&${SIGNATURE}`);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(versionOf(f, 102)!.thumbnail.state, 'none');
  });

  test('a version shows its movie and attachments once each, with fields but never secret-looking ones', async () => {
    const v = versionOf(await feed(), 101)!;
    assert.equal(v.code, 'SH010_v002 <script>alert(1)</script>');
    assert.equal(v.createdBy, 'demo script');
    assert.equal(v.entity, 'Shot SH010');
    assert.deepEqual(v.files.map((x) => [x.role, x.name, x.attachmentId]), [['sg_uploaded_movie', 'plate.mov', 300], ['attachment', 'notes.pdf', 301]]);
    assert.match(v.files[0]!.href!, /^\/web\/file\/versions\/101\/sg_uploaded_movie\?v=/);
    assert.match(v.files[1]!.href!, /^\/web\/file\/attachments\/301\/this_file\?v=/);
    const movie = await fetch(`${base}${v.files[1]!.href}`, { redirect: 'manual' });
    assert.equal(movie.status, 302);
    assert.match(movie.headers.get('location') ?? '', /\/storage\/bucket\/notes\.pdf\?/);
    assert.deepEqual(v.fields.map((x) => [x.name, x.text]), [['frame_count', '24']]);
  });

  test('the feed carries no signed URL, no secret, and revalidates to 304 while nothing changes', async () => {
    const res = await fetch(`${base}/web/state.json`);
    const text = await res.text();
    assert.ok(!text.includes('X-Amz-Signature') && !text.includes(SECRET_KEY), 'feed leaks a signature or a secret');
    const etag = res.headers.get('etag');
    assert.ok(etag);
    const again = await fetch(`${base}/web/state.json`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
  });

  test('read-only and confined to / and /web/*', async () => {
    const post = await fetch(`${base}/web/state.json`, { method: 'POST', body: '{}' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    assert.equal((await fetch(`${base}/web/../package.json`)).status, 404);
    assert.equal((await fetch(`${base}/web/nope.js`)).status, 404);
    assert.equal((await fetch(`${base}/web/file/api_users/7/salted_password`, { redirect: 'manual' })).status, 404);
    assert.equal((await fetch(`${base}/web/file/versions/101/code`, { redirect: 'manual' })).status, 404);
    assert.equal((await fetch(`${base}/web/file/versions/999/image`, { redirect: 'manual' })).status, 404);
    for (const path of ['/api/v1/entity/versions', '/index.html', '/images/status/transient/thumbnail_pending.png']) {
      const res = await fetch(`${base}${path}`);
      assert.equal(res.headers.get('x-not-web'), '1', `${path} is left to the other handlers`);
    }
    const head = await fetch(`${base}/`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });
});
