/** Latency and bandwidth per side (API / storage), read from the live options on every call. */
import type { ResolvedOptions, Shaper } from '../context.js';

/** Creates the shaper; `getOptions` is read each time so `configure()` applies at once. */
export function createShaper(getOptions: () => ResolvedOptions['shaping']): Shaper {
  return {
    async delay(side) {
      const o = getOptions();
      const ms = side === 'api' ? o.apiLatency : o.storageLatency;
      if (ms > 0) await new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
    },
    bandwidth(side) {
      const o = getOptions();
      return Math.max(0, (side === 'api' ? o.apiBandwidth : o.storageBandwidth) || 0);
    },
  };
}
