/**
 * The small soak `npm test` runs (library and Node-RED legs): 20 files from 16 KiB to 16 MiB
 * (4 above the 5 MiB multipart threshold), the same 10 % fault table, short stalls and fast
 * client retries so it stays quick on a loaded machine, and the same checks as the full soak.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SOAK, type SoakOptions } from './options.js';
import { runSoak } from './run.js';

const MiB = 1024 * 1024;

/** Options of the small soak. */
export const SMALL_SOAK: Readonly<SoakOptions> = Object.freeze({
  ...DEFAULT_SOAK,
  count: 20,
  minSize: 16 * 1024,
  maxSize: 16 * MiB,
  stallMs: 300,
  fastRetries: true,
  seed: 6,
});

/** Runs one leg of the small soak and asserts a full pass. */
export async function smallSoak(run: 'library' | 'node-red'): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `sg-soak-small-${run}-`));
  try {
    const { result, faultsInjected, multipart } = await runSoak(run, { ...SMALL_SOAK, runs: [run] }, dir);
    assert.ok(multipart >= 3, `only ${multipart} multipart uploads planned`);
    const kinds = Object.keys(faultsInjected).filter((k) => (faultsInjected[k] ?? 0) > 0);
    // The faults really happened (a soak without faults proves nothing).
    assert.ok(kinds.length >= 4, `faults injected: ${JSON.stringify(faultsInjected)}`);
    assert.deepEqual(result, { uploads: 20, ok: 20, byteExact: 20, duplicateAttachments: 0, orphanMultipart: 0, failed: [] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
