/** `summarize` and `count` over `POST /entity/{type}/_summarize`. */
import type { ApiCaller } from '../api-caller.js';
import { ShotGridError } from '../errors.js';
import { toRestFilter, type Filters } from './filters.js';
import { readOptionsBody, VENDOR_HASH } from './find.js';
import { checkFieldName, entityPath } from './records.js';
import type { CountOptions, SummarizeOptions, SummaryField, SummaryGroup, SummaryResult } from './types.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkSummaryFields(fields: unknown): SummaryField[] {
  if (!Array.isArray(fields) || fields.length === 0) {
    throw new ShotGridError('SG_CONFIG', `summaryFields must be a non-empty list such as [{field: 'id', type: 'count'}]`);
  }
  return fields.map((f: unknown) => {
    if (!isPlainObject(f) || typeof f.type !== 'string') throw new ShotGridError('SG_CONFIG', 'each summary field is {field, type}');
    return { field: checkFieldName(f.field, 'summary field'), type: f.type } as SummaryField;
  });
}

/** Summarises matching records; accepts answers with or without the `data` wrapper. */
export async function summarizeRecords(
  api: ApiCaller,
  type: string,
  filters: Filters | null | undefined,
  summaryFields: SummaryField[],
  options: SummarizeOptions = {},
): Promise<SummaryResult> {
  const body: Record<string, unknown> = {
    filters: toRestFilter(filters, options.filterOperator),
    summary_fields: checkSummaryFields(summaryFields),
    options: { include_archived_projects: readOptionsBody(options).include_archived_projects },
  };
  if (options.grouping !== undefined) {
    if (!Array.isArray(options.grouping)) throw new ShotGridError('SG_CONFIG', 'grouping must be a list of {field, type, direction}');
    body.grouping = options.grouping.map((g) => ({ ...g, field: checkFieldName(g.field, 'grouping field') }));
  }
  const res = await api.request({
    method: 'POST',
    path: `${entityPath(type)}/_summarize`,
    json: body,
    contentType: VENDOR_HASH,
    idempotent: true,
    signal: options.signal,
  });
  const root = isPlainObject(res.body) && isPlainObject(res.body.data) ? res.body.data : res.body;
  if (!isPlainObject(root) || !isPlainObject(root.summaries)) {
    throw new ShotGridError('SG_BAD_RESPONSE', `POST ${entityPath(type)}/_summarize: the answer has no summaries`);
  }
  return { summaries: root.summaries, groups: Array.isArray(root.groups) ? (root.groups as SummaryGroup[]) : [] };
}

/** The number of matching records. */
export async function countRecords(api: ApiCaller, type: string, filters: Filters | null | undefined, options: CountOptions = {}): Promise<number> {
  const { summaries } = await summarizeRecords(api, type, filters, [{ field: 'id', type: 'record_count' }], options);
  const value = Number(summaries.id);
  if (!Number.isFinite(value)) throw new ShotGridError('SG_BAD_RESPONSE', `POST ${entityPath(type)}/_summarize: the record count is not a number`);
  return value;
}
