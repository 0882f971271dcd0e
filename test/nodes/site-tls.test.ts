/**
 * shotgrid-site over https with a private CA, in the Node-RED runtime: the site's certificate is
 * refused (SG_NETWORK at the Catch node, naming the TLS failure) unless the site node's TLS field
 * names a core `tls-config` node with that CA (uploaded as credentials, or as a file path); the
 * Test connection route honours the same field. Skipped without the openssl CLI.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Emulator } from '../../emulator/index.js';
import { errorStatusText } from '../../lib/index.js';
import findNode from '../../nodes/shotgrid-find.js';
import siteNode from '../../nodes/shotgrid-site.js';
import { PASSWORD_PLACEHOLDER, TEST_ROUTE } from '../../nodes/shared/test-connection.js';
import { caughtError, catchNodes, coreNodeModule, flowWith, helper, nextInput, scriptCredentials, SITE, startSite, statuses, TAB } from './harness.js';
import type { FlowNode } from './helper-types.js';
import { httpsFront, opensslMissing, type HttpsFront } from './tls-fixture.js';

const skip = opensslMissing();
const tlsNode = coreNodeModule('network/05-tls.js') as (red: object) => void;

describe('shotgrid-site over https with a private CA', { skip }, () => {
  let emulator: Emulator;
  let front: HttpsFront;

  before(async () => {
    emulator = await startSite();
    front = await httpsFront(emulator.url);
  });
  after(async () => {
    await front?.close();
    await emulator?.close();
  });
  afterEach(() => helper.unload());

  const tlsConfig = (props: Partial<FlowNode> = {}): FlowNode => ({ id: 'tls1', type: 'tls-config', z: TAB, name: 'private CA', cert: '', key: '', ca: '', certname: '', keyname: '', caname: 'ca.pem', servername: '', verifyservercert: true, alpnprotocol: '', ...props });
  const findFlow = (site: Partial<FlowNode>, extra: FlowNode[] = []): FlowNode[] => {
    const flow = flowWith(emulator, [
      { id: 'find', type: 'shotgrid-find', site: SITE, entityType: 'Project', entityTypeType: 'str', filters: '[]', filtersType: 'json', limit: '1', limitType: 'num', wires: [['out']] },
      { id: 'out', type: 'helper' },
      ...catchNodes(),
      ...extra,
    ], { site: front.url, ...site });
    return flow;
  };

  test('without a CA the https site is refused: SG_NETWORK at the Catch node, naming the certificate check', async () => {
    await helper.load([siteNode, findNode], findFlow({}), scriptCredentials(emulator));
    const caught = nextInput(helper.getNode('caught'));
    helper.getNode('find').receive({});
    const error = caughtError(await caught);
    assert.equal(error.code, 'SG_NETWORK');
    assert.match(error.message, /TLS certificate verification failed \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED_CERT)\)/);
    assert.deepEqual(statuses(helper.getNode('find')).at(-1), { fill: 'red', shape: 'ring', text: errorStatusText('SG_NETWORK') });
  });

  test('with a tls-config holding the CA (uploaded, i.e. credentials) the same site works', async () => {
    await helper.load([siteNode, findNode, tlsNode], findFlow({ tls: 'tls1' }, [tlsConfig()]), { ...scriptCredentials(emulator), tls1: { cadata: front.caPem } });
    const got = nextInput(helper.getNode('out'));
    helper.getNode('find').receive({});
    const msg = await got;
    assert.equal((msg.payload as Array<{ type: string }>)[0]?.type, 'Project');
  });

  test('with a tls-config reading the CA from a file path the site works too', async () => {
    await helper.load([siteNode, findNode, tlsNode], findFlow({ tls: 'tls1' }, [tlsConfig({ ca: front.caFile, caname: '' })]), scriptCredentials(emulator));
    const got = nextInput(helper.getNode('out'));
    helper.getNode('find').receive({});
    assert.ok(Array.isArray((await got).payload));
  });

  test('a TLS field naming a node that is not deployed is SG_CONFIG (not a silent fall back to public roots)', async () => {
    await helper.load([siteNode, findNode], findFlow({ tls: 'gone' }), scriptCredentials(emulator));
    const caught = nextInput(helper.getNode('caught'));
    helper.getNode('find').receive({});
    const error = caughtError(await caught);
    assert.equal(error.code, 'SG_CONFIG');
    assert.match(error.message, /TLS configuration/);
  });

  test('Test connection: refused with a clear code and hint without the CA, connected with the dialog\'s TLS node', async () => {
    await helper.load([siteNode, findNode, tlsNode], findFlow({ tls: 'tls1' }, [tlsConfig()]), { ...scriptCredentials(emulator), tls1: { cadata: front.caPem } });
    const body = { id: SITE, site: front.url, authType: 'script', proxy: '', credentials: { scriptName: emulator.credentials.scriptName, scriptKey: PASSWORD_PLACEHOLDER } };
    type Answer = { ok: boolean; code?: string; message: string };
    const refused = (await helper.request().post(TEST_ROUTE).send({ ...body, tls: '' })).body as Answer;
    assert.equal(refused.ok, false);
    assert.equal(refused.code, 'SG_NETWORK');
    assert.match(refused.message, /could not reach the site; [A-Z_]+; if the site uses a private CA, choose a TLS configuration/);
    const ok = (await helper.request().post(TEST_ROUTE).send({ ...body, tls: 'tls1' })).body as Answer;
    assert.equal(ok.ok, true, ok.message);
    assert.ok(!JSON.stringify([refused, ok]).includes(emulator.credentials.scriptKey));
  });
});
