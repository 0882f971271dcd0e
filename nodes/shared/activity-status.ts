/**
 * The node status line, kept like the core HTTP Request node does it: a counter of messages in
 * flight (blue while any is), throttled transfer progress, green dot on success, red ring with
 * the error code on failure. Every `status()` call reaches open editors and Status nodes, so
 * progress, and the busy counter while it only counts, are limited to a few updates a second (a
 * burst of 1,000 messages would otherwise make ~3,000 status updates: bench P6).
 */
import type { TransferProgress } from '../../lib/index.js';
import type { NodeStatus, RedNode } from './red-types.js';

/** Status texts (already translated) the tracker shows. */
export interface ActivityTexts {
  /** Shown while messages are in flight, e.g. "uploading". */
  busy: string;
  /** Shown after the last message succeeded, unless the caller gives its own text. */
  done: string;
}

/** Smallest gap between two progress updates: at most four a second. */
export const PROGRESS_INTERVAL_MS = 250;

/** Formats progress as "42% 31 MB/s" (or "31 MB 12 MB/s" when the total is unknown). */
export function formatProgress(p: Pick<TransferProgress, 'loaded' | 'total' | 'bytesPerSecond'>): string {
  const rate = `${formatBytes(p.bytesPerSecond)}/s`;
  if (p.total && p.total > 0) return `${Math.min(100, Math.floor((p.loaded / p.total) * 100))}% ${rate}`;
  return `${formatBytes(p.loaded)} ${rate}`;
}

/** Bytes in decimal units, short: "850 kB", "31 MB", "1.2 GB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const shown = value >= 10 || unit === 0 ? Math.round(value).toString() : value.toFixed(1);
  return `${shown} ${units[unit]}`;
}

/** A status text, or a function giving it when it is shown. */
export type StatusText = string | (() => string);

function textOf(text: StatusText | undefined): string | undefined {
  return typeof text === 'function' ? text() : text;
}

/** Tracks one node's messages in flight and shows it in the node's status. */
export class ActivityStatus {
  readonly #node: RedNode;
  readonly #texts: ActivityTexts;
  readonly #now: () => number;
  #inFlight = 0;
  #lastProgressAt = -Infinity;
  #stopped = false;
  #messagesSeen = 0;
  /** The status last handed to the node, and when a blue (busy/progress) one was. */
  #shown: NodeStatus | undefined;
  #lastBusyAt = -Infinity;
  /** Whether the busy status shown counts messages waiting for a slot. */
  #shownWaiting = false;
  /** A busy update held back by the throttle (the messages waiting then), and the timer that shows it. */
  #pending: { queued: number } | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(node: RedNode, texts: ActivityTexts, now: () => number = Date.now) {
    this.#node = node;
    this.#texts = texts;
    this.#now = now;
  }

  /** Messages currently being handled. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** A message started. `queued` is shown when messages wait for a free slot. */
  begin(queued = 0): void {
    this.#inFlight++;
    this.#messagesSeen++;
    this.#busy(queued);
  }

  /** Messages are waiting for a free slot (the count changed). */
  queued(queued: number): void {
    if (this.#inFlight > 0) this.#busy(queued);
  }

  /** Transfer progress; dropped when the last update was under {@link PROGRESS_INTERVAL_MS} ago. */
  progress(p: TransferProgress): void {
    const now = this.#now();
    if (now - this.#lastProgressAt < PROGRESS_INTERVAL_MS) return;
    this.#lastProgressAt = now;
    this.#lastBusyAt = now;
    const prefix = this.#inFlight > 1 ? `${this.#inFlight}× ` : '';
    this.#show({ fill: 'blue', shape: 'ring', text: prefix + formatProgress(p) });
  }

  /**
   * A message finished well; `text` replaces the default "done" text. It shows only when no other
   * message runs, so a function giving it is called only then (no translation per message).
   */
  succeed(text?: StatusText, queued = 0): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    if (this.#inFlight > 0) this.#busy(queued);
    else this.#show({ fill: 'green', shape: 'dot', text: textOf(text) ?? this.#texts.done });
  }

  /** A message finished with something the user should look at (not an error), e.g. a timeout. */
  warn(text: StatusText, queued = 0): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    if (this.#inFlight > 0) this.#busy(queued);
    else this.#show({ fill: 'yellow', shape: 'ring', text: textOf(text) ?? '' });
  }

  /**
   * A message failed; `text` (code and short reason) stays visible until the next message
   * starts. While other messages still run, their busy status stays: a failure does not hide them.
   */
  fail(text: string, queued = 0): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    if (this.#inFlight > 0) this.#busy(queued);
    else this.#show({ fill: 'red', shape: 'ring', text });
  }

  /** A call of a running message failed and waits before trying again ("…, retrying 2/5 in 4 s"). */
  retrying(text: string): void {
    if (this.#inFlight > 0) this.#show({ fill: 'yellow', shape: 'ring', text });
  }

  /**
   * The site's connection state after deploy; shown until the first message starts (from then
   * on, messages tell their own story, retries included).
   */
  connection(status: NodeStatus): void {
    if (this.#messagesSeen === 0) this.#show(status);
  }

  /** Clears the status for good (the node is closing). */
  stop(): void {
    this.#stopped = true;
    this.#inFlight = 0;
    this.#cancelPending();
    this.#node.status({});
  }

  /**
   * The busy counter. Going busy (from green, red or nothing) and messages starting or ceasing
   * to wait show at once; other changes of the counts while busy show at most every
   * {@link PROGRESS_INTERVAL_MS}, the last one always (a timer shows it if nothing else does first).
   */
  #busy(queued: number): void {
    const now = this.#now();
    const wait = this.#lastBusyAt + PROGRESS_INTERVAL_MS - now;
    if (this.#shown?.fill !== 'blue' || wait <= 0 || (queued > 0) !== this.#shownWaiting) {
      this.#lastBusyAt = now;
      this.#shownWaiting = queued > 0;
      this.#show(this.#busyStatus(queued));
      return;
    }
    // Only the count is held: the status is made if it is shown (most of a burst's never are).
    // Every change of the in-flight count comes through here or replaces what is held.
    this.#pending = { queued };
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const held = this.#pending;
      this.#pending = undefined;
      if (held) {
        this.#lastBusyAt = this.#now();
        this.#shownWaiting = held.queued > 0;
        this.#show(this.#busyStatus(held.queued));
      }
    }, wait);
    // A held-back count must not keep the runtime alive on shutdown.
    this.#timer.unref();
  }

  #busyStatus(queued: number): NodeStatus {
    const count = this.#inFlight > 1 ? ` (${this.#inFlight})` : '';
    const waiting = queued > 0 ? ` +${queued}` : '';
    return { fill: 'blue', shape: 'dot', text: `${this.#texts.busy}${count}${waiting}` };
  }

  #cancelPending(): void {
    this.#pending = undefined;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #show(status: NodeStatus): void {
    if (this.#stopped) return;
    // Whatever is shown now replaces a held-back count.
    this.#cancelPending();
    this.#shown = status;
    this.#node.status(status);
  }
}
