/**
 * `GET /api/v1/entity/{e}/{id}/{field}`: the field's value as `{data, links}`, or with
 * `?alt=original|thumbnail` a 302 to a fresh signed storage URL; errors as on the site.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { urlExpiredByFault } from '../faults/decisions.js';
import { ApiError, sendJson } from '../http/respond.js';
import { renderImage, renderUrl } from './file-values.js';
import type { PathTarget } from './paths.js';
import type { FileState } from './state.js';
import { invalidParams, resolveTarget } from './targets.js';

const ALTS = ['original', 'thumbnail'];

/** Where a field's file is, or undefined when there is nothing to fetch. */
function fileLocation(rendered: unknown): string | undefined {
  if (typeof rendered === 'string' && rendered !== '') return rendered;
  if (typeof rendered === 'object' && rendered !== null) {
    const { url, link_type: linkType } = rendered as { url?: unknown; link_type?: unknown };
    if (typeof url === 'string' && url !== '' && linkType !== 'local') return url;
  }
  return undefined;
}

/** Handles a field read or download. */
export function handleDownload(state: FileState, req: IncomingMessage, res: ServerResponse, url: URL, path: PathTarget & { field: string }): void {
  const { ctx } = state;
  if (path.field.includes('.')) {
    // Dotted paths are refused before anything else, with a one-byte HTML body.
    res.writeHead(406, { 'content-type': 'text/html', 'content-length': '1' });
    res.end(' ');
    return;
  }
  const t = resolveTarget(state, path);
  const field = t.fieldDef!;
  const stored = t.record.fields[field.name];
  const alt = url.searchParams.get('alt');
  const expired = urlExpiredByFault(req);
  const rendered = field.dataType === 'image' ? renderImage(ctx, state.storage, stored, { expired }) : renderUrl(state.storage, stored, { expired });
  if (alt === null) {
    sendJson(res, 200, { data: rendered ?? null, links: { self: `${t.prefix}/entity/${t.slug}/${t.id}/${field.name}` } });
    return;
  }
  if (!ALTS.includes(alt)) throw invalidParams({ alt: ['alt must be one of: original, thumbnail'] });
  const location = fileLocation(rendered);
  if (!location) {
    throw field.dataType === 'url' && (stored === null || stored === undefined)
      ? new ApiError(404, 104, `Field ${field.name} is empty.`, null)
      : new ApiError(404, 104, 'File not found', null);
  }
  res.writeHead(302, { location, 'content-length': '0', 'cache-control': 'no-store' });
  res.end();
}
