/**
 * Scale and robustness over HTTP: 50,000 bulk-created rows read in full 5000-row pages, bad
 * input of every kind answered with the error envelope (never a crash or a hang), concurrent
 * clients, and close() cutting keep-alive connections.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Agent, request } from 'undici';
import { startEmulator } from '../../emulator/index.js';
import { assertError, openSite, VENDOR_ARRAY, type TestSite } from './api-helpers.js';

let site: TestSite;
const BULK = 50_000;
before(async () => {
  site = await openSite();
  const records = Array.from({ length: BULK }, (_, i) => ({
    code: `bulk_${String(i).padStart(5, '0')}`,
    project: { type: 'Project', id: 2 },
    entity: { type: 'Shot', id: 13 + (i % 5) },
    sg_status_list: ['rev', 'apr', 'na'][i % 3],
    frame_count: i % 100,
  }));
  const ids = site.emu.bulkCreate('Version', records);
  assert.equal(ids.length, BULK);
  assert.equal(new Set(ids).size, BULK);
});
after(async () => {
  await site.close();
});

describe('scale', () => {
  test('50,000 rows read back in 5000-row pages, each row once, in id order', async () => {
    const filter = { filters: [['code', 'starts_with', 'bulk_']], fields: ['code', 'entity', 'sg_status_list'], page: { size: 5000 } };
    const seen: number[] = [];
    let path = '/api/v1/entity/versions/_search';
    for (let n = 0; n < 20; n++) {
      const r = await site.call('POST', path, { body: filter, type: VENDOR_ARRAY });
      assert.equal(r.status, 200);
      if (r.body.data.length === 0) break;
      assert.ok(r.body.data.length <= 5000);
      seen.push(...(r.body.data as any[]).map((d) => d.id));
      path = r.body.links.next;
    }
    assert.equal(seen.length, BULK);
    assert.deepEqual(seen, [...seen].sort((a, b) => a - b));
    const count = await site.call('POST', '/api/v1/entity/versions/_summarize', {
      body: { filters: [['sg_status_list', 'is', 'apr'], ['code', 'starts_with', 'bulk_']], summary_fields: [{ field: 'id', type: 'count' }, { field: 'frame_count', type: 'sum' }] },
      type: VENDOR_ARRAY,
    });
    const expected = Array.from({ length: BULK }, (_, i) => i).filter((i) => i % 3 === 1);
    assert.deepEqual(count.body.data.summaries, { id: expected.length, frame_count: expected.reduce((a, i) => a + (i % 100), 0) });
  });

  test('a sorted 5000-row page with dotted fields is complete and ordered', async () => {
    const r = await site.call('GET', '/api/v1/entity/versions?page[size]=5000&sort=-code&fields=code,entity.Shot.code&filter[sg_status_list]=na');
    assert.equal(r.body.data.length, 5000);
    const got = (r.body.data as any[]).map((d) => d.attributes.code as string);
    assert.deepEqual(got, [...got].sort().reverse());
    const lastNa = Array.from({ length: BULK }, (_, i) => i).filter((i) => i % 3 === 2).at(-1)!;
    assert.equal(got.find((c) => c.startsWith('bulk_')), `bulk_${String(lastNa).padStart(5, '0')}`);
    assert.match(r.body.data[0].attributes['entity.Shot.code'], /^sgl_010_00\d0$/);
  });
});

describe('bad input never crashes or hangs', () => {
  test('garbage bodies, broken paths and odd methods get the envelope', async () => {
    const garbage = Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22]).toString('latin1');
    assertError(await site.call('POST', '/api/v1/entity/shots/_search', { body: garbage, type: VENDOR_ARRAY }), 400, 103, 'Invalid JSON body');
    assertError(await site.call('POST', '/api/v1/entity/shots', { body: garbage }), 400, 103, 'Invalid JSON body');
    assertError(await site.call('GET', '/api/v1/entity/%E0%A4%A'), 404, 103);
    assertError(await site.call('GET', '/api/v1/entity/shots/1/relationships'), 404, 103);
    assertError(await site.call('DELETE', '/api/v1/entity/shots'), 404, 103);
    assertError(await site.call('GET', '/api/v1/entity/shots/_search'), 404, 103);
    assertError(await site.call('GET', '/nowhere'), 404, 103);
    const weird = await site.call('GET', '/api/v1/entity/shots?filter[code=1&fields[]=x&page[size][x]=2');
    assert.equal(weird.status, 200);
    const filters = [['code', 'is', { deeply: { nested: [1, 2, { x: null }] } }]];
    assert.equal((await site.search('Shot', { filters })).status, 200);
    assertError(await site.search('Shot', { filters: [[1, 2, 3]] }), 400, 103, 'Invalid condition: [1, 2, 3]');
    assertError(await site.search('Shot', { filters: 'code is x' }), 400, 103, 'Query is not an Array: "code is x"');
  });

  test('a raw malformed request line is answered 400', async () => {
    const u = new URL(site.emu.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(u.port), u.hostname, () => socket.write('GET /api/v1/ bad path HTTP/1.1\r\nHost: x\r\n\r\n'));
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (c: string) => (text += c));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 400 /);
  });

  test('the site still answers after all of the above, and concurrent clients are served', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => site.call('GET', `/api/v1/entity/shots/${1 + (i % 20)}?fields=code`)));
    assert.ok(results.every((r) => r.status === 200));
    const requests = site.emu.counters.snapshot().requests;
    assert.ok((requests.api?.['200'] ?? 0) >= 40, 'API requests are counted by route and status');
    assert.ok((requests.api?.['404'] ?? 0) >= 1);
  });
});

describe('shaping', () => {
  test('API bandwidth and latency slow answers down without changing them', async () => {
    const path = '/api/v1/entity/versions?page[size]=300&fields=code,description,entity,sg_status_list';
    const plain = await site.call('GET', path);
    const size = Buffer.byteLength(plain.text);
    assert.ok(size > 30_000, `a body worth pacing (${size} bytes)`);
    site.emu.configure({ shaping: { apiBandwidth: 40_000, apiLatency: 200 } });
    try {
      const started = Date.now();
      const paced = await site.call('GET', path);
      const elapsed = Date.now() - started;
      assert.equal(paced.text, plain.text);
      assert.equal(paced.headers.get('content-length'), String(size));
      // A lower bound only: pacing can make an answer slower, never faster.
      assert.ok(elapsed >= 200 + ((size / 40_000) * 1000) * 0.8, `took ${elapsed} ms for ${size} bytes`);
    } finally {
      site.emu.configure({ shaping: { apiBandwidth: 0, apiLatency: 0 } });
    }
  });
});

describe('startEmulator()', () => {
  test('rejects with EADDRINUSE on a busy port, leaving the running site alone', async () => {
    await assert.rejects(startEmulator({ port: site.emu.port }), (err: NodeJS.ErrnoException) => err.code === 'EADDRINUSE');
    assert.equal((await site.call('GET', '/api/v1/')).status, 200);
  });
});

describe('close()', () => {
  test('cuts keep-alive connections and frees the port', async () => {
    const other = await openSite();
    const agent = new Agent({ keepAliveTimeout: 60_000, keepAliveMaxTimeout: 60_000 });
    try {
      const res = await request(`${other.emu.url}/api/v1/`, { dispatcher: agent });
      assert.equal(res.statusCode, 200);
      await res.body.text();
      const started = Date.now();
      await other.close();
      assert.ok(Date.now() - started < 4000, 'close does not wait for idle keep-alive sockets to time out');
      await assert.rejects(fetch(`${other.emu.url}/api/v1/`));
      await other.close();
    } finally {
      await agent.close();
    }
  });
});
