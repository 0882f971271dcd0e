/**
 * Token endpoint, bearer checks, server info, API versions and CORS of the emulator, over HTTP.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, jwtPayload, openSite, tokenRequest, type TestSite } from './api-helpers.js';

let site: TestSite;
before(async () => {
  site = await openSite();
});
after(async () => {
  await site.close();
});

function script(extra: Record<string, string> = {}): Record<string, string> {
  const { scriptName, scriptKey } = site.emu.credentials;
  return { grant_type: 'client_credentials', client_id: scriptName, client_secret: scriptKey, ...extra };
}

describe('server info', () => {
  test('GET /api/v1/ needs no token', async () => {
    for (const path of ['/api/v1/', '/api/v1']) {
      const r = await site.call('GET', path, { token: null });
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type')!, /^application\/json; charset=utf-8/);
      assert.equal(typeof r.body.data.shotgun_version, 'string');
      assert.equal(r.body.data.api_version, 'v1');
      assert.equal(r.body.data.user_authentication_method, 'default');
    }
  });

  test('v1.1 is the same API with its own prefix in links; other versions are 404 code 103', async () => {
    const info = await site.call('GET', '/api/v1.1/', { token: null });
    assert.equal(info.body.data.api_version, '1.1');
    const read = await site.call('GET', '/api/v1.1/entity/Shot/1?fields=code');
    assert.equal(read.status, 200);
    assert.equal(read.body.data.links.self, '/api/v1.1/entity/shots/1');
    assertError(await site.call('GET', '/api/v2/entity/shots'), 404, 103, 'Not Found');
    assertError(await site.call('GET', '/api/v1.2/'), 404, 103, 'Not Found');
  });
});

describe('POST /auth/access_token', () => {
  test('client_credentials answers a Bearer JWT pair with the configured lifetime', async () => {
    const r = await tokenRequest(site.emu, script());
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type']);
    assert.equal(r.body.token_type, 'Bearer');
    assert.equal(r.body.expires_in, 600);
    const access = jwtPayload(r.body.access_token);
    assert.equal(JSON.parse(Buffer.from(r.body.access_token.split('.')[0], 'base64url').toString()).alg, 'HS256');
    assert.deepEqual(access.user, { type: 'ApiUser', id: 1 });
    assert.equal(access.sudo_as_login, null);
    assert.equal(access.auth_type, 'api_key');
    assert.ok(access.exp - access.iat >= 599 && access.exp - access.iat <= 601);
    assert.equal(typeof access.jti, 'string');
    const refresh = jwtPayload(r.body.refresh_token);
    assert.ok(refresh.exp - refresh.iat >= 86_399 && refresh.exp - refresh.iat <= 86_401);
  });

  test('charset parameters, an omitted header and query-string credentials all work', async () => {
    const q = new URLSearchParams(script()).toString();
    assert.equal((await tokenRequest(site.emu, script(), { type: 'application/x-www-form-urlencoded; charset=bogus' })).status, 200);
    assert.equal((await tokenRequest(site.emu, script(), { type: null })).status, 200);
    const res = await fetch(`${site.emu.url}/api/v1/auth/access_token?${q}`, { method: 'POST' });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { token_type: string }).token_type, 'Bearer');
  });

  test('wrong content types: JSON-typed form body 400, JSON body 415, text/plain 415', async () => {
    const form = new URLSearchParams(script()).toString();
    const e1 = assertError(await tokenRequest(site.emu, {}, { type: 'application/json', body: form }), 400, 103, 'Invalid JSON body');
    assert.match(e1.source.body, /^Empty input/);
    const e2 = assertError(await tokenRequest(site.emu, {}, { type: 'application/json', body: JSON.stringify(script()) }), 415, 103, "Unsupported Content-Type 'application/json'");
    assert.equal(e2.source.content_type, "Content-Type must be one of: 'application/x-www-form-urlencoded'.");
    const e3 = assertError(await tokenRequest(site.emu, script(), { type: 'text/plain' }), 415, 103, "Unsupported Content-Type 'text/plain'");
    assert.equal(e3.source.content_type, "Content-Type must be one of: 'application/x-www-form-urlencoded'.");
  });

  test('a bad script key is 400 code 102 naming the script, never the key', async () => {
    const r = await tokenRequest(site.emu, script({ client_secret: 'not-the-key-123' }));
    assertError(r, 400, 102, `Can't authenticate script '${site.emu.credentials.scriptName}'`);
    assert.ok(!r.text.includes('not-the-key-123'));
    assert.ok(!r.text.includes(site.emu.credentials.scriptKey));
    assertError(await tokenRequest(site.emu, script({ client_id: 'someone_else' })), 400, 102, "Can't authenticate script 'someone_else'");
  });

  test('missing arguments and unsupported grants', async () => {
    assertError(await tokenRequest(site.emu, { grant_type: 'client_credentials', client_id: 'x' }), 400, 102, 'Missing or invalid authentication arguments');
    assertError(await tokenRequest(site.emu, { grant_type: 'password' }), 400, 102, 'Missing or invalid authentication arguments');
    assertError(await tokenRequest(site.emu, { grant_type: 'session_token' }), 400, 102, 'Missing or invalid authentication arguments');
    for (const grant of ['authorization_code', 'implicit', '', 'client_credential']) {
      assertError(await tokenRequest(site.emu, { ...script(), grant_type: grant }), 400, 103, 'Unsupported grant_type');
    }
    assertError(await tokenRequest(site.emu, { client_id: 'x', client_secret: 'y' }), 400, 103, 'Unsupported grant_type');
  });

  test('password grant for the demo login; wrong password refused', async () => {
    const { login, password } = site.emu.credentials;
    const ok = await tokenRequest(site.emu, { grant_type: 'password', username: login, password });
    assert.equal(ok.status, 200);
    const claims = jwtPayload(ok.body.access_token);
    assert.equal(claims.user.type, 'HumanUser');
    assert.equal(typeof claims.session_uuid, 'string');
    const r = await tokenRequest(site.emu, { grant_type: 'password', username: login, password: 'wrong-pass-9' });
    assertError(r, 400, 102, `Can't authenticate user '${login}'.`);
    assert.ok(!r.text.includes('wrong-pass-9'));
  });

  test('session_token grant accepts a session from a password grant', async () => {
    const { login, password } = site.emu.credentials;
    const pw = await tokenRequest(site.emu, { grant_type: 'password', username: login, password });
    const session = jwtPayload(pw.body.access_token).session_uuid as string;
    const ok = await tokenRequest(site.emu, { grant_type: 'session_token', session_token: session });
    assert.equal(ok.status, 200);
    assert.equal(jwtPayload(ok.body.access_token).user.type, 'HumanUser');
    assertError(await tokenRequest(site.emu, { grant_type: 'session_token', session_token: 'bogus-session-value' }), 400, 102, "Can't authenticate session token ending with 'alue'");
  });

  test('refresh_token and refresh grants mint a new pair; a bad refresh token is 401', async () => {
    const first = await tokenRequest(site.emu, script());
    for (const grant of ['refresh_token', 'refresh']) {
      const r = await tokenRequest(site.emu, { grant_type: grant, refresh_token: first.body.refresh_token });
      assert.equal(r.status, 200, r.text);
      assert.notEqual(r.body.refresh_token, first.body.refresh_token);
      assert.notEqual(r.body.access_token, first.body.access_token);
      assert.deepEqual(jwtPayload(r.body.access_token).user, { type: 'ApiUser', id: 1 });
      const read = await site.call('GET', '/api/v1/entity/projects', { token: r.body.access_token });
      assert.equal(read.status, 200);
    }
    assertError(await tokenRequest(site.emu, { grant_type: 'refresh_token', refresh_token: 'a.b.c' }), 401, 102, 'Unauthorized');
    assertError(await tokenRequest(site.emu, { grant_type: 'refresh_token', refresh_token: first.body.access_token }), 401, 102, 'Unauthorized');
  });

  test('sudo_as_login is a scope; refusals name the reason; a body field is ignored', async () => {
    const { login } = site.emu.credentials;
    const ok = await tokenRequest(site.emu, script({ scope: `sudo_as_login:${login}` }));
    assert.equal(ok.status, 200);
    assert.equal(jwtPayload(ok.body.access_token).sudo_as_login, login);
    assert.equal(jwtPayload(ok.body.access_token).user.type, 'ApiUser');
    const ignored = await tokenRequest(site.emu, script({ sudo_as_login: login }));
    assert.equal(jwtPayload(ignored.body.access_token).sudo_as_login, null);
    assertError(await tokenRequest(site.emu, script({ scope: 'sudo_as_login:nobody.here' })), 400, 102, "Cannot 'sudo' - unknown or retired user: 'nobody.here'");
    assertError(await tokenRequest(site.emu, script({ scope: 'sudo_as_login:old.timer' })), 400, 102, "Cannot 'sudo' - inactive user account: 'old.timer'");
    assertError(await tokenRequest(site.emu, script({ scope: 'sudo_as_login:pat.private' })), 400, 102, "Cannot 'sudo' - user account has 'can_impersonate_this_user' turned off: 'pat.private'");
  });

  test('grants are counted by type', async () => {
    const before = site.emu.counters.snapshot().tokenGrants.client_credentials ?? 0;
    await tokenRequest(site.emu, script());
    assert.equal(site.emu.counters.snapshot().tokenGrants.client_credentials, before + 1);
  });
});

describe('bearer checks', () => {
  test('missing, malformed, foreign and refresh tokens are 401 code 102', async () => {
    assertError(await site.call('GET', '/api/v1/entity/shots', { token: null }), 401, 102, 'Unauthorized');
    const invalid = assertError(await site.call('GET', '/api/v1/entity/shots', { token: 'x.y.z' }), 401, 102, 'Unauthorized');
    assert.equal(invalid.detail, 'Token invalid');
    assert.equal(invalid.source, null);
    const [h, p, s] = site.token.split('.');
    const tampered = `${h}.${p}.${s!.slice(0, -2)}${s!.endsWith('AA') ? 'BB' : 'AA'}`;
    assert.equal(assertError(await site.call('GET', '/api/v1/entity/shots', { token: tampered }), 401, 102).detail, 'Token invalid');
    const refresh = (await tokenRequest(site.emu, script())).body.refresh_token;
    assert.equal(assertError(await site.call('GET', '/api/v1/entity/shots', { token: refresh }), 401, 102).detail, 'Token invalid');
  });

  test('an expired token is 401 Token Expired; the lifetime is configurable at run time', async () => {
    site.emu.configure({ tokenTtl: -5 });
    try {
      const r = await tokenRequest(site.emu, script());
      assert.equal(r.body.expires_in, -5);
      const e = assertError(await site.call('GET', '/api/v1/entity/shots', { token: r.body.access_token }), 401, 102, 'Unauthorized');
      assert.equal(e.detail, 'Token Expired');
    } finally {
      site.emu.configure({ tokenTtl: 600 });
    }
    assert.equal((await tokenRequest(site.emu, script())).body.expires_in, 600);
  });
});

describe('protocol details', () => {
  test('vendor types as Accept are 406 with an empty body', async () => {
    const r = await site.call('GET', '/api/v1/entity/shots', { headers: { accept: 'application/vnd+shotgun.api3_array+json' } });
    assert.equal(r.status, 406);
    assert.equal(r.text, '');
  });

  test('CORS preflight reflects the origin and filters request headers', async () => {
    const res = await fetch(`${site.emu.url}/api/v1/entity/shots`, {
      method: 'OPTIONS',
      headers: { origin: 'http://pipeline.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization, x-custom' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://pipeline.example');
    assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
    assert.equal(res.headers.get('access-control-allow-methods'), 'GET, POST, PUT, PATCH, DELETE');
    assert.equal(res.headers.get('access-control-allow-headers'), 'authorization');
    assert.equal(res.headers.get('access-control-max-age'), '3600');
    assert.equal(res.headers.get('access-control-expose-headers'), null);
  });

  test('responses carry the site headers: JSON type, weak etag, request id, cache-control; conditional headers are ignored', async () => {
    const r = await site.call('GET', '/api/v1/entity/projects');
    assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(r.headers.get('cache-control'), 'private, max-age=0, must-revalidate');
    assert.match(r.headers.get('x-request-id') ?? '', /^[0-9a-f]{32}$/);
    const etag = r.headers.get('etag') ?? '';
    assert.match(etag, /^W\/"[0-9a-f]{32}"$/);
    const again = await site.call('GET', '/api/v1/entity/projects', { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 200, 'If-None-Match is ignored');
    assert.equal(again.text, r.text);
  });

  test('unknown routes and methods are 404 code 103', async () => {
    assertError(await site.call('GET', '/api/v1/me'), 404, 103, 'Not Found');
    assertError(await site.call('PATCH', '/api/v1/entity/shots/1', { body: {} }), 404, 103, 'Not Found');
    const e = assertError(await site.call('GET', '/api/v1/entity/shotss'), 404, 103);
    assert.equal(e.detail, "Entity type 'shotss' does not exist.");
  });
});
