/**
 * P9: the local site at studio scale. One emulator seeded with 10,000 records and one with
 * 1,000,000 Versions (`seedRecords`: Shots and Versions 1:9 in 50,000-record projects, so
 * 1,111,112 records); on each, the time of the searches clients commonly make, 25 per page:
 * - project + status, page 1 and page 190, read again and again (page continuation);
 * - the same pages read cold (each search differs, so nothing is remembered between them);
 * - status alone, page 190; a Shot's Versions (`entity is`); one Version by `code`.
 * Both sites run at once and are searched in turn, sample by sample (the machine's load weighs on
 * both alike). The ratio is the worst case's time at 1,000,000 Versions over the same search at 10,000 records:
 * a page should cost time in proportion to the page, not to the table (goal ≤ 1.5). Also
 * reported: start-to-listening time with the seeding (goal < 60 s) and the emulator's resident
 * memory per record (RSS difference between the two sites over their record difference).
 */
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { startRemoteEmulator } from '../support/emulator-host.js';
import { bearerToken } from '../support/site.js';
import { median, round } from '../support/stats.js';
import type { Measure } from '../support/types.js';

const PAGE_SIZE = 25;
/** Timed searches per case and site (the median is kept). */
const SAMPLES = 40;
/** Records holding 1,000,000 Versions at the seeding's 1:9 Shot:Version mix. */
const MILLION_VERSIONS_RECORDS = 1_111_112;

type Filter = unknown[];

/** One timed search: its filters (given the sample number, for cold reads), page and expected rows. */
interface Case {
  name: string;
  filters: (sample: number) => Filter[];
  page: number;
  rows: number;
}

interface Scope {
  project: { type: string; id: number };
  shot: { type: string; id: number };
}

function cases(s: Scope): Case[] {
  const projectStatus: Filter[] = [['project', 'is', s.project], ['sg_status_list', 'is_not', 'na']];
  // A condition true for every row, different per sample, so no page continues a remembered read.
  const cold = (i: number): Filter[] => [...projectStatus, ['id', 'greater_than', -1 - i]];
  return [
    { name: 'project+status p1', filters: () => projectStatus, page: 1, rows: PAGE_SIZE },
    { name: 'project+status p190', filters: () => projectStatus, page: 190, rows: PAGE_SIZE },
    { name: 'project+status p1 cold', filters: cold, page: 1, rows: PAGE_SIZE },
    { name: 'project+status p190 cold', filters: cold, page: 190, rows: PAGE_SIZE },
    { name: 'status p190 cold', filters: (i) => [['sg_status_list', 'in', ['rev', 'apr', 'vwd', 'rej', 'ip']], ['id', 'greater_than', -1 - i]], page: 190, rows: PAGE_SIZE },
    { name: 'entity (a Shot) cold', filters: (i) => [['entity', 'is', s.shot], ['id', 'greater_than', -1 - i]], page: 1, rows: 9 },
    { name: 'code cold', filters: (i) => [['code', 'is', 'scale001_010_0020_comp_v003'], ['id', 'greater_than', -1 - i]], page: 1, rows: 1 },
  ];
}

/** Resident memory of a process (Linux `/proc`), undefined elsewhere. */
function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** A seeded site, ready to search. */
interface Site {
  records: number;
  startSeconds: number;
  pid: number;
  scope: Scope;
  search(body: unknown): Promise<Array<{ id: number }>>;
  close(): Promise<void>;
}

async function openSite(records: number, log: (m: string) => void): Promise<Site> {
  const t0 = performance.now();
  const emu = await startRemoteEmulator({ transcodeDelay: 0, seedRecords: records });
  const startSeconds = (performance.now() - t0) / 1000;
  log(`P9 ${records.toLocaleString('en')} records seeded and listening in ${round(startSeconds, 1)} s`);
  try {
    const token = await bearerToken(emu);
    const post = async (type: string, body: unknown): Promise<Array<{ id: number }>> => {
      const res = await request(`${emu.url}/api/v1/entity/${type}/_search`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/vnd+shotgun.api3_array+json' },
        body: JSON.stringify(body),
      });
      const parsed = (await res.body.json()) as { data: Array<{ id: number }> };
      if (res.statusCode !== 200) throw new Error(`search answered ${res.statusCode}`);
      return parsed.data;
    };
    const [project] = await post('projects', { filters: [['code', 'is', 'scale001']], fields: ['code'] });
    const [shot] = await post('shots', { filters: [['code', 'is', 'scale001_010_0020']], fields: ['code'] });
    if (!project || !shot) throw new Error('no scale001 project or shot seeded');
    return {
      records, startSeconds, pid: emu.pid, scope: { project: { type: 'Project', id: project.id }, shot: { type: 'Shot', id: shot.id } },
      search: (body) => post('versions', body), close: () => emu.close(),
    };
  } catch (err) {
    await emu.close();
    throw err;
  }
}

