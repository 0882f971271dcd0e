/**
 * Bad input matrix (README "What bad input does"), library side: local files that cannot be
 * uploaded. Each test is named after its table row; each checks the code, the message, that
 * nothing reached the site when the file was refused up front, and that nothing was left behind.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isShotGridError } from '../../lib/index.js';
import { assertNothingLeft, sgError } from './fixtures/bad-input.js';
import { testClientOptions, totalRequests, transferEnv, type TransferEnv } from './fixtures/transfer-env.js';

const MiB = 1024 * 1024;
let env: TransferEnv;

before(async () => {
  env = await transferEnv();
});
after(async () => {
  env.emu.configure({ shaping: { storageBandwidth: 0 } });
  await env?.close();
});

/** Uploads `path` to a new Version's movie field with a client that has no token yet. */
async function refusedUpfront(path: string, code: string, pattern: RegExp): Promise<void> {
  const id = await env.version();
  const fresh = env.client(); // no token yet: even a token request would show in the counters
  const before = env.emu.counters.snapshot();
  await assert.rejects(fresh.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, path), sgError(code, pattern));
  await assert.rejects(fresh.upload({ type: 'Version', id }, path), sgError(code, pattern));
  assert.equal(totalRequests(env.emu, before), 0, 'a request was sent for a file that cannot be uploaded');
  assertNothingLeft(env.emu, before);
}

test('missing file', async () => {
  await refusedUpfront(join(env.dir, 'no-such-plate.mov'), 'SG_FILE', /^no such file: .*no-such-plate\.mov$/);
});

test('directory instead of file', async () => {
  const folder = join(env.dir, 'a-folder.mov');
  mkdirSync(folder);
  await refusedUpfront(folder, 'SG_FILE', /^not a regular file: .*a-folder\.mov$/);
  // Nor is a FIFO (reading it would block until someone writes).
  const fifo = join(env.dir, 'pipe.mov');
  execFileSync('mkfifo', [fifo]);
  await refusedUpfront(fifo, 'SG_FILE', /^not a regular file: .*pipe\.mov$/);
  // Nor a device.
  await refusedUpfront('/dev/null', 'SG_FILE', /^not a regular file: \/dev\/null$/);
});

test('empty file', async () => {
  await refusedUpfront(env.file('empty.mov', Buffer.alloc(0)), 'SG_FILE', /^cannot upload an empty file: .*empty\.mov$/);
});

test('unreadable file', async () => {
  // A symlink loop cannot be opened by anyone, root included.
  const loop = join(env.dir, 'loop.mov');
  symlinkSync('loop.mov', loop);
  await refusedUpfront(loop, 'SG_FILE', /^cannot read .*loop\.mov \(ELOOP\)$/);

  // chmod 000: root reads it anyway, so as root the call runs in a child process as nobody.
  // Its own folder in the system temp folder: the test's temp folder is private (0700).
  const folder = mkdtempSync(join(tmpdir(), 'sg-locked-'));
  chmodSync(folder, 0o755);
  const locked = join(folder, 'locked.mov');
  writeFileSync(locked, 'secret frames');
  chmodSync(locked, 0o000);
  const id = await env.version();
  const before = env.emu.counters.snapshot();
  let failure: { code?: string; message?: string };
  if (process.getuid?.() !== 0) {
    const client = env.client();
    failure = await client.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, locked).then(
      () => ({}),
      (err: unknown) => (isShotGridError(err) ? { code: err.code, message: err.message } : { message: String(err) }),
    );
  } else {
    const script = `
      const { ShotGridClient } = require(${JSON.stringify(join(__dirname, '../../lib/index.js'))});
      const sg = new ShotGridClient(JSON.parse(process.env.SG_BAD_INPUT_OPTIONS));
      sg.upload({ type: 'Version', id: ${id}, field: 'sg_uploaded_movie' }, ${JSON.stringify(locked)})
        .then(() => ({}), (e) => ({ code: e.code, message: e.message }))
        .then((out) => { process.stdout.write(JSON.stringify(out)); return sg.close(); });`;
    const options = JSON.stringify({ ...testClientOptions(env.emu), logger: undefined });
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { uid: 65534, gid: 65534, cwd: folder, env: { ...process.env, SG_BAD_INPUT_OPTIONS: options }, timeout: 30_000 });
    failure = JSON.parse(stdout) as { code?: string; message?: string };
  }
  rmSync(folder, { recursive: true, force: true });
  assert.equal(failure.code, 'SG_FILE', failure.message);
  assert.match(failure.message ?? '', /^file is not readable: .*locked\.mov$/);
  assert.equal(totalRequests(env.emu, before), 0);
  assertNothingLeft(env.emu, before);
});

