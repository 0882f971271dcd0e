/**
 * `downloadFile`: a file field, attachment or URL to a file path, into a folder, or to a Buffer.
 *
 * - The destination is checked before any byte moves (`SG_FILE` when it exists and `overwrite`
 *   is not set, or its folder is missing).
 * - Bytes stream into a temporary file beside the destination; on success it is fsynced and
 *   renamed into place; a failed or aborted download leaves nothing behind.
 * - Network errors, stalls and 5xx are retried with the client's backoff, resuming with `Range`
 *   from the bytes already written; a 403 (expired signed URL) fetches a fresh URL when the
 *   source can give one (a field, an uploaded Attachment), after every 403 while the retry
 *   budget lasts: the fresh URL can expire too (a slow queue, clock skew), and a 403 that
 *   persists still ends with the budget. A bare URL cannot be refreshed: its 403 is final.
 * - The length is always checked against what the storage announced, and the bytes' MD5 against a
 *   plain-MD5 ETag; damaged bytes are fetched once more, then `SG_INTEGRITY` (nothing kept).
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ApiCaller } from '../api-caller.js';
import { ShotGridError } from '../errors.js';
import { abortError, checkTimeout, runWithin } from '../http/abort.js';
import { StreamDigest, wantsSha256 } from './checksums.js';
import { fetchInto, type DownloadCheck } from './download-fetch.js';
import { BufferSink, FileSink, type DownloadSink } from './download-sink.js';
import { resolveSource, type ResolvedSource } from './download-source.js';
import { nameFromUrl, sanitizeFileName } from './file-name.js';
import { ProgressReporter } from './progress.js';
import type { DownloadOptions, DownloadResult, DownloadSource } from './types.js';

/** Default cap of `'buffer'` downloads. */
export const DEFAULT_MAX_BUFFER_BYTES = 64 * 1024 * 1024;

/** Where the bytes go. */
type Destination = { kind: 'buffer' } | { kind: 'file'; path: string } | { kind: 'folder'; folder: string };

async function statOrUndefined(path: string): Promise<Awaited<ReturnType<typeof stat>> | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
    throw new ShotGridError('SG_FILE', `cannot inspect ${path} (${String((err as { code?: unknown }).code ?? err)})`, { cause: err });
  }
}

/** Classifies `dest` and checks what can be checked before the source is known. */
async function classifyDestination(dest: unknown, overwrite: boolean): Promise<Destination> {
  if (dest === 'buffer') return { kind: 'buffer' };
  if (typeof dest !== 'string' || dest.trim() === '') throw new ShotGridError('SG_CONFIG', `download destination must be a file path, a folder, or 'buffer'`);
  const path = resolve(dest);
  const info = await statOrUndefined(path);
  if (info?.isDirectory()) return { kind: 'folder', folder: path };
  if (/[/\\]$/.test(dest)) throw new ShotGridError('SG_FILE', `destination folder does not exist: ${path}`);
  await checkFilePath(path, info, overwrite);
  return { kind: 'file', path };
}

async function checkFilePath(path: string, info: Awaited<ReturnType<typeof stat>> | undefined, overwrite: boolean): Promise<void> {
  if (info) {
    if (!info.isFile()) throw new ShotGridError('SG_FILE', `destination is not a regular file: ${path}`);
    if (!overwrite) throw new ShotGridError('SG_FILE', `destination exists: ${path} (pass overwrite: true to replace it)`);
    return;
  }
  const parent = await statOrUndefined(resolve(path, '..'));
  if (!parent?.isDirectory()) throw new ShotGridError('SG_FILE', `destination folder does not exist: ${resolve(path, '..')}`);
}

function checkOptions(options: DownloadOptions): number {
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw new ShotGridError('SG_CONFIG', 'onProgress must be a function');
  if (options.alt !== undefined && options.alt !== 'original' && options.alt !== 'thumbnail') throw new ShotGridError('SG_CONFIG', `alt must be 'original' or 'thumbnail'`);
  const max = options.maxBufferBytes ?? DEFAULT_MAX_BUFFER_BYTES;
  if (typeof max !== 'number' || !Number.isSafeInteger(max) || max <= 0) throw new ShotGridError('SG_CONFIG', 'maxBufferBytes must be a positive integer');
  return max;
}

/** Downloads a file field, attachment or URL to a path, a folder or a Buffer (`'buffer'`). */
export async function downloadFile(api: ApiCaller, source: DownloadSource, dest: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  // A total time limit: when it runs out the download stops as an abort would (nothing is kept)
  // and fails with SG_TIMEOUT.
  const timeout = checkTimeout(options.timeout);
  return runWithin('the download', timeout, options.signal, (signal) => downloadUntimed(api, source, dest, { ...options, signal }));
}

async function downloadUntimed(api: ApiCaller, source: DownloadSource, dest: string, options: DownloadOptions): Promise<DownloadResult> {
  const maxBuffer = checkOptions(options);
  const sha256 = wantsSha256(options.sha256);
  const overwrite = options.overwrite === true;
  const resume = options.resume !== false;
  const { signal } = options;
  if (signal?.aborted) throw abortError(signal);
  const destination = await classifyDestination(dest, overwrite);
  let current: ResolvedSource = await resolveSource(api, source, options.alt, signal);

  let path: string | undefined;
  if (destination.kind === 'file') path = destination.path;
  if (destination.kind === 'folder') {
    path = join(destination.folder, sanitizeFileName(current.name ?? nameFromUrl(current.url)));
    await checkFilePath(path, await statOrUndefined(path), overwrite);
  }
  const sink: DownloadSink = path === undefined ? new BufferSink(maxBuffer) : await FileSink.create(path);
  const progress = new ProgressReporter({ total: undefined, partsTotal: 1, onProgress: options.onProgress });
  let attempts = 0;
  const check: DownloadCheck = { digest: new StreamDigest(sha256) };
  // An expired URL (403) gets a fresh one when the source can give it; a bare URL's 403 is final.
  const refresh = current.refresh && (async (): Promise<void> => {
    if (current.refresh) current = await current.refresh();
  });
  try {
    const outcome = await api.retryable(
      () => {
        attempts++;
        return fetchInto(api, { url: current.url, sink, resume, progress, check, signal });
      },
      { signal, ...(refresh ? { freshLink: refresh } : {}) },
    );
    progress.finish();
    if (sink instanceof FileSink) {
      await sink.commit(overwrite);
      return { path: sink.dest, bytes: outcome.total, contentType: outcome.contentType, attempts, verified: outcome.verified, checksums: check.digest.result() };
    }
    return { buffer: (sink as BufferSink).result(), bytes: outcome.total, contentType: outcome.contentType, attempts, verified: outcome.verified, checksums: check.digest.result() };
  } catch (err) {
    await sink.discard();
    throw signal?.aborted ? abortError(signal, { attempts }) : err;
  }
}
