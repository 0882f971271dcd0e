/**
 * Files side of the emulator: uploads (init, multipart part links, completion, abort, the `sg`
 * PUT), the built-in S3-like storage, field reads and downloads, the transient placeholder
 * image, and how file fields render. `startEmulator` wires {@link createFileService} into the
 * context; the route table (`routes/table.ts`) says which requests are files routes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Caller, EmulatorContext, FileService } from '../context.js';
import { handleDownload } from './downloads.js';
import { renderImage, renderUrl } from './file-values.js';
import type { FileRoute } from './paths.js';
import { handleSgPut } from './sg-put.js';
import { createFileState, type FileState } from './state.js';
import { handleStorage } from './storage-routes.js';
import type { StorageBackend } from './storage-backend.js';
import { placeholderPng } from './thumbnails.js';
import { handleAbort, handleComplete } from './upload-complete.js';
import { handleInit, handlePartLink } from './upload-init.js';

function sendPlaceholder(req: IncomingMessage, res: ServerResponse): void {
  const png = placeholderPng();
  res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(png.length), 'cache-control': 'public, max-age=300' });
  res.end(req.method === 'HEAD' ? undefined : png);
}

/** The caller of a bearer route (the route table checked the bearer before this runs). */
function bearerCaller(caller: Caller | undefined): Caller {
  if (!caller) throw new Error('files: a bearer route was served without its caller');
  return caller;
}

async function dispatch(state: FileState, route: FileRoute, req: IncomingMessage, res: ServerResponse, url: URL, caller: Caller | undefined): Promise<void> {
  switch (route.kind) {
    case 'init': return handleInit(state, req, res, url, route, bearerCaller(caller));
    case 'part_link': return handlePartLink(state, req, res, url, route);
    case 'complete': return handleComplete(state, req, res, route, bearerCaller(caller));
    case 'abort': return handleAbort(state, req, res, route);
    case 'sg_put': return handleSgPut(state, req, res, url, route);
    case 'download': return handleDownload(state, req, res, url, route);
    case 'storage': return handleStorage(state, req, res, url, route.key);
    case 'placeholder': return sendPlaceholder(req, res);
  }
}

/**
 * The file service: uploads, storage, downloads, transcoding, field rendering. `external`
 * (from `openExternalStorage`) keeps `s3` uploads in an external bucket.
 */
export function createFileService(ctx: EmulatorContext, external?: StorageBackend): FileService {
  const state = createFileState(ctx, external);
  return {
    serve(route, { req, res, url, caller }) {
      return dispatch(state, route, req, res, url, caller);
    },
    render(dataType, stored) {
      return dataType === 'image' ? renderImage(ctx, state.storage, stored) : renderUrl(state.storage, stored);
    },
    openUploads() {
      return [...state.multipart.openSessions()].map(({ uploadId, key, openedAt }) => ({ uploadId, key, openedAt }));
    },
    async close() {
      for (const timer of state.timers) clearTimeout(timer);
      state.timers.clear();
      state.objects.close();
      state.journal?.close();
      await state.storage.close();
    },
  };
}
