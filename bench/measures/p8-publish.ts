/**
 * P8: a 2 GiB multipart upload killed (SIGKILL, as a crash) at 80 % and run again with the same
 * resume folder. `ours` is what the storage received after the restart, as a fraction of the file;
 * every peer client starts over and sends the whole file again (baseline 1.0).
 *
 * 20 % of the file is still missing at the kill, so `ours` can be no lower than ~0.2; the target
 * is on what comes on top of that — parts re-sent because they were in flight or not yet
 * recorded at the kill: at most 0.1 of the file (ours ≤ missing + 0.1).
 *
 * The emulator runs in this process, so the kill lands between two of its storage writes (nothing
 * is stored between the check and the kill); the upload runs in a child process (the test's
 * resume child, test/lib/fixtures/resume-child.ts). After the kill, the storage's leftover
 * requests of the dead child are let settle before the resumed run is counted.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../emulator/index.js';
import type { ResumeChildJob, ResumeChildMessage } from '../../test/lib/fixtures/resume-child.js';
import { writeSparseFile } from '../support/files.js';
import { newVersions, ourClient } from '../support/site.js';
import { GiB, median, MiB, round } from '../support/stats.js';
import type { BenchContext, Measure } from '../support/types.js';

const KILL_AT = 0.8;
const CHILD = join(__dirname, '..', '..', 'test', 'lib', 'fixtures', 'resume-child.js');

interface ChildRun {
  killed: boolean;
  result?: Record<string, unknown>;
  error?: { code?: string; message: string };
}

function runChild(emu: Emulator, job: ResumeChildJob, killAtBytes?: number): Promise<ChildRun> {
  const child = spawn(process.execPath, [CHILD, JSON.stringify(job)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const base = emu.counters.snapshot().bytesStored;
  const out: ChildRun = { killed: false };
  const poll = killAtBytes === undefined ? undefined : setInterval(() => {
    if (emu.counters.snapshot().bytesStored - base < killAtBytes) return;
    clearInterval(poll);
    out.killed = child.kill('SIGKILL');
  }, 5);
  child.on('message', (m: ResumeChildMessage) => {
    if ('done' in m) out.result = m.done as Record<string, unknown>;
    if ('error' in m) out.error = m.error;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', () => {
      if (poll) clearInterval(poll);
      resolve(out);
    });
  });
}

/** Waits until the storage has seen no request end for `quietMs` (the dead child's leftovers). */
async function settle(emu: Emulator, quietMs = 1000): Promise<void> {
  const total = (): number => Object.values(emu.counters.snapshot().requests.storage_put ?? {}).reduce((a, b) => a + b, 0);
  let last = total();
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    await new Promise((r) => setTimeout(r, 100));
    const now = total();
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
}

/** One interrupted-and-resumed upload: fractions of the file sent after the restart, and missing at the kill. */
async function once(ctx: BenchContext, emu: Emulator, path: string, size: number, n: number): Promise<{ sent: number; missing: number }> {
  const sg = ourClient(emu);
  const [versionId] = await newVersions(sg, 1, `p8 ${n}`);
  await sg.close();
  const stateDir = mkdtempSync(join(ctx.tmpDir, 'p8-state-'));
  try {
    const job: ResumeChildJob = {
      site: emu.url, scriptName: emu.credentials.scriptName, scriptKey: emu.credentials.scriptKey, path,
      target: { type: 'Version', id: versionId!, field: 'sg_uploaded_movie' }, options: { resumeDir: stateDir },
    };
    const beforeKill = emu.counters.snapshot().bytesStored;
    const first = await runChild(emu, job, Math.floor(size * KILL_AT));
    if (!first.killed) throw new Error(`P8: the upload finished before the kill (${JSON.stringify(first.error ?? first.result)})`);
    await settle(emu);
    const storedBeforeRestart = emu.counters.snapshot().bytesStored - beforeKill;
    const afterKill = emu.counters.snapshot().bytesStored;
    const second = await runChild(emu, job);
    if (!second.result) throw new Error(`P8: the resumed upload failed: ${JSON.stringify(second.error)}`);
    const sent = (emu.counters.snapshot().bytesStored - afterKill) / size;
    const missing = Math.max(0, size - storedBeforeRestart) / size;
    ctx.log(`P8 run ${n}: killed with ${round(1 - missing, 3)} of the file stored; after the restart ${round(sent, 3)} sent (${round(sent - missing, 3)} re-sent); lib says bytes ${String(second.result.bytes)}, resumed ${String(second.result.resumedBytes)}`);
    return { sent, missing };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

export const p8: Measure = {
  id: 'P8',
  async run(ctx) {
    const size = ctx.quick ? 512 * MiB : 2 * GiB;
    const path = writeSparseFile(join(ctx.tmpDir, `p8-${size / MiB}m.bin`), size);
    const emu = await startEmulator({ transcodeDelay: 0 });
    try {
      const runs: Array<{ sent: number; missing: number }> = [];
      for (let i = 0; i < ctx.runs; i++) runs.push(await once(ctx, emu, path, size, i + 1));
      const ours = median(runs.map((r) => r.sent));
      const missing = median(runs.map((r) => r.missing));
      const resent = median(runs.map((r) => r.sent - r.missing));
      return {
        id: 'P8',
        measure: `bytes sent after a restart, as a fraction of a ${size >= GiB ? `${size / GiB} GiB` : `${size / MiB} MiB`} upload killed at ${KILL_AT * 100} % (ours: resumed; baseline: a client that starts over)`,
        ours: round(ours),
        baseline: 1,
        ratio: round(ours),
        ratioIs: 'ours/baseline',
        unit: 'fraction of the file',
        target: `≤ the fraction still missing at the kill + 0.1 re-sent (goal 0.1 of re-sent bytes)`,
        met: resent <= 0.1,
        params: {
          sizeBytes: size, killAt: KILL_AT, runs: ctx.runs, file: 'sparse', client: 'defaults + resumeDir',
          missingAtKill: round(missing), resent: round(resent),
          samples: runs.map((r) => ({ sent: round(r.sent), missing: round(r.missing) })),
          baselineNote: 'every peer client (Python API, shotgun-nodejs, our client without resumeDir) sends the whole file again: 1.0',
        },
      };
    } finally {
      await emu.close();
      rmSync(path, { force: true });
    }
  },
};
