/**
 * Resumable multipart uploads across restarts (`resumeDir`): a child process uploading is killed
 * with SIGKILL part-way through (as a crash would), then the same upload runs again. Checked at
 * the emulator: only the parts missing from the saved state are sent, the file is byte-exact,
 * one Attachment, no multipart upload left open, no state left behind. A file changed after the
 * kill, and a saved upload the storage no longer knows, start over cleanly.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isShotGridError, pauseReason } from '../../lib/index.js';
import { builtinOnly, routeDelta, sha256File, transferEnv, type TransferEnv } from './fixtures/transfer-env.js';
import type { ResumeChildJob, ResumeChildMessage } from './fixtures/resume-child.js';

const MiB = 1024 * 1024;
let env: TransferEnv;
let stateDir: string;
const storageOnly = builtinOnly('bytes and parts are counted at the emulator storage');

before(async () => {
  env = await transferEnv();
  stateDir = mkdtempSync(join(tmpdir(), 'sg-resume-state-'));
});
after(async () => {
  await env?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

/** A sparse file with a distinct marker every MiB (fast to make, and every part differs). */
function makeFile(name: string, size: number, seed: string): string {
  const path = join(env.dir, name);
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, size);
    for (let offset = 0; offset < size; offset += MiB) writeSync(fd, Buffer.from(`${seed}:${offset}`.padEnd(48, '.')), 0, 48, offset);
  } finally {
    closeSync(fd);
  }
  return path;
}

interface ChildOutcome {
  killed: boolean;
  result?: Record<string, unknown>;
  error?: { code?: string; message: string };
}

/**
 * Runs the upload in a child process; with `killAtBytes`, SIGKILLs it as soon as the emulator
 * has stored that many bytes of it (the emulator runs in this process, so nothing is stored
 * between the check and the kill).
 */
function runChild(path: string, target: ResumeChildJob['target'], options: ResumeChildJob['options'], killAtBytes?: number): Promise<ChildOutcome> {
  const job: ResumeChildJob = { site: env.emu.url, scriptName: env.emu.credentials.scriptName, scriptKey: env.emu.credentials.scriptKey, path, target, options };
  const child = spawn(process.execPath, [join(__dirname, 'fixtures', 'resume-child.js'), JSON.stringify(job)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const base = env.emu.counters.snapshot().bytesStored;
  const outcome: ChildOutcome = { killed: false };
  let poll: NodeJS.Timeout | undefined;
  if (killAtBytes !== undefined) {
    poll = setInterval(() => {
      if (env.emu.counters.snapshot().bytesStored - base < killAtBytes) return;
      clearInterval(poll);
      outcome.killed = child.kill('SIGKILL');
    }, 5);
  }
  child.on('message', (m: ResumeChildMessage) => {
    if ('done' in m) outcome.result = m.done as Record<string, unknown>;
    if ('error' in m) outcome.error = m.error;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', () => {
      clearInterval(poll);
      resolve(outcome);
    });
  });
}

function stateFiles(): string[] {
  return readdirSync(stateDir).filter((n) => n.endsWith('.upload.json'));
}

function savedParts(): number[] {
  const [name] = stateFiles();
  assert.ok(name, 'the killed upload left its state');
  const state = JSON.parse(readFileSync(join(stateDir, name), 'utf8')) as { parts: Record<string, string> };
  return Object.keys(state.parts).map(Number).sort((a, b) => a - b);
}

const partBytes = (size: number, partSize: number, parts: number[]): number => parts.reduce((sum, n) => sum + Math.min(partSize, size - (n - 1) * partSize), 0);

