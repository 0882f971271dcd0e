/**
 * Shared pieces of the node side of the bad-input matrix (README "What bad input does"): send a
 * message and check that the error reached the Catch node with its code and message, that the
 * node sent nothing on, and that its status shows the code.
 */
import assert from 'node:assert/strict';
import { errorStatusText } from '../../lib/index.js';
import { caughtError, helper, nextInput, statuses, type Msg } from './harness.js';

/** What the Catch node passed on. */
export type CaughtError = ReturnType<typeof caughtError>;

/**
 * Sends `msg` to node `nodeId` and waits for the Catch node (`caught`): `code` and a message
 * matching `pattern` (after the `ShotGridError: ` prefix), raised by that node, nothing sent to `out`, and a red ring with the code.
 */
export async function expectCaught(nodeId: string, msg: Msg, code: string, pattern?: RegExp): Promise<CaughtError> {
  const caught = nextInput(helper.getNode('caught'), 20_000, `the Catch node to get ${code}`);
  const out = helper.getNode('out');
  let sent: Msg | undefined;
  const onOut = (m: Msg): void => {
    sent ??= m;
  };
  out.on('input', onOut);
  helper.getNode(nodeId).receive(msg);
  let error: CaughtError;
  try {
    error = caughtError(await caught);
  } finally {
    out.removeListener('input', onOut);
  }
  assert.equal(error.code, code, error.message);
  // Node-RED hands the Catch node `String(err)`: the class name, then the library's message.
  assert.ok(error.message.startsWith('ShotGridError: '), error.message);
  if (pattern) assert.match(error.message.slice('ShotGridError: '.length), pattern);
  assert.equal(error.source?.id, nodeId);
  assert.equal(sent, undefined, 'the node sent a message on as well');
  assert.deepEqual(statuses(helper.getNode(nodeId)).at(-1), { fill: 'red', shape: 'ring', text: errorStatusText(code) });
  return error;
}

/** Sends `msg` to node `nodeId` and returns what reached `out`. */
export async function expectSent(nodeId: string, msg: Msg, ms = 20_000): Promise<Msg> {
  const got = nextInput(helper.getNode('out'), ms);
  helper.getNode(nodeId).receive(msg);
  return got;
}
