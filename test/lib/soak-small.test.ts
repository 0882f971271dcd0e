/**
 * A small fault soak through `ShotGridClient.upload` (issue 6; `npm run soak` is the full one):
 * 20 files up to 16 MiB, several multipart, under 10 % faults of every kind on every route —
 * every upload succeeds, every file reads back byte-exact, no duplicate Attachment, no open
 * multipart upload.
 */
import { test } from 'node:test';
import { smallSoak } from '../soak/small.js';

test('small fault soak, library: 20 uploads under 10 % faults — all ok, byte-exact, no duplicate, no orphan', { timeout: 180_000 }, async () => {
  await smallSoak('library');
});
