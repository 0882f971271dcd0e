/** Sessions and tokens: grants, single-flight renewal, refresh fallback, sudo, secrets kept out of errors. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../../emulator/index.js';
import { ShotGridClient, isShotGridError, type EntityRef, type ShotGridClientOptions } from '../../lib/index.js';
import { apiError, fakeClientOptions, json, startFakeSite } from './fake-site.js';

let emu: Emulator;
const fast = { retries: 2, minTimeout: 10, maxTimeout: 50 };

before(async () => {
  emu = await startEmulator();
});
after(async () => {
  await emu?.close();
});

function grants(): number {
  return Object.values(emu.counters.snapshot().tokenGrants).reduce((a, b) => a + b, 0);
}

function scriptClient(extra: Partial<ShotGridClientOptions> = {}): ShotGridClient {
  return new ShotGridClient({ site: emu.url, auth: { scriptName: emu.credentials.scriptName, scriptKey: emu.credentials.scriptKey }, retry: fast, ...extra });
}

/** Asserts an SG_AUTH error that shows none of the given secrets anywhere. */
function authErrorWithout(...secrets: string[]) {
  return (err: unknown) => {
    assert.ok(isShotGridError(err), String(err));
    assert.equal(err.code, 'SG_AUTH', err.message);
    const shown = `${err.message} ${err.stack ?? ''} ${JSON.stringify(err)}`;
    for (const s of secrets) assert.ok(!shown.includes(s), `the error shows a secret: ${shown}`);
    return true;
  };
}

test('tokens are fetched lazily, once, and reused', async () => {
  const sg = scriptClient();
  const start = grants();
  assert.equal(grants(), start, 'construction made a token request');
  await sg.find('Shot', [], { limit: 1 });
  await sg.find('Shot', [], { limit: 1 });
  assert.equal(grants(), start + 1);
  await sg.close();
});

test('50 concurrent finds across a token expiry cause exactly one token request', async () => {
  emu.configure({ tokenTtl: 1 });
  const sg = scriptClient({ maxConnections: 8 });
  try {
    await sg.find('Shot', [], { limit: 1 });
    await new Promise((r) => setTimeout(r, 1100)); // the token is now expired on both sides
    // The renewed token lives long: on a loaded machine the 50 finds may take over a second, and
    // a second expiry would be a second (correct) renewal.
    emu.configure({ tokenTtl: 600 });
    const before = emu.counters.snapshot();
    const results = await Promise.all(Array.from({ length: 50 }, () => sg.find('Shot', [], { limit: 2 })));
    const afterSnap = emu.counters.snapshot();
    assert.equal(results.length, 50);
    assert.ok(results.every((r) => r.length === 2));
    const delta = (k: string) => (afterSnap.tokenGrants[k] ?? 0) - (before.tokenGrants[k] ?? 0);
    assert.equal(delta('refresh_token') + delta('refresh') + delta('client_credentials'), 1, JSON.stringify(afterSnap.tokenGrants));
    assert.equal(delta('refresh_token'), 1, 'renewed with the refresh token');
    assert.equal(afterSnap.requests.api?.['401'] ?? 0, before.requests.api?.['401'] ?? 0, 'a stale token was sent');
  } finally {
    emu.configure({ tokenTtl: 600 });
    await sg.close();
  }
});

test('a wrong script key is SG_AUTH, not retried, and the key appears nowhere', async () => {
  const key = 'Wr0ngKeyThatMustNotLeak42';
  const sg = new ShotGridClient({ site: emu.url, auth: { scriptName: emu.credentials.scriptName, scriptKey: key }, retry: fast });
  const start = grants();
  await assert.rejects(sg.find('Shot', []), authErrorWithout(key));
  await assert.rejects(sg.find('Shot', []), (e: unknown) => isShotGridError(e) && /script 'sgflow_emulator'/.test(e.message) && e.status === 400);
  assert.equal(grants(), start + 2, 'a refused grant was retried');
  await sg.close();
});

test('user login works; a wrong password is SG_AUTH without the password', async () => {
  const ok = new ShotGridClient({ site: emu.url, auth: { login: emu.credentials.login, password: emu.credentials.password }, retry: fast });
  const shot = await ok.create('Shot', { code: 'lib-auth-user', project: { type: 'Project', id: 1 } }, { returnFields: ['created_by'] });
  assert.equal((shot.created_by as EntityRef).type, 'HumanUser');
  await ok.close();
  const password = 'not-the-password-123';
  const bad = new ShotGridClient({ site: emu.url, auth: { login: emu.credentials.login, password }, retry: fast });
  await assert.rejects(bad.find('Shot', []), authErrorWithout(password));
  await bad.close();
});

