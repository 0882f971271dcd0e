/** The peak RSS of this process, MiB. */
import { readFileSync } from 'node:fs';

/**
 * `VmHWM` (this program's own high-water mark) where Linux has it: `resourceUsage().maxRSS` also
 * counts the parent's RSS at the fork, kept across the exec, so a child of a big bench process
 * reported the bench's size (P13 read 531 MiB for a 171 MiB upload).
 */
export function peakRssMiB(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux: below
  }
  return process.resourceUsage().maxRSS / 1024;
}
