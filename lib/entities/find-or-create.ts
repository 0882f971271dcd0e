/**
 * `findOrCreate`: one live record per key, however many callers ask at once and however often
 * a create's answer is lost. The rule every caller follows — after a create, look the key up
 * again and keep the oldest (lowest id) live record — makes concurrent callers converge on the
 * same record without a lock: a record returned by any call is the oldest, stays the oldest (ids
 * only grow), so no other call ever retires it.
 */
import type { ApiCaller } from '../api-caller.js';
import { ShotGridError, isShotGridError } from '../errors.js';
import { findRecords } from './find.js';
import type { FilterCondition } from './filters.js';
import { checkFieldName, toWireValue } from './records.js';
import type { EntityRef, FindOrCreateOptions, FindOrCreateResult, ShotGridRecord } from './types.js';
import { createRecord, deleteRecord } from './write.js';

/**
 * Key fields used when `key` is not given: those of these the data sets (a Version's `code`,
 * `entity` and `project`; a Shot's `code` and `project`).
 */
export const FIND_OR_CREATE_DEFAULT_KEY: readonly string[] = ['code', 'entity', 'project'];

/** Creates tried while their answers are lost and the look-up finds nothing (a create never applied). */
const MAX_CREATE_ATTEMPTS = 3;

/**
 * How much later than the kept record a duplicate may have been created and still be taken for
 * one a concurrent call made (10 minutes). Such a call retires its own duplicate right after its
 * create, unless it died in between (a killed Node-RED); a look-up that finds one retires it in
 * its stead. Records made further apart are left alone: someone made them on purpose.
 */
export const RACE_DUPLICATE_WINDOW_MS = 10 * 60_000;

function keyFieldsOf(data: Record<string, unknown>, key: readonly string[] | undefined): string[] {
  if (key !== undefined && !Array.isArray(key)) throw new ShotGridError('SG_CONFIG', `key must be a list of field names such as ['code', 'project']`);
  const fields = (key ?? FIND_OR_CREATE_DEFAULT_KEY.filter((f) => data[f] !== undefined)).map((f) => checkFieldName(f, 'key field'));
  if (fields.length === 0) {
    throw new ShotGridError('SG_CONFIG', `findOrCreate needs key fields to look the record up: set key, or give the data a ${FIND_OR_CREATE_DEFAULT_KEY.join(', ')}`);
  }
  for (const f of fields) {
    if (data[f] === undefined) throw new ShotGridError('SG_CONFIG', `key field '${f}' is not in the data: the record could not be found by it`);
  }
  return fields;
}

function byId(a: ShotGridRecord, b: ShotGridRecord): number {
  return a.id - b.id;
}

/**
 * Retires duplicates of the kept record; returns those this call's delete retired. A record
 * already retired (by the concurrent call that created it, or by another one that found it) is
 * fine: the aim is that it is not live. It is left out, so each retired record is reported by
 * exactly one call.
 */
async function retireAll(api: ApiCaller, type: string, ids: number[], signal: AbortSignal | undefined): Promise<EntityRef[]> {
  const retired: EntityRef[] = [];
  for (const id of ids) {
    try {
      await deleteRecord(api, type, id, { signal });
      retired.push({ type, id });
    } catch (err) {
      if (!(isShotGridError(err) && err.code === 'SG_NOT_FOUND')) throw err;
    }
  }
  return retired;
}

/**
 * The later matches of a look-up that a concurrent call created and did not live to retire:
 * those created within {@link RACE_DUPLICATE_WINDOW_MS} after the kept (oldest) record. Read
 * only when a look-up finds more than one, which is rare.
 */
async function raceDuplicates(api: ApiCaller, type: string, kept: ShotGridRecord, later: ShotGridRecord[], signal: AbortSignal | undefined): Promise<number[]> {
  const rows = await findRecords(api, type, [['id', 'in', [kept.id, ...later.map((r) => r.id)]]], { fields: ['created_at'], signal });
  const createdAt = new Map(rows.map((r) => [r.id, Date.parse(String(r.created_at))]));
  const keptAt = createdAt.get(kept.id);
  if (keptAt === undefined || Number.isNaN(keptAt)) return [];
  return later.map((r) => r.id).filter((id) => {
    const at = createdAt.get(id);
    return at !== undefined && at - keptAt <= RACE_DUPLICATE_WINDOW_MS;
  });
}

/**
 * Finds the live record whose key fields equal those of `data`, or creates it from `data`.
 *
 * 1. Look up by the key (live records, oldest first): a match is returned, `created: false`.
 *    Later matches made within {@link RACE_DUPLICATE_WINDOW_MS} of it are duplicates whose
 *    concurrent creator died before it could retire them (step 2): they are retired here.
 * 2. Otherwise create, then look up again. When several live records match, the oldest is kept
 *    and the one this call created is retired (`retired` lists it).
 * 3. A create whose answer was lost (`SG_OUTCOME_UNKNOWN`) is resolved by that look-up: a match is
 *    kept (`resolvedByLookup: true`); no match means the create never applied, so it is tried
 *    again (at most three creates). As this call cannot tell its own record from a concurrent
 *    one's, it retires every later duplicate — each would be retired by its creator anyway.
 *
 * The record carries the data's fields plus `returnFields`, whether found or created.
 */
export async function findOrCreateRecord(api: ApiCaller, type: string, data: Record<string, unknown>, options: FindOrCreateOptions = {}): Promise<FindOrCreateResult> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new ShotGridError('SG_CONFIG', 'findOrCreate data must be an object of field values');
  const keyFields = keyFieldsOf(data, options.key);
  const filters: FilterCondition[] = keyFields.map((f) => [f, 'is', toWireValue(data[f])]);
  const returnFields = (options.returnFields ?? []).map((f) => checkFieldName(f, 'return field'));
  const fields = [...new Set([...Object.keys(data).filter((f) => data[f] !== undefined), ...returnFields])];
  const { signal } = options;
  const lookUp = async (): Promise<ShotGridRecord[]> => (await findRecords(api, type, filters, { fields, sort: 'id', signal })).sort(byId);

  const [existing, ...others] = await lookUp();
  if (existing) {
    const retired = others.length > 0 ? await retireAll(api, type, await raceDuplicates(api, type, existing, others, signal), signal) : [];
    return { record: existing, created: false, ...(retired.length ? { retired } : {}) };
  }

  for (let attempt = 1; ; attempt++) {
    let mine: ShotGridRecord | undefined;
    try {
      mine = await createRecord(api, type, data, { signal, ...(returnFields.length ? { returnFields } : {}) });
    } catch (err) {
      if (!(isShotGridError(err) && err.code === 'SG_OUTCOME_UNKNOWN')) throw err;
      const matches = await lookUp();
      const [oldest, ...later] = matches;
      if (oldest) {
        const retired = await retireAll(api, type, later.map((r) => r.id), signal);
        return { record: oldest, created: true, resolvedByLookup: true, ...(retired.length ? { retired } : {}) };
      }
      if (attempt >= MAX_CREATE_ATTEMPTS) throw err;
      continue;
    }
    const matches = await lookUp();
    const oldest = matches[0];
    // Ours is absent only if the site stores a key value differently from how it was sent: keep it.
    if (!oldest || oldest.id >= mine.id) return { record: matches.find((r) => r.id === mine.id) ?? mine, created: true };
    const retired = await retireAll(api, type, [mine.id], signal);
    return { record: oldest, created: false, retired };
  }
}
