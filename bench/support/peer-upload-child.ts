/**
 * One upload in a process of its own, by our client or by shotgun-nodejs, then the process's peak
 * RSS (P13; P3 and P10 use the `ours` side too). Run as a child so each figure is that of a
 * process that only uploads. argv[2] is JSON {@link UploadJob}; stdout gets one JSON line
 * `{ms, peakRssMiB, cpuSeconds}` (`ms` from before the first request to the end of the upload).
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ShotGridClient } from '../../lib/index.js';
import { peakRssMiB } from './peak-rss.js';

/** What the child uploads, where, with whose client. */
export interface UploadJob {
  client: 'ours' | 'shotgun-nodejs';
  site: string;
  scriptName: string;
  scriptKey: string;
  versionId: number;
  path: string;
  /** Ours only: parts in flight and part size (defaults otherwise). */
  concurrency?: number;
  partSize?: number;
}

async function ours(job: UploadJob): Promise<void> {
  const sg = new ShotGridClient({ site: job.site, auth: { scriptName: job.scriptName, scriptKey: job.scriptKey }, logger: { warn: () => undefined } });
  try {
    await sg.upload({ type: 'Version', id: job.versionId, field: 'sg_uploaded_movie' }, job.path, {
      ...(job.concurrency ? { concurrency: job.concurrency } : {}),
      ...(job.partSize ? { partSize: job.partSize } : {}),
    });
  } finally {
    await sg.close();
  }
}

/**
 * As its README shows: the whole file in memory, one `entityItemUpload` (one PUT, no parts).
 * Its Buffer path calls `file-type`'s v15 module as a function and throws, so the bytes go as a
 * Uint8Array view of the same memory carrying the `type` and `size` it would have set.
 */
async function shotgunNodejs(job: UploadJob): Promise<void> {
  const { ShotgunApiClient } = await import('shotgun-nodejs');
  const sg = new ShotgunApiClient({ siteUrl: job.site, credentials: { grant_type: 'client_credentials', client_id: job.scriptName, client_secret: job.scriptKey } });
  const bytes = await readFile(job.path);
  const blob = Object.assign(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), { type: 'application/octet-stream', size: bytes.length });
  await sg.entityItemUpload({ entity: 'Version', entityId: job.versionId, fieldName: 'sg_uploaded_movie', targetFileName: basename(job.path), uploadFileBlob: blob });
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as UploadJob;
  const started = performance.now();
  await (job.client === 'ours' ? ours(job) : shotgunNodejs(job));
  const ms = performance.now() - started;
  const usage = process.resourceUsage();
  // CPU times are in µs.
  process.stdout.write(`${JSON.stringify({ ms, peakRssMiB: peakRssMiB(), cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6 })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`upload child: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
