/** Server info and field schema reads. */
import type { ApiCaller } from '../api-caller.js';
import { ShotGridError } from '../errors.js';
import { checkEntityType, checkFieldName, checkId, dataOf } from './records.js';
import type { CallOptions, SchemaEntity, SchemaField, SchemaFieldReadOptions, ServerInfo } from './types.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `GET /api/v1/` without authentication. */
export async function readServerInfo(api: ApiCaller, options: CallOptions = {}): Promise<ServerInfo> {
  const res = await api.request({ method: 'GET', path: '/', anonymous: true, idempotent: true, signal: options.signal });
  const data = dataOf(res.body);
  if (!isPlainObject(data)) throw new ShotGridError('SG_BAD_RESPONSE', 'GET /api/v1/: the answer has no server info');
  return data as ServerInfo;
}

/**
 * Field schemas of a type, keyed by field name (one key when `field` is given), in the site's
 * `{property: {value, editable}}` shape.
 */
export async function readFieldSchema(api: ApiCaller, type: string, field?: string, options: SchemaFieldReadOptions = {}): Promise<Record<string, SchemaField>> {
  const base = `/schema/${encodeURIComponent(checkEntityType(type))}/fields`;
  const path = field === undefined ? base : `${base}/${encodeURIComponent(checkFieldName(field))}`;
  const project = options.project;
  const projectId = project === undefined ? undefined : checkId(typeof project === 'number' ? project : project?.id, 'project id');
  const res = await api.request({ method: 'GET', path, query: { project_id: projectId }, idempotent: true, signal: options.signal });
  const data = dataOf(res.body);
  if (!isPlainObject(data)) throw new ShotGridError('SG_BAD_RESPONSE', `GET /api/v1${path}: the answer has no schema`);
  return field === undefined ? (data as Record<string, SchemaField>) : { [field]: data as SchemaField };
}

/** The site's entity types (`GET /api/v1/schema`), keyed by type name, in the site's `{value, editable}` shape. */
export async function readEntitySchema(api: ApiCaller, options: CallOptions = {}): Promise<Record<string, SchemaEntity>> {
  const res = await api.request({ method: 'GET', path: '/schema', idempotent: true, signal: options.signal });
  const data = dataOf(res.body);
  if (!isPlainObject(data)) throw new ShotGridError('SG_BAD_RESPONSE', 'the answer has no entity schema (GET /api/v1/schema)');
  return data as Record<string, SchemaEntity>;
}
