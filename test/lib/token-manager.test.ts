/** TokenManager with a fake clock and a scripted token endpoint. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenManager } from '../../lib/auth/token-manager.js';
import type { TokenGrant } from '../../lib/auth/grants.js';
import { ShotGridError, isShotGridError } from '../../lib/errors.js';

const credentials = { kind: 'script' as const, scriptName: 'pipe', scriptKey: 'k3y-value-secret' };

function jwtWithExp(expSeconds: number): string {
  return `h.${Buffer.from(JSON.stringify({ exp: expSeconds })).toString('base64url')}.s`;
}

function setup(answer: (form: Record<string, string>, n: number) => TokenGrant | Promise<TokenGrant>) {
  let now = 1_000_000;
  const forms: Array<Record<string, string>> = [];
  const manager = new TokenManager({
    credentials,
    sudoAsLogin: 'jdoe',
    now: () => now,
    fetchToken: async (form) => {
      forms.push(form);
      return answer(form, forms.length);
    },
  });
  return { manager, forms, advance: (ms: number) => (now += ms), now: () => now };
}

const grant = (n: number, ttlS = 600, refreshToken: string | undefined = `refresh-${n}`, refreshExpiresAt?: number): TokenGrant => ({
  accessToken: `access-${n}`,
  expiresInMs: ttlS * 1000,
  refreshToken,
  refreshExpiresAt,
});

test('renews a minute before expiry (a quarter of the lifetime for short tokens), with the refresh token', async () => {
  const { manager, forms, advance } = setup((_f, n) => grant(n));
  assert.equal(await manager.getToken(), 'access-1');
  assert.deepEqual(forms[0], { grant_type: 'client_credentials', client_id: 'pipe', client_secret: 'k3y-value-secret', scope: 'sudo_as_login:jdoe' });
  advance(539_000);
  assert.equal(await manager.getToken(), 'access-1');
  advance(1_000);
  assert.equal(await manager.getToken(), 'access-2');
  assert.deepEqual(forms[1], { grant_type: 'refresh_token', refresh_token: 'refresh-1' });

  const short = setup((_f, n) => grant(n, 4));
  await short.manager.getToken();
  short.advance(2_999);
  assert.equal(await short.manager.getToken(), 'access-1');
  short.advance(1);
  assert.equal(await short.manager.getToken(), 'access-2');
});

test('an expired refresh token (JWT exp) goes straight to the original grant', async () => {
  const ctx = setup((_f, n) => grant(n, 600, jwtWithExp(0), 0));
  await ctx.manager.getToken();
  ctx.advance(600_000);
  await ctx.manager.getToken();
  assert.deepEqual(ctx.forms.map((f) => f.grant_type), ['client_credentials', 'client_credentials']);
});

test('a refused refresh falls back; other refresh failures propagate and leave the next call to try again', async () => {
  const refused = setup((f, n) => {
    if (f.grant_type === 'refresh_token') throw new ShotGridError('SG_AUTH', 'refused', { status: 401 });
    return grant(n);
  });
  await refused.manager.getToken();
  refused.advance(600_000);
  assert.equal(await refused.manager.getToken(), 'access-3');
  assert.deepEqual(refused.forms.map((f) => f.grant_type), ['client_credentials', 'refresh_token', 'client_credentials']);

  let down = true;
  const flaky = setup((f, n) => {
    if (f.grant_type === 'refresh_token' && down) throw new ShotGridError('SG_NETWORK', 'down');
    return grant(n);
  });
  await flaky.manager.getToken();
  flaky.advance(600_000);
  await assert.rejects(flaky.manager.getToken(), (e: unknown) => isShotGridError(e) && e.code === 'SG_NETWORK');
  down = false;
  assert.equal(await flaky.manager.getToken(), 'access-3');
});

test('a refused original grant is SG_AUTH without the secret, even when the site echoes it', async () => {
  const { manager } = setup(() => {
    throw new ShotGridError('SG_BAD_REQUEST', "POST → 400: Can't authenticate script 'pipe' with key k3y-value-secret", {
      status: 400,
      errors: [{ title: "Can't authenticate script 'pipe' (k3y-value-secret)", detail: null, source: { key: 'k3y-value-secret' } }],
    });
  });
  await assert.rejects(manager.getToken(), (e: unknown) => {
    assert.ok(isShotGridError(e));
    assert.equal(e.code, 'SG_AUTH');
    assert.match(e.message, /script 'pipe'/);
    assert.ok(!`${e.message}${JSON.stringify(e)}${String((e as Error).cause)}`.includes('k3y-value-secret'));
    return true;
  });
});

test('concurrent callers share one request; one caller giving up does not cancel it for the others', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const { manager, forms } = setup(async (_f, n) => {
    await gate;
    return grant(n);
  });
  const controller = new AbortController();
  const quitter = manager.getToken(controller.signal);
  const waiters = Array.from({ length: 10 }, () => manager.getToken());
  controller.abort();
  await assert.rejects(quitter, (e: unknown) => isShotGridError(e) && e.code === 'SG_ABORTED');
  release();
  assert.deepEqual(await Promise.all(waiters), Array(10).fill('access-1'));
  assert.equal(forms.length, 1);
});

test('invalidate() only drops the token it names', async () => {
  const { manager, forms } = setup((_f, n) => grant(n));
  await manager.getToken();
  manager.invalidate('access-0');
  assert.equal(await manager.getToken(), 'access-1');
  manager.invalidate('access-1');
  assert.equal(await manager.getToken(), 'access-2');
  assert.equal(forms.length, 2);
});
