/**
 * The library's defaults in one object, read by the Node-RED nodes (their settings' defaults) and
 * by their help pages (placeholders filled in at build time), so no default is written twice.
 * Each value is defined once, where it is used; this module only gathers them.
 */
import { DEFAULT_MAX_CONNECTIONS, DEFAULT_RETRY, DEFAULT_TIMEOUTS } from './config/resolve-options.js';
import { DEFAULT_MAX_BUFFER_BYTES } from './transfers/download.js';
import { DEFAULT_CONCURRENCY, DEFAULT_MULTIPART_THRESHOLD, DEFAULT_PART_SIZE } from './transfers/part-plan.js';
import { THUMBNAIL_WAIT_DEFAULTS } from './transfers/thumbnails.js';

/** Defaults of {@link ShotGridClient} options and of its transfer calls (ms and bytes). */
export const LIBRARY_DEFAULTS = Object.freeze({
  timeouts: DEFAULT_TIMEOUTS,
  retry: DEFAULT_RETRY,
  maxConnections: DEFAULT_MAX_CONNECTIONS,
  upload: Object.freeze({ concurrency: DEFAULT_CONCURRENCY, partSize: DEFAULT_PART_SIZE, multipartThreshold: DEFAULT_MULTIPART_THRESHOLD }),
  download: Object.freeze({ maxBufferBytes: DEFAULT_MAX_BUFFER_BYTES }),
  thumbnailWait: THUMBNAIL_WAIT_DEFAULTS,
});
