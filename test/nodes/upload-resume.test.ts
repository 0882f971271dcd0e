/**
 * shotgrid-upload keeps the resume state of a multipart upload under Node-RED's userDir while it
 * runs (what a restarted Node-RED picks up after a crash) and removes it when the upload is done;
 * `shotgridUploadResumeDir: false` turns it off. The crash itself is tested with a real kill in
 * test/lib/upload-resume.test.ts (library) and the example restart test (whole runtime).
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emulator } from '../../emulator/index.js';
import { ShotGridClient } from '../../lib/index.js';
import siteNode from '../../nodes/shotgrid-site.js';
import uploadNode from '../../nodes/shotgrid-upload.js';
import { flowWith, helper, nextInput, scriptCredentials, startSite, waitFor } from './harness.js';

const MiB = 1024 * 1024;

describe('shotgrid-upload resume state', () => {
  let emulator: Emulator;
  let sg: ShotGridClient;
  let workDir: string;
  let userDir: string;

  before(async () => {
    emulator = await startSite();
    sg = new ShotGridClient({ site: emulator.url, auth: { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey } });
    workDir = mkdtempSync(join(tmpdir(), 'sg-node-resume-'));
    userDir = mkdtempSync(join(tmpdir(), 'sg-node-userdir-'));
    writeFileSync(join(workDir, 'big.mov'), Buffer.alloc(12 * MiB, 'resume'));
  });
  after(async () => {
    await sg.close();
    await emulator.close();
    rmSync(workDir, { recursive: true, force: true });
    rmSync(userDir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
    emulator.configure({ shaping: { storageBandwidth: 0 } });
  });

  const flow = () =>
    flowWith(emulator, [
      { id: 'upload', type: 'shotgrid-upload', site: 'site1', target: 'entity', targetType: 'msg', field: 'sg_uploaded_movie', fieldType: 'sgfield', filename: 'filename', filenameType: 'msg', displayName: '', displayNameType: 'str', tags: '', tagsType: 'json', concurrent: 0, wires: [['out']] },
      { id: 'out', type: 'helper' },
    ]);
  const stateDir = (): string => join(userDir, 'shotgrid-uploads');
  const states = (): string[] => (existsSync(stateDir()) ? readdirSync(stateDir()).filter((n) => n.endsWith('.upload.json')) : []);

  test('a multipart upload keeps its state under userDir while it runs, and removes it when done', async () => {
    helper.settings({ userDir, fileWorkingDirectory: workDir, shotgridUploadPartSize: 5 * MiB, shotgridUploadMultipartThreshold: 5 * MiB });
    await helper.load([siteNode, uploadNode], flow(), scriptCredentials(emulator));
    const v = await sg.create('Version', { code: 'node resume state', project: { type: 'Project', id: 1 } });
    // Slow storage, so the upload is seen in progress.
    emulator.configure({ shaping: { storageBandwidth: 2 * MiB } });
    const done = nextInput(helper.getNode('out'), 60_000);
    helper.getNode('upload').receive({ entity: { type: 'Version', id: v.id }, filename: 'big.mov' });
    await waitFor(() => states().length === 1, 30_000, 'the resume state under userDir/shotgrid-uploads');
    emulator.configure({ shaping: { storageBandwidth: 0 } });
    const msg = await done;
    assert.equal((msg.payload as { multipart: boolean }).multipart, true);
    assert.deepEqual(states(), [], 'removed on completion');
  });

  test('a redeploy pauses the upload (kept open, state kept) and the same message then resumes it; deleting the node aborts it', async () => {
    rmSync(stateDir(), { recursive: true, force: true });
    // One part at a time at 1 MiB/s: after the first part is stored, the next takes ~5 s, time
    // enough for the redeploy to land mid-upload on a busy machine.
    helper.settings({ userDir, fileWorkingDirectory: workDir, shotgridUploadPartSize: 5 * MiB, shotgridUploadMultipartThreshold: 5 * MiB, shotgridUploadConcurrency: 1 });
    await helper.load([siteNode, uploadNode], flow(), scriptCredentials(emulator));
    const v = await sg.create('Version', { code: 'node resume redeploy', project: { type: 'Project', id: 1 } });
    const msg = { entity: { type: 'Version', id: v.id }, filename: 'big.mov' };
    /** Starts the upload on slowed storage; resolves once a part is stored. */
    const midway = async (): Promise<void> => {
      const base = emulator.counters.snapshot().bytesStored;
      emulator.configure({ shaping: { storageBandwidth: 1 * MiB } });
      helper.getNode('upload').receive(msg);
      await waitFor(() => emulator.counters.snapshot().bytesStored - base >= 5 * MiB, 30_000, 'a part stored');
      // Stored at the site is not yet known to the client: wait until its saved state lists the part.
      await waitFor(() => states().some((n) => {
        try {
          return Object.keys((JSON.parse(readFileSync(join(stateDir(), n), 'utf8')) as { parts: object }).parts).length > 0;
        } catch {
          return false; // being renamed into place
        }
      }), 30_000, 'the stored part in the saved state');
    };
    const open0 = emulator.counters.snapshot().multipartOpen;

    await midway();
    await helper.setFlows(flow(), 'full', scriptCredentials(emulator));
    emulator.configure({ shaping: { storageBandwidth: 0 } });
    assert.equal(emulator.counters.snapshot().multipartOpen - open0, 1, 'the redeployed node left its upload open');
    assert.equal(states().length, 1, 'and its state under userDir');

    const done = nextInput(helper.getNode('out'), 60_000);
    helper.getNode('upload').receive(msg);
    const result = (await done).payload as { resumedBytes: number; bytes: number };
    assert.ok(result.resumedBytes >= 5 * MiB, `resumed ${result.resumedBytes} bytes`);
    assert.equal(result.resumedBytes + result.bytes, 12 * MiB);
    assert.equal(emulator.counters.snapshot().multipartOpen - open0, 0, 'completed');
    assert.deepEqual(states(), []);

    // The node deleted mid-upload: a cancel, the upload is aborted and its state removed.
    const other = await sg.create('Version', { code: 'node resume removed', project: { type: 'Project', id: 1 } });
    msg.entity = { type: 'Version', id: other.id };
    await midway();
    await helper.setFlows(flow().filter((n) => n.id !== 'upload'), 'full', scriptCredentials(emulator));
    emulator.configure({ shaping: { storageBandwidth: 0 } });
    assert.equal(emulator.counters.snapshot().multipartOpen - open0, 0, 'the deleted node aborted its upload');
    assert.deepEqual(states(), []);
  });

  test('shotgridUploadResumeDir: false keeps no state', async () => {
    rmSync(stateDir(), { recursive: true, force: true });
    helper.settings({ userDir, fileWorkingDirectory: workDir, shotgridUploadPartSize: 5 * MiB, shotgridUploadMultipartThreshold: 5 * MiB, shotgridUploadResumeDir: false });
    await helper.load([siteNode, uploadNode], flow(), scriptCredentials(emulator));
    const v = await sg.create('Version', { code: 'node resume off', project: { type: 'Project', id: 1 } });
    const done = nextInput(helper.getNode('out'), 60_000);
    helper.getNode('upload').receive({ entity: { type: 'Version', id: v.id }, filename: 'big.mov' });
    await done;
    assert.equal(existsSync(stateDir()), false);
  });
});
