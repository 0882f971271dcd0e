/**
 * The soak's site: a fresh emulator per run (so its counters belong to that run alone), one
 * Version per planned file created before any fault is switched on (creates are not repeatable,
 * and the soak measures uploads, not record creation), and the fault table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../emulator/index.js';
import type { FaultKind, FaultRates } from '../../emulator/types.js';
import { ShotGridClient, type ShotGridClientOptions } from '../../lib/index.js';
import type { SoakOptions } from './options.js';

/** Every fault kind the emulator injects; the soak spreads its rate evenly over them. */
export const SOAK_FAULT_KINDS: readonly FaultKind[] = ['http500', 'http502', 'http503', 'http429', 'reset', 'stall', 'token_expire', 'url_expire'];

/** A running soak site. */
export interface SoakSite {
  emu: Emulator;
  /** Version id of each planned file, by file index. */
  records: number[];
  /** Switches the soak's fault table on or off. */
  faults(on: boolean): void;
  /** Client options for this site (library defaults unless `fastRetries`). */
  clientOptions(extra?: Partial<ShotGridClientOptions>): ShotGridClientOptions;
  close(): Promise<void>;
}

/**
 * The fault table: `faultRate` split evenly over every kind, on every route but info/web;
 * `spread` so each route meets the whole rate over the kinds possible there.
 */
export function soakFaultRates(o: Pick<SoakOptions, 'faultRate' | 'stallMs'>): FaultRates {
  const each = o.faultRate / SOAK_FAULT_KINDS.length;
  // Half the API resets land after the change was made (answer lost): the duplicate-making case.
  return { rates: Object.fromEntries(SOAK_FAULT_KINDS.map((k) => [k, each])), stallMs: o.stallMs, retryAfter: 1, afterHandler: 0.5, spread: true };
}

/**
 * Starts the emulator and creates the records (faults still off). The site keeps its bytes
 * under `dir`, so removing `dir` (also on Ctrl-C) removes them too.
 */
export async function startSoakSite(o: SoakOptions, label: string, dir: string): Promise<SoakSite> {
  const dataDir = mkdtempSync(join(dir, `site-${label}-`));
  const emu = await startEmulator({ seed: o.seed, transcodeDelay: 100, dataDir });
  const close = async (): Promise<void> => {
    await emu.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const clientOptions = (extra: Partial<ShotGridClientOptions> = {}): ShotGridClientOptions => ({
      site: emu.url,
      auth: { scriptName: emu.credentials.scriptName, scriptKey: emu.credentials.scriptKey },
      logger: { warn: () => undefined, ...(process.env.SOAK_DEBUG ? { debug: (m: string) => process.stderr.write(`debug: ${m}\n`) } : {}) },
      ...(o.fastRetries ? { retry: { retries: 6, minTimeout: 20, maxTimeout: 200 } } : {}),
      ...extra,
    });
    const sg = new ShotGridClient(clientOptions());
    let project: number;
    try {
      const [p] = await sg.find('Project', null, { limit: 1 });
      if (!p) throw new Error('the emulator has no Project');
      project = p.id;
    } finally {
      await sg.close();
    }
    const records = emu.bulkCreate('Version', Array.from({ length: o.count }, (_, i) => ({ code: `${label} soak ${i}`, project: { type: 'Project', id: project } })));
    return {
      emu,
      records,
      faults: (on) => emu.faults.setRates(on && o.faultRate > 0 ? soakFaultRates(o) : null),
      clientOptions,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
