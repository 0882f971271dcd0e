/**
 * Fills the machine's free memory with clean page cache before anything is measured.
 *
 * On this VM (Firecracker, with the balloon's free page reporting) memory the guest has not used
 * lately is handed back to the host, and touching it again costs ~2 s of kernel CPU per GiB
 * (measured: writing 1 GiB to a new file took 2.1-2.7 s of system time, 0.17 s when the pages
 * came from the page cache). Every stored GiB is new page cache on the storage's side, so a
 * sample paid that or not depending on what the machine had done before: samples drifted by
 * ±20 % within a run, and figures between runs. Reading a sparse file (no disk writes) puts the
 * free memory in the page cache once, at the start; later writes then reuse pages the kernel
 * reclaims from it, as a machine that has been running for a while does. The files stay until
 * the run ends (their pages are clean: the kernel takes them back whenever anything needs memory).
 * Memory freed later (a measure's emulator deletes what it stored when it closes: P3 alone stores
 * 15 GiB) may go back to the host too, so the fill is topped up before every measure (in ~1 s
 * when the freed memory was still warm, as seen so far).
 */
import { closeSync, ftruncateSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';

const GiB = 1024 * 1024 * 1024;
/** Left free for the processes the bench starts before the kernel needs to reclaim. */
const RESERVE = 1 * GiB;

function meminfo(key: string): number | undefined {
  try {
    const line = readFileSync('/proc/meminfo', 'utf8').split('\n').find((l) => l.startsWith(`${key}:`));
    return line ? Number(line.split(/\s+/)[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

let fills = 0;

/** What the fill did, for the log. */
export interface PageCacheFill {
  bytes: number;
  seconds: number;
  systemSeconds: number;
}

/** Reads a sparse file as large as the free memory (less a reserve) in `dir`; undefined when there is nothing to fill or no /proc. */
export function fillPageCache(dir: string): PageCacheFill | undefined {
  const free = meminfo('MemFree');
  if (free === undefined || free - RESERVE < GiB) return undefined;
  const bytes = Math.floor((free - RESERVE) / GiB) * GiB;
  const path = join(dir, `page-cache-${++fills}.fill`);
  const fd = openSync(path, 'w+');
  const started = performance.now();
  const cpu = process.cpuUsage();
  try {
    ftruncateSync(fd, bytes);
    const buffer = Buffer.allocUnsafe(8 * 1024 * 1024);
    for (let at = 0; at < bytes; at += buffer.length) readSync(fd, buffer, 0, buffer.length, at);
  } finally {
    closeSync(fd);
  }
  return { bytes, seconds: (performance.now() - started) / 1000, systemSeconds: process.cpuUsage(cpu).system / 1e6 };
}
