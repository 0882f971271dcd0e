/** Proxies: HTTP_PROXY/NO_PROXY from the environment, the explicit option, proxy refusals. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../../emulator/index.js';
import { ShotGridClient, isShotGridError, type ShotGridClientOptions } from '../../lib/index.js';
import { startProxy } from './test-proxy.js';

const ENV_KEYS = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];
let emu: Emulator;
let saved: Record<string, string | undefined>;

before(async () => {
  saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
  for (const k of ENV_KEYS) delete process.env[k];
  emu = await startEmulator();
});
after(async () => {
  for (const k of ENV_KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  await emu?.close();
});

function options(extra: Partial<ShotGridClientOptions> = {}): ShotGridClientOptions {
  return { site: emu.url, auth: { scriptName: emu.credentials.scriptName, scriptKey: emu.credentials.scriptKey }, retry: { retries: 1, minTimeout: 10, maxTimeout: 20 }, ...extra };
}

test('HTTP_PROXY from the environment carries every request', async () => {
  const proxy = await startProxy();
  process.env.HTTP_PROXY = proxy.url;
  const sg = new ShotGridClient(options());
  try {
    assert.equal((await sg.find('Shot', [], { limit: 2 })).length, 2);
    assert.ok(proxy.tunnels.length >= 1);
    assert.ok(proxy.tunnels.every((t) => t === new URL(emu.url).host), proxy.tunnels.join());
  } finally {
    delete process.env.HTTP_PROXY;
    await sg.close();
    await proxy.close();
  }
});

test('NO_PROXY bypasses the proxy', async () => {
  const proxy = await startProxy();
  process.env.HTTP_PROXY = proxy.url;
  process.env.NO_PROXY = 'localhost,127.0.0.1';
  const sg = new ShotGridClient(options());
  try {
    assert.equal((await sg.find('Shot', [], { limit: 1 })).length, 1);
    assert.equal(proxy.tunnels.length, 0);
  } finally {
    delete process.env.HTTP_PROXY;
    delete process.env.NO_PROXY;
    await sg.close();
    await proxy.close();
  }
});

test('the explicit proxy option is used, with its credentials as Proxy-Authorization', async () => {
  const proxy = await startProxy();
  proxy.requireAuth = `Basic ${Buffer.from('pipe:pr0xy-pass').toString('base64')}`;
  const withCreds = new URL(proxy.url);
  withCreds.username = 'pipe';
  withCreds.password = 'pr0xy-pass';
  const sg = new ShotGridClient(options({ proxy: withCreds.href }));
  try {
    assert.equal((await sg.find('Shot', [], { limit: 1 })).length, 1);
    assert.ok(proxy.tunnels.length >= 1);
    assert.ok(proxy.authHeaders.every((h) => h === proxy.requireAuth));
  } finally {
    await sg.close();
    await proxy.close();
  }
});

test('a proxy refusing the tunnel (407) is SG_NETWORK, not retried, without the proxy password', async () => {
  const proxy = await startProxy();
  proxy.requireAuth = 'Basic something-else';
  const withCreds = new URL(proxy.url);
  withCreds.username = 'pipe';
  withCreds.password = 'wr0ng-pass';
  const sg = new ShotGridClient(options({ proxy: withCreds.href, retry: { retries: 3, minTimeout: 10, maxTimeout: 20 } }));
  try {
    await assert.rejects(sg.info(), (e: unknown) => {
      assert.ok(isShotGridError(e));
      assert.equal(e.code, 'SG_NETWORK');
      assert.match(e.message, /407/);
      assert.ok(!`${e.message} ${JSON.stringify(e)}`.includes('wr0ng-pass'));
      return true;
    });
    assert.equal(proxy.tunnels.length, 1);
  } finally {
    await sg.close();
    await proxy.close();
  }
});
