/**
 * The resume state a Node-RED left under `<userDir>/shotgrid-uploads` (the upload node's default
 * resume folder), read by the tests that kill one (test:scale, the soak's farm leg) to check that
 * the restart carried on with those uploads: each state's multipart upload id and the parts it had
 * recorded as stored.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One saved multipart upload. */
export interface SavedUpload {
  /** The job the file belongs to (from its name). */
  jobId: string;
  uploadId: string;
  /** Part numbers the state records as stored. */
  parts: number[];
  partCount: number;
}

/** The uploads saved in `<userDir>/shotgrid-uploads`; `jobOf` names a file's job (undefined: not a job's). */
export function savedUploads(userDir: string, jobOf: (fileName: string) => string | undefined): SavedUpload[] {
  const dir = join(userDir, 'shotgrid-uploads');
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.upload.json'));
  } catch {
    return [];
  }
  const out: SavedUpload[] = [];
  for (const name of names) {
    try {
      const state = JSON.parse(readFileSync(join(dir, name), 'utf8')) as { fileName?: string; partCount?: number; session?: { info?: { upload_id?: unknown } }; parts?: Record<string, string> };
      const uploadId = state.session?.info?.upload_id;
      const jobId = jobOf(state.fileName ?? '');
      if (typeof uploadId === 'string' && jobId) out.push({ jobId, uploadId, parts: Object.keys(state.parts ?? {}).map(Number), partCount: state.partCount ?? 0 });
    } catch {
      // Removed or replaced meanwhile: nothing to account for.
    }
  }
  return out;
}
