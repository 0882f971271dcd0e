/** Runs a client as a process of its own under GNU time: wall time, CPU (user + system), peak RSS. */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** What one client process cost. */
export interface ProcessUsage {
  seconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
}

/**
 * Runs `command args` under `/usr/bin/time` (its `%U %S %M`: user and system CPU seconds of the
 * process and its threads and children, peak RSS in KiB); wall time is measured here around it.
 */
export async function runMeasured(tmpDir: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<ProcessUsage> {
  const out = join(tmpDir, `time-${process.hrtime.bigint()}.txt`);
  const started = performance.now();
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-o', out, '-f', '%U %S %M', command, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.once('error', reject);
    child.once('close', (c) => resolve({ code: c, stderr: err }));
  });
  const seconds = (performance.now() - started) / 1000;
  try {
    if (code !== 0) throw new Error(`${command} exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const [user, system, rssKiB] = readFileSync(out, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
    return { seconds, cpuSeconds: user! + system!, peakRssMiB: rssKiB! / 1024 };
  } finally {
    rmSync(out, { force: true });
  }
}

/**
 * CPU seconds (user + system, all threads) another running process has used so far, from
 * `/proc/<pid>/stat`; undefined where there is no /proc. For the emulator child's share.
 */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime, fields 14 and 15 of the whole line, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}