/** Starts an upload slowed down by the storage and runs `change` on the file mid-way. */
async function changedMidway(name: string, multipart: boolean, change: (path: string) => void): Promise<{ error: unknown; id: number; before: ReturnType<typeof env.emu.counters.snapshot> }> {
  const id = await env.version();
  const size = multipart ? 10 * MiB + 1 : 1 * MiB;
  const path = env.file(name, size);
  env.emu.configure({ shaping: { storageBandwidth: 4 * MiB } });
  const before = env.emu.counters.snapshot();
  let changed = false;
  // A patient stall limit: a shaped storage takes a while to drain the bytes the kernel buffered
  // after the last one was handed over, which is not a stall.
  const upload = env.client({ timeouts: { stall: 10_000 } }).upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, path, {
    ...(multipart ? { partSize: 5 * MiB, multipartThreshold: 5 * MiB, concurrency: 1 } : {}),
    // The first progress report comes while bytes are moving: change the file then.
    onProgress: () => {
      if (changed) return;
      changed = true;
      change(path);
    },
  });
  const error = await upload.then(() => undefined, (err: unknown) => err);
  env.emu.configure({ shaping: { storageBandwidth: 0 } });
  assert.ok(changed, 'the file was not changed during the upload');
  return { error, id, before };
}

async function assertFieldEmpty(id: number): Promise<void> {
  const record = await env.sg.findOne('Version', [['id', 'is', id]], { fields: ['sg_uploaded_movie'] });
  assert.equal(record?.sg_uploaded_movie, null, 'the field was set by a failed upload');
}

test('file deleted during upload', async () => {
  // One PUT keeps reading the deleted file through its open handle: caught before completion.
  const single = await changedMidway('deleted-single.mov', false, unlinkSync);
  assert.ok(sgError('SG_FILE', /deleted-single\.mov was deleted while it was being uploaded$/)(single.error));
  assertNothingLeft(env.emu, single.before);
  await assertFieldEmpty(single.id);
  // Parts reopen the file: the next part fails at once and the multipart upload is aborted.
  const parts = await changedMidway('deleted-parts.mov', true, unlinkSync);
  assert.ok(sgError('SG_FILE', /deleted-parts\.mov was deleted while it was being uploaded$/)(parts.error));
  assertNothingLeft(env.emu, parts.before);
  await assertFieldEmpty(parts.id);
});

test('file truncated during upload', async () => {
  const cut = (path: string): void => truncateSync(path, 1000);
  const single = await changedMidway('cut-single.mov', false, cut);
  assert.ok(sgError('SG_FILE', /cut-single\.mov changed while it was being uploaded/)(single.error));
  assertNothingLeft(env.emu, single.before);
  await assertFieldEmpty(single.id);
  const parts = await changedMidway('cut-parts.mov', true, cut);
  assert.ok(sgError('SG_FILE', /cut-parts\.mov changed while it was being uploaded/)(parts.error));
  assertNothingLeft(env.emu, parts.before);
  await assertFieldEmpty(parts.id);
  // A file that grows is refused too: only the planned bytes went up.
  const grown = await changedMidway('grows-single.mov', false, (path) => writeFileSync(path, Buffer.alloc(10), { flag: 'a' }));
  assert.ok(sgError('SG_FILE', /grows-single\.mov changed while it was being uploaded \(1048576 bytes planned, 1048586 now\)/)(grown.error));
  assertNothingLeft(env.emu, grown.before);
});
