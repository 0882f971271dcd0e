/**
 * `shotgrid-find`: reads records of one entity type. Sends them as one message (the array in
 * `msg.payload`) or one message per record with `msg.parts`, so a Join node rebuilds the array.
 */
import { ShotGridError, type Filters, type SortSpec } from '../lib/index.js';
import { handleMessages } from './shared/message-handler.js';
import {
  asNameList,
  asPositiveInteger,
  asString,
  evaluateProperty,
  kindOf,
  parseIfJson,
  requireProperty,
  typedProperty,
} from './shared/properties.js';
import type { NodeAPI, NodeDef, RedNode } from './shared/red-types.js';
import { siteConnection, siteHandle } from './shared/site-client.js';
import { splitRecords } from './shared/split.js';

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

const findModule = function (RED: NodeAPI): void {
  function ShotGridFindNode(this: RedNode, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    setUp(this, def);
  }

  function setUp(node: RedNode, def: NodeDef): void {
    const entityType = typedProperty(def, 'entityType');
    const filters = typedProperty(def, 'filters', 'json');
    const fields = typedProperty(def, 'fields');
    const sort = typedProperty(def, 'sort');
    const limit = typedProperty(def, 'limit', 'num');
    const split = def.output === 'split';

    handleMessages(node, {
      texts: { busy: RED._('shotgrid-find.status.finding'), done: RED._('shotgrid-find.status.done') },
      connection: siteConnection(RED, def.site),
      async handle({ msg, send, signal }) {
        const type = asString(await requireProperty(RED, node, msg, 'entity type', entityType), 'entity type');
        const query = {
          filters: asFilters(await evaluateProperty(RED, node, msg, 'filters', filters)),
          fields: asNameList(await evaluateProperty(RED, node, msg, 'fields', fields), 'fields'),
          sort: asSort(await evaluateProperty(RED, node, msg, 'sort', sort)),
          limit: await evaluateProperty(RED, node, msg, 'limit', limit),
        };
        const max = query.limit === undefined || query.limit === 0 || query.limit === '' ? undefined : asPositiveInteger(query.limit, 'limit');
        const records = await siteHandle(RED, def.site).useClient((client) =>
          client.find(type, query.filters, {
            signal,
            ...(query.fields ? { fields: query.fields } : {}),
            ...(query.sort !== undefined ? { sort: query.sort } : {}),
            ...(max !== undefined ? { limit: max } : {}),
          }),
        );
        if (split) {
          // Like the Split node: nothing is sent for an empty result.
          if (records.length > 0) send([splitRecords(RED, msg, records)]);
        } else {
          msg.payload = records;
          send(msg);
        }
        return { text: RED._('shotgrid-find.status.found', { count: records.length }) };
      },
    });
  }

  RED.nodes.registerType('shotgrid-find', ShotGridFindNode);
};

export = findModule;
