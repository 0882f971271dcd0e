/** The shaped storage of P2 and of the concurrency chart: 25 MB/s and 40 ms per connection. */
export const SHAPED_STORAGE = Object.freeze({ storageBandwidth: 25_000_000, storageLatency: 40 });
