/**
 * The server's request pipeline with a scripted fake fault engine and file service behind the
 * `EmulatorContext` seams: what it does for each fault decision, how it counts exchanges, and
 * that an unexpected exception becomes a 500 envelope instead of a crash.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { EmulatorContext, FaultEngine, FileService, ResolvedOptions } from '../../emulator/context.js';
import { createCounters } from '../../emulator/faults/index.js';
import { TokenService } from '../../emulator/api/token-service.js';
import { EMULATOR_CREDENTIALS } from '../../emulator/index.js';
import { createApiServer, type ApiServer } from '../../emulator/server.js';
import { MemoryStore } from '../../emulator/store/memory-store.js';
import { seedStudio } from '../../emulator/store/seed.js';
import { assertError } from './api-helpers.js';

type Decision = Awaited<ReturnType<FaultEngine['intercept']>>;

const decisions: Decision[] = [];
const delays: string[] = [];
let server: ApiServer;
let base: string;
let ctx: EmulatorContext;

before(async () => {
  const store = new MemoryStore();
  const counters = createCounters();
  const options = {
    port: 0, host: '127.0.0.1', storage: 's3', tokenTtl: 600, refreshTtl: 86_400, signedUrlTtl: 900, transcodeDelay: 0, transcodeFail: false,
    seed: 1, seedScale: 1, seedRecords: 0, verbose: false, faults: undefined, dataDir: '/nonexistent', shaping: { apiBandwidth: 0, apiLatency: 0, storageBandwidth: 0, storageLatency: 0 },
  } satisfies ResolvedOptions;
  const faults: FaultEngine = {
    script: () => {}, setRates: () => {}, clear: () => {}, pending: () => [],
    intercept: async (_route, _req, res) => {
      const d = decisions.shift() ?? 'none';
      if (d === 'handled') {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('busy');
      }
      return d;
    },
  };
  const files: FileService = {
    serve: async (route) => {
      if (route.kind === 'download' && route.field === 'explode') throw new TypeError('boom');
      assert.fail(`unexpected files route ${route.kind}`);
    },
    render: (_t, stored) => stored ?? null,
    openUploads: () => [],
    close: async () => {},
  };
  ctx = {
    options, baseUrl: '', credentials: { ...EMULATOR_CREDENTIALS }, store, counters, secret: randomBytes(32),
    faults, files, shaper: { delay: async (side: string) => void delays.push(side), bandwidth: () => 0 },
  } as unknown as EmulatorContext;
  const tokens = new TokenService(() => ctx);
  ctx.auth = tokens;
  seedStudio(store, ctx.credentials);
  server = createApiServer(ctx, { ctx, store, tokens });
  await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  ctx.baseUrl = base;
});

after(async () => {
  for (const s of server.sockets) s.destroy();
  await new Promise<void>((resolve) => server.server.close(() => resolve()));
});

async function token(): Promise<string> {
  const { scriptName, scriptKey } = ctx.credentials;
  const res = await fetch(`${base}/api/v1/auth/access_token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: scriptName, client_secret: scriptKey }) });
  return ((await res.json()) as { access_token: string }).access_token;
}

async function call(method: string, path: string, bearer: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method, headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : undefined };
}

describe('server pipeline', () => {
  test('token_expire answers 401 Token Expired on API routes, not on the token route', async () => {
    const bearer = await token();
    decisions.push('token_expire');
    const e = assertError(await call('GET', '/api/v1/entity/shots/1', bearer), 401, 102, 'Unauthorized');
    assert.equal(e.detail, 'Token Expired');
    decisions.push('token_expire');
    assert.equal(typeof (await token()), 'string');
    assert.equal((await call('GET', '/api/v1/entity/shots/1', bearer)).status, 200);
  });

  test('reset_after_handler commits the write and resets the connection', async () => {
    const bearer = await token();
    const resetsBefore = ctx.counters.snapshot().requests.api?.reset ?? 0;
    decisions.push('reset_after_handler');
    await assert.rejects(call('POST', '/api/v1/entity/tags', bearer, { name: 'written_then_reset' }));
    const found = [...ctx.store.all('Tag')].filter((t) => t.fields.name === 'written_then_reset');
    assert.equal(found.length, 1, 'the write happened');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(ctx.counters.snapshot().requests.api?.reset, resetsBefore + 1);
  });

  test('handled: the fault engine answered; nothing else writes', async () => {
    decisions.push('handled');
    const res = await fetch(`${base}/api/v1/`);
    assert.equal(res.status, 503);
    assert.equal(await res.text(), 'busy');
    assert.equal((await fetch(`${base}/api/v1/`)).status, 200);
  });

  test('each exchange is counted once by route and status; shaping is asked per side', async () => {
    const before = ctx.counters.snapshot().requests.info?.['200'] ?? 0;
    delays.length = 0;
    await (await fetch(`${base}/api/v1/`)).text();
    await (await fetch(`${base}/api/v1/`)).text();
    assert.equal(ctx.counters.snapshot().requests.info?.['200'], before + 2);
    assert.deepEqual(delays, ['api', 'api']);
  });

  test('an unexpected exception is a 500 Shotgun Server Error envelope and the server lives on', async () => {
    const bearer = await token();
    const e = assertError(await call('GET', '/api/v1/entity/shots/1/explode', bearer), 500, 100, 'Shotgun Server Error');
    assert.equal(e.source, null);
    assert.equal((await call('GET', '/api/v1/entity/shots/1', bearer)).status, 200);
  });
});
