/**
 * `shotgrid-find`: reads records of one entity type. Output modes: all records in one message,
 * one message per record or per page (streamed page by page, so memory stays flat however many
 * records match; `msg.parts` lets a Join node rebuild the array), the number of matches, or
 * the site's summaries. Optionally a message is sent when nothing matches, so a report fires.
 */
import { randomUUID } from 'node:crypto';
import { READ_ALL_PAGE_SIZE, ShotGridError, type Filters, type FindOptions, type ShotGridClient, type ShotGridRecord, type SortSpec, type SummaryField, type SummaryGrouping } from '../lib/index.js';
import { handleMessages } from './shared/message-handler.js';
import {
  asNameList,
  asPositiveInteger,
  asString,
  checkbox,
  evaluateProperty,
  kindOf,
  parseIfJson,
  requireProperty,
  typedProperty,
  type TypedProperty,
} from './shared/properties.js';
import type { NodeAPI, NodeDef, NodeMessage, NodeSend, RedNode } from './shared/red-types.js';
import { siteConnection, siteHandle } from './shared/site-client.js';

/** The find node's output modes (the `output` property); `split` is one message per record. */
const FIND_OUTPUTS = ['array', 'split', 'page', 'count', 'summarize'] as const;
type FindOutput = (typeof FIND_OUTPUTS)[number];

/** Checks that filters have one of the shapes the library accepts (it validates the details). */
function asFilters(value: unknown): Filters | null {
  const parsed = parseIfJson(value, 'filters');
  if (parsed === undefined || parsed === null || parsed === '') return null;
  if (Array.isArray(parsed) || (typeof parsed === 'object' && !Buffer.isBuffer(parsed))) return parsed as Filters;
  throw new ShotGridError('SG_CONFIG', `filters must be a list of conditions or a filter group (got ${kindOf(parsed)})`);
}

function asSort(value: unknown): SortSpec | SortSpec[] | undefined {
  const parsed = parseIfJson(value, 'sort');
  if (parsed === undefined || parsed === null || parsed === '') return undefined;
  if (typeof parsed === 'string' || Array.isArray(parsed) || typeof parsed === 'object') return parsed as SortSpec | SortSpec[];
  throw new ShotGridError('SG_CONFIG', `sort must be a field name, "-field", a list or {field_name, direction} (got ${kindOf(parsed)})`);
}

/** A list of objects (summary fields, grouping); the library checks each entry. */
function asObjectList(value: unknown, label: string, example: string): Array<Record<string, unknown>> | undefined {
  const parsed = parseIfJson(value, label);
  if (parsed === undefined || parsed === null || parsed === '') return undefined;
  if (Array.isArray(parsed)) return parsed as Array<Record<string, unknown>>;
  if (typeof parsed === 'object' && !Buffer.isBuffer(parsed)) return [parsed as Record<string, unknown>];
  throw new ShotGridError('SG_CONFIG', `${label} must be a list such as ${example} (got ${kindOf(parsed)})`);
}

function asOutput(value: unknown): FindOutput {
  if (value === undefined || value === '') return 'array';
  if ((FIND_OUTPUTS as readonly unknown[]).includes(value)) return value as FindOutput;
  throw new ShotGridError('SG_CONFIG', `output must be one of ${FIND_OUTPUTS.join(', ')}`);
}

/** A positive whole number, or `undefined` for blank (and 0 where 0 means "no limit"). */
function optionalCount(value: unknown, label: string, zeroIsBlank: boolean): number | undefined {
  if (value === undefined || value === '' || (zeroIsBlank && (value === 0 || value === '0'))) return undefined;
  return asPositiveInteger(value, label);
}

/**
 * Sends records as one message per item of each page (`per: 'record'`) or per page, with
 * `msg.parts` as the Split node makes it. The total is known only after the last page, so one
 * page is held back and only the last batch carries `parts.count` (as the Split node's
 * streaming mode does); a Join node in automatic mode completes on it.
 */
class SequenceSender {
  readonly #id = randomUUID();
  readonly #template: NodeMessage;
  readonly #outer: unknown;
  #held: ShotGridRecord[] | undefined;
  #index = 0;
  records = 0;

  constructor(
    private readonly RED: NodeAPI,
    msg: NodeMessage,
    private readonly send: NodeSend,
    private readonly per: 'record' | 'page',
    /** `parts.len` of a page: >1 makes a Join concatenate the pages. */
    private readonly pageLength: number,
  ) {
    this.#outer = msg.parts;
    this.#template = { ...msg, payload: undefined };
  }

