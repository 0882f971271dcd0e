/**
 * P3: peak RSS of a process that uploads a 1 GiB file and of one that uploads a 4 GiB file
 * (sparse: no disk blocks, reads return zeros), both through the client with defaults. Memory
 * must not grow with the file: parts are streamed from disk through two small buffers per part
 * in flight, reused part after part, never the whole file.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startRemoteEmulator } from '../support/emulator-host.js';
import { writeSparseFile } from '../support/files.js';
import { newVersions, ourClient, UPLOAD_DEFAULTS } from '../support/site.js';
import { GiB, median, MiB, round } from '../support/stats.js';
import type { BenchContext, Measure } from '../support/types.js';

const run = promisify(execFile);

/** One upload in a fresh child (and a fresh emulator, so stored bytes are removed at once). */
async function peakRss(ctx: BenchContext, path: string, label: string): Promise<number> {
  const emu = await startRemoteEmulator({ transcodeDelay: 0 });
  try {
    const sg = ourClient(emu);
    const [versionId] = await newVersions(sg, 1, 'p3');
    await sg.close();
    const job = { site: emu.url, scriptName: emu.credentials.scriptName, scriptKey: emu.credentials.scriptKey, versionId, path };
    const { stdout } = await run(process.execPath, [join(__dirname, '..', 'support', 'upload-child.js'), JSON.stringify(job)], { maxBuffer: 1 << 20 });
    const got = JSON.parse(stdout.trim().split('\n').at(-1)!) as { peakRssMiB: number; ms: number };
    ctx.log(`P3 ${label}: peak RSS ${round(got.peakRssMiB, 1)} MiB in ${round(got.ms / 1000, 1)} s`);
    return got.peakRssMiB;
  } finally {
    await emu.close();
  }
}

export const p3: Measure = {
  id: 'P3',
  async run(ctx) {
    const small = ctx.quick ? 256 * MiB : GiB;
    const large = ctx.quick ? GiB : 4 * GiB;
    const smallFile = writeSparseFile(join(ctx.tmpDir, `p3-${small / MiB}m.bin`), small);
    const largeFile = writeSparseFile(join(ctx.tmpDir, `p3-${large / MiB}m.bin`), large);
    try {
      const smallRss: number[] = [];
      const largeRss: number[] = [];
      for (let i = 0; i < ctx.runs; i++) {
        smallRss.push(await peakRss(ctx, smallFile, `${small / MiB} MiB`));
        largeRss.push(await peakRss(ctx, largeFile, `${large / MiB} MiB`));
      }
      const ours = median(largeRss);
      const baseline = median(smallRss);
      const ratio = ours / baseline;
      return {
        id: 'P3',
        measure: `peak RSS of the uploading process, ${large / GiB} GiB file (ours) vs ${small >= GiB ? `${small / GiB} GiB` : `${small / MiB} MiB`} file (baseline)`,
        ours: round(ours, 1),
        baseline: round(baseline, 1),
        ratio: round(ratio),
        ratioIs: 'ours/baseline',
        unit: 'MiB',
        target: 'both ≤ 110 MiB, ratio ≤ 1.1 (flat)',
        met: ours <= 110 && baseline <= 110 && ratio <= 1.1,
        params: {
          smallBytes: small, largeBytes: large, runs: ctx.runs, samples: { small: smallRss.map((v) => round(v, 1)), large: largeRss.map((v) => round(v, 1)) }, file: 'sparse', client: UPLOAD_DEFAULTS,
          // The earlier bound (when parts were held in memory), kept as a regression guard.
          within160MiB: ours <= 160 && baseline <= 160,
        },
      };
    } finally {
      rmSync(smallFile, { force: true });
      rmSync(largeFile, { force: true });
    }
  },
};
