/** What one soak run produced, and the one JSON line it is summed up in. */
import type { SoakFile } from './plan.js';

/** How one upload went. */
export interface UploadOutcome {
  file: SoakFile;
  /** SHA-256 of the bytes written (known even when the upload failed). */
  sha256?: string;
  ok: boolean;
  /** `code: message` of the failure. */
  error?: string;
}

/** A file that fell short, and where. */
export interface SoakFailure {
  file: string;
  size: number;
  stage: 'upload' | 'verify';
  error: string;
}

/** The line printed per run (key order as in issue 6). */
export interface SoakResult {
  uploads: number;
  ok: number;
  byteExact: number;
  duplicateAttachments: number;
  orphanMultipart: number;
  failed: SoakFailure[];
}

/** `code: message` of any thrown value. */
export function describeError(err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  return typeof code === 'string' ? `${code}: ${message}` : message;
}

/** Whether a result is a full pass. */
export function isClean(r: SoakResult): boolean {
  return r.ok === r.uploads && r.byteExact === r.uploads && r.duplicateAttachments === 0 && r.orphanMultipart === 0 && r.failed.length === 0;
}
