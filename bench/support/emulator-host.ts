/** Parent side of {@link ./emulator-child}: start, drive and stop an emulator in a child process. */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { EmulatorCredentials, EmulatorOptions } from '../../emulator/index.js';
import type { ChildCommand, LoggedRequest } from './emulator-child.js';

type Snapshot = { requests: Record<string, Record<string, number>>; [key: string]: unknown };

/** A running emulator in a child process. */
export interface RemoteEmulator {
  url: string;
  credentials: EmulatorCredentials;
  pid: number;
  configure(options: Parameters<import('../../emulator/index.js').Emulator['configure']>[0]): Promise<void>;
  /** Seeds records in chunks (IPC messages stay small); returns their ids. */
  bulkCreate(type: string, records: Array<Record<string, unknown>>): Promise<number[]>;
  counters(): Promise<Snapshot>;
  /** Starts logging request starts; `logTake` returns and stops the log. */
  logStart(): Promise<void>;
  logTake(): Promise<LoggedRequest[]>;
  close(): Promise<void>;
}

/** Requests counted on `route` (every status) between two snapshots. */
export function routeCount(before: Snapshot, after: Snapshot, route: string): number {
  let n = 0;
  for (const [status, count] of Object.entries(after.requests[route] ?? {})) n += count - (before.requests[route]?.[status] ?? 0);
  return n;
}

/** Starts the emulator in a child process and waits until it listens. */
export async function startRemoteEmulator(options: EmulatorOptions = {}): Promise<RemoteEmulator> {
  const child: ChildProcess = fork(join(__dirname, 'emulator-child.js'), [JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const ready = new Promise<{ url: string; credentials: EmulatorCredentials }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`emulator child exited with ${code}`)));
    child.on('message', (raw) => {
      const msg = raw as { ready?: boolean; url: string; credentials: EmulatorCredentials; id?: number; result?: unknown; error?: string };
      if (msg.ready) return resolve(msg);
      const waiter = msg.id === undefined ? undefined : pending.get(msg.id);
      if (!waiter) return;
      pending.delete(msg.id!);
      if (msg.error !== undefined) waiter.reject(new Error(msg.error));
      else waiter.resolve(msg.result);
    });
  });
  const { url, credentials } = await ready;
  child.on('exit', () => {
    for (const w of pending.values()) w.reject(new Error('emulator child exited'));
    pending.clear();
  });
  const call = <T>(op: ChildCommand['op'], ...args: unknown[]): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, op, args } satisfies ChildCommand);
    });
  let closed: Promise<void> | undefined;
  return {
    url,
    credentials,
    pid: child.pid!,
    configure: (o) => call<void>('configure', o),
    async bulkCreate(type, records) {
      const ids: number[] = [];
      for (let i = 0; i < records.length; i += 5000) ids.push(...(await call<number[]>('bulkCreate', type, records.slice(i, i + 5000))));
      return ids;
    },
    counters: () => call<Snapshot>('counters'),
    logStart: () => call<void>('logStart'),
    logTake: () => call<LoggedRequest[]>('logTake'),
    close() {
      closed ??= (async () => {
        if (child.exitCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        await call<void>('close').catch(() => undefined);
        const timer = setTimeout(() => child.kill(), 5000);
        await exited;
        clearTimeout(timer);
      })();
      return closed;
    },
  };
}
