/**
 * `shotgrid-write`: create, find-or-create, update, delete (retire), revive, or a batch of these in
 * one transaction. The operation is set in the node or, when set to "from msg", by `msg.operation`.
 */
import { ShotGridError, type BatchRequest, type MultiEntityUpdateMode, type ShotGridClient } from '../lib/index.js';
import { toEntityRef } from './shared/entity-ref.js';
import { handleMessages } from './shared/message-handler.js';
import { asNameList, asString, evaluateProperty, kindOf, parseIfJson, requireProperty, typedProperty, type TypedProperty } from './shared/properties.js';
import type { NodeAPI, NodeDef, NodeMessage, RedNode } from './shared/red-types.js';
import { siteConnection, siteHandle } from './shared/site-client.js';

/** The operations the node performs. */
const OPERATIONS = ['create', 'findOrCreate', 'update', 'delete', 'revive', 'batch'] as const;
type Operation = (typeof OPERATIONS)[number];

function asOperation(value: unknown): Operation {
  const wanted = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  const op = OPERATIONS.find((o) => o.toLowerCase() === wanted);
  if (op) return op;
  throw new ShotGridError('SG_CONFIG', `the operation must be one of ${OPERATIONS.join(', ')} (msg.operation is ${kindOf(value)})`);
}

function asData(value: unknown, label: string): Record<string, unknown> {
  const parsed = parseIfJson(value, label);
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && !Buffer.isBuffer(parsed)) return parsed as Record<string, unknown>;
  throw new ShotGridError('SG_CONFIG', `${label} must be an object of field values (got ${kindOf(parsed)})`);
}

function asBatch(value: unknown): BatchRequest[] {
  const parsed = parseIfJson(value, 'batch requests');
  if (!Array.isArray(parsed) || parsed.some((r) => typeof r !== 'object' || r === null)) {
    throw new ShotGridError('SG_CONFIG', `a batch needs a list of {request_type, entity_type, …} requests (got ${kindOf(parsed)})`);
  }
  return parsed as BatchRequest[];
}

function asUpdateModes(value: unknown): Record<string, MultiEntityUpdateMode> | undefined {
  const parsed = parseIfJson(value, 'multi-entity update modes');
  if (parsed === undefined || parsed === null || parsed === '') return undefined;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ShotGridError('SG_CONFIG', 'multi-entity update modes must be an object like {"assets": "add"}');
  return parsed as Record<string, MultiEntityUpdateMode>;
}

interface WriteProps {
  entityType: TypedProperty;
  target: TypedProperty;
  data: TypedProperty;
  updateModes: TypedProperty;
  returnFields: TypedProperty;
  keyFields: TypedProperty;
}

/** Runs one operation; returns the status text. `msg.payload` (and `msg.entity`) are set. */
async function perform(RED: NodeAPI, node: RedNode, msg: NodeMessage, op: Operation, props: WriteProps, client: ShotGridClient, signal: AbortSignal): Promise<string> {
  const typeValue = await evaluateProperty(RED, node, msg, 'entity type', props.entityType);
  const fallbackType = typeValue === undefined || typeValue === '' ? undefined : asString(typeValue, 'entity type');
  if (op === 'batch') {
    const requests = asBatch(await requireProperty(RED, node, msg, 'batch requests', props.data));
    msg.payload = await client.batch(requests, { signal });
    return RED._('shotgrid-write.status.batch', { count: requests.length });
  }
  if (op === 'create') {
    if (!fallbackType) throw new ShotGridError('SG_CONFIG', 'entity type is not set (needed to create a record)');
    const data = asData(await requireProperty(RED, node, msg, 'data', props.data), 'data');
    const returnFields = asNameList(await evaluateProperty(RED, node, msg, 'return fields', props.returnFields), 'return fields');
    const record = await client.create(fallbackType, data, { signal, ...(returnFields ? { returnFields } : {}) });
    msg.payload = record;
    msg.entity = { type: record.type, id: record.id };
    return RED._('shotgrid-write.status.created', { type: record.type, id: record.id });
  }
  if (op === 'findOrCreate') {
    if (!fallbackType) throw new ShotGridError('SG_CONFIG', 'entity type is not set (needed to find or create a record)');
    const data = asData(await requireProperty(RED, node, msg, 'data', props.data), 'data');
    const key = asNameList(await evaluateProperty(RED, node, msg, 'key fields', props.keyFields), 'key fields');
    const returnFields = asNameList(await evaluateProperty(RED, node, msg, 'return fields', props.returnFields), 'return fields');
    const result = await client.findOrCreate(fallbackType, data, { signal, ...(key?.length ? { key } : {}), ...(returnFields ? { returnFields } : {}) });
    msg.payload = result.record;
    msg.entity = { type: result.record.type, id: result.record.id };
    msg.created = result.created;
    if (result.retired) msg.retired = result.retired;
    else delete msg.retired;
    return RED._(`shotgrid-write.status.${result.created ? 'created' : 'found'}`, { type: result.record.type, id: result.record.id });
  }
  const target = toEntityRef(await requireProperty(RED, node, msg, 'record', props.target), fallbackType, 'record');
  if (op === 'update') {
    const data = asData(await requireProperty(RED, node, msg, 'data', props.data), 'data');
    const modes = asUpdateModes(await evaluateProperty(RED, node, msg, 'multi-entity update modes', props.updateModes));
    const record = await client.update(target.type, target.id, data, { signal, ...(modes ? { multiEntityUpdateModes: modes } : {}) });
    msg.payload = record;
    msg.entity = { type: target.type, id: target.id };
    return RED._('shotgrid-write.status.updated', { type: target.type, id: target.id });
  }
  msg.payload = op === 'delete' ? await client.delete(target.type, target.id, { signal }) : await client.revive(target.type, target.id, { signal });
  return RED._(`shotgrid-write.status.${op === 'delete' ? 'deleted' : 'revived'}`, { type: target.type, id: target.id });
}

const writeModule = function (RED: NodeAPI): void {
  function ShotGridWriteNode(this: RedNode, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    setUp(this, def);
  }

  function setUp(node: RedNode, def: NodeDef): void {
    const configured = typeof def.operation === 'string' && def.operation !== '' ? def.operation : 'create';
    const props: WriteProps = {
      entityType: typedProperty(def, 'entityType'),
      target: typedProperty(def, 'target', 'msg'),
      data: typedProperty(def, 'data', 'msg'),
      updateModes: typedProperty(def, 'updateModes', 'json'),
      returnFields: typedProperty(def, 'returnFields'),
      keyFields: typedProperty(def, 'keyFields'),
    };

    handleMessages(node, {
      texts: { busy: RED._('shotgrid-write.status.writing'), done: RED._('shotgrid-write.status.done') },
      connection: siteConnection(RED, def.site),
      async handle({ msg, send, signal }) {
        const op = asOperation(configured === 'msg' ? msg.operation : configured);
        const text = await siteHandle(RED, def.site).useClient((client) => perform(RED, node, msg, op, props, client, signal));
        send(msg);
        return { text };
      },
    });
  }

  RED.nodes.registerType('shotgrid-write', ShotGridWriteNode);
};

export = writeModule;
