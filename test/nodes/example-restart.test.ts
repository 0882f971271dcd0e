/**
 * Example 1 in a whole Node-RED (child process) stopped hard (SIGKILL) while it uploads a farm
 * job's movie, then started again on the same user directory; the farm posts the job again: the
 * upload resumes (only the parts the site does not hold yet are sent), one live Version holds the
 * movie byte-exact, one Attachment, no multipart upload left open.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emulator } from '../../emulator/index.js';
import { ShotGridClient } from '../../lib/index.js';
import { farmNodeRed, type FarmNodeRed } from './farm-node-red.js';
import { startSite, waitFor } from './harness.js';

const root = process.env.SG_ROOT ?? join(__dirname, '..', '..', '..');
const MiB = 1024 * 1024;
const PART = 5 * MiB;
const SIZE = 5 * PART + 123_457;

let emulator: Emulator;
let sg: ShotGridClient;
let dir: string;
let farm: FarmNodeRed;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sg-example-restart-'));
  // Storage slowed down per connection, so the kill lands while parts are still being sent.
  emulator = await startSite({ shaping: { storageBandwidth: 6 * MiB } });
  sg = new ShotGridClient({ site: emulator.url, auth: { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey } });
  const studio = join(dir, 'studio');
  await sg.create('LocalStorage', { code: 'farm media', linux_path: studio, mac_path: studio });
  farm = await farmNodeRed({
    root,
    site: emulator,
    userDir: join(dir, 'node-red'),
    mediaDir: studio,
    // One part at a time: at the kill, at most one part is in flight.
    settings: { shotgridUploadPartSize: PART, shotgridUploadMultipartThreshold: PART, shotgridUploadConcurrency: 1 },
  });
});

after(async () => {
  await farm?.stop();
  await sg?.close();
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('example 1: Node-RED killed during the movie upload and restarted, the job posted again → the upload resumes, one Version, byte-exact', async () => {
  const movie = Buffer.alloc(SIZE);
  for (let i = 0; i + 4 <= SIZE; i += 4) movie.writeUInt32LE(Math.imul(i, 2654435761) >>> 0, i);
  mkdirSync(join(dir, 'studio', 'media'), { recursive: true });
  writeFileSync(join(dir, 'studio', 'media', 'bbb_020_0010_comp_v501.mov'), movie);
  const job = { shot: 'bbb_020_0010', movie: 'media/bbb_020_0010_comp_v501.mov', frames: '1001-1100' };
  const post = () => fetch(farm.endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(job) });

  await farm.start();
  let firstAnswer = '';
  const first = post().then(async (res) => (firstAnswer = `${res.status} ${await res.text()}`), (err: unknown) => err);
  await waitFor(() => firstAnswer !== '' || emulator.counters.snapshot().bytesStored >= 2 * PART, 120_000, 'two parts stored before the kill');
  assert.equal(firstAnswer, '', `the first delivery was answered before the kill:\n${farm.logs()}`);
  await farm.kill();
  const lost = await first;
  assert.ok(lost instanceof Error, 'the first delivery got no answer (Node-RED was killed)');
  const atKill = emulator.counters.snapshot();
  assert.ok(atKill.bytesStored < SIZE, 'the kill landed before the whole movie was stored');
  assert.equal(atKill.completions, 0);

  await farm.start();
  const answer = await post();
  const body = (await answer.json()) as { status: string; version: { id: number } };
  assert.equal(answer.status, 200, `${JSON.stringify(body)}\n${farm.logs()}`);
  assert.equal(body.status, 'published');

  const end = emulator.counters.snapshot();
  const resent = end.bytesStored - atKill.bytesStored;
  // Only the parts not stored at the kill, plus at most the one in flight then.
  assert.ok(resent <= SIZE - atKill.bytesStored + PART, `after the restart ${resent} bytes were sent; ${SIZE - atKill.bytesStored} were missing`);
  assert.ok(resent < SIZE, 'the upload started over from byte 0');
  assert.equal(end.completions, 1, 'one completed upload: one Attachment');
  assert.equal(end.multipartOpen, 0, 'no multipart upload left open');

  const live = await sg.find('Version', [['code', 'is', 'bbb_020_0010_comp_v501']], { fields: ['sg_uploaded_movie'] });
  assert.equal(live.length, 1, 'one live Version');
  assert.equal(live[0]!.id, body.version.id);
  const copy = join(dir, 'downloaded.mov');
  await sg.download({ type: 'Version', id: live[0]!.id, field: 'sg_uploaded_movie' }, copy);
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  assert.equal(sha(readFileSync(copy)), sha(movie), 'the movie on the site is byte-exact');
});
