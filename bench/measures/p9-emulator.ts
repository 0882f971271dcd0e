/**
 * P9: the local site at studio scale. One emulator seeded with 10,000 records and one with
 * 1,000,000 (`seedRecords`: Shots and Versions in 50,000-record projects); on each, the time of
 * page 1 and of page 190 of a filtered Version search (a project and a status, 25 per page). The
 * ratio is the slower page's time at 1,000,000 over the same page at 10,000: a page should cost
 * time in proportion to the page, not to the table (goal ≤ 1.5). The seeding time (start to
 * listening) is reported too (goal: 1,000,000 in under a minute).
 */
import { request } from 'undici';
import { startRemoteEmulator } from '../support/emulator-host.js';
import { bearerToken } from '../support/site.js';
import { median, round } from '../support/stats.js';
import type { Measure } from '../support/types.js';

const PAGE_SIZE = 25;
const PAGES = [1, 190] as const;
/** Timed searches per page and site (the median is kept). */
const SAMPLES = 40;

interface SiteTimes {
  records: number;
  startSeconds: number;
  /** Median ms per page number. */
  pages: Record<number, number>;
}

async function measureSite(records: number, samples: number, log: (m: string) => void): Promise<SiteTimes> {
  const t0 = performance.now();
  const emu = await startRemoteEmulator({ transcodeDelay: 0, seedRecords: records });
  const startSeconds = (performance.now() - t0) / 1000;
  log(`P9 ${records.toLocaleString('en')} records seeded and listening in ${round(startSeconds, 1)} s`);
  try {
    const token = await bearerToken(emu);
    const search = async (body: unknown): Promise<{ data: Array<{ id: number }> }> => {
      const res = await request(`${emu.url}/api/v1/entity/versions/_search`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/vnd+shotgun.api3_array+json' },
        body: JSON.stringify(body),
      });
      const parsed = (await res.body.json()) as { data: Array<{ id: number }> };
      if (res.statusCode !== 200) throw new Error(`search answered ${res.statusCode}`);
      return parsed;
    };
    const projects = await (async () => {
      const res = await request(`${emu.url}/api/v1/entity/projects?filter[code]=scale001&fields=code`, { headers: { authorization: `Bearer ${token}` } });
      return ((await res.body.json()) as { data: Array<{ id: number }> }).data;
    })();
    if (projects.length !== 1) throw new Error('no scale001 project seeded');
    const filters = [['project', 'is', { type: 'Project', id: projects[0]!.id }], ['sg_status_list', 'is_not', 'na']];
    const pages: Record<number, number> = {};
    for (const number of PAGES) {
      const body = { filters, fields: ['code', 'sg_status_list', 'entity', 'created_at'], page: { size: PAGE_SIZE, number } };
      // Untimed warm-up: JIT, the link index's first build, connections.
      for (let i = 0; i < 5; i++) await search(body);
      const times: number[] = [];
      for (let i = 0; i < samples; i++) {
        const s = performance.now();
        const r = await search(body);
        times.push(performance.now() - s);
        if (r.data.length !== PAGE_SIZE) throw new Error(`page ${number} held ${r.data.length} rows`);
      }
      pages[number] = median(times);
      log(`P9 ${records.toLocaleString('en')} records: page ${number} ${round(pages[number]!, 2)} ms`);
    }
    return { records, startSeconds, pages };
  } finally {
    await emu.close();
  }
}

export const p9: Measure = {
  id: 'P9',
  async run(ctx) {
    const big = ctx.quick ? 200_000 : 1_000_000;
    const samples = ctx.quick ? 15 : SAMPLES;
    const small = await measureSite(10_000, samples, ctx.log);
    const large = await measureSite(big, samples, ctx.log);
    const ratios = PAGES.map((n) => large.pages[n]! / small.pages[n]!);
    const ratio = Math.max(...ratios);
    const worst = PAGES[ratios.indexOf(ratio)]!;
    return {
      id: 'P9',
      measure: `page 1 and 190 of a filtered search (${PAGE_SIZE} per page): ${big.toLocaleString('en')} records vs 10,000`,
      ours: round(large.pages[worst]!, 2),
      baseline: round(small.pages[worst]!, 2),
      ratio: round(ratio, 2),
      ratioIs: 'ours/baseline',
      unit: 'ms',
      target: 'ratio ≤ 1.5; seeding 1,000,000 < 60 s',
      met: ratio <= 1.5 && (ctx.quick || large.startSeconds < 60),
      params: {
        pageSize: PAGE_SIZE, samples, filter: 'project is scale001, sg_status_list is_not na',
        msPerPage: { [small.records]: small.pages, [large.records]: large.pages },
        ratios: Object.fromEntries(PAGES.map((n, i) => [`page${n}`, round(ratios[i]!, 2)])),
        startSeconds: { [small.records]: round(small.startSeconds, 1), [large.records]: round(large.startSeconds, 1) },
      },
    };
  },
};
