/**
 * The failure-kinds table (lib/http/failures.ts, outcomes in lib/http/failure-table.ts) is what
 * the client does: each kind is made to happen on every attempt — over HTTP through the
 * emulator's fault injection (or a closed port, or TLS spoken to a plain-HTTP port) — on an API
 * read, an API create and a storage PUT/GET, and the attempts made and the code that comes out
 * must be the table's. The few kinds no local server can produce (a connect timeout, a proxy,
 * a broken local file mid-PUT, a body cut short with a clean close) run through the same retry
 * engine with the error the transport would make. The README must show exactly this table.
 */
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FaultKind, RouteClass, ScriptedFault } from '../../emulator/index.js';
import { resolveClientOptions, DEFAULT_RETRY } from '../../lib/config/resolve-options.js';
import { ShotGridError, isShotGridError } from '../../lib/errors.js';
import { ApiClient } from '../../lib/http/api-client.js';
import { transportError } from '../../lib/http/error-mapping.js';
import { FAILURE_KINDS, markFailure, type FailureKind } from '../../lib/http/failures.js';
import { expectedOutcome, failureKindsMarkdown, REQUEST_COLUMNS, type RequestColumn } from '../../lib/http/failure-table.js';
import { retryPolicy, runRetryable } from '../../lib/http/retry.js';
import { storageProtocolError } from '../../lib/http/storage-errors.js';
import type { ShotGridClient } from '../../lib/index.js';
import { builtinOnly, transferEnv, type TransferEnv } from './fixtures/transfer-env.js';

const RETRY = { retries: 2, minTimeout: 5, maxTimeout: 20 };
const policy = retryPolicy(RETRY);

let env: TransferEnv;
let sg: ShotGridClient;
let small: string;
let versionId: number;
/** A stored object's signed URL (a bare URL: its 403 cannot be renewed). */
let objectUrl: string;
let closedPort: number;

before(async () => {
  env = await transferEnv();
  // A stall timeout well above what a loaded machine takes for these small transfers: only the
  // stall scenario (its own client) relies on it firing.
  sg = env.client({ retry: RETRY, timeouts: { stall: 10_000 } });
  small = env.file('kinds.mov', 64 * 1024);
  versionId = await env.version();
  await sg.upload({ type: 'Version', id: versionId, field: 'sg_uploaded_movie' }, small);
  const version = await sg.findOne('Version', [['id', 'is', versionId]], { fields: ['sg_uploaded_movie'] });
  objectUrl = String((version?.sg_uploaded_movie as { url: string }).url);
  const probe: Server = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});
beforeEach(() => env.emu.faults.clear());
after(async () => {
  await env?.close();
});

/** What one run of a request under a fault produced. */
interface Seen {
  attempts: number;
  code: string;
  /** Faults the emulator injected (each is one attempt that reached it), when it was involved. */
  injected?: number;
}

async function failure(run: () => Promise<unknown>): Promise<ShotGridError> {
  const err: unknown = await run().then(() => assert.fail('the request was expected to fail'), (e: unknown) => e);
  assert.ok(isShotGridError(err), `a ShotGridError, not ${String(err)}`);
  return err;
}

/** Runs `run` with `fault` scripted on every matching request; counts the faults injected. */
async function underFault(fault: Omit<ScriptedFault, 'count'>, run: () => Promise<unknown>): Promise<Seen> {
  env.emu.faults.script({ ...fault, count: 50 });
  const before = env.emu.counters.snapshot().faultsInjected;
  const err = await failure(run);
  const afterCount = env.emu.counters.snapshot().faultsInjected;
  env.emu.faults.clear();
  const injected = Object.keys(afterCount).reduce((n, k) => n + (afterCount[k]! - (before[k] ?? 0)), 0);
  return { attempts: err.attempts ?? 0, code: err.code, injected };
}

async function direct(run: () => Promise<unknown>): Promise<Seen> {
  const err = await failure(run);
  return { attempts: err.attempts ?? 0, code: err.code };
}

/** The three kinds of request, each under an emulator fault of `kind` (with extra fault fields). */
function emulated(kind: FaultKind, extra: Partial<ScriptedFault> = {}, storageRoute: RouteClass = 'storage_put'): Partial<Record<RequestColumn, () => Promise<Seen>>> {
  return {
    'api-idempotent': () => underFault({ route: 'api', kind, method: 'POST', pathEndsWith: '/entity/Version/_search', ...extra }, () => sg.findOne('Version', [['id', 'is', versionId]])),
    'api-create': () => underFault({ route: 'api', kind, method: 'POST', pathEndsWith: '/entity/Version', ...extra }, () => sg.create('Version', { project: { type: 'Project', id: 1 }, code: 'kinds' })),
    storage: storageRoute === 'storage_put'
      ? () => underFault({ route: 'storage_put', kind, ...extra }, () => sg.upload({ type: 'Version', id: versionId, field: 'sg_uploaded_movie' }, small))
      : () => underFault({ route: 'download', kind, pathIncludes: new URL(objectUrl).pathname, ...extra }, () => sg.download(objectUrl, 'buffer')),
  };
}