/**
 * Median ms of each case on each site. The two sites are searched in turn, sample by sample, so
 * a change in the machine's load weighs on both alike.
 */
async function timeCases(sites: Site[], samples: number, log: (m: string) => void): Promise<Array<Record<string, number>>> {
  const out = sites.map(() => ({}) as Record<string, number>);
  const names = cases(sites[0]!.scope).map((c) => c.name);
  let sample = 0;
  const once = async (site: Site, c: Case): Promise<number> => {
    const body = { filters: c.filters(sample++), fields: ['code', 'sg_status_list', 'entity', 'created_at'], page: { size: PAGE_SIZE, number: c.page } };
    const s = performance.now();
    const rows = await site.search(body);
    const ms = performance.now() - s;
    if (rows.length !== c.rows) throw new Error(`${c.name} held ${rows.length} rows, not ${c.rows}`);
    return ms;
  };
  // Untimed warm-up of every case: JIT, the indexes' first build, connections.
  for (let round = 0; round < 10; round++) for (const site of sites) for (const c of cases(site.scope)) await once(site, c);
  for (const [n, name] of names.entries()) {
    const times = sites.map(() => [] as number[]);
    for (let i = 0; i < samples; i++) {
      for (const [k, site] of sites.entries()) times[k]!.push(await once(site, cases(site.scope)[n]!));
    }
    for (const [k, site] of sites.entries()) {
      out[k]![name] = round(median(times[k]!), 3);
      log(`P9 ${site.records.toLocaleString('en')} records: ${name} ${round(out[k]![name]!, 2)} ms`);
    }
  }
  return out;
}

export const p9: Measure = {
  id: 'P9',
  async run(ctx) {
    const big = ctx.quick ? 200_000 : MILLION_VERSIONS_RECORDS;
    const samples = ctx.quick ? 15 : SAMPLES;
    const smallSite = await openSite(10_000, ctx.log);
    let largeSite: Site | undefined;
    let ms: Array<Record<string, number>>;
    let rss: Array<number | undefined>;
    try {
      largeSite = await openSite(big, ctx.log);
      ms = await timeCases([smallSite, largeSite], samples, ctx.log);
      rss = [rssMiB(smallSite.pid), rssMiB(largeSite.pid)];
    } finally {
      await largeSite?.close();
      await smallSite.close();
    }
    const small = { records: smallSite.records, startSeconds: smallSite.startSeconds, rssMiB: rss[0], ms: ms[0]! };
    const large = { records: largeSite.records, startSeconds: largeSite.startSeconds, rssMiB: rss[1], ms: ms[1]! };
    const ratios = Object.fromEntries(Object.keys(small.ms).map((name) => [name, round(large.ms[name]! / small.ms[name]!, 2)]));
    const worst = Object.keys(ratios).reduce((a, b) => (ratios[b]! > ratios[a]! ? b : a));
    const ratio = ratios[worst]!;
    const bytesPerRecord = small.rssMiB !== undefined && large.rssMiB !== undefined
      ? Math.round(((large.rssMiB - small.rssMiB) * 1024 * 1024) / (large.records - small.records))
      : undefined;
    return {
      id: 'P9',
      measure: `filtered searches (${PAGE_SIZE} per page, worst of ${Object.keys(ratios).length}): ${big.toLocaleString('en')} records vs 10,000`,
      ours: large.ms[worst]!,
      baseline: small.ms[worst]!,
      ratio,
      ratioIs: 'ours/baseline',
      unit: 'ms',
      target: 'ratio ≤ 1.5; 1,000,000 Versions seeded and listening < 60 s',
      met: ratio <= 1.5 && (ctx.quick || large.startSeconds < 60),
      params: {
        pageSize: PAGE_SIZE, samples, worst, ratios,
        records: { small: small.records, large: large.records, largeVersions: Math.floor(large.records / 10) * 9 + Math.max(0, (large.records % 10) - 1) },
        msPerSearch: { [small.records]: small.ms, [large.records]: large.ms },
        startSeconds: { [small.records]: round(small.startSeconds, 1), [large.records]: round(large.startSeconds, 1) },
        rssMiB: { [small.records]: small.rssMiB === undefined ? null : round(small.rssMiB, 0), [large.records]: large.rssMiB === undefined ? null : round(large.rssMiB, 0) },
        rssBytesPerRecord: bytesPerRecord ?? null,
      },
    };
  },
};
