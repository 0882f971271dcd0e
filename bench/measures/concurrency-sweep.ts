/**
 * The chart's data: upload throughput against part concurrency on the shaped storage of P2
 * (one upload per concurrency).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startRemoteEmulator } from '../support/emulator-host.js';
import { writeRandomFile } from '../support/files.js';
import { newVersions, ourClient } from '../support/site.js';
import { median, MiB, round, timed } from '../support/stats.js';
import type { BenchContext, BenchReport } from '../support/types.js';
import { SHAPED_STORAGE } from './shaped.js';

/** Concurrencies the chart shows. */
export const SWEEP = [1, 2, 4, 8, 16] as const;

/** Runs the sweep: one upload per point (a shaped upload's speed is set by the shaping, not by noise; it is also slow). */
export async function concurrencySweep(ctx: BenchContext): Promise<NonNullable<BenchReport['concurrency']>> {
  // Large enough for 16 parts in flight to matter (about 100 parts with the default 5 MiB parts).
  const size = ctx.quick ? 64 * MiB : 512 * MiB;
  const runs = 1;
  const file = writeRandomFile(join(ctx.tmpDir, 'sweep.bin'), size);
  const emu = await startRemoteEmulator({ transcodeDelay: 0, shaping: SHAPED_STORAGE });
  const sg = ourClient(emu);
  try {
    const ids = await newVersions(sg, SWEEP.length * runs, 'sweep');
    const points = [];
    for (const concurrency of SWEEP) {
      const rates: number[] = [];
      for (let i = 0; i < runs; i++) {
        const { ms } = await timed(() => sg.upload({ type: 'Version', id: ids.pop()!, field: 'sg_uploaded_movie' }, file, { concurrency }));
        rates.push(size / 1e6 / (ms / 1000));
      }
      const mbPerSecond = round(median(rates), 1);
      ctx.log(`sweep concurrency ${concurrency}: ${mbPerSecond} MB/s`);
      points.push({ concurrency, mbPerSecond });
    }
    return { sizeBytes: size, shaping: { ...SHAPED_STORAGE }, points };
  } finally {
    await sg.close();
    await emu.close();
    rmSync(file, { force: true });
  }
}
