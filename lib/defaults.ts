/**
 * The library's defaults in one object, read by the Node-RED nodes (their settings' defaults) and
 * by their help pages (placeholders filled in at build time), so no default is written twice.
 * Each value is defined once, where it is used; this module only gathers them.
 */
import { DEFAULT_MAX_CONNECTIONS, DEFAULT_RETRY, DEFAULT_TIMEOUTS } from './config/resolve-options.js';
import { RACE_DUPLICATE_WINDOW_MS } from './entities/find-or-create.js';
import { DEFAULT_MAX_BUFFER_BYTES } from './transfers/download.js';
import { DEFAULT_CONCURRENCY, DEFAULT_MULTIPART_THRESHOLD, DEFAULT_PART_SIZE } from './transfers/part-plan.js';
import { THUMBNAIL_WAIT_DEFAULTS } from './transfers/thumbnails.js';

/**
 * Total time limit of one upload or download run by a Node-RED node when its Timeout is left
 * blank: one hour. The library itself has no limit by default (a caller may move terabytes);
 * a node in a farm flow must not wait for ever on a trickling link, yet must let a large movie
 * through on a slow one (1 GB at 1 MB/s is under 20 minutes).
 */
export const DEFAULT_NODE_TRANSFER_TIMEOUT = 60 * 60 * 1000;

/**
 * Defaults of the Node-RED nodes that are not library options: how many messages an upload or
 * download node handles at once (the rest wait in order), and how long a closing node waits for
 * the messages it aborted to settle (a multipart abort included) and a closing site node for the
 * calls in flight, and how long a request for an HTTP-in endpoint is held while Node-RED starts
 * or redeploys its flows before it is answered 503 (ms).
 */
export const NODE_DEFAULTS = Object.freeze({ concurrentTransfers: 2, closeWait: 1000, siteCloseWait: 2000, httpStartHold: 10_000 });

/** Defaults of {@link ShotGridClient} options and of its transfer calls (ms and bytes). */
export const LIBRARY_DEFAULTS = Object.freeze({
  timeouts: DEFAULT_TIMEOUTS,
  retry: DEFAULT_RETRY,
  maxConnections: DEFAULT_MAX_CONNECTIONS,
  upload: Object.freeze({ concurrency: DEFAULT_CONCURRENCY, partSize: DEFAULT_PART_SIZE, multipartThreshold: DEFAULT_MULTIPART_THRESHOLD }),
  download: Object.freeze({ maxBufferBytes: DEFAULT_MAX_BUFFER_BYTES }),
  thumbnailWait: THUMBNAIL_WAIT_DEFAULTS,
  /** findOrCreate: how much later than the kept record a duplicate may be made and still be retired (ms). */
  raceDuplicateWindow: RACE_DUPLICATE_WINDOW_MS,
  /** Upload and download nodes' total time limit when left blank (ms). */
  nodeTransferTimeout: DEFAULT_NODE_TRANSFER_TIMEOUT,
  /** Node-only defaults (see {@link NODE_DEFAULTS}). */
  node: NODE_DEFAULTS,
});
