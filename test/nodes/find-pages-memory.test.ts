/**
 * shotgrid-find "one message per page" over 200,000 records: every record arrives, in order,
 * and the runtime's heap stays flat — measured after a forced garbage collection at every page,
 * so it is what the runtime retains, not garbage waiting to be collected. The emulator runs on
 * its own thread, so its store is not on this heap. The helper's sinon spies are removed after
 * loading: they record every `send` and would retain every page themselves.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import findNode from '../../nodes/shotgrid-find.js';
import siteNode from '../../nodes/shotgrid-site.js';
import { startEmulatorThread, type ThreadedEmulator } from './emulator-thread.js';
import { catchNodes, flowWith, helper, scriptCredentials, withoutSpies } from './harness.js';
import type { Emulator } from '../../emulator/index.js';

const RECORDS = 200_000;
/** Each record carries this much text, so holding every record would take ~90 MB or more. */
const DESCRIPTION = 'x'.repeat(400);
/** Most the heap may grow while the pages stream (a few pages and the runtime's own state). */
const BOUND = 32 * 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heap = (): number => {
  gc();
  return process.memoryUsage().heapUsed;
};
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

describe('shotgrid-find: one message per page over 200,000 records', () => {
  let site: ThreadedEmulator;

  before(async () => {
    site = await startEmulatorThread({ transcodeDelay: 0 });
    assert.equal(await site.seed({ type: 'Asset', count: RECORDS, codePrefix: 'mem-', fields: { description: DESCRIPTION, project: { type: 'Project', id: 1 } } }), RECORDS);
  });
  after(async () => {
    await helper.unload();
    await site.close();
  });

  test('every record arrives in order; the heap growth is reported and stays bounded', async (t) => {
    const flow = flowWith(site as unknown as Emulator, [
      { id: 'find', type: 'shotgrid-find', site: 'site1', entityType: 'Asset', entityTypeType: 'str', filters: JSON.stringify([['code', 'starts_with', 'mem-']]), filtersType: 'json', fields: 'code, description', fieldsType: 'str', sort: '', sortType: 'str', limit: '', limitType: 'num', output: 'page', wires: [['out']] },
      { id: 'out', type: 'helper' },
      ...catchNodes(),
    ]);
    await helper.load([siteNode, findNode], flow, scriptCredentials(site as unknown as Emulator));
    withoutSpies('find');

    let records = 0;
    let pages = 0;
    let inOrder = true;
    let pageBytes = 0;
    let peak = 0;
    let last: Record<string, unknown> | undefined;
    let settle: { resolve(): void; reject(err: Error): void } | undefined;
    const finished = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    const baseline = heap();
    const out = helper.getNode('out');
    out.on('input', (msg: Record<string, unknown>) => {
      const page = msg.payload as Array<{ code: string }>;
      if (pages === 0) pageBytes = Buffer.byteLength(JSON.stringify(page));
      for (const r of page) inOrder &&= r.code === `mem-${String(records++).padStart(6, '0')}`;
      pages++;
      peak = Math.max(peak, heap() - baseline);
      if ((msg.parts as { count?: number }).count !== undefined) {
        last = msg;
        settle!.resolve();
      }
    });
    helper.getNode('caught').on('input', (m: Record<string, unknown>) => settle!.reject(new Error(`the find failed: ${JSON.stringify(m.error)}`)));
    helper.getNode('find').receive({ topic: 'all' });
    await finished;

    t.diagnostic(`${records} records in ${pages} pages; heap growth at most ${mib(peak)} (after GC at every page); bound ${mib(BOUND)}; all records as JSON ${mib(pageBytes * pages)}`);
    assert.equal(records, RECORDS);
    assert.ok(inOrder, 'records arrive in id order, none twice, none missing');
    assert.equal((last!.parts as { count: number }).count, pages);
    // The bound means something only if keeping every record would clearly exceed it.
    assert.ok(pageBytes * pages > 2 * BOUND, `the records are heavy enough to tell (${mib(pageBytes * pages)})`);
    assert.ok(peak < BOUND, `heap grew by ${mib(peak)} while paging, more than ${mib(BOUND)}`);
  });
});