test('a session token authenticates; a bad one is SG_AUTH without the token or its tail', async () => {
  const form = new URLSearchParams({ grant_type: 'password', username: emu.credentials.login, password: emu.credentials.password });
  const res = await fetch(`${emu.url}/api/v1/auth/access_token`, { method: 'POST', body: form });
  const { access_token: access } = (await res.json()) as { access_token: string };
  const sessionToken = (JSON.parse(Buffer.from(access.split('.')[1]!, 'base64url').toString()) as { session_uuid: string }).session_uuid;
  const sg = new ShotGridClient({ site: emu.url, auth: { sessionToken }, retry: fast });
  assert.equal((await sg.find('Shot', [], { limit: 1 })).length, 1);
  await sg.close();
  const wrong = 'bad-session-token-TAIL';
  const bad = new ShotGridClient({ site: emu.url, auth: { sessionToken: wrong }, retry: fast });
  await assert.rejects(bad.find('Shot', []), authErrorWithout(wrong, 'TAIL'));
  await bad.close();
});

test('sudoAsLogin acts as the user; a refused sudo is SG_AUTH naming the login', async () => {
  const sg = scriptClient({ sudoAsLogin: emu.credentials.login });
  const shot = await sg.create('Shot', { code: 'lib-auth-sudo', project: { type: 'Project', id: 1 } }, { returnFields: ['created_by'] });
  const by = shot.created_by as EntityRef;
  assert.equal(by.type, 'HumanUser');
  const user = await sg.findOne('HumanUser', [['id', 'is', by.id]], { fields: ['login'] });
  assert.equal(user?.login, emu.credentials.login);
  await sg.close();
  const refused = scriptClient({ sudoAsLogin: 'pat.private' });
  await assert.rejects(refused.find('Shot', []), (e: unknown) => {
    authErrorWithout(emu.credentials.scriptKey)(e);
    assert.match((e as Error).message, /sudo as 'pat.private'/);
    return true;
  });
  await refused.close();
});

test('a refused refresh falls back to the original grant', async () => {
  const site = await startFakeSite((_r, res) => json(res, 200, { data: [] }));
  site.tokenTtl = 1;
  site.tokenHook = (req, res) => {
    if (new URLSearchParams(req.body).get('grant_type') !== 'refresh_token') return false;
    apiError(res, 401, 'Unauthorized');
    return true;
  };
  const sg = new ShotGridClient(fakeClientOptions(site));
  try {
    await sg.find('Shot', []);
    await new Promise((r) => setTimeout(r, 800)); // past the renewal point (ttl − ¼ ttl)
    await sg.find('Shot', []);
    assert.deepEqual(site.tokenRequests.map((r) => new URLSearchParams(r.body).get('grant_type')), ['client_credentials', 'refresh_token', 'client_credentials']);
    assert.deepEqual(site.requests.map((r) => r.headers.authorization), ['Bearer token-1', 'Bearer token-2']);
  } finally {
    await sg.close();
    await site.close();
  }
});

test('many concurrent 401s for the same token renew it once', async () => {
  const site = await startFakeSite((r, res) => (r.headers.authorization === 'Bearer token-1' ? apiError(res, 401, 'Unauthorized') : json(res, 200, { data: [] })));
  const sg = new ShotGridClient(fakeClientOptions(site, { maxConnections: 10 }));
  try {
    await Promise.all(Array.from({ length: 20 }, () => sg.find('Shot', [])));
    assert.equal(site.tokenRequests.length, 2, 'one initial grant and one renewal');
    assert.equal(site.requests.filter((r) => r.headers.authorization === 'Bearer token-2').length, 20);
  } finally {
    await sg.close();
    await site.close();
  }
});

test('a transient failure of the token endpoint is retried', async () => {
  const site = await startFakeSite((_r, res) => json(res, 200, { data: [] }));
  site.tokenHook = (_req, res, i) => {
    if (i > 0) return false;
    apiError(res, 503, 'busy');
    return true;
  };
  const sg = new ShotGridClient(fakeClientOptions(site));
  try {
    await sg.find('Shot', []);
    assert.equal(site.tokenRequests.length, 2);
    const form = new URLSearchParams(site.tokenRequests[1]!.body);
    assert.equal(form.get('client_id'), 'unit');
    assert.equal(site.tokenRequests[1]!.headers['content-type'], 'application/x-www-form-urlencoded');
  } finally {
    await sg.close();
    await site.close();
  }
});

test('sudo travels as the sudo_as_login scope of the grant', async () => {
  const site = await startFakeSite((_r, res) => json(res, 200, { data: [] }));
  const sg = new ShotGridClient(fakeClientOptions(site, { sudoAsLogin: 'jdoe' }));
  try {
    await sg.find('Shot', []);
    assert.equal(new URLSearchParams(site.tokenRequests[0]!.body).get('scope'), 'sudo_as_login:jdoe');
  } finally {
    await sg.close();
    await site.close();
  }
});
