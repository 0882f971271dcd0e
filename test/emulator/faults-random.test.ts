/**
 * Random fault rates over real HTTP are deterministic from the seed: two sites with the same seed
 * and rates fail the same requests, per route whatever the interleaving; `setRates(null)` stops.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openSite, scriptToken, type TestSite } from './api-helpers.js';
import { initUpload } from './files-helpers.js';

const sites: TestSite[] = [];
after(async () => {
  await Promise.all(sites.map((s) => s.close()));
});

async function statuses(seed: number, interleave: boolean): Promise<number[]> {
  const site = await openSite({ seed, faults: { rates: { http500: 0.2, http503: 0.2 }, routes: ['api', 'upload_init'] } });
  sites.push(site);
  const out: number[] = [];
  for (let i = 0; i < 30; i++) {
    out.push((await site.call('GET', '/api/v1/entity/shots/1?fields=code')).status);
    if (interleave && i % 3 === 0) await initUpload(site, 'versions/1/sg_uploaded_movie', 'x.mov');
  }
  return out;
}

describe('random fault rates', () => {
  test('the same seed fails the same requests of a route, even with other routes interleaved', async () => {
    const a = await statuses(42, false);
    const b = await statuses(42, true);
    assert.deepEqual(a, b);
    assert.ok(a.includes(500) && a.includes(503) && a.includes(200), `a mix of outcomes: ${a.join(',')}`);
    const faulted = a.filter((s) => s !== 200).length;
    assert.ok(faulted >= 4 && faulted <= 22, `about 40% faulted (${faulted}/30)`);
  });

  test('setRates(null) stops random faults; setRates restarts the sequence', async () => {
    const site = await openSite({ seed: 42 });
    sites.push(site);
    const rates = { rates: { http500: 0.2, http503: 0.2 }, routes: ['api' as const] };
    site.emu.faults.setRates(rates);
    const first: number[] = [];
    for (let i = 0; i < 10; i++) first.push((await site.call('GET', '/api/v1/entity/shots/1')).status);
    site.emu.faults.setRates(null);
    for (let i = 0; i < 10; i++) assert.equal((await site.call('GET', '/api/v1/entity/shots/1')).status, 200);
    site.emu.faults.setRates(rates);
    const again: number[] = [];
    for (let i = 0; i < 10; i++) again.push((await site.call('GET', '/api/v1/entity/shots/1')).status);
    assert.deepEqual(again, first);
    const injected = site.emu.counters.snapshot().faultsInjected;
    assert.equal((injected.http500 ?? 0) + (injected.http503 ?? 0), 2 * first.filter((s) => s !== 200).length);
  });

  test('a random token_expire is a real expiry: the bearer stays refused; a token under a second old is never drawn', async () => {
    const site = await openSite({ seed: 7 });
    sites.push(site);
    site.emu.faults.setRates({ rates: { token_expire: 1 }, routes: ['api'] });
    // A bearer in its first second: never drawn expired (openSite's token has not been used yet).
    assert.equal((await site.call('GET', '/api/v1/entity/shots/1')).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // Older: drawn expired; from then on it stays refused, even with the rates off.
    assert.equal((await site.call('GET', '/api/v1/entity/shots/1')).status, 401);
    site.emu.faults.setRates(null);
    const again = await site.call('GET', '/api/v1/entity/shots/1');
    assert.equal(again.status, 401);
    assert.equal(again.body.errors[0].code, 102);
    assert.equal(site.emu.counters.snapshot().faultsInjected.token_expire, 1, 'the repeat refusal is not a new fault');
    // A renewed token works; clear() forgets the expired ones.
    site.emu.faults.setRates({ rates: { token_expire: 1 }, routes: ['api'] });
    assert.equal((await site.call('GET', '/api/v1/entity/shots/1', { token: await scriptToken(site.emu) })).status, 200);
    site.emu.faults.clear();
    assert.equal((await site.call('GET', '/api/v1/entity/shots/1')).status, 200);
  });

  test('afterHandler: a random reset on the API first applies the write, then drops the answer', async () => {
    const site = await openSite({ seed: 3 });
    sites.push(site);
    site.emu.faults.setRates({ rates: { reset: 1 }, routes: ['api'], afterHandler: 1 });
    await assert.rejects(site.call('POST', '/api/v1/entity/tags', { body: { name: 'applied_then_reset' } }));
    site.emu.faults.setRates(null);
    const found = await site.search('Tag', { filters: [['name', 'is', 'applied_then_reset']] });
    assert.equal(found.status, 200, found.text);
    assert.equal(found.body.data.length, 1, 'the create was applied before the reset');
    assert.equal(site.emu.counters.snapshot().requests.api?.reset, 1);
    // Without afterHandler a random reset drops the request before the handler: nothing applied.
    site.emu.faults.setRates({ rates: { reset: 1 }, routes: ['api'] });
    await assert.rejects(site.call('POST', '/api/v1/entity/tags', { body: { name: 'reset_before' } }));
    site.emu.faults.setRates(null);
    assert.equal((await site.search('Tag', { filters: [['name', 'is', 'reset_before']] })).body.data.length, 0);
    // A GET is never reset after its handler: a lost multipart init would leave an upload no client knows of.
    site.emu.faults.setRates({ rates: { reset: 1 }, routes: ['upload_init'], afterHandler: 1 });
    const v = site.emu.bulkCreate('Version', [{ code: 'no orphan init' }])[0]!;
    const before = site.emu.counters.snapshot().multipartOpen;
    await assert.rejects(site.call('GET', `/api/v1/entity/versions/${v}/sg_uploaded_movie/_upload?filename=a.mov&multipart_upload=true`));
    assert.equal(site.emu.counters.snapshot().multipartOpen, before);
  });

  test('spread: kinds that cannot happen on a route pass their share on, so the route sees the whole rate', async () => {
    const site = await openSite({ seed: 9 });
    sites.push(site);
    // url_expire cannot happen on a search: without spread half the draws are no fault.
    const count = async (spread: boolean): Promise<number> => {
      site.emu.faults.setRates({ rates: { http503: 0.25, url_expire: 0.25 }, routes: ['api'], spread });
      let faulted = 0;
      for (let i = 0; i < 200; i++) if ((await site.search('Shot', { filters: [] })).status === 503) faulted++;
      site.emu.faults.setRates(null);
      return faulted;
    };
    const plain = await count(false);
    const spread = await count(true);
    assert.ok(plain >= 25 && plain <= 75, `about 25 % without spread (${plain}/200)`);
    assert.ok(spread >= 75 && spread <= 125, `about 50 % with spread (${spread}/200)`);
  });
});
