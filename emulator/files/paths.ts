/** Which files route a request is, from its method and URL alone (also used to classify it). */
import { PLACEHOLDER_PATH } from './file-values.js';
import { keyOfPath } from './signing.js';

/** A record (and field) named in an API path, not yet resolved against the schema. */
export interface PathTarget {
  /** `/api/v1` or `/api/v1.1`, echoed in links. */
  prefix: string;
  entity: string;
  id: number;
  field?: string;
}

/** A files route. */
export type FileRoute =
  | ({ kind: 'init' | 'complete' | 'sg_put' | 'part_link' | 'abort' } & PathTarget)
  | ({ kind: 'download'; field: string } & PathTarget)
  | { kind: 'storage'; key: string }
  | { kind: 'placeholder' };

const UPLOAD_PATH = /^\/api\/(v1(?:\.1)?)\/entity\/([^/]+)\/(\d+)(?:\/([^/]+))?\/_upload(?:\/(multipart|multipart_abort))?\/?$/;
const FIELD_PATH = /^\/api\/(v1(?:\.1)?)\/entity\/([^/]+)\/(\d+)\/([^/]+)\/?$/;

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function target(m: RegExpExecArray, field: string | undefined): PathTarget | undefined {
  const entity = decode(m[2]!);
  const f = field === undefined ? undefined : decode(field);
  if (entity === undefined || (field !== undefined && f === undefined)) return undefined;
  return { prefix: `/api/${m[1]}`, entity, id: Number(m[3]), ...(f === undefined ? {} : { field: f }) };
}

/** The files route of a request, or undefined when it belongs to the REST API or the web view. */
export function parseFileRoute(method: string, url: URL): FileRoute | undefined {
  const path = url.pathname;
  if (path.startsWith('/storage/')) {
    const key = keyOfPath(path);
    return key === undefined ? { kind: 'storage', key: '' } : { kind: 'storage', key };
  }
  if (path === PLACEHOLDER_PATH) return method === 'GET' || method === 'HEAD' ? { kind: 'placeholder' } : undefined;
  const up = UPLOAD_PATH.exec(path);
  if (up) {
    const t = target(up, up[4]);
    if (!t) return undefined;
    if (up[5] === 'multipart') return method === 'GET' ? { kind: 'part_link', ...t } : undefined;
    if (up[5] === 'multipart_abort') return method === 'POST' ? { kind: 'abort', ...t } : undefined;
    if (method === 'GET') return { kind: 'init', ...t };
    if (method === 'POST') return { kind: 'complete', ...t };
    if (method === 'PUT') return { kind: 'sg_put', ...t };
    return undefined;
  }
  const fm = FIELD_PATH.exec(path);
  if (fm && method === 'GET' && fm[4] !== 'relationships') {
    const t = target(fm, fm[4]);
    return t ? { kind: 'download', ...t, field: t.field! } : undefined;
  }
  return undefined;
}
