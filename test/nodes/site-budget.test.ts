/**
 * The `shotgridSiteMaxConnections` setting: a Node-RED's share of a site's request budget when
 * several Node-REDs work on one site (docs/scaling.md). Six finds sent at once to a site that
 * answers slowly: the site never sees more API requests from this Node-RED at once than the
 * setting allows, and sees more than one when it allows more.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import type { Emulator } from '../../emulator/index.js';
import findNode from '../../nodes/shotgrid-find.js';
import siteNode from '../../nodes/shotgrid-site.js';
import { flowWith, helper, inputs, scriptCredentials, startSite } from './harness.js';

describe('shotgridSiteMaxConnections', () => {
  let emulator: Emulator;
  let inFlight = 0;
  let most = 0;
  const onStart = (message: unknown): void => {
    const req = (message as { request: IncomingMessage }).request;
    if (!req.url?.startsWith('/api/v1/entity/')) return;
    inFlight++;
    most = Math.max(most, inFlight);
    (message as { response: { once(e: string, f: () => void): void } }).response.once('finish', () => inFlight--);
  };

  before(async () => {
    // Every API request takes 150 ms: six finds sent together overlap unless something holds them back.
    emulator = await startSite({ shaping: { apiLatency: 150 } });
    diagnostics.subscribe('http.server.request.start', onStart);
  });
  after(async () => {
    diagnostics.unsubscribe('http.server.request.start', onStart);
    await emulator.close();
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({});
  });

  async function mostAtOnce(setting: number): Promise<number> {
    helper.settings({ shotgridSiteMaxConnections: setting });
    await helper.load([siteNode, findNode], flowWith(emulator, [
      { id: 'find', type: 'shotgrid-find', site: 'site1', entityType: 'Shot', entityTypeType: 'str', filters: '[]', filtersType: 'json', fields: 'code', fieldsType: 'str', sort: '', sortType: 'str', limit: '1', limitType: 'num', output: 'array', wires: [['out']] },
      { id: 'out', type: 'helper' },
    ]), scriptCredentials(emulator));
    // The token first, so the six finds start together.
    const warm = inputs(helper.getNode('out'), 1, 20_000);
    helper.getNode('find').receive({});
    await warm;
    most = 0;
    const got = inputs(helper.getNode('out'), 6, 30_000);
    for (let i = 0; i < 6; i++) helper.getNode('find').receive({});
    await got;
    return most;
  }

  test('1: the finds go to the site one at a time', async () => {
    assert.equal(await mostAtOnce(1), 1);
  });

  test('3: at most three at a time, and more than one', async () => {
    const seen = await mostAtOnce(3);
    assert.ok(seen <= 3 && seen > 1, `${seen} requests at once`);
  });
});