/** A client whose requests go to `site` with the table's retry policy (no token needed: anonymous). */
async function bareApi<T>(site: string, fn: (api: ApiClient) => Promise<T>): Promise<T> {
  const api = new ApiClient(resolveClientOptions({ site, auth: { scriptName: 'a', scriptKey: 'b' }, retry: RETRY, logger: { warn: () => undefined } }));
  try {
    return await fn(api);
  } finally {
    await api.close();
  }
}

function overWire(site: string, storageUrl: string): Partial<Record<RequestColumn, () => Promise<Seen>>> {
  return {
    'api-idempotent': () => direct(() => bareApi(site, (api) => api.request({ method: 'GET', path: '/', idempotent: true, anonymous: true }))),
    'api-create': () => direct(() => bareApi(site, (api) => api.request({ method: 'POST', path: '/entity/Version', json: { code: 'x' }, idempotent: false, anonymous: true }))),
    storage: () => direct(() => sg.download(storageUrl, 'buffer')),
  };
}

/** Through the retry engine alone, with the error the transport makes for this kind. */
function engineOnly(make: () => unknown): Partial<Record<RequestColumn, () => Promise<Seen>>> {
  const run = (idempotent: boolean) => () => direct(() => runRetryable(async () => {
    throw make();
  }, policy, { idempotent }));
  return { 'api-idempotent': run(true), 'api-create': run(false), storage: run(true) };
}

const netError = (code: string, message = code): Error => Object.assign(new Error(message), { code });
const ctx = { method: 'GET', path: '/x' };

