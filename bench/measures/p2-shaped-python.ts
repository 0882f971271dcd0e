/**
 * P2: a 512 MiB upload to storage shaped to 25 MB/s and 40 ms per connection, through the client
 * (defaults) against the Python API's algorithm (sequential 20,000,000-byte parts, one link
 * request per part). Parallel parts are what can beat a per-connection cap.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pythonUpload } from '../baselines/python-upload.js';
import { startRemoteEmulator } from '../support/emulator-host.js';
import { writeRandomFile } from '../support/files.js';
import { bearerToken, newVersions, ourClient, UPLOAD_DEFAULTS } from '../support/site.js';
import { alternate, median, MiB, round, timed } from '../support/stats.js';
import type { Measure } from '../support/types.js';
import { SHAPED_STORAGE } from './shaped.js';

export const p2: Measure = {
  id: 'P2',
  async run(ctx) {
    const size = ctx.quick ? 96 * MiB : 512 * MiB;
    const file = writeRandomFile(join(ctx.tmpDir, 'p2.bin'), size);
    const emu = await startRemoteEmulator({ transcodeDelay: 0, shaping: SHAPED_STORAGE });
    const sg = ourClient(emu);
    try {
      const token = await bearerToken(emu);
      const ids = await newVersions(sg, ctx.runs * 2, 'p2');
      const samples = await alternate(
        ctx.runs,
        async () => {
          const { ms } = await timed(() => sg.upload({ type: 'Version', id: ids.pop()!, field: 'sg_uploaded_movie' }, file));
          ctx.log(`P2 ours ${round(ms / 1000, 2)} s`);
          return ms / 1000;
        },
        async () => {
          const { ms } = await timed(() => pythonUpload(emu.url, token, ids.pop()!, file));
          ctx.log(`P2 python algorithm ${round(ms / 1000, 2)} s`);
          return ms / 1000;
        },
      );
      const ours = median(samples.ours);
      const baseline = median(samples.baseline);
      const speedup = baseline / ours;
      return {
        id: 'P2',
        measure: `${size / MiB} MiB upload, storage shaped to 25 MB/s and 40 ms per connection, vs the Python API's algorithm`,
        ours: round(ours),
        baseline: round(baseline),
        ratio: round(speedup),
        ratioIs: 'baseline/ours',
        unit: 's',
        target: '≥ 4× faster',
        met: speedup >= 4,
        params: { bytes: size, runs: ctx.runs, samples, shaping: SHAPED_STORAGE, client: UPLOAD_DEFAULTS },
      };
    } finally {
      await sg.close();
      await emu.close();
      rmSync(file, { force: true });
    }
  },
};
