/**
 * shotgrid-find against the emulator: filters in list, hash and JSONata form, fields, sort and
 * limit; every output mode (all records, per record and per page, which a core Join node
 * rebuilds, count, summarize) and the message sent when nothing matches; Catch-able errors with
 * codes; the status line.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Emulator } from '../../emulator/index.js';
import { errorStatusText, ShotGridClient } from '../../lib/index.js';
import findNode from '../../nodes/shotgrid-find.js';
import siteNode from '../../nodes/shotgrid-site.js';
import { caughtError, catchNodes, coreNodeModule, expectSilence, flowWith, helper, inputs, nextInput, scriptCredentials, startSite, statuses, TAB, waitFor, type Msg } from './harness.js';

const joinNode = coreNodeModule('sequence/17-split.js');

describe('shotgrid-find', () => {
  let emulator: Emulator;
  const prefix = `nf${process.pid}_`;
  const codes = [`${prefix}c`, `${prefix}a`, `${prefix}b`];

  before(async () => {
    emulator = await startSite();
    const sg = new ShotGridClient({ site: emulator.url, auth: { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey } });
    const [project] = await sg.find('Project', null, { limit: 1 });
    for (const code of codes) await sg.create('Shot', { code, project: { type: 'Project', id: project!.id }, sg_status_list: code.endsWith('b') ? 'ip' : 'wtg' });
    await sg.close();
  });
  after(() => emulator.close());
  afterEach(() => helper.unload());

  const findFlow = (props: Record<string, unknown>) =>
    flowWith(emulator, [
      { id: 'find', type: 'shotgrid-find', site: 'site1', entityType: 'Shot', entityTypeType: 'str', fields: 'code, sg_status_list', fieldsType: 'str', sort: 'code', sortType: 'str', limit: '', limitType: 'num', output: 'array', wires: [['out']], ...props },
      { id: 'out', type: 'helper' },
      ...catchNodes(),
    ]);

  test('list-form JSON filters, fields and sort: the records in msg.payload, other msg properties kept', async () => {
    await helper.load([siteNode, findNode], findFlow({ filters: JSON.stringify([['code', 'starts_with', prefix]]), filtersType: 'json' }), scriptCredentials(emulator));
    const got = nextInput(helper.getNode('out'));
    helper.getNode('find').receive({ payload: 'go', topic: 'shots' });
    const msg = await got;
    assert.equal(msg.topic, 'shots');
    const records = msg.payload as Array<Record<string, unknown>>;
    assert.deepEqual(records.map((r) => r.code), [...codes].sort());
    assert.ok(records.every((r) => r.type === 'Shot' && typeof r.id === 'number' && typeof r.sg_status_list === 'string'));
  });

  test('JSONata filters read the message; hash-form filters and a limit from msg are accepted', async () => {
    await helper.load(
      [siteNode, findNode],
      findFlow({ filters: '[["code", "starts_with", prefix], ["sg_status_list", "is", status]]', filtersType: 'jsonata', limit: 'max', limitType: 'msg' }),
      scriptCredentials(emulator),
    );
    const got = nextInput(helper.getNode('out'));
    helper.getNode('find').receive({ prefix, status: 'wtg', max: 1 });
    const msg = await got;
    assert.deepEqual((msg.payload as Array<{ code: string }>).map((r) => r.code), [`${prefix}a`]);

    await helper.unload();
    const hash = { logical_operator: 'or', conditions: [['code', 'is', `${prefix}b`], ['code', 'is', `${prefix}c`]] };
    await helper.load([siteNode, findNode], findFlow({ filters: 'filters', filtersType: 'msg', sort: '-code' }), scriptCredentials(emulator));
    const got2 = nextInput(helper.getNode('out'));
    helper.getNode('find').receive({ filters: hash });
    assert.deepEqual(((await got2).payload as Array<{ code: string }>).map((r) => r.code), [`${prefix}c`, `${prefix}b`]);
  });

  test('one message per record with msg.parts; a core Join node rebuilds the array', async () => {
    const flow = findFlow({ filters: JSON.stringify([['code', 'starts_with', prefix]]), filtersType: 'json', output: 'split', wires: [['out', 'join1']] });
    flow.push({ id: 'join1', type: 'join', z: TAB, mode: 'auto', build: 'array', property: 'payload', propertyType: 'msg', key: 'topic', joiner: '\\n', joinerType: 'str', accumulate: false, timeout: '', count: '', reduceRight: false, wires: [['joined']] });
    flow.push({ id: 'joined', type: 'helper', z: TAB });
    await helper.load([siteNode, findNode, joinNode], flow, scriptCredentials(emulator));
    const parts = inputs(helper.getNode('out'), 3);
    const joined = nextInput(helper.getNode('joined'));
    helper.getNode('find').receive({ payload: null });
    const each = await parts;
    assert.deepEqual(each.map((m) => (m.parts as { index: number }).index), [0, 1, 2]);
    assert.ok(each.every((m) => (m.parts as { count: number; type: string }).count === 3 && (m.parts as { type: string }).type === 'array'));
    assert.equal(new Set(each.map((m) => (m.parts as { id: string }).id)).size, 1);
    const rebuilt = (await joined).payload as Array<{ code: string }>;
    assert.deepEqual(rebuilt.map((r) => r.code), [...codes].sort());
  });

  const withJoin = (flow: ReturnType<typeof findFlow>) => {
    flow.push({ id: 'join1', type: 'join', z: TAB, mode: 'auto', build: 'array', property: 'payload', propertyType: 'msg', key: 'topic', joiner: '\\n', joinerType: 'str', accumulate: false, timeout: '', count: '', reduceRight: false, wires: [['joined']] });
    flow.push({ id: 'joined', type: 'helper', z: TAB });
    return flow;
  };

  test('one message per page: pages of "page size" records, only the last with parts.count; Join rebuilds one flat array', async () => {
    const flow = withJoin(findFlow({ filters: JSON.stringify([['code', 'starts_with', prefix]]), filtersType: 'json', output: 'page', pageSize: '2', pageSizeType: 'num', wires: [['out', 'join1']] }));
    await helper.load([siteNode, findNode, joinNode], flow, scriptCredentials(emulator));
    const pages = inputs(helper.getNode('out'), 2);
    const joined = nextInput(helper.getNode('joined'));
    helper.getNode('find').receive({ topic: 'paged' });
    const got = await pages;
    assert.deepEqual(got.map((m) => (m.payload as Array<{ code: string }>).map((r) => r.code)), [[`${prefix}a`, `${prefix}b`], [`${prefix}c`]]);
    assert.deepEqual(got.map((m) => m.parts), [
      { id: (got[0]!.parts as { id: string }).id, type: 'array', index: 0, len: 2 },
      { id: (got[0]!.parts as { id: string }).id, type: 'array', index: 1, count: 2, len: 2 },
    ]);
    assert.ok(got.every((m) => m.topic === 'paged'));
    const rebuilt = await joined;
    assert.deepEqual((rebuilt.payload as Array<{ code: string }>).map((r) => r.code), [...codes].sort());
    assert.deepEqual(statuses(helper.getNode('find')).at(-1), { fill: 'green', shape: 'dot', text: 'shotgrid-find.status.found' });
  });

  test('one message per record over several pages: records stream in order and Join completes on the last one', async () => {
    // A limit of 2 of 3 matches and no page size: the per-record output still ends with count.
    const flow = withJoin(findFlow({ filters: JSON.stringify([['code', 'starts_with', prefix]]), filtersType: 'json', output: 'split', limit: '2', wires: [['out', 'join1']] }));
    await helper.load([siteNode, findNode, joinNode], flow, scriptCredentials(emulator));
    const joined = nextInput(helper.getNode('joined'));
    helper.getNode('find').receive({});
    assert.deepEqual(((await joined).payload as Array<{ code: string }>).map((r) => r.code), [`${prefix}a`, `${prefix}b`]);
  });

  test('count: the number of matches in msg.payload; summarize: the site\'s summaries, grouped', async () => {
    const filters = JSON.stringify([['code', 'starts_with', prefix]]);
    await helper.load([siteNode, findNode], findFlow({ filters, filtersType: 'json', output: 'count', topic: 'x' }), scriptCredentials(emulator));
    const counted = nextInput(helper.getNode('out'));
    helper.getNode('find').receive({ topic: 'how many' });
    const count = await counted;
    assert.equal(count.payload, 3);
    assert.equal(count.topic, 'how many');

    await helper.unload();
    const flow = findFlow({
      filters,
      filtersType: 'json',
      output: 'summarize',
      summaryFields: JSON.stringify([{ field: 'id', type: 'count' }]),
      summaryFieldsType: 'json',
      grouping: JSON.stringify([{ field: 'sg_status_list', type: 'exact', direction: 'asc' }]),
      groupingType: 'json',
    });
    await helper.load([siteNode, findNode], flow, scriptCredentials(emulator));
    const summarized = nextInput(helper.getNode('out'));
    helper.getNode('find').receive({});
    const result = (await summarized).payload as { summaries: { id: number }; groups: Array<{ group_value: unknown; summaries: { id: number } }> };
    assert.equal(result.summaries.id, 3);
    assert.deepEqual(
      result.groups.map((g) => [g.group_value, g.summaries.id]).sort(),
      [['ip', 1], ['wtg', 2]],
    );
  });

  test('summarize without summary fields is an SG_CONFIG error a Catch node sees', async () => {
    await helper.load([siteNode, findNode], findFlow({ filters: '[]', filtersType: 'json', output: 'summarize', summaryFields: '', summaryFieldsType: 'json' }), scriptCredentials(emulator));
    const caught = nextInput(helper.getNode('caught'));
    helper.getNode('find').receive({});
    const error = caughtError(await caught);
    assert.equal(error.code, 'SG_CONFIG');
    assert.match(error.message, /summary fields/);
  });

  test('nothing matches: per record and per page send nothing, unless "send a message when nothing matches" is on', async () => {
    const none = JSON.stringify([['code', 'is', `${prefix}none`]]);
    const flow = findFlow({ filters: none, filtersType: 'json', output: 'split' });
    flow.push({ id: 'paged', type: 'shotgrid-find', z: TAB, site: 'site1', entityType: 'Shot', entityTypeType: 'str', filters: none, filtersType: 'json', output: 'page', wires: [['out']] });
    flow.push({ id: 'find2', type: 'shotgrid-find', z: TAB, site: 'site1', entityType: 'Shot', entityTypeType: 'str', filters: none, filtersType: 'json', output: 'split', sendEmpty: true, wires: [['out2']] });
    flow.push({ id: 'paged2', type: 'shotgrid-find', z: TAB, site: 'site1', entityType: 'Shot', entityTypeType: 'str', filters: none, filtersType: 'json', output: 'page', sendEmpty: true, wires: [['out2']] });
    flow.push({ id: 'out2', type: 'helper', z: TAB });
    await helper.load([siteNode, findNode], flow, scriptCredentials(emulator));
    const empties = inputs(helper.getNode('out2'), 2);
    for (const id of ['find', 'paged', 'find2', 'paged2']) helper.getNode(id).receive({ topic: id });
    const got = await empties;
    assert.deepEqual(got.map((m) => [m.topic, m.payload, 'parts' in m]).sort(), [['find2', [], false], ['paged2', [], false]]);
    // The two without the option finished (green status) and sent nothing.
    await waitFor(() => ['find', 'paged'].every((id) => statuses(helper.getNode(id)).at(-1)?.fill === 'green'), 10_000, 'both finds to finish');
    await expectSilence(helper.getNode('out'), 100);
  });

  test('an unknown entity type reaches a Catch node with msg.error.code; message and status say why; the next message clears it', async () => {
    await helper.load([siteNode, findNode], findFlow({ entityType: 'NoSuchEntity', filters: '[]', filtersType: 'json' }), scriptCredentials(emulator));
    const caught = nextInput(helper.getNode('caught'));
    helper.getNode('find').receive({ payload: 1 });
    const error = caughtError(await caught);
    assert.match(error.code ?? '', /^SG_(NOT_FOUND|BAD_REQUEST)$/);
    assert.equal(error.source?.id, 'find');
    // The reason leads (the Debug sidebar's preview shows it); the request follows.
    assert.match(error.message, /^ShotGridError: Entity type 'NoSuchEntity' does not exist\.? \(POST \/api\/v1\/entity\/NoSuchEntity\/_search → 404/);
    const last = statuses(helper.getNode('find')).at(-1);
    assert.deepEqual(last, { fill: 'red', shape: 'ring', text: errorStatusText(error.code ?? '') });
    assert.match(String(last?.text), /^SG_NOT_FOUND: not found$/);
    const shownBefore = statuses(helper.getNode('find')).length;
    const again = nextInput(helper.getNode('caught'));
    helper.getNode('find').receive({ payload: 2 });
    await again;
    assert.deepEqual(statuses(helper.getNode('find'))[shownBefore], { fill: 'blue', shape: 'dot', text: 'shotgrid-find.status.finding' }, 'the next message replaced the red status at once');
  });

  test('bad JSONata and a missing site are SG_CONFIG errors a Catch node sees', async () => {
    const flow = findFlow({ filters: '[["code", "is", ', filtersType: 'jsonata' });
    flow.push({ id: 'nosite', type: 'shotgrid-find', z: TAB, site: '', entityType: 'Shot', entityTypeType: 'str', filters: '[]', filtersType: 'json', wires: [['out']] });
    await helper.load([siteNode, findNode], flow, scriptCredentials(emulator));
    const caught = inputs(helper.getNode('caught'), 2);
    helper.getNode('find').receive({});
    helper.getNode('nosite').receive({});
    const errors = (await caught).map((m) => caughtError(m));
    assert.deepEqual(errors.map((e) => e.code), ['SG_CONFIG', 'SG_CONFIG']);
    assert.match(errors.find((e) => e.source?.id === 'find')!.message, /filters/);
    assert.match(errors.find((e) => e.source?.id === 'nosite')!.message, /no ShotGrid site/);
  });

  test('status: blue "finding" while in flight, then a green dot with the count', async () => {
    await helper.load([siteNode, findNode], findFlow({ filters: JSON.stringify([['code', 'starts_with', prefix]]), filtersType: 'json' }), scriptCredentials(emulator));
    const find = helper.getNode('find');
    const got = nextInput(helper.getNode('out'));
    find.receive({});
    await got;
    // The site's connection state comes first (connecting, connected); the message's own after it.
    const seen = statuses(find).filter((s) => !String(s.text).startsWith('shotgrid-site.status.'));
    assert.deepEqual(seen[0], { fill: 'blue', shape: 'dot', text: 'shotgrid-find.status.finding' });
    assert.deepEqual(seen.at(-1), { fill: 'green', shape: 'dot', text: 'shotgrid-find.status.found' });
  });

  test('entity type and fields from flow/global context', async () => {
    const flow = findFlow({ entityType: 'sgType', entityTypeType: 'flow', fields: 'sgFields', fieldsType: 'global', filters: JSON.stringify([['code', 'is', `${prefix}a`]]), filtersType: 'json' });
    await helper.load([siteNode, findNode], flow, scriptCredentials(emulator));
    const find = helper.getNode('find') as unknown as { context(): { flow: { set(k: string, v: unknown): void }; global: { set(k: string, v: unknown): void } } };
    find.context().flow.set('sgType', 'Shot');
    find.context().global.set('sgFields', ['code']);
    const got = nextInput(helper.getNode('out'));
    helper.getNode('find').receive({});
    const records = (await got).payload as Msg[];
    assert.equal(records.length, 1);
    assert.deepEqual(Object.keys(records[0]!).sort(), ['code', 'id', 'type']);
  });
});
