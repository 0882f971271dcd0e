/**
 * Which process owns a local TCP port (Linux /proc): the site sees a request's client port; the
 * port's socket inode is in /proc/net/tcp, and a process's open sockets are links in /proc/PID/fd.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** The inode of the IPv4 loopback socket bound to local `port`, if any. */
function socketInode(port: number): string | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && cols[1]!.endsWith(`:${hexPort}`)) return cols[9];
    }
  }
  return undefined;
}

/** The one of `pids` holding the socket with local `port`, if any. */
export function pidOfPort(port: number, pids: number[]): number | undefined {
  const inode = socketInode(port);
  if (!inode) return undefined;
  const link = `socket:[${inode}]`;
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === link) return pid;
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}