test('killed at ~60 % of a 512 MiB multipart upload, the same upload again sends only the missing parts', { skip: storageOnly }, async () => {
  const size = 512 * MiB;
  const partSize = 16 * MiB;
  const partCount = size / partSize;
  const path = makeFile('resume_512.mov', size, 'a');
  const id = await env.version('resume 512');
  const target = { type: 'Version', id, field: 'sg_uploaded_movie' };
  const options = { partSize, multipartThreshold: partSize, resumeDir: stateDir };
  const start = env.emu.counters.snapshot();

  const first = await runChild(path, target, options, Math.floor(size * 0.6));
  assert.equal(first.killed, true, `the child was killed before it finished (${JSON.stringify(first.result ?? first.error)})`);
  assert.equal(env.emu.counters.snapshot().multipartOpen - start.multipartOpen, 1, 'the killed upload is still open on the storage');
  const saved = savedParts();
  // The state trails the storage by the parts whose answers were not yet recorded at the kill.
  assert.ok(saved.length >= partCount * 0.25 && saved.length < partCount, `the state holds the parts stored before the kill (${saved.length} of ${partCount})`);

  const beforeResume = env.emu.counters.snapshot();
  const second = await runChild(path, target, options);
  assert.equal(second.error, undefined, JSON.stringify(second.error));
  const result = second.result!;
  const missing = partCount - saved.length;
  // Counted at the storage after the restart: the parts missing from the state, plus at most the
  // killed child's parts still in flight at the kill (the storage may finish storing those).
  const stored200 = routeDelta(env.emu, beforeResume, 'storage_put')['200'] ?? 0;
  const inFlight = 8; // the default concurrency
  assert.ok(stored200 >= missing && stored200 <= missing + inFlight, `parts stored after the restart: ${stored200}, missing from the state: ${missing}`);
  const bytesAfter = env.emu.counters.snapshot().bytesStored - beforeResume.bytesStored;
  const missingBytes = size - partBytes(size, partSize, saved);
  assert.ok(bytesAfter >= missingBytes && bytesAfter <= missingBytes + inFlight * partSize, `bytes stored after the restart: ${bytesAfter}, missing: ${missingBytes}`);
  assert.ok(bytesAfter < size, 'not the whole file again');
  assert.deepEqual(routeDelta(env.emu, beforeResume, 'upload_init'), {}, 'no new upload was started');
  assert.equal(result.resumedBytes, partBytes(size, partSize, saved));
  assert.equal(result.bytes, size - partBytes(size, partSize, saved));

  const end = env.emu.counters.snapshot();
  assert.equal(end.attachmentsCreated - start.attachmentsCreated, 1, 'one Attachment');
  assert.equal(end.multipartOpen - start.multipartOpen, 0, 'no multipart upload left open');
  assert.deepEqual(stateFiles(), [], 'the state is removed on completion');
  const back = join(env.dir, 'resume_512.back');
  await env.sg.download(target, back);
  assert.equal(await sha256File(back), await sha256File(path), 'byte-exact');
  rmSync(back);
});

/**
 * Since `start`: one Attachment, no multipart upload left open, no state left, and the target
 * holds `path`'s bytes exactly.
 */
async function completedOnce(start: ReturnType<typeof env.emu.counters.snapshot>, target: { type: string; id: number; field: string }, path: string): Promise<void> {
  const end = env.emu.counters.snapshot();
  assert.equal(end.multipartOpen - start.multipartOpen, 0, 'no multipart upload left open');
  assert.equal(end.attachmentsCreated - start.attachmentsCreated, 1, 'one Attachment');
  assert.deepEqual(stateFiles(), [], 'no state left');
  const back = `${path}.back`;
  await env.sg.download(target, back);
  assert.equal(await sha256File(back), await sha256File(path), 'byte-exact');
  rmSync(back);
}

test('a file changed after the kill is not resumed: the old upload is aborted and the new bytes sent whole', { skip: storageOnly }, async () => {
  const size = 24 * MiB;
  const partSize = 5 * MiB;
  const path = makeFile('resume_changed.mov', size, 'old');
  const id = await env.version('resume changed');
  const target = { type: 'Version', id, field: 'sg_uploaded_movie' };
  const options = { partSize, multipartThreshold: partSize, resumeDir: stateDir, concurrency: 2 };
  const start = env.emu.counters.snapshot();
  const first = await runChild(path, target, options, Math.floor(size * 0.5));
  assert.equal(first.killed, true);
  assert.equal(stateFiles().length, 1, 'the killed upload left its state');

  makeFile('resume_changed.mov', size, 'new');
  utimesSync(path, new Date(), new Date(Date.now() + 5000)); // a rewrite within the same mtime tick still counts as new
  const beforeRetry = env.emu.counters.snapshot();
  const second = await runChild(path, target, options);
  assert.equal(second.error, undefined, JSON.stringify(second.error));
  assert.equal(second.result!.resumedBytes, undefined);
  assert.equal(second.result!.bytes, size);
  // Every byte again (plus, at most, the killed child's two parts in flight at the kill).
  const bytesAfter = env.emu.counters.snapshot().bytesStored - beforeRetry.bytesStored;
  assert.ok(bytesAfter >= size && bytesAfter <= size + 2 * partSize, `bytes stored after the restart: ${bytesAfter} of ${size}`);
  assert.deepEqual(routeDelta(env.emu, beforeRetry, 'abort'), { 204: 1 }, 'the stale upload was aborted on the site');
  await completedOnce(start, target, path);
});

