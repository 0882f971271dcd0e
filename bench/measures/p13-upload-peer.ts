/**
 * P13: a 256 MiB upload by our client (defaults) vs shotgun-nodejs (Autodesk's JS client, which
 * reads the file into memory and sends it in one PUT), each in a fresh process: time and peak RSS.
 * Loopback emulator, built-in storage. Each upload is read back and compared byte for byte.
 */
import { createHash } from 'node:crypto';
import { createReadStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runChild } from '../support/child.js';
import { startRemoteEmulator } from '../support/emulator-host.js';
import { writeRandomFile } from '../support/files.js';
import type { UploadJob } from '../support/peer-upload-child.js';
import { newVersions, ourClient, UPLOAD_DEFAULTS } from '../support/site.js';
import { median, MiB, round } from '../support/stats.js';
import type { Measure } from '../support/types.js';

interface ChildResult {
  ms: number;
  peakRssMiB: number;
  cpuSeconds: number;
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export const p13: Measure = {
  id: 'P13',
  async run(ctx) {
    const size = ctx.quick ? 64 * MiB : 256 * MiB;
    const file = writeRandomFile(join(ctx.tmpDir, 'p13.bin'), size);
    const back = join(ctx.tmpDir, 'p13-back.bin');
    const emu = await startRemoteEmulator({ transcodeDelay: 0 });
    const sg = ourClient(emu);
    try {
      const expected = await sha256(file);
      const ids = await newVersions(sg, ctx.runs * 2 + 2, 'p13');
      const upload = async (client: UploadJob['client']): Promise<ChildResult> => {
        const versionId = ids.pop()!;
        const job: UploadJob = { client, site: emu.url, scriptName: emu.credentials.scriptName, scriptKey: emu.credentials.scriptKey, versionId, path: file };
        const got = await runChild<ChildResult>('peer-upload-child', job);
        await sg.download({ type: 'Version', id: versionId, field: 'sg_uploaded_movie' }, back, { overwrite: true });
        if ((await sha256(back)) !== expected) throw new Error(`P13 ${client}: the stored bytes differ from the file`);
        rmSync(back, { force: true });
        ctx.log(`P13 ${client}: ${round(got.ms / 1000, 2)} s, peak RSS ${round(got.peakRssMiB, 1)} MiB, CPU ${round(got.cpuSeconds, 2)} s (verified)`);
        return got;
      };
      // One untimed upload each (the emulator's JIT and its storage folder).
      await upload('ours');
      await upload('shotgun-nodejs');
      const ours: ChildResult[] = [];
      const theirs: ChildResult[] = [];
      for (let i = 0; i < ctx.runs; i++) {
        if (i % 2 === 0) {
          ours.push(await upload('ours'));
          theirs.push(await upload('shotgun-nodejs'));
        } else {
          theirs.push(await upload('shotgun-nodejs'));
          ours.push(await upload('ours'));
        }
      }
      const oursS = median(ours.map((r) => r.ms / 1000));
      const theirS = median(theirs.map((r) => r.ms / 1000));
      const oursRss = median(ours.map((r) => r.peakRssMiB));
      const theirRss = median(theirs.map((r) => r.peakRssMiB));
      const speedup = theirS / oursS;
      const rssRatio = oursRss / theirRss;
      return {
        id: 'P13',
        measure: `${size / MiB} MiB upload, ours vs shotgun-nodejs (time; peak RSS ${round(oursRss, 1)} vs ${round(theirRss, 1)} MiB)`,
        ours: round(oursS),
        baseline: round(theirS),
        ratio: round(speedup),
        ratioIs: 'baseline/ours',
        unit: 's',
        target: 'faster, with < ½ its peak RSS',
        met: speedup > 1 && rssRatio < 0.5,
        params: {
          bytes: size, runs: ctx.runs, rssRatio: round(rssRatio),
          samples: { ours: ours.map((r) => round(r.ms / 1000)), theirs: theirs.map((r) => round(r.ms / 1000)) },
          rssSamples: { ours: ours.map((r) => round(r.peakRssMiB, 1)), theirs: theirs.map((r) => round(r.peakRssMiB, 1)) },
          client: `${UPLOAD_DEFAULTS}; shotgun-nodejs 4.2.0: whole file in memory, one PUT`,
        },
        contenders: [
          { name: 'ours', seconds: round(oursS), cpuSeconds: round(median(ours.map((r) => r.cpuSeconds))), peakRssMiB: round(oursRss, 1) },
          { name: 'shotgun-nodejs', seconds: round(theirS), cpuSeconds: round(median(theirs.map((r) => r.cpuSeconds))), peakRssMiB: round(theirRss, 1) },
        ],
      };
    } finally {
      await sg.close();
      await emu.close();
      rmSync(file, { force: true });
      rmSync(back, { force: true });
    }
  },
};
