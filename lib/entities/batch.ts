/**
 * `batch`: creates, updates and deletes in one atomic `POST /entity/_batch`. Not idempotent
 * (it may create), so it is never repeated once it may have reached the site.
 */
import type { ApiCaller } from '../api-caller.js';
import { ShotGridError } from '../errors.js';
import { checkEntityType, checkId, dataOf, flattenRecord, toWireData } from './records.js';
import type { BatchRequest, BatchResult, CallOptions } from './types.js';
import { applyUpdateModes } from './write.js';

function toRestRequest(req: BatchRequest, index: number): Record<string, unknown> {
  const where = `batch request ${index}`;
  if (typeof req !== 'object' || req === null) throw new ShotGridError('SG_CONFIG', `${where} must be an object`);
  const entity = checkEntityType(req.entity_type);
  switch (req.request_type) {
    case 'create':
      return { request_type: 'create', entity, data: toWireData(req.data, where) };
    case 'update':
      return {
        request_type: 'update',
        entity,
        record_id: checkId(req.entity_id, `${where} entity_id`),
        data: applyUpdateModes(toWireData(req.data, where), req.multi_entity_update_modes),
      };
    case 'delete':
      return { request_type: 'delete', entity, record_id: checkId(req.entity_id, `${where} entity_id`) };
    default:
      throw new ShotGridError('SG_CONFIG', `${where}: request_type must be create, update or delete`);
  }
}

/** Runs the requests in one transaction; results follow the requests' order. `[]` makes no call. */
export async function runBatch(api: ApiCaller, requests: BatchRequest[], options: CallOptions = {}): Promise<BatchResult[]> {
  if (!Array.isArray(requests)) throw new ShotGridError('SG_CONFIG', 'batch takes a list of requests');
  if (requests.length === 0) return [];
  const body = { requests: requests.map(toRestRequest) };
  const res = await api.request({ method: 'POST', path: '/entity/_batch', json: body, idempotent: false, signal: options.signal });
  const results = dataOf(res.body);
  if (!Array.isArray(results) || results.length !== requests.length) {
    throw new ShotGridError('SG_BAD_RESPONSE', `POST /api/v1/entity/_batch: expected ${requests.length} results`);
  }
  return results.map((item: unknown, i) => {
    const req = requests[i]!;
    if (req.request_type === 'delete') {
      const did = typeof item === 'object' && item !== null ? (item as { did_delete?: unknown }).did_delete : undefined;
      return did !== false;
    }
    return flattenRecord(dataOf(item), req.entity_type);
  });
}
