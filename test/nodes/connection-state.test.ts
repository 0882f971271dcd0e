/**
 * Connection state on deploy: the site node checks the credentials once (one token request) and
 * every node using it shows the outcome without any message; an unreachable site shows the retry
 * count; retries of a message's call show on its node; the first message takes the status over.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import type { Emulator } from '../../emulator/index.js';
import { errorStatusText, ShotGridError } from '../../lib/index.js';
import { retryStatusText } from '../../nodes/shared/connection-state.js';
import downloadNode from '../../nodes/shotgrid-download.js';
import findNode from '../../nodes/shotgrid-find.js';
import siteNode from '../../nodes/shotgrid-site.js';
import uploadNode from '../../nodes/shotgrid-upload.js';
import { flowWith, helper, nextInput, scriptCredentials, startSite, statuses, waitFor } from './harness.js';
import type { FlowNode } from './helper-types.js';

const users: FlowNode[] = [
  { id: 'find', type: 'shotgrid-find', site: 'site1', entityType: 'Project', entityTypeType: 'str', filters: '[]', filtersType: 'json', limit: '1', limitType: 'num', wires: [['out']] },
  { id: 'upload', type: 'shotgrid-upload', site: 'site1', wires: [[]] },
  { id: 'download', type: 'shotgrid-download', site: 'site1', wires: [[]] },
  { id: 'out', type: 'helper' },
];
const nodeIds = ['find', 'upload', 'download'];

function lastText(id: string): string | undefined {
  return statuses(helper.getNode(id)).at(-1)?.text;
}

/**
 * A site nobody can talk to: it accepts connections and drops them at once. (A closed port could
 * be taken by another test's server running in parallel.)
 */
async function droppingServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

test('the retry text names the reason, the retry count and the wait', () => {
  const translate = (_key: string, s: Record<string, string | number> = {}): string => `${s.reason}, retrying ${s.attempt}/${s.retries} in ${s.seconds} s`;
  const network = new ShotGridError('SG_NETWORK', 'could not connect');
  assert.equal(retryStatusText(translate, { attempt: 2, retries: 5, delayMs: 3200, error: network }), 'site unreachable, retrying 2/5 in 4 s');
  assert.equal(retryStatusText(translate, { attempt: 1, retries: 5, delayMs: 400, error: new ShotGridError('SG_SERVER', '503') }), 'site error, retrying 1/5 in 1 s');
});

describe('connection state on deploy', () => {
  let emulator: Emulator;
  const grants = (): number => Object.values(emulator.counters.snapshot().tokenGrants).reduce((a, b) => a + b, 0);

  before(async () => {
    emulator = await startSite();
  });
  after(async () => {
    await emulator?.close();
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({});
    emulator.faults.clear();
  });

  test('good credentials: every node using the site shows "connected" after one token request, without any message', async () => {
    const before = grants();
    await helper.load([siteNode, findNode, uploadNode, downloadNode], flowWith(emulator, users), scriptCredentials(emulator));
    for (const id of nodeIds) await waitFor(() => lastText(id) === 'shotgrid-site.status.connected', 10_000, `${id} shows connected`);
    for (const id of nodeIds) {
      assert.deepEqual(statuses(helper.getNode(id)).at(-1), { fill: 'green', shape: 'ring', text: 'shotgrid-site.status.connected' });
      assert.equal(statuses(helper.getNode(id))[0]?.text, 'shotgrid-site.status.connecting');
    }
    assert.equal(grants() - before, 1, 'one token request for the whole site, not one per node');
    // A message then shows its own status; the token is reused.
    const out = nextInput(helper.getNode('out'));
    helper.getNode('find').receive({});
    await out;
    assert.equal(grants() - before, 1);
    assert.equal(statuses(helper.getNode('find')).at(-1)?.fill, 'green');
    assert.notEqual(lastText('find'), 'shotgrid-site.status.connected');
  });

  test('a wrong key shows "SG_AUTH: bad credentials" on every node right after deploy; the refused grant is not retried', async () => {
    const before = grants();
    await helper.load([siteNode, findNode, uploadNode, downloadNode], flowWith(emulator, users), scriptCredentials(emulator, { scriptKey: 'wrong-key-0000' }));
    for (const id of nodeIds) await waitFor(() => lastText(id) === errorStatusText('SG_AUTH'), 10_000, `${id} shows bad credentials`);
    assert.equal(lastText('find'), 'SG_AUTH: bad credentials');
    assert.equal(statuses(helper.getNode('find')).at(-1)?.fill, 'red');
    assert.equal(grants() - before, 1, 'one token request, no retry storm');
  });

  test('missing credentials show SG_CONFIG at once, with no request', async () => {
    const before = grants();
    await helper.load([siteNode, findNode], flowWith(emulator, users.filter((n) => n.id !== 'upload' && n.id !== 'download')), { site1: { scriptName: 'x' } });
    await waitFor(() => lastText('find') === errorStatusText('SG_CONFIG'), 10_000, 'find shows SG_CONFIG');
    assert.equal(grants() - before, 0);
  });

  test('an unreachable site shows the retry count and wait, then SG_NETWORK: site unreachable', async () => {
    helper.settings({ shotgridSiteRetries: 2 });
    const unreachable = await droppingServer();
    try {
      await helper.load([siteNode, findNode, uploadNode], flowWith(emulator, users.filter((n) => n.id !== 'download'), { site: unreachable.url }), scriptCredentials(emulator));
      await waitFor(() => lastText('find') === errorStatusText('SG_NETWORK'), 20_000, 'find ends with site unreachable');
      for (const id of ['find', 'upload']) {
        const texts = statuses(helper.getNode(id)).map((s) => s.text);
        // The test helper's RED._ returns the key: one "retrying" per retry (the text is tested above).
        assert.deepEqual(texts, [
          'shotgrid-site.status.connecting',
          'shotgrid-site.status.retrying',
          'shotgrid-site.status.retrying',
          errorStatusText('SG_NETWORK'),
        ], `${id}: ${JSON.stringify(texts)}`);
      }
    } finally {
      await unreachable.close();
    }
  });

  test('retries of a message call show on its node ("retrying"), then its outcome', async () => {
    await helper.load([siteNode, findNode], flowWith(emulator, users.filter((n) => n.id === 'find' || n.id === 'out')), scriptCredentials(emulator));
    await waitFor(() => lastText('find') === 'shotgrid-site.status.connected', 10_000, 'find shows connected');
    emulator.faults.script({ route: 'api', kind: 'http503', count: 2 });
    const out = nextInput(helper.getNode('out'));
    helper.getNode('find').receive({});
    await out;
    const shown = statuses(helper.getNode('find'));
    const retries = shown.filter((s) => s.text === 'shotgrid-site.status.retrying');
    assert.equal(retries.length, 2, JSON.stringify(shown));
    assert.ok(retries.every((s) => s.fill === 'yellow' && s.shape === 'ring'));
    assert.equal(shown.at(-1)?.fill, 'green');
  });
});
