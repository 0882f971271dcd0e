/**
 * The library leg: every planned file through `ShotGridClient.upload`, `concurrency` at a time,
 * with the site's faults on. Each file exists on disk only while it is being uploaded.
 */
import { rm } from 'node:fs/promises';
import { ShotGridClient } from '../../lib/index.js';
import type { SoakOptions } from './options.js';
import { describeError, type UploadOutcome } from './outcome.js';
import { writeSoakFile, type SoakFile } from './plan.js';
import { eachLimited } from './pool.js';
import type { SoakSite } from './site.js';

/** Uploads every file; returns one outcome per file, by index. Faults are left on. */
export async function uploadWithLibrary(site: SoakSite, files: readonly SoakFile[], o: SoakOptions, dir: string): Promise<UploadOutcome[]> {
  const sg = new ShotGridClient(site.clientOptions());
  const outcomes: UploadOutcome[] = [];
  site.faults(true);
  try {
    await eachLimited(files, o.concurrency, async (file) => {
      let written: { path: string; sha256: string } | undefined;
      try {
        written = await writeSoakFile(dir, o.seed, file);
        const target = { type: 'Version', id: site.records[file.index]!, ...(file.field ? { field: file.field } : {}) };
        await sg.upload(target, written.path, { multipartThreshold: o.multipartThreshold, partSize: o.partSize });
        outcomes[file.index] = { file, sha256: written.sha256, ok: true };
      } catch (err) {
        outcomes[file.index] = { file, sha256: written?.sha256, ok: false, error: describeError(err) };
      } finally {
        if (written) await rm(written.path, { force: true });
      }
    });
  } finally {
    await sg.close();
  }
  return outcomes;
}
