/** The stall watchdog of one transfer attempt. */

/**
 * Fires `onStall` when `kick()` has not been called for `ms`. Used to abandon an attempt that
 * makes no progress (a storage that stopped reading, a body that stopped arriving) instead of
 * waiting for ever.
 */
export class StallWatchdog {
  #timer: NodeJS.Timeout | undefined;
  #stalled = false;
  readonly #ms: number;
  readonly #onStall: () => void;

  constructor(ms: number, onStall: () => void) {
    this.#ms = ms;
    this.#onStall = onStall;
    this.kick();
  }

  /** Whether it fired. */
  get stalled(): boolean {
    return this.#stalled;
  }

  /** Progress was made: the countdown starts again. */
  kick(): void {
    if (this.#stalled) return;
    if (this.#timer) {
      this.#timer.refresh();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#stalled = true;
      this.#timer = undefined;
      this.#onStall();
    }, this.#ms);
    this.#timer.unref?.();
  }

  /**
   * Stops the countdown while we, not the peer, are the slow side (a busy disk taking a
   * downloaded chunk); the next `kick()` starts it again.
   */
  pause(): void {
    this.stop();
  }

  /** Stops watching. */
  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
