/** One soak run end to end: fresh site, uploads (library or Node-RED), verification, summary. */
import type { SoakOptions } from './options.js';
import type { SoakResult } from './outcome.js';
import { planFiles } from './plan.js';
import { uploadWithLibrary } from './run-library.js';
import { startSoakSite } from './site.js';
import { verifyRun } from './verify.js';

/** A run's result and an account of the faults it met. */
export interface SoakRun {
  result: SoakResult;
  /** One line for stderr. */
  stats: string;
  /** Faults the site injected, by kind. */
  faultsInjected: Record<string, number>;
  /** Files that went multipart. */
  multipart: number;
}

/** Runs one leg against its own emulator; `dir` holds the files while they are in use. */
export async function runSoak(run: 'library' | 'node-red', o: SoakOptions, dir: string): Promise<SoakRun> {
  const files = planFiles(o);
  const site = await startSoakSite(o, run, dir);
  try {
    // Node-RED (and its test helper) is loaded only for its own leg.
    const outcomes = run === 'library' ? await uploadWithLibrary(site, files, o, dir) : await (await import('./run-node-red.js')).uploadWithNodeRed(site, files, o, dir);
    const result = await verifyRun(site, outcomes, o, dir);
    const c = site.emu.counters.snapshot();
    const requests = Object.values(c.requests).reduce((n, byStatus) => n + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);
    const faults = Object.values(c.faultsInjected).reduce((a, b) => a + b, 0);
    const multipart = files.filter((f) => f.multipart).length;
    const share = requests > 0 ? ((100 * faults) / requests).toFixed(1) : '0';
    const stats = `${multipart} multipart; ${requests} requests, ${faults} faults = ${share} % (${JSON.stringify(c.faultsInjected)}), ${c.attachmentsCreated} attachments created`;
    return { result, stats, faultsInjected: c.faultsInjected, multipart };
  } finally {
    await site.close();
  }
}
