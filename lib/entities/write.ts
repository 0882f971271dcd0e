/**
 * `create`, `update`, `delete`, `revive`. Creates are not idempotent: the request layer never
 * repeats one that may have reached the site (`SG_OUTCOME_UNKNOWN`); the others may be repeated.
 */
import type { ApiCaller } from '../api-caller.js';
import { ShotGridError } from '../errors.js';
import { checkFieldName, dataOf, entityPath, flattenRecord, toWireData } from './records.js';
import type { CallOptions, CreateOptions, MultiEntityUpdateMode, ShotGridRecord, UpdateOptions } from './types.js';

const MODES: readonly MultiEntityUpdateMode[] = ['set', 'add', 'remove'];

/** Wraps multi-entity values as `{multi_entity_update_mode, value}` for the fields given modes. */
export function applyUpdateModes(data: Record<string, unknown>, modes: Record<string, MultiEntityUpdateMode> | undefined): Record<string, unknown> {
  if (modes === undefined) return data;
  if (typeof modes !== 'object' || modes === null) throw new ShotGridError('SG_CONFIG', 'multiEntityUpdateModes must be an object {field: "add" | "remove" | "set"}');
  const out = { ...data };
  for (const [field, mode] of Object.entries(modes)) {
    if (!MODES.includes(mode)) throw new ShotGridError('SG_CONFIG', `multi-entity update mode of '${field}' must be add, remove or set`);
    if (!(field in out)) throw new ShotGridError('SG_CONFIG', `multi-entity update mode given for '${field}', which is not in the data`);
    if (!Array.isArray(out[field])) throw new ShotGridError('SG_CONFIG', `'${field}' has an update mode, so its value must be a list of links`);
    out[field] = { multi_entity_update_mode: mode, value: out[field] };
  }
  return out;
}

/** Creates a record and returns it (plus `returnFields`, read back when asked). */
export async function createRecord(api: ApiCaller, type: string, data: Record<string, unknown>, options: CreateOptions = {}): Promise<ShotGridRecord> {
  const body = toWireData(data, 'create');
  const res = await api.request({ method: 'POST', path: entityPath(type), json: body, idempotent: false, signal: options.signal });
  const created = flattenRecord(dataOf(res.body), type);
  const extra = options.returnFields?.map((f) => checkFieldName(f, 'return field')) ?? [];
  if (extra.length === 0) return created;
  const read = await api.request({
    method: 'GET',
    path: entityPath(type, created.id),
    query: { fields: extra.join(',') },
    idempotent: true,
    signal: options.signal,
  });
  return { ...created, ...flattenRecord(dataOf(read.body), type) };
}

/** Updates fields of a record; multi-entity fields can add/remove links instead of replacing them. */
export async function updateRecord(api: ApiCaller, type: string, id: number, data: Record<string, unknown>, options: UpdateOptions = {}): Promise<ShotGridRecord> {
  const body = applyUpdateModes(toWireData(data, 'update'), options.multiEntityUpdateModes);
  const res = await api.request({ method: 'PUT', path: entityPath(type, id), json: body, idempotent: true, signal: options.signal });
  return flattenRecord(dataOf(res.body), type);
}

/** Retires a record. Resolves `true`; a missing record is `SG_NOT_FOUND`. */
export async function deleteRecord(api: ApiCaller, type: string, id: number, options: CallOptions = {}): Promise<boolean> {
  await api.request({ method: 'DELETE', path: entityPath(type, id), idempotent: true, responseType: 'none', signal: options.signal });
  return true;
}

/** Brings a retired record back. Resolves whether it was retired (`false`: it was already live). */
export async function reviveRecord(api: ApiCaller, type: string, id: number, options: CallOptions = {}): Promise<boolean> {
  const res = await api.request<{ meta?: { did_revive?: unknown } }>({
    method: 'POST',
    path: entityPath(type, id),
    query: { revive: 'true' },
    idempotent: true,
    signal: options.signal,
  });
  return res.body?.meta?.did_revive === true;
}
