/**
 * The multipart uploads still open on the site after a test that kills a Node-RED (test:scale,
 * the soak's farm leg), split in two:
 * - `cutOffAtInit`: opened by an init answered just before a kill (within
 *   {@link INIT_RECORD_WINDOW_MS}) and never given a part. The worker died between the site
 *   opening the upload and its resume state recording the id; the id died with it, and REST has
 *   no call that lists open uploads, so nobody can abort it (a bucket lifecycle rule ends it on a
 *   real site). At most one per kill is the kill's doing.
 * - `left`: every other open upload, one the package lost.
 */
import type { OpenUpload } from '../../emulator/index.js';
import type { Traffic } from './traffic.js';

/** How long before a kill an init may have been answered without the worker recording its upload. */
export const INIT_RECORD_WINDOW_MS = 2000;

export interface OpenUploads {
  left: OpenUpload[];
  cutOffAtInit: OpenUpload[];
}

/** Splits `open` (the emulator's `openUploads()`) by the kills' times (ms since the epoch). */
export function classifyOpenUploads(open: OpenUpload[], traffic: Traffic, killedAt: number[]): OpenUploads {
  const left: OpenUpload[] = [];
  const cutOffAtInit: OpenUpload[] = [];
  for (const u of open) {
    const atInit = !traffic.partStores.has(u.uploadId) && killedAt.some((at) => u.openedAt <= at && at - u.openedAt <= INIT_RECORD_WINDOW_MS);
    (atInit ? cutOffAtInit : left).push(u);
  }
  return { left, cutOffAtInit };
}

/**
 * Whether the open uploads are only what the kills could not help: none lost, and no more cut
 * off at their init than there were kills (each kill cuts off at most the init it lands in).
 */
export function onlyCutOffByKills(left: number, cutOffAtInit: number, kills: number): boolean {
  return left === 0 && cutOffAtInit <= kills;
}
