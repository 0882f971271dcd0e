/**
 * `POST /entity/_batch`: `{"requests":[{request_type, entity, data?, record_id?}, ...]}` applied
 * atomically (any failure rolls every change back and answers that failure), one result per
 * request in order.
 */
import { randomUUID } from 'node:crypto';
import { sendJson } from '../http/respond.js';
import { invalidParams } from './read-options.js';
import { entityType } from './route-errors.js';
import type { ApiRequest, Site } from './site.js';
import { createRow, deleteRow, readWriteBody, renderWritten, updateRow } from './write.js';

interface BatchRequest {
  request_type: 'create' | 'update' | 'delete';
  entity: string;
  data: Record<string, unknown>;
  record_id: number;
}

const TYPES = ['create', 'update', 'delete'];

/** Validates the request list up front, naming each problem by position. */
function validate(body: Record<string, unknown>): BatchRequest[] {
  if (!('requests' in body)) throw invalidParams({ requests: ['requests is missing'] });
  const list = body.requests;
  if (!Array.isArray(list)) throw invalidParams({ requests: ['requests must be an array'] });
  const problems: Record<string, Record<string, string[]>> = {};
  list.forEach((raw, i) => {
    const p: Record<string, string[]> = {};
    const req = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    if (!('request_type' in req)) p.request_type = ['request_type is missing'];
    else if (!TYPES.includes(String(req.request_type))) p.request_type = [`request_type must be one of: ${TYPES.join(', ')}`];
    if (typeof req.entity !== 'string' || req.entity === '') p.entity = [req.entity === undefined ? 'entity is missing' : 'entity must be a string'];
    if (req.request_type !== 'create' && TYPES.includes(String(req.request_type)) && !Number.isInteger(req.record_id)) {
      p.record_id = [req.record_id === undefined ? 'record_id is missing' : 'record_id must be an integer'];
    }
    if (req.request_type !== 'delete' && TYPES.includes(String(req.request_type))) {
      if (req.data === undefined) p.data = ['data is missing'];
      else if (typeof req.data !== 'object' || req.data === null || Array.isArray(req.data)) p.data = ['data must be a hash'];
    }
    if (Object.keys(p).length > 0) problems[String(i)] = p;
  });
  if (Object.keys(problems).length > 0) throw invalidParams({ requests: problems });
  return list as BatchRequest[];
}

/** Handles the batch. */
export async function handleBatch(site: Site, r: ApiRequest): Promise<void> {
  const body = await readWriteBody(r);
  const requests = validate(body);
  const created: string[] = [];
  const results = site.store.transaction(() => requests.map((q) => {
    const type = entityType(site, q.entity);
    if (q.request_type === 'create') {
      const rec = createRow(site, type, q.data, r.caller);
      created.push(type);
      return { data: renderWritten(site, rec, r.prefix, true) };
    }
    if (q.request_type === 'update') {
      const rec = updateRow(site, type, q.record_id, q.data, r.caller);
      return { data: renderWritten(site, rec, r.prefix, false), links: {}, status: 'successful' };
    }
    deleteRow(site, type, q.record_id);
    return { request_type: 'delete', type, id: q.record_id, uuid: randomUUID(), did_delete: true };
  }));
  for (const type of created) site.ctx.counters.recordCreated(type);
  sendJson(r.res, 200, { data: results });
}
