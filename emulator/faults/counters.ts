/** Request and state counters tests assert on ("no duplicate Attachment", "no orphan upload"). */
import type { Counters } from '../context.js';
import type { CounterSnapshot, RouteClass } from '../types.js';

/** Counters plus the fault engine's hook to label a stalled exchange. */
export interface EmulatorCounters extends Counters {
  /**
   * The next exchange of `route` that ends destroyed (`reset`) was a stall: count it as `stall`.
   * The server only knows the socket closed; the fault engine knows why.
   */
  expectStall(route: RouteClass): void;
}

function emptySnapshot(): CounterSnapshot {
  return {
    requests: {}, tokenGrants: {}, attachmentsCreated: 0, recordsCreated: {}, bytesStored: 0,
    multipartOpen: 0, completions: 0, faultsInjected: {},
  };
}

function bump(map: Record<string, number>, key: string, by = 1): void {
  map[key] = (map[key] ?? 0) + by;
}

/** Creates zeroed counters. */
export function createCounters(): EmulatorCounters {
  let s = emptySnapshot();
  const stallsExpected = new Map<RouteClass, number>();
  return {
    request(route, status) {
      let label = String(status);
      const stalls = stallsExpected.get(route) ?? 0;
      if (status === 'reset' && stalls > 0) {
        stallsExpected.set(route, stalls - 1);
        label = 'stall';
      }
      bump((s.requests[route] ??= {}), label);
    },
    tokenGrant: (grant) => bump(s.tokenGrants, grant),
    recordCreated: (type) => bump(s.recordsCreated, type),
    attachmentCreated: () => void s.attachmentsCreated++,
    bytesStored: (n) => void (s.bytesStored += n),
    multipartOpened: () => void s.multipartOpen++,
    // Never below zero: a reset() between init and completion must not leave -1 behind.
    multipartClosed: () => void (s.multipartOpen = Math.max(0, s.multipartOpen - 1)),
    completion: () => void s.completions++,
    fault: (kind) => bump(s.faultsInjected, kind),
    expectStall: (route) => void stallsExpected.set(route, (stallsExpected.get(route) ?? 0) + 1),
    snapshot: () => structuredClone(s),
    reset: () => {
      s = emptySnapshot();
      stallsExpected.clear();
    },
  };
}

/** Whether counters carry the stall hook (they do when made by {@link createCounters}). */
export function canExpectStall(counters: Counters): counters is EmulatorCounters {
  return typeof (counters as Partial<EmulatorCounters>).expectStall === 'function';
}
