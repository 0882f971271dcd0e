/**
 * shotgrid-write's findOrCreate operation in a real Node-RED runtime against the emulator: the
 * same job twice (and twice at once) gives one record, msg.created says which message made it,
 * a lost create answer is resolved, bad key fields reach a Catch node.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Emulator } from '../../emulator/index.js';
import { ShotGridClient } from '../../lib/index.js';
import siteNode from '../../nodes/shotgrid-site.js';
import writeNode from '../../nodes/shotgrid-write.js';
import { caughtError, catchNodes, flowWith, helper, inputs, nextInput, scriptCredentials, startSite, statuses, type Msg } from './harness.js';

describe('shotgrid-write findOrCreate', () => {
  let emulator: Emulator;
  let sg: ShotGridClient;
  let project: { type: string; id: number };
  let shot: { type: string; id: number };

  before(async () => {
    emulator = await startSite();
    sg = new ShotGridClient({ site: emulator.url, auth: { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey } });
    const s = await sg.findOne('Shot', [['code', 'is', 'bbb_010_0010']], { fields: ['project'] });
    assert.ok(s);
    shot = { type: 'Shot', id: s.id };
    project = s.project as { type: string; id: number };
  });
  after(async () => {
    await sg.close();
    await emulator.close();
  });
  afterEach(() => helper.unload());

  const flow = (props: Record<string, unknown> = {}) =>
    flowWith(emulator, [
      { id: 'write', type: 'shotgrid-write', site: 'site1', operation: 'findOrCreate', entityType: 'Version', entityTypeType: 'str', data: 'payload', dataType: 'msg', keyFields: '', keyFieldsType: 'str', returnFields: '', returnFieldsType: 'str', wires: [['out']], ...props },
      { id: 'out', type: 'helper' },
      ...catchNodes(),
    ]);

  async function send(msg: Msg): Promise<Msg> {
    const got = nextInput(helper.getNode('out'));
    helper.getNode('write').receive(msg);
    return got;
  }

  const live = async (code: string) => (await sg.find('Version', [['code', 'is', code]])).map((r) => r.id);

  test('the same job twice: created, then found; one Version; the status says which', async () => {
    await helper.load([siteNode, writeNode], flow(), scriptCredentials(emulator));
    const data = { code: 'nfoc_twice_v001', entity: shot, project };
    const first = await send({ payload: data });
    assert.equal(first.created, true);
    const record = first.payload as { type: string; id: number; code: string };
    assert.equal(record.code, 'nfoc_twice_v001');
    assert.deepEqual(first.entity, { type: 'Version', id: record.id });
    assert.deepEqual(statuses(helper.getNode('write')).at(-1), { fill: 'green', shape: 'dot', text: 'shotgrid-write.status.created' });
    const second = await send({ payload: data });
    assert.equal(second.created, false);
    assert.deepEqual(second.entity, { type: 'Version', id: record.id });
    assert.deepEqual(statuses(helper.getNode('write')).at(-1), { fill: 'green', shape: 'dot', text: 'shotgrid-write.status.found' });
    assert.deepEqual(await live('nfoc_twice_v001'), [record.id]);
  });

  test('six copies of a job at once, operation from msg.operation: one live Version, one message says created', async () => {
    await helper.load([siteNode, writeNode], flow({ operation: 'msg', keyFields: 'code, entity', keyFieldsType: 'str' }), scriptCredentials(emulator));
    const got = inputs(helper.getNode('out'), 6);
    for (let i = 0; i < 6; i++) helper.getNode('write').receive({ operation: 'findOrCreate', payload: { code: 'nfoc_race_v001', entity: shot, project } });
    const msgs = await got;
    const ids = await live('nfoc_race_v001');
    assert.equal(ids.length, 1);
    assert.ok(msgs.every((m) => (m.entity as { id: number }).id === ids[0]));
    assert.equal(msgs.filter((m) => m.created === true).length, 1);
    const retired = msgs.flatMap((m) => (m.retired as Array<{ id: number }> | undefined) ?? []).map((r) => r.id).sort((a, b) => a - b);
    const onSite = (await sg.find('Version', [['code', 'is', 'nfoc_race_v001']], { retired: true })).map((r) => r.id).sort((a, b) => a - b);
    assert.deepEqual(retired, onSite, 'msg.retired lists exactly the duplicates retired on the site');
  });

  test('a lost create answer is resolved: the message goes on, one Version', async () => {
    await helper.load([siteNode, writeNode], flow(), scriptCredentials(emulator));
    emulator.faults.script({ route: 'api', kind: 'reset', afterHandler: true, method: 'POST', pathEndsWith: '/entity/Version' });
    const msg = await send({ payload: { code: 'nfoc_lost_v001', entity: shot, project } });
    assert.deepEqual(emulator.faults.pending(), []);
    assert.equal(msg.created, true);
    assert.deepEqual(await live('nfoc_lost_v001'), [(msg.entity as { id: number }).id]);
  });

  test('a key field missing from the data reaches a Catch node as SG_CONFIG, nothing created', async () => {
    await helper.load([siteNode, writeNode], flow({ keyFields: '["code", "sg_path"]', keyFieldsType: 'json' }), scriptCredentials(emulator));
    const before = emulator.counters.snapshot().recordsCreated.Version ?? 0;
    const caught = nextInput(helper.getNode('caught'));
    helper.getNode('write').receive({ payload: { code: 'nfoc_bad_v001', entity: shot, project } });
    const error = caughtError(await caught);
    assert.equal(error.code, 'SG_CONFIG');
    assert.match(error.message, /sg_path/);
    assert.equal(emulator.counters.snapshot().recordsCreated.Version ?? 0, before);
  });
});
