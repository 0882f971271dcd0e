/**
 * shotgrid-site: credentials by node id, `${ENV}` site URLs, one client (one token) per config
 * node and a fresh one after a redeploy, auth failures without secrets, and the Test connection
 * admin route (permission middleware, `__PWRD__` substitution, no secret in the answer, only
 * http(s), time-boxed).
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Emulator } from '../../emulator/index.js';
import findNode from '../../nodes/shotgrid-find.js';
import siteNode from '../../nodes/shotgrid-site.js';
import type { AdminHandler, NodeAPI } from '../../nodes/shared/red-types.js';
import { PASSWORD_PLACEHOLDER, testConnection, TEST_PERMISSION, TEST_ROUTE } from '../../nodes/shared/test-connection.js';
import { SCHEMA_ROUTE } from '../../nodes/shared/schema-route.js';
import { caughtError, catchNodes, flowWith, helper, nextInput, scriptCredentials, SITE, startSite, type Msg } from './harness.js';
import type { FlowNode } from './helper-types.js';

describe('shotgrid-site', () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await startSite();
  });
  after(() => emulator.close());
  afterEach(() => helper.unload());

  const finds = (n: number): FlowNode[] => [
    ...Array.from({ length: n }, (_, i) => ({ id: `find${i}`, type: 'shotgrid-find', site: SITE, entityType: 'Project', entityTypeType: 'str', filters: '[]', filtersType: 'json', limit: '1', limitType: 'num', wires: [['out']] })),
    { id: 'out', type: 'helper' },
    ...catchNodes(),
  ];
  const clientGrants = (): number => emulator.counters.snapshot().tokenGrants.client_credentials ?? 0;

  async function findOnce(id = 'find0'): Promise<Msg> {
    const got = nextInput(helper.getNode('out'));
    helper.getNode(id).receive({});
    return got;
  }

  test('credentials are given by node id; two nodes share the site\'s one client (one token); a redeploy makes a new one', async () => {
    const before = clientGrants();
    await helper.load([siteNode, findNode], flowWith(emulator, finds(2)), scriptCredentials(emulator));
    assert.equal(helper.getNode(SITE).credentials?.scriptName, emulator.credentials.scriptName);
    await findOnce('find0');
    await findOnce('find1');
    await findOnce('find0');
    assert.equal(clientGrants() - before, 1, 'one token for every call of both nodes');

    await helper.setFlows(flowWith(emulator, finds(2)), 'full', scriptCredentials(emulator));
    await findOnce('find1');
    assert.equal(clientGrants() - before, 2, 'the redeployed site made a new client (and token)');
  });

  test('a whole-value ${ENV} site URL is substituted when the flows start', async () => {
    process.env.SG_NODE_TEST_SITE = emulator.url;
    try {
      await helper.load([siteNode, findNode], flowWith(emulator, finds(1), { site: '${SG_NODE_TEST_SITE}' }), scriptCredentials(emulator));
      const msg = await findOnce();
      assert.equal((msg.payload as unknown[]).length, 1);
    } finally {
      delete process.env.SG_NODE_TEST_SITE;
    }
  });

  test('a wrong key is SG_AUTH at the Catch node, without the key; missing credentials are SG_CONFIG', async () => {
    const wrongKey = 'wrong-key-7f3a9c1e5d';
    await helper.load([siteNode, findNode], flowWith(emulator, finds(1)), scriptCredentials(emulator, { scriptKey: wrongKey }));
    const caught = nextInput(helper.getNode('caught'));
    helper.getNode('find0').receive({});
    const msg = await caught;
    assert.equal(caughtError(msg).code, 'SG_AUTH');
    assert.ok(!JSON.stringify(msg).includes(wrongKey), 'the key appears in the caught message');
    await helper.unload();

    await helper.load([siteNode, findNode], flowWith(emulator, finds(1), { authType: 'user' }), scriptCredentials(emulator));
    const caught2 = nextInput(helper.getNode('caught'));
    helper.getNode('find0').receive({});
    const error = caughtError(await caught2);
    assert.equal(error.code, 'SG_CONFIG');
    assert.match(error.message, /no login/);
  });

  test('the user-login method uses the login and password credentials', async () => {
    await helper.load([siteNode, findNode], flowWith(emulator, finds(1), { authType: 'user' }), {
      [SITE]: { login: emulator.credentials.login, password: emulator.credentials.password },
    });
    const msg = await findOnce();
    assert.ok(Array.isArray(msg.payload));
  });

  describe('Test connection route', () => {
    const post = (body: unknown) => helper.request().post(TEST_ROUTE).send(body);

    test('tests unsaved values: __PWRD__ takes the stored key, the answer names the site and never echoes a secret', async () => {
      await helper.load([siteNode, findNode], flowWith(emulator, finds(1)), scriptCredentials(emulator));
      const res = await post({ id: SITE, site: emulator.url, authType: 'script', credentials: { scriptName: emulator.credentials.scriptName, scriptKey: PASSWORD_PLACEHOLDER } });
      assert.equal(res.status, 200);
      const answer = res.body as { ok: boolean; site?: { name?: string; version?: string }; message: string };
      assert.equal(answer.ok, true, answer.message);
      assert.equal(answer.site?.name, 'sgflow local site');
      assert.match(answer.site?.version ?? '', /^\d+\.\d+/);
      assert.ok(!res.text.includes(emulator.credentials.scriptKey));
    });

    test('failures: a wrong typed key (not echoed), a placeholder with no stored secret, non-http URLs refused', async () => {
      await helper.load([siteNode, findNode], flowWith(emulator, finds(1)), scriptCredentials(emulator));
      const wrong = 'typed-but-wrong-9d8e7f';
      const res = await post({ id: SITE, site: emulator.url, authType: 'script', credentials: { scriptName: emulator.credentials.scriptName, scriptKey: wrong } });
      assert.equal((res.body as { ok: boolean }).ok, false);
      assert.equal((res.body as { code: string }).code, 'SG_AUTH');
      assert.ok(!res.text.includes(wrong));

      const unknown = await post({ id: 'not-deployed', site: emulator.url, authType: 'script', credentials: { scriptName: 'x', scriptKey: PASSWORD_PLACEHOLDER } });
      assert.deepEqual([(unknown.body as { ok: boolean }).ok, (unknown.body as { code: string }).code], [false, 'SG_CONFIG']);

      for (const site of ['file:///etc/passwd', 'ftp://example.com', 'not a url', '']) {
        const refused = await post({ id: SITE, site, authType: 'script', credentials: { scriptName: 'a', scriptKey: PASSWORD_PLACEHOLDER } });
        assert.equal(refused.status, 400, site);
        assert.equal((refused.body as { ok: boolean }).ok, false);
      }
    });

    test('the route is registered behind the shotgrid-site.write permission middleware', async () => {
      // The helper stubs the permission check, so register the module on a recording RED.
      const registered: Array<{ path: string; handlers: AdminHandler[] }> = [];
      const permissions: string[] = [];
      const deny: AdminHandler = (_req, res) => res.status(401).json({ denied: true });
      const fakeRed = {
        nodes: { registerType: () => undefined, createNode: () => undefined, getNode: () => null },
        util: {},
        settings: {},
        httpAdmin: { post: (path: string, ...handlers: AdminHandler[]) => registered.push({ path, handlers }) },
        auth: { needsPermission: (p: string) => (permissions.push(p), deny) },
        _: (k: string) => k,
      } as unknown as NodeAPI;
      siteNode(fakeRed);
      // Test connection and the schema pickers' route, both behind the same permission.
      assert.deepEqual(permissions, [TEST_PERMISSION, TEST_PERMISSION]);
      assert.deepEqual(registered.map((r) => r.path), [TEST_ROUTE, SCHEMA_ROUTE]);
      for (const r of registered) {
        assert.equal(r.handlers[0], deny, `${r.path}: the permission check comes first`);
        assert.equal(r.handlers.length, 2);
      }

      // And in the helper's admin app: one POST route with two handlers (check, then test).
      await helper.load([siteNode], flowWith(emulator, []), scriptCredentials(emulator));
      const stack = (helper._httpAdmin._router ?? helper._httpAdmin.router)!.stack;
      const route = stack.map((l) => l.route).find((r) => r?.path === TEST_ROUTE);
      assert.ok(route?.methods.post);
      assert.equal(route.stack.length, 2);
    });

    test('time-boxed: a site that never answers gives SG_TIMEOUT within the box', async () => {
      emulator.faults.script({ route: 'info', kind: 'stall', stallMs: 5000 });
      const started = Date.now();
      const { status, answer } = await testConnection({
        body: { site: emulator.url, authType: 'script', credentials: { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey } },
        storedCredentials: () => undefined,
        timeoutMs: 300,
      });
      assert.equal(status, 200);
      assert.deepEqual([answer.ok, answer.code], [false, 'SG_TIMEOUT']);
      assert.ok(Date.now() - started < 4000, 'the test waited for the stalled site');
      assert.ok(!JSON.stringify(answer).includes(emulator.credentials.scriptKey));
      emulator.faults.clear();
    });
  });
});