  add(page: ShotGridRecord[]): void {
    if (this.#held) this.#flush(this.#held, false);
    this.#held = page;
  }

  /** Sends the held page as the last one; false when nothing was ever added. */
  finish(): boolean {
    if (!this.#held) return false;
    this.#flush(this.#held, true);
    this.#held = undefined;
    return true;
  }

  #flush(page: ShotGridRecord[], last: boolean): void {
    this.records += page.length;
    const items: unknown[] = this.per === 'record' ? page : [page];
    const count = last ? this.#index + items.length : undefined;
    const len = this.per === 'record' ? 1 : this.pageLength;
    const out = items.map((item) => {
      const copy = this.RED.util.cloneMessage(this.#template);
      copy.payload = item;
      copy.parts = {
        id: this.#id,
        type: 'array',
        index: this.#index++,
        ...(count !== undefined ? { count } : {}),
        len,
        ...(this.#outer !== undefined ? { parts: this.#outer } : {}),
      };
      return copy;
    });
    this.send([out]);
  }
}

const findModule = function (RED: NodeAPI): void {
  function ShotGridFindNode(this: RedNode, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    setUp(this, def);
  }

  function setUp(node: RedNode, def: NodeDef): void {
    const props = {
      entityType: typedProperty(def, 'entityType'),
      filters: typedProperty(def, 'filters', 'json'),
      fields: typedProperty(def, 'fields'),
      sort: typedProperty(def, 'sort'),
      limit: typedProperty(def, 'limit', 'num'),
      pageSize: typedProperty(def, 'pageSize', 'num'),
      summaryFields: typedProperty(def, 'summaryFields', 'json'),
      grouping: typedProperty(def, 'grouping', 'json'),
    };
    const sendEmpty = checkbox(def, 'sendEmpty');

    handleMessages(node, {
      texts: { busy: RED._('shotgrid-find.status.finding'), done: RED._('shotgrid-find.status.done') },
      connection: siteConnection(RED, def.site),
      async handle({ msg, send, signal }) {
        const output = asOutput(def.output);
        const read = (label: string, prop: TypedProperty): Promise<unknown> => evaluateProperty(RED, node, msg, label, prop);
        const type = asString(await requireProperty(RED, node, msg, 'entity type', props.entityType), 'entity type');
        const filters = asFilters(await read('filters', props.filters));
        const site = siteHandle(RED, def.site);

        if (output === 'count') {
          const count = await site.useClient((client) => client.count(type, filters, { signal }));
          msg.payload = count;
          send(msg);
          return { text: RED._('shotgrid-find.status.found', { count }) };
        }
        if (output === 'summarize') {
          const summaryFields = asObjectList(await read('summary fields', props.summaryFields), 'summary fields', `[{"field": "id", "type": "count"}]`);
          if (!summaryFields) throw new ShotGridError('SG_CONFIG', `summary fields are not set: give a list such as [{"field": "id", "type": "count"}]`);
          const grouping = asObjectList(await read('grouping', props.grouping), 'grouping', `[{"field": "sg_status_list", "type": "exact", "direction": "asc"}]`);
          const result = await site.useClient((client) =>
            client.summarize(type, filters, summaryFields as unknown as SummaryField[], { signal, ...(grouping ? { grouping: grouping as unknown as SummaryGrouping[] } : {}) }),
          );
          msg.payload = result;
          send(msg);
          return { text: RED._('shotgrid-find.status.summarized') };
        }

        const fields = asNameList(await read('fields', props.fields), 'fields');
        const sort = asSort(await read('sort', props.sort));
        const limit = optionalCount(await read('limit', props.limit), 'limit', true);
        const pageSize = output === 'page' ? optionalCount(await read('page size', props.pageSize), 'page size', false) : undefined;
        const options: FindOptions = {
          signal,
          ...(fields ? { fields } : {}),
          ...(sort !== undefined ? { sort } : {}),
          ...(limit !== undefined ? { limit } : {}),
          ...(pageSize !== undefined ? { pageSize } : {}),
        };

        if (output === 'array') {
          const records = await site.useClient((client) => client.find(type, filters, options));
          msg.payload = records;
          send(msg);
          return { text: RED._('shotgrid-find.status.found', { count: records.length }) };
        }

        // One message per record or per page, streamed: never more than a few pages in memory.
        const sender = new SequenceSender(RED, msg, send, output === 'split' ? 'record' : 'page', pageSize ?? READ_ALL_PAGE_SIZE);
        await site.useClient(async (client: ShotGridClient) => {
          for await (const page of client.pages(type, filters, options)) sender.add(page);
        });
        if (!sender.finish() && sendEmpty) {
          // Nothing matched: one message without msg.parts, so a report downstream still runs.
          msg.payload = [];
          send(msg);
        }
        return { text: RED._('shotgrid-find.status.found', { count: sender.records }) };
      },
    });
  }

  RED.nodes.registerType('shotgrid-find', ShotGridFindNode);
};

export = findModule;
