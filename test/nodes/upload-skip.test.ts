/**
 * shotgrid-upload's "skip when the field already holds this file" checkbox in a real Node-RED
 * runtime: the same job twice, and twice at once, sends the movie's bytes once (counted at the
 * emulator's storage); the status says nothing was sent.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emulator } from '../../emulator/index.js';
import { ShotGridClient } from '../../lib/index.js';
import siteNode from '../../nodes/shotgrid-site.js';
import uploadNode from '../../nodes/shotgrid-upload.js';
import { flowWith, helper, inputs, nextInput, scriptCredentials, startSite, statuses, type Msg } from './harness.js';

const MiB = 1024 * 1024;

describe('shotgrid-upload skipIfSame', () => {
  let emulator: Emulator;
  let sg: ShotGridClient;
  let workDir: string;

  before(async () => {
    emulator = await startSite();
    sg = new ShotGridClient({ site: emulator.url, auth: { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey } });
    workDir = mkdtempSync(join(tmpdir(), 'sg-node-skip-'));
    writeFileSync(join(workDir, 'clip.mov'), Buffer.alloc(300 * 1024, 'clip'));
    writeFileSync(join(workDir, 'big.mov'), Buffer.alloc(12 * MiB, 'big'));
    helper.settings({ fileWorkingDirectory: workDir, shotgridUploadPartSize: 5 * MiB, shotgridUploadMultipartThreshold: 5 * MiB });
  });
  after(async () => {
    await sg.close();
    await emulator.close();
    rmSync(workDir, { recursive: true, force: true });
  });
  afterEach(() => helper.unload());

  const flow = (props: Record<string, unknown> = {}) =>
    flowWith(emulator, [
      { id: 'upload', type: 'shotgrid-upload', site: 'site1', target: 'entity', targetType: 'msg', field: 'sg_uploaded_movie', fieldType: 'sgfield', filename: 'filename', filenameType: 'msg', displayName: '', displayNameType: 'str', tags: '', tagsType: 'json', skipIfSame: true, concurrent: 0, wires: [['out']], ...props },
      { id: 'out', type: 'helper' },
    ]);
  const newVersion = async (code: string) => ({ type: 'Version', id: (await sg.create('Version', { code, project: { type: 'Project', id: 1 } })).id });
  const stored = (): number => emulator.counters.snapshot().bytesStored;

  test('the same job twice: the second sends nothing, says so, and answers with the same Attachment', async () => {
    await helper.load([siteNode, uploadNode], flow(), scriptCredentials(emulator));
    const entity = await newVersion('skip node twice');
    const send = async (): Promise<Msg> => {
      const got = nextInput(helper.getNode('out'));
      helper.getNode('upload').receive({ entity, filename: 'big.mov' });
      return got;
    };
    const first = (await send()).payload as { skipped: boolean; attachment: unknown; bytes: number };
    assert.equal(first.skipped, false);
    const before = stored();
    const second = (await send()).payload as { skipped: boolean; attachment: unknown; bytes: number };
    assert.equal(second.skipped, true);
    assert.equal(second.bytes, 0);
    assert.deepEqual(second.attachment, first.attachment);
    assert.equal(stored() - before, 0, 'no bytes reached the storage');
    assert.deepEqual(statuses(helper.getNode('upload')).at(-1), { fill: 'green', shape: 'dot', text: 'shotgrid-upload.status.skipped' });
  });

  test('the same job twice at once: bytes sent once, one Attachment', async () => {
    await helper.load([siteNode, uploadNode], flow(), scriptCredentials(emulator));
    const entity = await newVersion('skip node at once');
    const [before, atts] = [stored(), emulator.counters.snapshot().attachmentsCreated];
    const got = inputs(helper.getNode('out'), 2, 30_000);
    helper.getNode('upload').receive({ entity, filename: 'clip.mov' });
    helper.getNode('upload').receive({ entity, filename: 'clip.mov' });
    const msgs = await got;
    assert.deepEqual(msgs.map((m) => (m.payload as { skipped: boolean }).skipped).sort(), [false, true]);
    assert.equal(stored() - before, 300 * 1024);
    assert.equal(emulator.counters.snapshot().attachmentsCreated - atts, 1);
  });

  test('unchecked: the same job twice sends the file twice', async () => {
    await helper.load([siteNode, uploadNode], flow({ skipIfSame: false }), scriptCredentials(emulator));
    const entity = await newVersion('skip node off');
    const before = stored();
    for (let i = 0; i < 2; i++) {
      const got = nextInput(helper.getNode('out'));
      helper.getNode('upload').receive({ entity, filename: 'clip.mov' });
      assert.equal(((await got).payload as { skipped: boolean }).skipped, false);
    }
    assert.equal(stored() - before, 2 * 300 * 1024);
  });
});
