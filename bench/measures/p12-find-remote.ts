/**
 * P12: reading 50,000 records with the site's API 100 ms away (the emulator's latency shaping):
 * our `find` (defaults) vs shotgun-nodejs (Autodesk's JS client) reading page after page, as its
 * `entitySearch` is meant to be used, at its best page size (each candidate size is tried once
 * and the fastest is measured). Both clients hold a token before the timed reads.
 *
 * The records are every Asset of a project of their own (a link filter, which the emulator
 * indexes as a site does): each page then costs the site that page, not a scan of every Asset,
 * so the figure measures what the clients do with the round trips, not the emulator's one core.
 */
import type { ShotgunApiClient } from 'shotgun-nodejs';
import { startRemoteEmulator } from '../support/emulator-host.js';
import { ourClient } from '../support/site.js';
import { alternate, median, round, timed } from '../support/stats.js';
import type { Measure } from '../support/types.js';

const PREFIX = 'bench-p12-';
const LATENCY_MS = 100;
/** shotgun-nodejs's default page size and the REST cap. */
const PAGE_SIZES = [500, 5000];

/** Every matching record through shotgun-nodejs: pages 1, 2, … until one is not full. */
async function readAllPages(sg: ShotgunApiClient, filters: unknown, fields: string[], pageSize: number): Promise<number> {
  let n = 0;
  for (let pageNumber = 1; ; pageNumber++) {
    const page = await sg.entitySearch({ entity: 'Asset', filters, fields, pageSize, pageNumber });
    n += page.data.length;
    if (page.reachedEnd()) return n;
  }
}

export const p12: Measure = {
  id: 'P12',
  async run(ctx) {
    const count = ctx.quick ? 10_000 : 50_000;
    const emu = await startRemoteEmulator({ transcodeDelay: 0 });
    const sg = ourClient(emu);
    try {
      const [projectId] = await emu.bulkCreate('Project', [{ name: `${PREFIX}project`, code: `${PREFIX}project` }]);
      const project = { type: 'Project', id: projectId! };
      const records = Array.from({ length: count }, (_, i) => ({ code: `${PREFIX}${i + 1}`, project, sg_asset_type: 'Prop' }));
      await emu.bulkCreate('Asset', records);
      await emu.configure({ shaping: { apiLatency: LATENCY_MS } });
      const { ShotgunApiClient } = await import('shotgun-nodejs');
      const peer = new ShotgunApiClient({ siteUrl: emu.url, credentials: { grant_type: 'client_credentials', client_id: emu.credentials.scriptName, client_secret: emu.credentials.scriptKey } });
      const filters: Array<[string, string, unknown]> = [['project', 'is', project]];
      const fields = ['code', 'sg_asset_type'];
      const check = (got: number, who: string): void => {
        if (got !== count) throw new Error(`P12 ${who} read ${got} of ${count}`);
      };
      // Untimed: tokens, connections, JIT on both sides; and shotgun-nodejs's best page size.
      check((await sg.find('Asset', filters, { fields })).length, 'ours');
      let best = { pageSize: PAGE_SIZES[0]!, ms: Number.POSITIVE_INFINITY };
      const probes: Record<string, number> = {};
      for (const pageSize of PAGE_SIZES) {
        const { ms, value } = await timed(() => readAllPages(peer, filters, fields, pageSize));
        check(value, `shotgun-nodejs (${pageSize} per page)`);
        probes[pageSize] = round(ms / 1000);
        ctx.log(`P12 shotgun-nodejs probe, ${pageSize} per page: ${round(ms / 1000, 2)} s`);
        if (ms < best.ms) best = { pageSize, ms };
      }
      const samples = await alternate(
        ctx.runs,
        async () => {
          const { ms, value } = await timed(() => sg.find('Asset', filters, { fields }));
          check(value.length, 'ours');
          ctx.log(`P12 ours ${round(ms / 1000, 2)} s`);
          return ms / 1000;
        },
        async () => {
          const { ms, value } = await timed(() => readAllPages(peer, filters, fields, best.pageSize));
          check(value, 'shotgun-nodejs');
          ctx.log(`P12 shotgun-nodejs (${best.pageSize} per page) ${round(ms / 1000, 2)} s`);
          return ms / 1000;
        },
      );
      const ours = median(samples.ours);
      const baseline = median(samples.baseline);
      const speedup = baseline / ours;
      return {
        id: 'P12',
        measure: `read ${count.toLocaleString('en')} records, site ${LATENCY_MS} ms away: find vs shotgun-nodejs at its best page size (${best.pageSize})`,
        ours: round(ours),
        baseline: round(baseline),
        ratio: round(speedup),
        ratioIs: 'baseline/ours',
        unit: 's',
        target: '≥ 3× faster',
        met: speedup >= 3,
        params: { records: count, filter: 'project is (the Assets of one project: an indexed link filter)', fields, apiLatencyMs: LATENCY_MS, peerPageSize: best.pageSize, peerProbes: probes, runs: ctx.runs, samples },
        contenders: [
          { name: 'ours (find)', seconds: round(ours) },
          { name: `shotgun-nodejs (${best.pageSize} per page)`, seconds: round(baseline) },
        ],
      };
    } finally {
      await sg.close();
      await emu.close();
    }
  },
};
