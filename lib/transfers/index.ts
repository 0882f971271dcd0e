/**
 * Transfers: direct-to-storage upload, download and thumbnail wait. These functions are the
 * contract with `ShotGridClient` (its `upload`, `download` and `waitForThumbnails` delegate here).
 */
import type { ApiCaller } from '../api-caller.js';
import { ShotGridError } from '../errors.js';
import type { ThumbnailResult, ThumbnailWaitOptions } from './types.js';
import { waitForThumbnails } from './thumbnails.js';

export type * from './types.js';
export { isTransientImageUrl } from './transient.js';
export { isSignedUrl } from './signed-url.js';
export { uploadFile } from './upload.js';
export { downloadFile } from './download.js';
export { waitForThumbnails } from './thumbnails.js';

/** Single-entity form of {@link waitForThumbnails}. */
export async function waitForThumbnail(api: ApiCaller, type: string, id: number, options: ThumbnailWaitOptions = {}): Promise<ThumbnailResult> {
  const [result] = await waitForThumbnails(api, type, [id], options);
  if (!result) throw new ShotGridError('SG_BAD_RESPONSE', 'no thumbnail result');
  return result;
}
