/**
 * P6: 1,000 small uploads through the shotgrid-upload node in a Node-RED runtime against the same
 * uploads made with the library directly, with the same number in flight on both sides.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import siteNode from '../../nodes/shotgrid-site.js';
import uploadNode from '../../nodes/shotgrid-upload.js';
import { startRemoteEmulator } from '../support/emulator-host.js';
import { nodeRedHelper } from '../support/node-red.js';
import { ourClient } from '../support/site.js';
import { alternate, median, round, timed } from '../support/stats.js';
import type { Measure } from '../support/types.js';

/** Uploads in flight at once, on both sides. */
const IN_FLIGHT = 4;
const FILE_BYTES = 4096;

export const p6: Measure = {
  id: 'P6',
  async run(ctx) {
    const uploads = ctx.quick ? 100 : 1000;
    const emu = await startRemoteEmulator({ transcodeDelay: 0 });
    const sg = ourClient(emu);
    const dir = ctx.tmpDir;
    writeFileSync(join(dir, 'small.bin'), Buffer.alloc(FILE_BYTES, 7));
    const helper = nodeRedHelper();
    helper.settings({ fileWorkingDirectory: dir });
    try {
      const versions = (n: number): Promise<number[]> => emu.bulkCreate('Version', Array.from({ length: n }, (_, i) => ({ code: `p6 ${i}`, project: { type: 'Project', id: 1 } })));
      await helper.load([siteNode, uploadNode], [
        { id: 'tab1', type: 'tab', label: 'bench' },
        { id: 'site1', type: 'shotgrid-site', name: 'emulator', site: emu.url, authType: 'script' },
        { id: 'upload', z: 'tab1', type: 'shotgrid-upload', site: 'site1', target: 'entity', targetType: 'msg', field: 'sg_uploaded_movie', fieldType: 'sgfield', filename: 'filename', filenameType: 'msg', displayName: '', displayNameType: 'str', tags: '', tagsType: 'json', concurrent: IN_FLIGHT, wires: [['out']] },
        { id: 'out', z: 'tab1', type: 'helper' },
      ], { site1: { scriptName: emu.credentials.scriptName, scriptKey: emu.credentials.scriptKey } });
      helper.withoutSpies('upload', 'out');
      const out = helper.getNode('out');
      let received = 0;
      let wake: (() => void) | undefined;
      out.on('input', (msg) => {
        if (msg.error) throw new Error('upload node sent an error');
        received++;
        wake?.();
      });
      const viaNode = async (ids: number[]): Promise<void> => {
        received = 0;
        let timer: NodeJS.Timeout | undefined;
        // A failed upload goes to done(err), not to `out`: a deadline instead of waiting for ever.
        const done = new Promise<void>((resolve, reject) => {
          wake = () => received === ids.length && resolve();
          timer = setTimeout(() => reject(new Error(`only ${received} of ${ids.length} uploads came out of the node`)), 300_000);
        });
        for (const id of ids) helper.getNode('upload').receive({ entity: { type: 'Version', id }, filename: 'small.bin' });
        await done.finally(() => clearTimeout(timer));
      };
      const viaLibrary = async (ids: number[]): Promise<void> => {
        const queue = [...ids];
        await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
          for (let id = queue.shift(); id !== undefined; id = queue.shift()) await sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, join(dir, 'small.bin'));
        }));
      };
      // Warm-up, untimed, on both sides (tokens, connections, JIT here and in the emulator): a
      // cold first round costs up to 2× a warm one, which would decide the ratio by run order.
      for (let i = 0; i < 2; i++) {
        await viaNode(await versions(ctx.quick ? 50 : 300));
        await viaLibrary(await versions(ctx.quick ? 50 : 300));
      }
      const samples = await alternate(
        ctx.runs,
        async () => {
          const ids = await versions(uploads);
          const { ms } = await timed(() => viaNode(ids));
          ctx.log(`P6 node ${round(ms / 1000, 2)} s`);
          return ms / 1000;
        },
        async () => {
          const ids = await versions(uploads);
          const { ms } = await timed(() => viaLibrary(ids));
          ctx.log(`P6 library ${round(ms / 1000, 2)} s`);
          return ms / 1000;
        },
      );
      const ours = median(samples.ours);
      const baseline = median(samples.baseline);
      const ratio = ours / baseline;
      return {
        id: 'P6',
        measure: `${uploads.toLocaleString('en')} small uploads through the Node-RED upload node vs the library directly`,
        ours: round(ours),
        baseline: round(baseline),
        ratio: round(ratio),
        ratioIs: 'ours/baseline',
        unit: 's',
        target: 'ratio ≤ 1.1',
        met: ratio <= 1.1,
        params: { uploads, fileBytes: FILE_BYTES, inFlight: IN_FLIGHT, runs: ctx.runs, samples, runtime: 'installed node-red runtime via node-red-node-test-helper, its sinon spies removed after loading' },
      };
    } finally {
      await helper.unload();
      await sg.close();
      await emu.close();
    }
  },
};
