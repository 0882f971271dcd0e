/**
 * Files side of the emulator: uploads (init, multipart part links, completion, abort, the `sg`
 * PUT), the built-in S3-like storage, field reads and downloads, the transient placeholder
 * image, and how file fields render. `startEmulator` wires {@link createFileService} and
 * {@link classifyRoute} into the context.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorContext, FileService } from '../context.js';
import type { RouteClass } from '../types.js';
import { handleDownload } from './downloads.js';
import { renderImage, renderUrl } from './file-values.js';
import { parseFileRoute, type FileRoute } from './paths.js';
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

async function dispatch(state: FileState, route: FileRoute, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  switch (route.kind) {
    case 'init': return handleInit(state, req, res, url, route);
    case 'part_link': return handlePartLink(state, req, res, url, route);
    case 'complete': return handleComplete(state, req, res, route);
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
    async handle(req, res, url) {
      const route = parseFileRoute(req.method ?? 'GET', url);
      if (!route) return false;
      await dispatch(state, route, req, res, url);
      return true;
    },
    render(dataType, stored) {
      return dataType === 'image' ? renderImage(ctx, state.storage, stored) : renderUrl(state.storage, stored);
    },
    async close() {
      for (const timer of state.timers) clearTimeout(timer);
      state.timers.clear();
      state.objects.close();
      await state.storage.close();
    },
  };
}

const API_ROOT = /^\/api\/v1(?:\.1)?\/?$/;
const TOKEN_PATH = /^\/api\/v1(?:\.1)?\/auth\/access_token\/?$/;

/** Route class (and storage part number: a single PUT is part 1) of a request. */
export function classifyRoute(method: string, url: URL): { route: RouteClass; partNumber?: number } {
  const p = url.pathname;
  if (API_ROOT.test(p)) return { route: 'info' };
  if (TOKEN_PATH.test(p)) return { route: 'token' };
  const r = parseFileRoute(method, url);
  switch (r?.kind) {
    case 'init': return { route: 'upload_init' };
    case 'part_link': return { route: 'part_link' };
    case 'complete': return { route: 'complete' };
    case 'abort': return { route: 'abort' };
    case 'sg_put': return { route: 'storage_put', partNumber: 1 };
    case 'download': return { route: url.searchParams.has('alt') ? 'download' : 'api' };
    case 'placeholder': return { route: 'web' };
    case 'storage': {
      if (method !== 'PUT') return { route: 'download' };
      const n = Number(url.searchParams.get('partNumber'));
      return { route: 'storage_put', partNumber: Number.isInteger(n) && n > 0 ? n : 1 };
    }
    default: return { route: p.startsWith('/api/') || p === '/api' ? 'api' : 'web' };
  }
}