/** How each kind is made to happen; every row of the table must have an entry. */
const scenarios: Record<FailureKind, { how: string; runs: () => Partial<Record<RequestColumn, () => Promise<Seen>>> }> = {
  connect: { how: 'a closed port', runs: () => overWire(`http://127.0.0.1:${closedPort}`, `http://127.0.0.1:${closedPort}/x.mov`) },
  'connect-timeout': { how: 'engine only (no local way to make a connect hang)', runs: () => engineOnly(() => transportError(netError('UND_ERR_CONNECT_TIMEOUT'), ctx)) },
  tls: { how: 'https:// to the emulator\'s plain-HTTP port (ERR_SSL_*)', runs: () => overWire(env.emu.url.replace('http:', 'https:'), objectUrl.replace('http:', 'https:')) },
  'proxy-refused': { how: 'engine only (proxy.test.ts runs a real proxy)', runs: () => engineOnly(() => transportError(new Error('Proxy response (407) !== 200 when HTTP Tunneling'), ctx)) },
  'proxy-failed': { how: 'engine only (proxy.test.ts runs a real proxy)', runs: () => engineOnly(() => transportError(new Error('Proxy response (502) !== 200 when HTTP Tunneling'), ctx)) },
  exchange: { how: 'emulator reset', runs: () => ({ ...emulated('reset'), storage: emulated('reset', { resetAfterBytes: 1000 }, 'download').storage! }) },
  'response-timeout': { how: 'emulator stall, headers timeout 1.5 s', runs: () => {
    const slow = env.client({ retry: RETRY, timeouts: { headers: 1500, stall: 30_000 } });
    const stall = { kind: 'stall' as const, stallMs: 20_000 };
    return {
      'api-idempotent': () => underFault({ route: 'api', method: 'POST', pathEndsWith: '/entity/Version/_search', ...stall }, () => slow.findOne('Version', [['id', 'is', versionId]])),
      'api-create': () => underFault({ route: 'api', method: 'POST', pathEndsWith: '/entity/Version', ...stall }, () => slow.create('Version', { project: { type: 'Project', id: 1 }, code: 'kinds' })),
      storage: () => underFault({ route: 'download', pathIncludes: new URL(objectUrl).pathname, ...stall }, () => slow.download(objectUrl, 'buffer')),
    };
  } },
  stall: { how: 'emulator stall, stall timeout 1.5 s', runs: () => {
    const watched = env.client({ retry: RETRY, timeouts: { stall: 1500 } });
    return { storage: () => underFault({ route: 'download', kind: 'stall', stallMs: 20_000, pathIncludes: new URL(objectUrl).pathname }, () => watched.download(objectUrl, 'buffer')) };
  } },
  'rate-limited': { how: 'emulator 429 with Retry-After: 0', runs: () => emulated('http429', { retryAfter: 0 }) },
  unavailable: { how: 'emulator 503 (storage: SlowDown)', runs: () => emulated('http503') },
  'server-error': { how: 'emulator 500', runs: () => emulated('http500') },
  gateway: { how: 'emulator 502 and 504', runs: () => {
    const bad = emulated('http502');
    const timeout = emulated('http504');
    return { 'api-idempotent': bad['api-idempotent']!, 'api-create': timeout['api-create']!, storage: timeout.storage! };
  } },
  auth: { how: 'emulator: the bearer refused, again after the renewal', runs: () => {
    const runs = emulated('token_expire');
    return { 'api-idempotent': runs['api-idempotent']!, 'api-create': runs['api-create']! };
  } },
  forbidden: { how: 'emulator 403 from the API', runs: () => {
    const runs = emulated('http403');
    return { 'api-idempotent': runs['api-idempotent']!, 'api-create': runs['api-create']! };
  } },
  'expired-link': { how: 'emulator: the signed link refused (403 AccessDenied) on every PUT, a fresh link each time', runs: () => ({ storage: emulated('url_expire').storage! }) },
  'not-found': { how: 'emulator 404 (storage: NoSuchKey)', runs: () => ({ ...emulated('http404'), storage: emulated('http404', {}, 'download').storage! }) },
  refused: { how: 'emulator 400 (storage: InvalidRequest)', runs: () => emulated('http400') },
  'bad-digest': { how: 'emulator: one byte flipped in transit on every PUT (400 BadDigest)', runs: () => ({ storage: emulated('corrupt_transit').storage! }) },
  'bad-response': { how: 'emulator: a 200 HTML page instead of JSON', runs: () => {
    const runs = emulated('bad_answer');
    return { 'api-idempotent': runs['api-idempotent']!, 'api-create': runs['api-create']! };
  } },
  incomplete: { how: 'engine only (a body cut short with a clean close)', runs: () => ({ storage: engineOnly(() => storageProtocolError('body ended after 1 of 2 bytes', { method: 'GET', url: 'http://s/x' })).storage! }) },
  'local-file': { how: 'engine only (the file shrinks mid-PUT: transfer-storage-put.test.ts)', runs: () => ({ storage: engineOnly(() => markFailure(new ShotGridError('SG_FILE', 'changed'), 'local-file')).storage! }) },
  settled: { how: 'engine only (a fresh-link request that failed under its own policy)', runs: () => engineOnly(() => markFailure(new ShotGridError('SG_BAD_REQUEST', 'link refused', { status: 400 }), 'settled')) },
};

test('every failure kind of the table has a scenario here, and every scenario is a kind of the table', () => {
  assert.deepEqual(Object.keys(scenarios).sort(), FAILURE_KINDS.map((row) => row.kind).sort());
});

for (const row of FAILURE_KINDS) {
  for (const column of Object.keys(REQUEST_COLUMNS) as RequestColumn[]) {
    const expected = expectedOutcome(row.kind, column, policy);
    if (!expected) continue;
    const scenario = scenarios[row.kind];
    test(`${row.kind} on ${column} (${scenario.how}): ${expected.attempts} attempt(s) → ${expected.code}`, { skip: builtinOnly('storage faults'), timeout: 60_000 }, async () => {
      const run = scenario.runs()[column];
      assert.ok(run, `no way to make '${row.kind}' happen on ${column}: add one (the table says it occurs there)`);
      const seen = await run();
      const code = expected.code === 'its own' ? 'SG_BAD_REQUEST' : expected.code;
      assert.deepEqual({ attempts: seen.attempts, code: seen.code }, { attempts: expected.attempts, code }, JSON.stringify(seen));
      // Every attempt reached the emulator and met the fault (not fewer, not more).
      if (seen.injected !== undefined) assert.equal(seen.injected, row.kind === 'auth' ? 2 : expected.attempts, 'faults injected');
    });
  }
}

test('the README shows the failure-kinds table as the library has it (default policy)', () => {
  const readme = readFileSync(join(process.env.SG_ROOT ?? process.cwd(), 'README.md'), 'utf8');
  const table = failureKindsMarkdown(retryPolicy(DEFAULT_RETRY));
  assert.ok(readme.includes(table), `README.md must contain, verbatim:\n${table}`);
});
