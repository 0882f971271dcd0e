/**
 * P4: reading 50,000 records with `find` (defaults) against sequential 500-record pages (the
 * Python API's paging). Records are seeded with the emulator's bulkCreate.
 */
import { sequentialPages } from '../baselines/sequential-pages.js';
import { startRemoteEmulator } from '../support/emulator-host.js';
import { bearerToken, ourClient } from '../support/site.js';
import { alternate, median, round, timed } from '../support/stats.js';
import type { Measure } from '../support/types.js';

const PREFIX = 'bench-p4-';
const MIN_RUNS = 9;

export const p4: Measure = {
  id: 'P4',
  async run(ctx) {
    const count = ctx.quick ? 10_000 : 50_000;
    // A sample takes ~0.1 s, within which one scheduling hiccup of a busy 2-core machine is
    // ~20 %: more samples cost a second and steady the medians.
    const runs = ctx.quick ? ctx.runs : Math.max(ctx.runs, MIN_RUNS);
    const emu = await startRemoteEmulator({ transcodeDelay: 0 });
    const sg = ourClient(emu);
    try {
      const records = Array.from({ length: count }, (_, i) => ({ code: `${PREFIX}${i + 1}`, project: { type: 'Project', id: 1 }, sg_asset_type: 'Prop' }));
      await emu.bulkCreate('Asset', records);
      const token = await bearerToken(emu);
      const filters: Array<[string, string, string]> = [['code', 'starts_with', PREFIX]];
      const fields = ['code', 'sg_asset_type'];
      // Both sides read everything once, untimed (token, connections, JIT here and in the
      // emulator): the first read costs several times a warm one.
      await sg.find('Asset', filters, { fields });
      await sequentialPages(emu.url, token, 'Asset', { logical_operator: 'and', conditions: filters }, fields);
      const samples = await alternate(
        runs,
        async () => {
          const { ms, value } = await timed(() => sg.find('Asset', filters, { fields }));
          if (value.length !== count) throw new Error(`find returned ${value.length} of ${count}`);
          ctx.log(`P4 find ${round(ms / 1000, 2)} s`);
          return ms / 1000;
        },
        async () => {
          const { ms, value } = await timed(() => sequentialPages(emu.url, token, 'Asset', { logical_operator: 'and', conditions: filters }, fields));
          if (value !== count) throw new Error(`pages returned ${value} of ${count}`);
          ctx.log(`P4 sequential pages ${round(ms / 1000, 2)} s`);
          return ms / 1000;
        },
      );
      const ours = median(samples.ours);
      const baseline = median(samples.baseline);
      const speedup = baseline / ours;
      return {
        id: 'P4',
        measure: `read ${count.toLocaleString('en')} records with find vs sequential 500-record pages`,
        ours: round(ours),
        baseline: round(baseline),
        ratio: round(speedup),
        ratioIs: 'baseline/ours',
        unit: 's',
        target: '≥ 3× faster',
        met: speedup >= 3,
        params: { records: count, fields, runs, samples },
      };
    } finally {
      await sg.close();
      await emu.close();
    }
  },
};
