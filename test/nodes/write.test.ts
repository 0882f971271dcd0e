/**
 * shotgrid-write against the emulator: create (msg.entity set for the next node), update with
 * link modes, delete and revive chosen by msg.operation, batch; every change checked by reading
 * the site back through a separate client; errors reach a Catch node with their codes.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Emulator } from '../../emulator/index.js';
import { errorStatusText, ShotGridClient } from '../../lib/index.js';
import siteNode from '../../nodes/shotgrid-site.js';
import writeNode from '../../nodes/shotgrid-write.js';
import { caughtError, catchNodes, flowWith, helper, nextInput, scriptCredentials, startSite, statuses, type Msg } from './harness.js';

describe('shotgrid-write', () => {
  let emulator: Emulator;
  let sg: ShotGridClient;
  let project: { type: string; id: number };

  before(async () => {
    emulator = await startSite();
    sg = new ShotGridClient({ site: emulator.url, auth: { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey } });
    const [p] = await sg.find('Project', null, { limit: 1 });
    project = { type: 'Project', id: p!.id };
  });
  after(async () => {
    await sg.close();
    await emulator.close();
  });
  afterEach(() => helper.unload());

  const writeFlow = (props: Record<string, unknown>) =>
    flowWith(emulator, [
      { id: 'write', type: 'shotgrid-write', site: 'site1', operation: 'create', entityType: 'Shot', entityTypeType: 'str', target: 'entity', targetType: 'msg', data: 'payload', dataType: 'msg', updateModes: '', updateModesType: 'json', returnFields: '', returnFieldsType: 'str', wires: [['out']], ...props },
      { id: 'out', type: 'helper' },
      ...catchNodes(),
    ]);

  async function send(msg: Msg): Promise<Msg> {
    const got = nextInput(helper.getNode('out'));
    helper.getNode('write').receive(msg);
    return got;
  }

  test('create: the record in msg.payload, {type, id} in msg.entity, stored on the site', async () => {
    await helper.load([siteNode, writeNode], writeFlow({ returnFields: 'created_at', returnFieldsType: 'str' }), scriptCredentials(emulator));
    const msg = await send({ payload: { code: 'nw_create', project }, topic: 'kept' });
    const record = msg.payload as { type: string; id: number; code: string; created_at?: unknown };
    assert.equal(record.type, 'Shot');
    assert.equal(record.code, 'nw_create');
    assert.ok(record.created_at, 'return fields are read back');
    assert.deepEqual(msg.entity, { type: 'Shot', id: record.id });
    assert.equal(msg.topic, 'kept');
    const stored = await sg.findOne('Shot', [['id', 'is', record.id]], { fields: ['code'] });
    assert.equal(stored?.code, 'nw_create');
    assert.deepEqual(statuses(helper.getNode('write')).at(-1), { fill: 'green', shape: 'dot', text: 'shotgrid-write.status.created' });
  });

  test('update with a link mode adds to a multi-entity field instead of replacing it', async () => {
    const shot = await sg.create('Shot', { code: 'nw_update', project });
    const [a1, a2] = await Promise.all([sg.create('Asset', { code: 'nw_a1', project }), sg.create('Asset', { code: 'nw_a2', project })]);
    await sg.update('Shot', shot.id, { assets: [{ type: 'Asset', id: a1.id }] });
    await helper.load([siteNode, writeNode], writeFlow({ operation: 'update', updateModes: '{"assets": "add"}' }), scriptCredentials(emulator));
    const msg = await send({ entity: { type: 'Shot', id: shot.id, code: 'ignored' }, payload: { description: 'updated', assets: [{ type: 'Asset', id: a2.id }] } });
    assert.deepEqual(msg.entity, { type: 'Shot', id: shot.id });
    const stored = await sg.findOne('Shot', [['id', 'is', shot.id]], { fields: ['description', 'assets'] });
    assert.equal(stored?.description, 'updated');
    assert.deepEqual((stored?.assets as Array<{ id: number }>).map((a) => a.id).sort((x, y) => x - y), [a1.id, a2.id].sort((x, y) => x - y));
  });

  test('delete then revive, chosen by msg.operation, with a bare id and the node\'s entity type', async () => {
    const shot = await sg.create('Shot', { code: 'nw_delete', project });
    await helper.load([siteNode, writeNode], writeFlow({ operation: 'msg', target: 'shotId', targetType: 'msg' }), scriptCredentials(emulator));
    const deleted = await send({ operation: 'delete', shotId: shot.id });
    assert.equal(deleted.payload, true);
    assert.equal(await sg.findOne('Shot', [['id', 'is', shot.id]]), null);
    const revived = await send({ operation: 'Revive', shotId: String(shot.id) });
    assert.equal(revived.payload, true);
    assert.equal((await sg.findOne('Shot', [['id', 'is', shot.id]]))?.id, shot.id);
  });

  test('batch: all requests applied in one transaction, results in order', async () => {
    const shot = await sg.create('Shot', { code: 'nw_batch_target', project });
    await helper.load([siteNode, writeNode], writeFlow({ operation: 'batch' }), scriptCredentials(emulator));
    const msg = await send({
      payload: [
        { request_type: 'create', entity_type: 'Shot', data: { code: 'nw_batch_new', project } },
        { request_type: 'update', entity_type: 'Shot', entity_id: shot.id, data: { description: 'batched' } },
      ],
    });
    const results = msg.payload as Array<{ type: string; id: number; code?: string; description?: string }>;
    assert.equal(results.length, 2);
    assert.equal(results[0]!.code, 'nw_batch_new');
    assert.equal(results[1]!.id, shot.id);
    assert.equal((await sg.findOne('Shot', [['id', 'is', shot.id]], { fields: ['description'] }))?.description, 'batched');
  });

  test('errors reach a Catch node with codes: unknown record, bad operation, data that is not an object', async () => {
    await helper.load([siteNode, writeNode], writeFlow({ operation: 'msg' }), scriptCredentials(emulator));
    const cases: Array<[Msg, string]> = [
      [{ operation: 'update', entity: { type: 'Shot', id: 99_999_999 }, payload: { description: 'x' } }, 'SG_NOT_FOUND'],
      [{ operation: 'explode', payload: {} }, 'SG_CONFIG'],
      [{ operation: 'create', payload: 'not an object' }, 'SG_CONFIG'],
      [{ operation: 'create', payload: { no_such_field: 1 } }, 'SG_BAD_REQUEST'],
    ];
    for (const [msg, code] of cases) {
      const caught = nextInput(helper.getNode('caught'));
      helper.getNode('write').receive(msg);
      const error = caughtError(await caught);
      assert.equal(error.code, code, `${JSON.stringify(msg)} → ${error.message}`);
      assert.deepEqual(statuses(helper.getNode('write')).at(-1), { fill: 'red', shape: 'ring', text: errorStatusText(code) });
    }
  });
});
