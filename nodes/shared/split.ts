/** Sending an array as one message per item, the way the core Split node does it. */
import { randomUUID } from 'node:crypto';
import type { NodeAPI, NodeMessage } from './red-types.js';

/**
 * One copy of `msg` per item, the item in `msg.payload` and `msg.parts` =
 * `{id, type: 'array', index, count, len: 1}` so a Join node in automatic mode rebuilds the
 * array. A `msg.parts` already present (a nested split) is kept as `msg.parts.parts`.
 */
export function splitRecords(RED: NodeAPI, msg: NodeMessage, items: readonly unknown[]): NodeMessage[] {
  const id = randomUUID();
  const outer = msg.parts;
  const template: NodeMessage = { ...msg, payload: undefined };
  return items.map((item, index) => {
    const copy = RED.util.cloneMessage(template);
    copy.payload = item;
    copy.parts = { id, type: 'array', index, count: items.length, len: 1, ...(outer !== undefined ? { parts: outer } : {}) };
    return copy;
  });
}
