/**
 * A small fault soak through the `shotgrid-upload` node in a real Node-RED runtime (issue 6;
 * `npm run soak` is the full one): 20 files up to 16 MiB, several multipart, under 10 % faults
 * of every kind on every route — every message leaves the node, every file reads back
 * byte-exact, no duplicate Attachment, no open multipart upload, nothing at the Catch node.
 */
import { test } from 'node:test';
import { smallSoak } from '../soak/small.js';

test('small fault soak, Node-RED upload node: 20 uploads under 10 % faults — all ok, byte-exact, no duplicate, no orphan', { timeout: 180_000 }, async () => {
  await smallSoak('node-red');
});
