/**
 * Shaping over real HTTP: a storage bandwidth cap slows PUTs and GETs, added latency delays API
 * answers. Only loose lower bounds are asserted (never an upper bound on speed).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openSite, type TestSite } from './api-helpers.js';
import { bytesOf, getBytes, initUpload, putBytes, readField, uploadSingle } from './files-helpers.js';

let site: TestSite;
const SIZE = 256 * 1024;

before(async () => {
  site = await openSite({ transcodeDelay: 0 });
});
after(() => site.close());

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await fn();
  return [value, performance.now() - started];
}

describe('shaping', () => {
  test('storage bandwidth caps PUT and GET (256 KiB at 512 KiB/s takes at least ~0.3 s)', async () => {
    await uploadSingle(site, 'versions/1/sg_uploaded_movie', 'fast.bin', bytesOf(SIZE));
    const value = (await readField(site, 'versions', 1, 'sg_uploaded_movie')) as any;
    site.emu.configure({ shaping: { storageBandwidth: 512 * 1024 } });
    try {
      const init = await initUpload(site, 'versions/2/sg_uploaded_movie', 'slow.bin');
      const [put, putMs] = await timed(() => putBytes(init.body.links.upload, bytesOf(SIZE)));
      assert.equal(put.status, 200);
      assert.ok(putMs >= 300, `PUT took ${Math.round(putMs)} ms`);
      const [got, getMs] = await timed(() => getBytes(value.url));
      assert.equal(got.body.length, SIZE);
      assert.ok(getMs >= 300, `GET took ${Math.round(getMs)} ms`);
    } finally {
      site.emu.configure({ shaping: { storageBandwidth: 0 } });
    }
  });

  test('API and storage latency delay each request', async () => {
    site.emu.configure({ shaping: { apiLatency: 200 } });
    try {
      const [r, ms] = await timed(() => site.call('GET', '/api/v1/entity/shots/1'));
      assert.equal(r.status, 200);
      assert.ok(ms >= 180, `API call took ${Math.round(ms)} ms`);
    } finally {
      site.emu.configure({ shaping: { apiLatency: 0 } });
    }
    const init = await initUpload(site, 'versions/3/sg_uploaded_movie', 'lat.bin');
    site.emu.configure({ shaping: { storageLatency: 200 } });
    try {
      const [put, ms] = await timed(() => putBytes(init.body.links.upload, Buffer.from('x')));
      assert.equal(put.status, 200);
      assert.ok(ms >= 180, `storage PUT took ${Math.round(ms)} ms`);
    } finally {
      site.emu.configure({ shaping: { storageLatency: 0 } });
    }
  });
});
