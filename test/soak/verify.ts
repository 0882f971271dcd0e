/**
 * Checks a run through the API and the emulator's counters: for every file, the record's field
 * (or the record-level Attachment) holds exactly one Attachment under the file's name, and its
 * bytes, downloaded back, hash to what was written; no Attachment was created twice; no
 * multipart upload was left open.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ShotGridClient, type DownloadSource } from '../../lib/index.js';
import type { SoakOptions } from './options.js';
import { describeError, type SoakFailure, type SoakResult, type UploadOutcome } from './outcome.js';
import { expectedSha256 } from './plan.js';
import { eachLimited } from './pool.js';
import type { SoakSite } from './site.js';

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Attachments of one file, and where its bytes are to be read from. */
async function locate(sg: ShotGridClient, site: SoakSite, outcome: UploadOutcome): Promise<{ attachments: number; source: DownloadSource }> {
  const { file } = outcome;
  const recordId = site.records[file.index]!;
  const found = await sg.find('Attachment', [['original_fname', 'is', file.name]], { fields: ['this_file', 'attachment_links'] });
  if (found.length === 0) throw new Error('no Attachment with this file name');
  if (file.field) {
    const record = await sg.findOne('Version', [['id', 'is', recordId]], { fields: [file.field] });
    const value = record?.[file.field];
    if (!isObject(value) || value.name !== file.name) throw new Error(`${file.field} does not hold the file (${JSON.stringify(value)})`);
    return { attachments: found.length, source: { type: 'Version', id: recordId, field: file.field } };
  }
  const linked = found.filter((a) => Array.isArray(a.attachment_links) && a.attachment_links.some((l: unknown) => isObject(l) && l.type === 'Version' && l.id === recordId));
  const value = linked[0]?.this_file;
  if (!isObject(value) || typeof value.url !== 'string') throw new Error('no Attachment linked to the record');
  return { attachments: found.length, source: value as DownloadSource };
}

/** Verifies a finished run; `outcomes` by file index. */
export async function verifyRun(site: SoakSite, outcomes: readonly UploadOutcome[], o: SoakOptions, dir: string): Promise<SoakResult> {
  site.faults(o.verifyUnderFaults);
  const sg = new ShotGridClient(site.clientOptions());
  const failed: SoakFailure[] = [];
  let byteExact = 0;
  let duplicates = 0;
  try {
    for (const u of outcomes) if (!u.ok) failed.push({ file: u.file.name, size: u.file.size, stage: 'upload', error: u.error ?? 'failed' });
    await eachLimited(outcomes, o.concurrency, async (u) => {
      const dest = join(dir, `verify-${u.file.name}`);
      try {
        const { attachments, source } = await locate(sg, site, u);
        duplicates += attachments - 1;
        await sg.download(source, dest, { overwrite: true });
        const [got, want] = [await sha256Of(dest), u.sha256 ?? expectedSha256(o.seed, u.file)];
        if (got !== want) throw new Error(`downloaded bytes differ (sha256 ${got.slice(0, 12)}…, want ${want.slice(0, 12)}…)`);
        byteExact++;
      } catch (err) {
        failed.push({ file: u.file.name, size: u.file.size, stage: 'verify', error: describeError(err) });
      } finally {
        await rm(dest, { force: true });
      }
    });
  } finally {
    site.faults(false);
    await sg.close();
  }
  const counters = site.emu.counters.snapshot();
  const ok = outcomes.filter((u) => u.ok).length;
  // The site's own count catches what a lookup by name cannot see: more Attachments made than
  // uploads reported done (a failed upload that still made one is a shortfall too).
  duplicates = Math.max(duplicates, counters.attachmentsCreated - ok);
  return {
    uploads: outcomes.length,
    ok,
    byteExact,
    duplicateAttachments: duplicates,
    orphanMultipart: counters.multipartOpen,
    failed,
  };
}
