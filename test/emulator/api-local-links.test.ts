/**
 * Local file links on write (a PublishedFile's `path` on studio storage), as measured on a live
 * site (sg-groundtruth recipes/004 and findings/058): `{local_path}` resolves against the
 * LocalStorage roots (deepest root wins, any platform's root), `{relative_path, local_storage}`
 * names the row; the value reads back with every platform's path and no `url`; bad shapes are
 * refused with the site's codes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, openSite, type TestSite } from './api-helpers.js';

let site: TestSite;
before(async () => {
  site = await openSite();
});
after(async () => {
  await site.close();
});

const P1 = { type: 'Project', id: 1 };
const post = (path: string, body: unknown) => site.call('POST', `/api/v1${path}`, { body });
const put = (path: string, body: unknown) => site.call('PUT', `/api/v1${path}`, { body });
const get = (path: string) => site.call('GET', `/api/v1${path}`);
const count = async (slug: string): Promise<number> => ((await get(`/entity/${slug}?fields=id&page[size]=5000`)).body.data as unknown[]).length;

async function storage(code: string, roots: { mac_path?: string; linux_path?: string; windows_path?: string }): Promise<number> {
  const r = await post('/entity/local_storages', { code, ...roots });
  assert.equal(r.status, 201, r.text);
  return r.body.data.id as number;
}

function publish(path: unknown, code = `pub_${Math.random().toString(36).slice(2, 8)}`) {
  return post('/entity/published_files', { code, project: P1, entity: { type: 'Shot', id: 1 }, path });
}

describe('local file links', () => {
  test('the seeded studio has a LocalStorage "primary" readable at /entity/local_storages', async () => {
    const r = await get('/entity/local_storages/1?fields=code,linux_path,mac_path,windows_path');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.data.attributes, { code: 'primary', linux_path: '/mnt/projects', mac_path: '/Volumes/projects', windows_path: 'P:\\projects' });
  });

  test('{local_path} under a root: 201 with the resolved link (every platform, no url), an Attachment minted, path_cache_storage set', async () => {
    const before = await count('attachments');
    const r = await publish({ local_path: '/mnt/projects/bbb/bbb_010_0010/comp/bbb_010_0010_comp_v101.mov' });
    assert.equal(r.status, 201, r.text);
    const path = r.body.data.attributes.path;
    assert.equal(path.link_type, 'local');
    assert.equal(path.url, undefined, 'a local link has no url key');
    assert.equal(path.name, 'bbb_010_0010_comp_v101.mov');
    assert.equal(path.content_type, 'video/quicktime');
    assert.deepEqual(path.local_storage, { type: 'LocalStorage', id: 1, name: 'primary' });
    assert.equal(path.relative_path, 'bbb/bbb_010_0010/comp/bbb_010_0010_comp_v101.mov');
    assert.equal(path.local_path_linux, '/mnt/projects/bbb/bbb_010_0010/comp/bbb_010_0010_comp_v101.mov');
    assert.equal(path.local_path_mac, '/Volumes/projects/bbb/bbb_010_0010/comp/bbb_010_0010_comp_v101.mov');
    assert.equal(path.local_path_windows, 'P:\\projects\\bbb\\bbb_010_0010\\comp\\bbb_010_0010_comp_v101.mov');
    assert.equal(path.type, 'Attachment');
    assert.equal(await count('attachments'), before + 1);
    assert.deepEqual(r.body.data.relationships.path_cache_storage.data, { id: 1, name: 'primary', type: 'LocalStorage' });
    assert.equal(r.body.data.attributes.path_cache, null);
    const read = await get(`/entity/published_files/${r.body.data.id}?fields=path`);
    assert.deepEqual(read.body.data.attributes.path, path);
  });

  test('a path under the mac or the windows root (forward slashes) resolves to the same row; {relative_path, local_storage} names it', async () => {
    const id = await storage('probe_roots', { mac_path: '/zz_a', windows_path: 'Z:\\zz_a', linux_path: '/mnt/zz_a' });
    for (const sent of [{ local_path: '/zz_a/seq/plate.v001.exr' }, { local_path: '/mnt/zz_a/seq/plate.v001.exr' }, { local_path: 'Z:/zz_a/seq/plate.v001.exr' }, { relative_path: 'seq/plate.v001.exr', local_storage: { type: 'LocalStorage', id } }]) {
      const r = await publish(sent);
      assert.equal(r.status, 201, `${JSON.stringify(sent)}: ${r.text}`);
      const p = r.body.data.attributes.path;
      assert.equal(p.local_storage.id, id, JSON.stringify(sent));
      assert.equal(p.relative_path, 'seq/plate.v001.exr');
      assert.equal(p.local_path_windows, 'Z:\\zz_a\\seq\\plate.v001.exr');
      assert.equal(p.local_path_linux, '/mnt/zz_a/seq/plate.v001.exr');
    }
  });

  test('the deepest matching root wins, whichever row is older; equal roots go to the higher id', async () => {
    const outer = await storage('nest_outer', { linux_path: '/zz_n' });
    const inner = await storage('nest_inner', { linux_path: '/zz_n/sub' });
    assert.equal((await publish({ local_path: '/zz_n/sub/deep/a.exr' })).body.data.attributes.path.local_storage.id, inner);
    assert.equal((await publish({ local_path: '/zz_n/other/a.exr' })).body.data.attributes.path.local_storage.id, outer);
    await storage('same_1', { linux_path: '/zz_d' });
    const second = await storage('same_2', { linux_path: '/zz_d' });
    assert.equal((await publish({ local_path: '/zz_d/a.exr' })).body.data.attributes.path.local_storage.id, second);
  });

  test('refusals: a path under no root (104), backslashes, relative_path without a storage or with backslashes (103); nothing created', async () => {
    const before = await count('published_files');
    assertError(await publish({ local_path: '/no_such_root/a.exr' }), 400, 104, "Create failed for [Attachment]: Path /no_such_root/a.exr doesn't match any defined Local Storage.");
    assertError(await publish({ local_path: '\\mnt\\projects\\a.exr' }), 400, 104, /doesn't match any defined Local Storage/);
    assertError(await publish({ relative_path: 'seq/a.exr' }), 400, 103, /invalid\/missing url hash string 'url'/);
    assertError(await publish({ relative_path: 'seq\\a.exr', local_storage: { type: 'LocalStorage', id: 1 } }), 400, 103, /invalid\/missing relative_path hash string 'relative_path'/);
    assert.equal(await count('published_files'), before);
  });

  test('an update writes a local link too (a new Attachment each time); name and content_type may be given', async () => {
    const r = await publish(null);
    assert.equal(r.status, 201, r.text);
    const u = await put(`/entity/published_files/${r.body.data.id}`, { path: { local_path: '/mnt/projects/x/y.mov', name: 'Better name', content_type: 'video/mp4' } });
    assert.equal(u.status, 200, u.text);
    const p = u.body.data.attributes.path;
    assert.equal(p.name, 'Better name');
    assert.equal(p.content_type, 'video/mp4');
    assert.equal(p.relative_path, 'x/y.mov');
  });
});
