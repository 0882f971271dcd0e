/**
 * Bad input matrix (README "What bad input does"), node side: files the upload node cannot
 * send. Each test is named after its table row: the code and message reach the Catch node, the
 * status shows the code, and nothing is left on the site (no open multipart upload, no
 * Attachment, no field value).
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emulator } from '../../emulator/index.js';
import { ShotGridClient } from '../../lib/index.js';
import siteNode from '../../nodes/shotgrid-site.js';
import uploadNode from '../../nodes/shotgrid-upload.js';
import { assertNothingLeft } from '../lib/fixtures/bad-input.js';
import { expectCaught } from './bad-input-flow.js';
import { catchNodes, flowWith, helper, scriptCredentials, startSite, waitFor } from './harness.js';

const MiB = 1024 * 1024;

describe('bad input: files for shotgrid-upload', () => {
  let emulator: Emulator;
  let sg: ShotGridClient;
  let workDir: string;

  const newVersion = async (code: string) => ({ type: 'Version', id: (await sg.create('Version', { code, project: { type: 'Project', id: 1 } })).id });
  const fieldValue = async (id: number) => (await sg.findOne('Version', [['id', 'is', id]], { fields: ['sg_uploaded_movie'] }))?.sg_uploaded_movie;

  before(async () => {
    emulator = await startSite();
    sg = new ShotGridClient({ site: emulator.url, auth: { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey } });
    workDir = mkdtempSync(join(tmpdir(), 'sg-node-bad-files-'));
  });
  after(async () => {
    await sg.close();
    await emulator.close();
    rmSync(workDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    helper.settings({ fileWorkingDirectory: workDir, shotgridUploadPartSize: 5 * MiB, shotgridUploadMultipartThreshold: 5 * MiB, shotgridUploadConcurrency: 1 });
  });
  afterEach(async () => {
    await helper.unload();
    emulator.configure({ shaping: { storageBandwidth: 0 } });
  });

  const load = () =>
    helper.load(
      [siteNode, uploadNode],
      flowWith(emulator, [
        { id: 'upload', type: 'shotgrid-upload', site: 'site1', target: 'entity', targetType: 'msg', field: 'sg_uploaded_movie', fieldType: 'sgfield', filename: 'filename', filenameType: 'msg', displayName: '', displayNameType: 'str', tags: '', tagsType: 'json', wires: [['out']] },
        { id: 'out', type: 'helper' },
        ...catchNodes(),
      ]),
      scriptCredentials(emulator),
    );

  /** Sends `filename` to the upload node and expects SG_FILE at the Catch node, with nothing left behind. */
  async function refused(name: string, filename: string, pattern: RegExp): Promise<void> {
    const version = await newVersion(name);
    await load();
    const before = emulator.counters.snapshot();
    await expectCaught('upload', { entity: version, filename }, 'SG_FILE', pattern);
    assertNothingLeft(emulator, before);
    assert.deepEqual(emulator.counters.snapshot().requests.upload_init, before.requests.upload_init, 'an upload was started');
    assert.equal(await fieldValue(version.id), null);
  }

  test('missing file', async () => {
    await refused('nb_missing', 'media/nope.mov', /^no such file: .*media\/nope\.mov$/);
  });

  test('directory instead of file', async () => {
    mkdirSync(join(workDir, 'folder.mov'));
    await refused('nb_folder', 'folder.mov', /^not a regular file: .*folder\.mov$/);
  });

  test('empty file', async () => {
    writeFileSync(join(workDir, 'empty.mov'), '');
    await refused('nb_empty', 'empty.mov', /^cannot upload an empty file: .*empty\.mov$/);
  });

  test('unreadable file', async () => {
    // Root reads a chmod 000 file, and Node-RED runs in this process: a symlink loop is unreadable for everyone.
    symlinkSync('loop.mov', join(workDir, 'loop.mov'));
    await refused('nb_loop', 'loop.mov', /^cannot read .*loop\.mov \(ELOOP\)$/);
    if (process.getuid?.() !== 0) {
      writeFileSync(join(workDir, 'locked.mov'), 'frames');
      chmodSync(join(workDir, 'locked.mov'), 0o000);
      await refused('nb_locked', 'locked.mov', /^file is not readable: .*locked\.mov$/);
    }
  });

  /** Starts a slowed multipart upload and runs `change` on the file once it is under way. */
  async function changedMidway(name: string, change: (path: string) => void, pattern: RegExp): Promise<void> {
    const version = await newVersion(name);
    const path = join(workDir, `${name}.mov`);
    writeFileSync(path, Buffer.alloc(10 * MiB + 1, 7));
    await load();
    emulator.configure({ shaping: { storageBandwidth: 4 * MiB } });
    const before = emulator.counters.snapshot();
    const caught = expectCaught('upload', { entity: version, filename: `${name}.mov` }, 'SG_FILE', pattern);
    await waitFor(() => emulator.counters.snapshot().multipartOpen === 1, 10_000, 'the multipart upload to start');
    change(path);
    await caught;
    // The multipart upload was aborted on the site before the error went out.
    assertNothingLeft(emulator, before);
    assert.equal(await fieldValue(version.id), null);
  }

  test('file deleted during upload', async () => {
    await changedMidway('nb_deleted', unlinkSync, /nb_deleted\.mov was deleted while it was being uploaded$/);
  });

  test('file truncated during upload', async () => {
    await changedMidway('nb_truncated', (path) => truncateSync(path, 1000), /nb_truncated\.mov changed while it was being uploaded/);
  });
});