test('a saved upload keeps the part size it was started with (the default or the setting changed since): its stored parts are used', { skip: storageOnly }, async () => {
  const size = 24 * MiB;
  const path = makeFile('resume_resized.mov', size, 'resized');
  const id = await env.version('resume resized');
  const target = { type: 'Version', id, field: 'sg_uploaded_movie' };
  const before = { partSize: 5 * MiB, multipartThreshold: 5 * MiB, resumeDir: stateDir, concurrency: 2 };
  const start = env.emu.counters.snapshot();
  const first = await runChild(path, target, before, Math.floor(size * 0.5));
  assert.equal(first.killed, true);
  assert.equal(stateFiles().length, 1, 'the killed upload left its state');

  const beforeRetry = env.emu.counters.snapshot();
  const second = await runChild(path, target, { ...before, partSize: 8 * MiB });
  assert.equal(second.error, undefined, JSON.stringify(second.error));
  const result = second.result as { parts: number; bytes: number; resumedBytes?: number };
  assert.equal(result.parts, 5, 'cut in 5 MiB parts, as the saved upload was');
  assert.ok((result.resumedBytes ?? 0) >= 5 * MiB, `parts stored before the kill were used: ${result.resumedBytes}`);
  assert.equal(result.bytes + (result.resumedBytes ?? 0), size);
  assert.deepEqual(routeDelta(env.emu, beforeRetry, 'upload_init'), {}, 'no new upload');
  assert.deepEqual(routeDelta(env.emu, beforeRetry, 'abort'), {}, 'nothing aborted');
  await completedOnce(start, target, path);
});

test('a saved upload the storage no longer knows starts over once, cleanly', { skip: storageOnly }, async () => {
  const size = 24 * MiB;
  const partSize = 5 * MiB;
  const path = makeFile('resume_gone.mov', size, 'gone');
  const id = await env.version('resume gone');
  const target = { type: 'Version', id, field: 'sg_uploaded_movie' };
  const options = { partSize, multipartThreshold: partSize, resumeDir: stateDir, concurrency: 2 };
  const first = await runChild(path, target, options, Math.floor(size * 0.5));
  assert.equal(first.killed, true);
  // The storage forgets the upload (an S3 lifecycle rule, an operator): here, its id in the state is one it never issued.
  const [name] = stateFiles();
  const file = join(stateDir, name!);
  const state = JSON.parse(readFileSync(file, 'utf8')) as { session: { info: Record<string, unknown> } };
  const realInfo = state.session.info;
  state.session.info = { ...realInfo, upload_id: 'no-such-upload' };
  writeFileSync(file, JSON.stringify(state));

  const beforeRetry = env.emu.counters.snapshot();
  const second = await runChild(path, target, options);
  assert.equal(second.error, undefined, JSON.stringify(second.error));
  assert.equal(second.result!.bytes, size, 'started over: every byte sent');
  assert.deepEqual(routeDelta(env.emu, beforeRetry, 'upload_init'), { 200: 1 }, 'one new upload');
  assert.equal(env.emu.counters.snapshot().attachmentsCreated - beforeRetry.attachmentsCreated, 1);
  assert.deepEqual(stateFiles(), []);
  const back = join(env.dir, 'resume_gone.back');
  await env.sg.download(target, back);
  assert.equal(await sha256File(back), await sha256File(path));
  rmSync(back);
});

