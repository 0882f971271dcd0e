/** Public types of uploads, downloads and thumbnail waits. */

/** Where an upload goes: a field of a record, or (no `field`) a record-level Attachment. */
export interface UploadTarget {
  type: string;
  id: number;
  /** `image`/`filmstrip_image` → thumbnail upload; another file field → Attachment in that field; omitted → record-level Attachment. */
  field?: string;
}

/** Progress of a transfer, reported at most a few times a second. */
export interface TransferProgress {
  /** Bytes confirmed so far. */
  loaded: number;
  /** Total bytes (undefined when a download's size is unknown). */
  total: number | undefined;
  /** Part number of the most recent progress (1 for single transfers). */
  part: number;
  /** Parts finished. */
  partsDone: number;
  /** Parts in all. */
  partsTotal: number;
  /** Recent throughput. */
  bytesPerSecond: number;
}

/** Options of `ShotGridClient.upload`. */
export interface UploadOptions {
  /** Attachment display name (default: the file name). Ignored for thumbnails. */
  displayName?: string;
  /** Tags for the Attachment, as `{type:'Tag', id}`. Ignored for thumbnails. */
  tags?: Array<{ type: 'Tag'; id: number }>;
  /** Multipart part size in bytes (≥ 5 MiB; raised to fit 10,000 parts; default 8 MiB). Parts are streamed from the file, not held in memory. */
  partSize?: number;
  /** Parts in flight at once (default 8). */
  concurrency?: number;
  /** Files larger than this use multipart (default 20,000,000 bytes, as the Python API). */
  multipartThreshold?: number;
  /** Name sent to ShotGrid (default: the file's base name). */
  fileName?: string;
  /** Cancels the upload; a multipart upload is aborted on the storage. */
  signal?: AbortSignal;
  /**
   * Total time limit in ms for the whole upload (default none: only the stall timeout). When it
   * runs out the upload stops, a multipart upload is aborted on the site, and it fails `SG_TIMEOUT`.
   */
  timeout?: number;
  /** Progress callback. */
  onProgress?: (progress: TransferProgress) => void;
  /**
   * Skip the upload when the target already holds this file: an uploaded Attachment with the
   * same name whose stored object has the same size and S3 ETag (the file's MD5, or the
   * multipart MD5-of-parts, computed locally). Nothing is sent then and the result has
   * `skipped: true` with the existing Attachment. Uploads of the same file to the same target
   * through one client run one after the other, so a duplicate waits and then skips. Not for
   * thumbnail fields (`image`, `filmstrip_image`), which are always uploaded. Default false.
   */
  skipIfSame?: boolean;
  /**
   * Folder for the state of multipart uploads, making them resumable across restarts: the state
   * (target, file path/size/mtime, the site's upload info, the parts stored with their ETags) is
   * written as parts complete and removed on completion or abort. After a crash or a kill, an
   * upload of the same file to the same target resumes: only the missing parts are sent, cut as
   * they were when the upload started (whatever `partSize` says now). A
   * state that no longer fits (file changed, upload gone, links refused) is discarded, its
   * upload aborted, and the upload starts over. An abort whose reason is marked with
   * `pauseReason(...)` (a restart, not a cancel) also keeps the upload and its state for the next
   * run, unless the completion was already sent. Default: none (not resumable).
   */
  resumeDir?: string;
  /** Saved states not updated for this long (ms) are swept and their uploads aborted (default 24 h). */
  resumeMaxAge?: number;
  /**
   * Also compute the file's SHA-256 for `checksums.sha256`, in the same read as its MD5 (default
   * false: the MD5 is always computed). It costs ~0.6 CPU s per GiB more (bench P1 notes).
   */
  sha256?: boolean;
}

/** What an upload created. */
export interface UploadResult {
  /** The target as given. */
  target: UploadTarget;
  /** The field value after completion (url hash / image string), or the Attachment reference. */
  value: unknown;
  /** The Attachment created, when the upload produced one. */
  attachment?: { type: 'Attachment'; id: number };
  /** Bytes sent (by this call: a resumed upload does not count the parts already stored). */
  bytes: number;
  /** Bytes of parts stored by an earlier, interrupted run and not sent again (resumed uploads only). */
  resumedBytes?: number;
  /** Parts (1 for a single PUT). */
  parts: number;
  /** HTTP attempts made against the storage in all (1 per part when nothing failed). */
  attempts: number;
  /** Whether multipart was used. */
  multipart: boolean;
  /** True when `skipIfSame` found the file already there: nothing was sent (`bytes` 0). */
  skipped: boolean;
  /**
   * The file's checksums (lowercase hex), computed from the bytes as they were read for sending
   * (never a second read): record them (e.g. on a PublishedFile) to check copies later.
   * `sha256` only with the `sha256` option.
   */
  checksums: { md5: string; sha256?: string };
}

/** A download source: a file field of a record, an attachment / url-field value, or a URL. */
export type DownloadSource =
  | { type: string; id: number; field: string }
  | { url: string; name?: string; type?: string; id?: number; link_type?: string }
  | string;

/** Options of `ShotGridClient.download`. */
export interface DownloadOptions {
  signal?: AbortSignal;
  /** Total time limit in ms (default none: only the stall timeout); then `SG_TIMEOUT`, nothing kept. */
  timeout?: number;
  onProgress?: (progress: TransferProgress) => void;
  /** Replace an existing destination file (default false → `SG_FILE`). */
  overwrite?: boolean;
  /** Resume with Range after a failure mid-body (default true). */
  resume?: boolean;
  /** `alt` for field sources: `original` (default) or `thumbnail`. */
  alt?: 'original' | 'thumbnail';
  /** Largest body accepted for `'buffer'` destinations (default 64 MiB). */
  maxBufferBytes?: number;
  /** Also compute the SHA-256 of the bytes received, for `checksums.sha256` (default false). */
  sha256?: boolean;
}

/** What a download produced. */
export interface DownloadResult {
  /** Final file path, absent for buffer downloads. */
  path?: string;
  /** The bytes, for `'buffer'` destinations. */
  buffer?: Buffer;
  /** Bytes received. */
  bytes: number;
  /** Content-Type as served. */
  contentType?: string;
  /** HTTP attempts in all. */
  attempts: number;
  /**
   * How the bytes were checked: `md5` against the storage's plain-MD5 ETag; `length` only (a
   * multipart object's `…-N` ETag, an SSE-KMS / SSE-C object, a server without ETag); `none`
   * when the server announced no length either.
   */
  verified: 'md5' | 'length' | 'none';
  /** Checksums of the bytes received (lowercase hex); `sha256` only with the `sha256` option. */
  checksums: { md5: string; sha256?: string };
}

/** Options of `waitForThumbnails`. */
export interface ThumbnailWaitOptions {
  /** Image field (default `image`). */
  field?: string;
  /** Give up after this many ms (default 120,000). */
  timeout?: number;
  /** First poll interval in ms (default 1,000), growing with backoff. */
  interval?: number;
  /** Longest poll interval in ms (default 10,000). */
  maxInterval?: number;
  /**
   * When a null field counts as `failed`: `after-transient` (default) only once this wait saw the
   * field transient (a record that stays null ends as `timeout`); `always` at once.
   */
  nullIsFailure?: 'after-transient' | 'always';
  signal?: AbortSignal;
}

/** The outcome for one entity. */
export interface ThumbnailResult {
  id: number;
  /** `ready`: `url` is the signed URL; `failed`: the field is null after an upload; `timeout`: still transient. */
  status: 'ready' | 'failed' | 'timeout';
  url?: string;
}
