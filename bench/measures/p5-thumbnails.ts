/**
 * P5: waiting for the thumbnails of 100 entities. Ours asks once per round for every pending id
 * (`id in [...]`); the baseline reads each pending entity once per round. Same schedule on both
 * sides; the result is requests per round (rounds are counted from the emulator's request log:
 * a round is a burst of requests separated from the next by more than half the first interval).
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { perEntityPoll, type PollSchedule } from '../baselines/per-entity-poll.js';
import { startRemoteEmulator, type RemoteEmulator } from '../support/emulator-host.js';
import { tinyPng } from '../support/png.js';
import { bearerToken, newVersions, ourClient } from '../support/site.js';
import { median, round } from '../support/stats.js';
import type { Measure } from '../support/types.js';
import type { ShotGridClient } from '../../lib/index.js';

const SCHEDULE: PollSchedule = { interval: 250, maxInterval: 1000, backoff: 1.5, timeout: 60_000 };

/** Gives `ids` a thumbnail each (4 at a time), leaving them transient for the emulator's transcode delay. */
async function uploadThumbnails(sg: ShotGridClient, ids: number[], png: string): Promise<void> {
  const queue = [...ids];
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) await sg.upload({ type: 'Version', id, field: 'image' }, png);
  }));
}

/** Bursts of requests in a log: a gap longer than `gap` ms starts a new round. */
function rounds(times: number[], gap: number): number {
  let n = 0;
  let last = Number.NEGATIVE_INFINITY;
  for (const t of [...times].sort((a, b) => a - b)) {
    if (t - last > gap) n++;
    last = t;
  }
  return n;
}

async function oursOnce(emu: RemoteEmulator, sg: ShotGridClient, ids: number[]): Promise<{ requests: number; rounds: number }> {
  await emu.logStart();
  const results = await sg.waitForThumbnails('Version', ids, { interval: SCHEDULE.interval, maxInterval: SCHEDULE.maxInterval, timeout: SCHEDULE.timeout });
  const log = (await emu.logTake()).filter((r) => r.path.includes('/_search'));
  if (results.some((r) => r.status !== 'ready')) throw new Error('a thumbnail did not become ready');
  return { requests: log.length, rounds: rounds(log.map((r) => r.t), SCHEDULE.interval / 2) };
}

export const p5: Measure = {
  id: 'P5',
  async run(ctx) {
    const entities = ctx.quick ? 20 : 100;
    const transcodeDelay = 3000;
    const emu = await startRemoteEmulator({ transcodeDelay });
    const sg = ourClient(emu);
    const png = join(ctx.tmpDir, 'thumb.png');
    writeFileSync(png, tinyPng());
    try {
      const token = await bearerToken(emu);
      const ours: Array<{ requests: number; rounds: number }> = [];
      const base: Array<{ requests: number; rounds: number }> = [];
      for (let i = 0; i < ctx.runs; i++) {
        for (const side of i % 2 === 0 ? ['ours', 'baseline'] : ['baseline', 'ours']) {
          const ids = await newVersions(sg, entities, `p5 ${side} ${i}`);
          await uploadThumbnails(sg, ids, png);
          if (side === 'ours') ours.push(await oursOnce(emu, sg, ids));
          else {
            const got = await perEntityPoll(emu.url, token, ids, SCHEDULE);
            if (got.ready !== ids.length) throw new Error('a thumbnail did not become ready');
            base.push(got);
          }
          ctx.log(`P5 ${side}: ${JSON.stringify((side === 'ours' ? ours : base).at(-1))}`);
        }
      }
      const perRound = (s: { requests: number; rounds: number }): number => s.requests / s.rounds;
      const oursPerRound = median(ours.map(perRound));
      const basePerRound = median(base.map(perRound));
      return {
        id: 'P5',
        measure: `thumbnail wait for ${entities} entities: requests per round vs one request per entity per round`,
        ours: round(oursPerRound, 2),
        baseline: round(basePerRound, 2),
        ratio: round(oursPerRound / basePerRound, 4),
        ratioIs: 'ours/baseline',
        unit: 'requests/round',
        target: '1 request per round',
        met: oursPerRound <= 1,
        params: { entities, transcodeDelayMs: transcodeDelay, schedule: SCHEDULE, runs: ctx.runs, ours, baseline: base },
      };
    } finally {
      await sg.close();
      await emu.close();
    }
  },
};
