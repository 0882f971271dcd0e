/**
 * Resumable uploads across a crash of BOTH ends: a child process uploading a file (multipart,
 * `resumeDir`) is killed with SIGKILL part-way through, and the emulator — itself a child process
 * with a `dataDir` — is killed with SIGKILL too and started again on the same folder and port.
 * The same upload again carries on the upload the emulator kept open: only the parts missing
 * from the saved state are sent (plus at most those in flight at the kill), byte-exact, one
 * Attachment, no multipart upload left open.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShotGridClient } from '../../lib/index.js';
import { portBelowEphemeralRange } from '../emulator/ports.js';
import type { EmulatorChildMessage } from './fixtures/emulator-child.js';
import { builtinOnly, sha256File } from './fixtures/transfer-env.js';
import type { ResumeChildJob, ResumeChildMessage } from './fixtures/resume-child.js';

const MiB = 1024 * 1024;
type Counters = Extract<EmulatorChildMessage, { counters: unknown }>['counters'];

let work: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'sg-resume-restart-'));
});
after(() => rmSync(work, { recursive: true, force: true }));

/** An emulator child: its URL, credentials, and its counters on request. */
interface EmulatorChild {
  child: ChildProcess;
  url: string;
  scriptName: string;
  scriptKey: string;
  counters(): Promise<Counters>;
}

async function startEmulatorChild(options: Record<string, unknown>): Promise<EmulatorChild> {
  const child = spawn(process.execPath, [join(__dirname, 'fixtures', 'emulator-child.js'), JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [first] = (await Promise.race([once(child, 'message'), once(child, 'exit').then(() => [{ failed: 'exited' }])])) as [EmulatorChildMessage];
  if (!('ready' in first)) throw new Error(`the emulator child did not start: ${JSON.stringify(first)}`);
  return {
    child,
    ...first.ready,
    async counters() {
      const answer = once(child, 'message');
      child.send('counters');
      const [m] = (await answer) as [EmulatorChildMessage];
      if (!('counters' in m)) throw new Error(`unexpected answer ${JSON.stringify(m)}`);
      return m.counters;
    },
  };
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/** A sparse file with a distinct marker every MiB (fast to make, and every part differs). */
function makeFile(path: string, size: number): void {
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, size);
    for (let offset = 0; offset < size; offset += MiB) writeSync(fd, Buffer.from(`restart:${offset}`.padEnd(48, '.')), 0, 48, offset);
  } finally {
    closeSync(fd);
  }
}

/** Runs the upload in a child; with `killAtParts`, SIGKILLs it once it reports that many parts done. */
function runUpload(job: ResumeChildJob, killAtParts?: number): Promise<{ killed: boolean; result?: Record<string, unknown>; error?: unknown }> {
  const child = spawn(process.execPath, [join(__dirname, 'fixtures', 'resume-child.js'), JSON.stringify(job)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const outcome: { killed: boolean; result?: Record<string, unknown>; error?: unknown } = { killed: false };
  child.on('message', (m: ResumeChildMessage) => {
    if ('done' in m) outcome.result = m.done as Record<string, unknown>;
    if ('error' in m) outcome.error = m.error;
    if ('partsDone' in m && killAtParts !== undefined && m.partsDone >= killAtParts && !outcome.killed) outcome.killed = child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', () => resolve(outcome));
  });
}

const requests = (c: Counters, route: string, status: string): number => c.requests[route]?.[status] ?? 0;

test('the uploader and the emulator both killed mid-multipart, the emulator restarted on the same --data: the upload resumes, byte-exact, one Attachment, nothing left open', { skip: builtinOnly('the emulator child keeps bytes in its own storage') }, async () => {
  const dataDir = join(work, 'site');
  const stateDir = join(work, 'state');
  const size = 64 * MiB;
  const partSize = 5 * MiB + 1; // not a power of two: parts end mid-MiB; the last is short
  const partCount = Math.ceil(size / partSize);
  const concurrency = 2;
  const path = join(work, 'restart.mov');
  makeFile(path, size);

  const port = await portBelowEphemeralRange();
  let emu = await startEmulatorChild({ dataDir, transcodeDelay: 50, port });
  let sg: ShotGridClient | undefined;
  try {
    const site = emu.url;
    sg = new ShotGridClient({ site, auth: { scriptName: emu.scriptName, scriptKey: emu.scriptKey }, logger: { warn: () => undefined } });
    const version = await sg.create('Version', { code: 'resume across an emulator restart', project: { type: 'Project', id: 1 } });
    const target = { type: 'Version', id: version.id, field: 'sg_uploaded_movie' };
    const job: ResumeChildJob = { site, scriptName: emu.scriptName, scriptKey: emu.scriptKey, path, target, options: { partSize, multipartThreshold: partSize, concurrency, resumeDir: stateDir } };

    const first = await runUpload(job, Math.floor(partCount / 2));
    assert.equal(first.killed, true, `the uploader was killed before it finished (${JSON.stringify(first.result ?? first.error)})`);
    await kill(emu.child);
    const [stateName, ...others] = readdirSync(stateDir).filter((n) => n.endsWith('.upload.json'));
    assert.ok(stateName && others.length === 0, 'the killed upload left its state');
    const savedParts = (JSON.parse(readFileSync(join(stateDir, stateName), 'utf8')) as { parts: Record<string, string> }).parts;
    const saved = Object.keys(savedParts).length;
    assert.ok(saved >= 2 && saved < partCount, `the state holds the parts stored before the kill (${saved} of ${partCount})`);

    emu = await startEmulatorChild({ dataDir, transcodeDelay: 50, port });
    assert.equal(emu.url, site, 'the same address again');
    assert.equal((await emu.counters()).multipartOpen, 1, 'the killed upload is still open after the restart');

    const second = await runUpload(job);
    assert.equal(second.error, undefined, JSON.stringify(second.error));
    const end = await emu.counters();
    // Counted at the restarted emulator: the parts missing from the state, plus at most the
    // killed uploader's parts in flight at the kill (their answers never reached the state).
    const stored = requests(end, 'storage_put', '200');
    assert.ok(stored >= partCount - saved && stored <= partCount - saved + concurrency, `parts stored after the restart: ${stored}, missing from the state: ${partCount - saved}`);
    assert.ok(end.bytesStored < size, 'not the whole file again');
    assert.equal(requests(end, 'upload_init', '200'), 0, 'no new upload was started');
    const savedBytes = Object.keys(savedParts).reduce((sum, n) => sum + Math.min(partSize, size - (Number(n) - 1) * partSize), 0);
    assert.equal(second.result!.resumedBytes, savedBytes);
    assert.equal(end.attachmentsCreated, 1, 'one Attachment');
    assert.equal(end.multipartOpen, 0, 'no multipart upload left open');
    assert.deepEqual(readdirSync(stateDir).filter((n) => n.endsWith('.upload.json')), [], 'the state is removed on completion');

    // The client made before the restart still works (the site kept its signing secret).
    const attachments = await sg.find('Attachment', [['original_fname', 'is', 'restart.mov']], { fields: ['id'] });
    assert.equal(attachments.length, 1, 'one Attachment on the site');
    const back = join(work, 'restart.back');
    await sg.download(target, back);
    assert.equal(await sha256File(back), await sha256File(path), 'byte-exact');
  } finally {
    await sg?.close();
    await kill(emu.child);
  }
});
