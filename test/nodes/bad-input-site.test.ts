/**
 * Bad input matrix (README "What bad input does"), node side: a site config node pointing at the
 * wrong thing — refused credentials, a URL that is not a ShotGrid site, a site answering HTML or
 * broken JSON. The find node passes the code and a message naming the problem (never the key)
 * to the Catch node.
 *
 * An unreachable host uses the `shotgridSiteRetries: 0` setting: with the default backoff (5
 * retries from 0.5 s) it would take too long for this suite; the error is the same.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import type { Emulator } from '../../emulator/index.js';
import findNode from '../../nodes/shotgrid-find.js';
import siteNode from '../../nodes/shotgrid-site.js';
import { htmlPage, startWebServer } from '../lib/fixtures/bad-input.js';
import { startFakeSite } from '../lib/fake-site.js';
import { expectCaught } from './bad-input-flow.js';
import { catchNodes, flowWith, helper, scriptCredentials, startSite } from './harness.js';

/** A port nothing listens on (taken, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('bad input: the site', () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await startSite();
  });
  after(() => emulator.close());
  afterEach(() => helper.unload());

  /** A find node on a site node with the given URL (default: the emulator) and credentials. */
  const load = (site: string, credentials = scriptCredentials(emulator)) =>
    helper.load(
      [siteNode, findNode],
      flowWith(
        emulator,
        [
          { id: 'find', type: 'shotgrid-find', site: 'site1', entityType: 'Version', entityTypeType: 'str', filters: '', filtersType: 'json', fields: 'code', fieldsType: 'str', sort: '', sortType: 'str', limit: '', limitType: 'num', output: 'array', wires: [['out']] },
          { id: 'out', type: 'helper' },
          ...catchNodes(),
        ],
        { site },
      ),
      credentials,
    );

  test('wrong credentials', async () => {
    const key = 'wrong-key-4c1d7e9a';
    await load(emulator.url, scriptCredentials(emulator, { scriptKey: key }));
    const before = emulator.counters.snapshot().requests.token?.['400'] ?? 0;
    const error = await expectCaught('find', { payload: 'go' }, 'SG_AUTH', /^ShotGrid refused the credentials of script 'sgflow_emulator' \(400\)/);
    assert.ok(!JSON.stringify(error).includes(key) && !error.message.includes(key), 'the key reached the Catch node');
    assert.equal((emulator.counters.snapshot().requests.token?.['400'] ?? 0) - before, 1, 'a refusal was retried');
  });

  test('wrong site URL', async () => {
    // A web server that is not a ShotGrid site.
    const web = await startWebServer(htmlPage(404, 'Page not found'));
    try {
      await load(web.url);
      await expectCaught('find', { payload: 'go' }, 'SG_BAD_RESPONSE', new RegExp(`^expected JSON but got an HTML page .*; is ${web.url.replace(/\./g, '\\.')} the ShotGrid site URL\\? \\(POST /api/v1/auth/access_token → 404\\)$`));
      assert.deepEqual(web.seen, ['POST /api/v1/auth/access_token']);
    } finally {
      await web.close();
    }
    // Nothing listening: SG_NETWORK naming the site, at once with shotgridSiteRetries 0.
    await helper.unload();
    const closed = await freePort();
    helper.settings({ shotgridSiteRetries: 0 });
    try {
      await load(`http://127.0.0.1:${closed}`);
      await expectCaught('find', { payload: 'go' }, 'SG_NETWORK', new RegExp(`could not connect to http://127\\.0\\.0\\.1:${closed} \\(ECONNREFUSED\\); check the site URL`));
    } finally {
      helper.settings({});
    }
    // Not a URL at all.
    await helper.unload();
    await load('studio.shotgrid.autodesk.com');
    await expectCaught('find', { payload: 'go' }, 'SG_CONFIG', /site/);
  });

  test('site answering HTML', async () => {
    const site = await startFakeSite((req, res) => htmlPage(200, 'Sign in to continue')(req, res));
    try {
      await load(site.url);
      await expectCaught('find', { payload: 'go' }, 'SG_BAD_RESPONSE', /^expected JSON but got an HTML page \("Sign in to continue.*"\); is http:\/\/127\.0\.0\.1:\d+ the ShotGrid site URL\? \(\w+ \/api\/v1\/\S+ → 200\)$/);
      assert.equal(site.requests.length, 1, 'the page was retried');
    } finally {
      await site.close();
    }
  });

  test('invalid JSON', async () => {
    const site = await startFakeSite((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"data": [{"type": "Version", "id": 1,');
    });
    try {
      await load(site.url);
      await expectCaught('find', { payload: 'go' }, 'SG_BAD_RESPONSE', /^invalid JSON \("\{\\"data\\": \[.* → 200\)$/);
      assert.equal(site.requests.length, 1, 'the answer was retried');
    } finally {
      await site.close();
    }
  });
});