/** Resolves once a state file exists (polled), or rejects after `ms`. */
async function stateAppears(ms: number): Promise<string> {
  const until = Date.now() + ms;
  for (;;) {
    const [name] = stateFiles();
    if (name) return name;
    if (Date.now() > until) throw new Error(`no state file within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('the state is written as soon as the site opens the upload: killed before any part, the next run carries on with that upload', { skip: storageOnly }, async () => {
  const size = 12 * MiB;
  const partSize = 5 * MiB;
  const path = makeFile('resume_early.mov', size, 'early');
  const id = await env.version('resume early');
  const target = { type: 'Version', id, field: 'sg_uploaded_movie' };
  const options = { partSize, multipartThreshold: partSize, resumeDir: stateDir, concurrency: 2 };
  const start = env.emu.counters.snapshot();
  // The record read that runs beside the init hangs: the child is held after the site opened the
  // upload and before any part is sent. The state must be on disk by then.
  env.emu.faults.script({ route: 'api', kind: 'stall', method: 'GET', pathIncludes: `/entity/Version/${id}?`, stallMs: 60_000 });
  const job: ResumeChildJob = { site: env.emu.url, scriptName: env.emu.credentials.scriptName, scriptKey: env.emu.credentials.scriptKey, path, target, options };
  const child = spawn(process.execPath, [join(__dirname, 'fixtures', 'resume-child.js'), JSON.stringify(job)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await stateAppears(30_000);
  } finally {
    child.kill('SIGKILL');
    await exited;
    env.emu.faults.clear();
  }
  assert.equal(env.emu.counters.snapshot().bytesStored - start.bytesStored, 0, 'killed before any part was stored');
  assert.equal(env.emu.counters.snapshot().multipartOpen - start.multipartOpen, 1, 'the upload the site opened is still open');
  assert.deepEqual(savedParts(), []);

  const beforeResume = env.emu.counters.snapshot();
  const second = await runChild(path, target, options);
  assert.equal(second.error, undefined, JSON.stringify(second.error));
  assert.deepEqual(routeDelta(env.emu, beforeResume, 'upload_init'), {}, 'the saved upload was carried on, not a new one');
  const end = env.emu.counters.snapshot();
  assert.equal(end.multipartOpen - start.multipartOpen, 0, 'no multipart upload left open');
  assert.equal(end.attachmentsCreated - start.attachmentsCreated, 1, 'one Attachment');
  assert.deepEqual(stateFiles(), []);
  const back = join(env.dir, 'resume_early.back');
  await env.sg.download(target, back);
  assert.equal(await sha256File(back), await sha256File(path), 'byte-exact');
  rmSync(back);
});

test('a skip (the field already holds the file) aborts the upload a killed run left open, and removes its state', { skip: storageOnly }, async () => {
  const size = 24 * MiB;
  const partSize = 5 * MiB;
  const path = makeFile('resume_skip.mov', size, 'skip');
  const id = await env.version('resume skip');
  const target = { type: 'Version', id, field: 'sg_uploaded_movie' };
  const options = { partSize, multipartThreshold: partSize, resumeDir: stateDir, concurrency: 2, skipIfSame: true };
  const start = env.emu.counters.snapshot();
  const first = await runChild(path, target, options, Math.floor(size * 0.4));
  assert.equal(first.killed, true);
  assert.equal(stateFiles().length, 1, 'the killed upload left its state');
  // Meanwhile another process (another worker, a person) uploads the same file to the field.
  await env.sg.upload(target, path, { partSize, multipartThreshold: partSize });
  assert.equal(env.emu.counters.snapshot().multipartOpen - start.multipartOpen, 1, 'the killed upload is still open');

  const beforeRetry = env.emu.counters.snapshot();
  const second = await runChild(path, target, options);
  assert.equal(second.error, undefined, JSON.stringify(second.error));
  assert.equal(second.result!.skipped, true, 'the field already holds the file');
  assert.deepEqual(routeDelta(env.emu, beforeRetry, 'abort'), { 204: 1 }, 'the killed run\'s upload was aborted');
  assert.equal(env.emu.counters.snapshot().bytesStored - beforeRetry.bytesStored, 0, 'no byte sent');
  const end = env.emu.counters.snapshot();
  assert.equal(end.multipartOpen - start.multipartOpen, 0, 'no multipart upload left open');
  assert.equal(end.attachmentsCreated - start.attachmentsCreated, 1, 'one Attachment (the other process\'s)');
  assert.deepEqual(stateFiles(), [], 'the state is removed');
});

test('a pause (an abort whose reason is a pauseReason, as a Node-RED restart) keeps the upload open for the next run; a plain abort aborts it', { skip: storageOnly }, async () => {
  const size = 24 * MiB;
  const partSize = 5 * MiB;
  const path = makeFile('resume_pause.mov', size, 'pause');
  const id = await env.version('resume pause');
  const target = { type: 'Version', id, field: 'sg_uploaded_movie' };
  const options = { partSize, multipartThreshold: partSize, resumeDir: stateDir, concurrency: 2 };
  const start = env.emu.counters.snapshot();
  /** Starts the upload on slowed storage and aborts it with `reason` once a part is stored. */
  const stopMidway = async (reason: Error): Promise<unknown> => {
    env.emu.configure({ shaping: { storageBandwidth: 2 * MiB } });
    const base = env.emu.counters.snapshot().bytesStored;
    const controller = new AbortController();
    const upload = env.sg.upload(target, path, { ...options, signal: controller.signal }).then(() => undefined, (err: unknown) => err);
    try {
      // A part stored at the site, and known to the client (its saved state lists it).
      const known = (): boolean => {
        try {
          return stateFiles().some((n) => Object.keys((JSON.parse(readFileSync(join(stateDir, n), 'utf8')) as { parts: object }).parts).length > 0);
        } catch {
          return false; // being renamed into place
        }
      };
      for (let waited = 0; env.emu.counters.snapshot().bytesStored - base < partSize || !known(); waited += 20) {
        assert.ok(waited < 60_000, 'no part was stored within 60 s');
        await new Promise((r) => setTimeout(r, 20));
      }
      controller.abort(reason);
      return await upload;
    } finally {
      env.emu.configure({ shaping: { storageBandwidth: 0 } });
    }
  };

  // A plain abort (a cancel): the upload is aborted on the site and its state removed.
  const cancelled = await stopMidway(new Error('cancelled'));
  assert.ok(isShotGridError(cancelled) && cancelled.code === 'SG_ABORTED', String(cancelled));
  assert.equal(env.emu.counters.snapshot().multipartOpen - start.multipartOpen, 0, 'a cancelled upload is aborted on the site');
  assert.deepEqual(stateFiles(), [], 'a cancelled upload leaves no state');

  // A pause: the upload stays open with its stored parts saved; the next run sends only the rest.
  const paused = await stopMidway(pauseReason(new Error('restarting')));
  assert.ok(isShotGridError(paused) && paused.code === 'SG_ABORTED', String(paused));
  assert.equal(env.emu.counters.snapshot().multipartOpen - start.multipartOpen, 1, 'the paused upload is still open');
  const saved = savedParts();
  assert.ok(saved.length >= 1, 'the stored parts are saved');

  const beforeResume = env.emu.counters.snapshot();
  const result = await env.sg.upload(target, path, options);
  assert.deepEqual(routeDelta(env.emu, beforeResume, 'upload_init'), {}, 'the paused upload was carried on, not a new one');
  assert.equal(result.resumedBytes, partBytes(size, partSize, saved));
  assert.equal(result.bytes, size - partBytes(size, partSize, saved), 'only the missing parts were sent');
  // At the storage: the missing parts, plus at most the parts that were in flight at the pause
  // (their bytes may already have been in the storage's socket buffers, and land late).
  const stored = env.emu.counters.snapshot().bytesStored - beforeResume.bytesStored;
  assert.ok(stored >= result.bytes && stored <= result.bytes + options.concurrency * partSize, `${stored} bytes stored after the pause`);
  const end = env.emu.counters.snapshot();
  assert.equal(end.multipartOpen - start.multipartOpen, 0, 'no multipart upload left open');
  assert.equal(end.attachmentsCreated - start.attachmentsCreated, 1, 'one Attachment');
  assert.deepEqual(stateFiles(), []);
  const back = join(env.dir, 'resume_pause.back');
  await env.sg.download(target, back);
  assert.equal(await sha256File(back), await sha256File(path), 'byte-exact');
  rmSync(back);
});

test('resume options are checked: a bad folder value is SG_CONFIG before any request', async () => {
  const path = makeFile('resume_bad.mov', 6 * MiB, 'bad');
  await assert.rejects(env.sg.upload({ type: 'Version', id: 1 }, path, { multipartThreshold: 5 * MiB, resumeDir: '' }), { code: 'SG_CONFIG', message: /resumeDir/ });
  await assert.rejects(env.sg.upload({ type: 'Version', id: 1 }, path, { multipartThreshold: 5 * MiB, resumeDir: stateDir, resumeMaxAge: -1 }), { code: 'SG_CONFIG', message: /resumeMaxAge/ });
});
