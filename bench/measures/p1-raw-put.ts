/**
 * P1: a 1 GiB upload through the client (defaults: 5 MiB parts, 8 in flight, checksums, every
 * ShotGrid call included) against one raw undici PUT of the same bytes to the same storage.
 */
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { rawPut } from '../baselines/raw-put.js';
import { startRemoteEmulator } from '../support/emulator-host.js';
import { flushDirtyPages, writeRandomFile } from '../support/files.js';
import { bearerToken, newVersions, ourClient, UPLOAD_DEFAULTS } from '../support/site.js';
import { hashCost } from '../support/hash-cost.js';
import { processCpuSeconds } from '../support/process-usage.js';
import { alternate, GiB, median, MiB, round, timed } from '../support/stats.js';
import type { Measure } from '../support/types.js';

export const p1: Measure = {
  id: 'P1',
  async run(ctx) {
    const size = ctx.quick ? 128 * MiB : GiB;
    const file = writeRandomFile(join(ctx.tmpDir, 'p1.bin'), size);
    const emu = await startRemoteEmulator({ transcodeDelay: 0 });
    const sg = ourClient(emu);
    try {
      const token = await bearerToken(emu);
      const ids = await newVersions(sg, ctx.runs * 2 + 2, 'p1');
      // Both sides upload once, untimed, a smaller file (connections, JIT here and in the emulator).
      const warm = writeRandomFile(join(ctx.tmpDir, 'p1-warm.bin'), 64 * MiB);
      await sg.upload({ type: 'Version', id: ids.pop()!, field: 'sg_uploaded_movie' }, warm);
      await rawPut(emu.url, token, ids.pop()!, warm);
      rmSync(warm);
      // Ours runs in this process (the emulator is a child): its CPU, hash thread included.
      const cpu: number[] = [];
      // The storage's CPU (the emulator child) per side: on 2 cores it competes with the client's.
      const storageCpu = { ours: [] as number[], raw: [] as number[] };
      const storageSince = (): (() => number) => {
        const start = processCpuSeconds(emu.pid) ?? 0;
        return () => (processCpuSeconds(emu.pid) ?? 0) - start;
      };
      const samples = await alternate(
        ctx.runs,
        async () => {
          flushDirtyPages();
          const before = process.cpuUsage();
          const storage = storageSince();
          const { ms } = await timed(() => sg.upload({ type: 'Version', id: ids.pop()!, field: 'sg_uploaded_movie' }, file));
          const used = process.cpuUsage(before);
          cpu.push((used.user + used.system) / 1e6);
          storageCpu.ours.push(storage());
          ctx.log(`P1 ours ${round(ms / 1000, 2)} s, client CPU ${round(cpu.at(-1)!, 2)} s, storage CPU ${round(storageCpu.ours.at(-1)!, 2)} s`);
          return ms / 1000;
        },
        async () => {
          flushDirtyPages();
          const storage = storageSince();
          const ms = await rawPut(emu.url, token, ids.pop()!, file);
          storageCpu.raw.push(storage());
          ctx.log(`P1 raw PUT ${round(ms / 1000, 2)} s, storage CPU ${round(storageCpu.raw.at(-1)!, 2)} s`);
          return ms / 1000;
        },
      );
      const ours = median(samples.ours);
      const baseline = median(samples.baseline);
      const ratio = ours / baseline;
      const hashing = hashCost();
      const oursCpu = median(cpu);
      const hashingCpu = (hashing.multipartCpuSecondsPerGiB * size) / GiB;
      ctx.log(`P1 hashing: MD5 ${hashing.md5MiBps} MiB/s (both of a pass ${hashing.md5PairMiBps} MiB/s), SHA-256 ${hashing.sha256MiBps} MiB/s per core; ${hashing.multipartCpuSecondsPerGiB} CPU s per GiB, ${round((100 * hashingCpu) / oursCpu, 0)} % of ours' client CPU`);
      return {
        id: 'P1',
        measure: `${size / MiB} MiB upload through the client vs one raw PUT (loopback, unshaped)`,
        ours: round(ours),
        baseline: round(baseline),
        ratio: round(ratio),
        ratioIs: 'ours/baseline',
        unit: 's',
        target: 'ratio ≤ 1.15',
        met: ratio <= 1.15,
        params: {
          bytes: size, runs: ctx.runs, samples, client: UPLOAD_DEFAULTS, oursMBps: round(size / 1e6 / ours, 1), rawMBps: round(size / 1e6 / baseline, 1),
          oursCpuSeconds: round(oursCpu, 2), hashing: { ...hashing, shareOfOursCpu: round(hashingCpu / oursCpu, 2) },
          storageCpuSeconds: { ours: round(median(storageCpu.ours), 2), raw: round(median(storageCpu.raw), 2) },
        },
      };
    } finally {
      await sg.close();
      await emu.close();
      rmSync(file, { force: true });
    }
  },
};
