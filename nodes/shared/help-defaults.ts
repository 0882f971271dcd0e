/**
 * The defaults the help pages show, as `{{name}}` placeholders that the build fills in from the
 * library (scripts/build.mjs, into dist/nodes/locales/**), so help never repeats a number by hand.
 * test/package/help-defaults.test.ts checks that every placeholder is known and none is left.
 */
import { LIBRARY_DEFAULTS } from '../../lib/index.js';

/** Thousands separated, as the help pages write byte counts: 20,000,000. */
function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Placeholder name → text. */
export const HELP_DEFAULTS: Readonly<Record<string, string>> = Object.freeze({
  connectTimeoutSeconds: String(LIBRARY_DEFAULTS.timeouts.connect / 1000),
  requestTimeoutSeconds: String(LIBRARY_DEFAULTS.timeouts.headers / 1000),
  retries: String(LIBRARY_DEFAULTS.retry.retries),
  maxConnections: String(LIBRARY_DEFAULTS.maxConnections),
  uploadConcurrency: String(LIBRARY_DEFAULTS.upload.concurrency),
  uploadPartSizeBytes: grouped(LIBRARY_DEFAULTS.upload.partSize),
  multipartThresholdBytes: grouped(LIBRARY_DEFAULTS.upload.multipartThreshold),
  multipartThresholdMB: String(Math.round(LIBRARY_DEFAULTS.upload.multipartThreshold / 1_000_000)),
  downloadMaxBufferMiB: String(LIBRARY_DEFAULTS.download.maxBufferBytes / 1024 / 1024),
  thumbnailTimeoutSeconds: String(LIBRARY_DEFAULTS.thumbnailWait.timeout / 1000),
  transferTimeoutSeconds: grouped(LIBRARY_DEFAULTS.nodeTransferTimeout / 1000),
  transfersAtOnce: String(LIBRARY_DEFAULTS.node.concurrentTransfers),
  raceDuplicateWindowMinutes: String(LIBRARY_DEFAULTS.raceDuplicateWindow / 60_000),
});

/** `text` with every `{{name}}` replaced; unknown names are collected in `unknown`. */
export function fillHelpDefaults(text: string, unknown: string[] = []): string {
  return text.replace(/\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g, (whole, name: string) => {
    const value = HELP_DEFAULTS[name];
    if (value === undefined) {
      unknown.push(name);
      return whole;
    }
    return value;
  });
}
