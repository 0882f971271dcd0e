/**
 * shotgrid-upload against the emulator: a movie from a fileWorkingDirectory-relative path, an
 * Attachment with a display name, throttled progress in the status, SG_FILE at a Catch node, a
 * bound on uploads at once, and a redeploy during a multipart upload (aborted on the storage
 * within a second, nothing sent, nothing caught).
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emulator } from '../../emulator/index.js';
import { errorStatusText, ShotGridClient } from '../../lib/index.js';
import siteNode from '../../nodes/shotgrid-site.js';
import uploadNode from '../../nodes/shotgrid-upload.js';
import { caughtError, catchNodes, delay, expectSilence, flowWith, helper, inputs, nextInput, scriptCredentials, startSite, statuses, waitFor } from './harness.js';

const MiB = 1024 * 1024;

describe('shotgrid-upload', () => {
  let emulator: Emulator;
  let sg: ShotGridClient;
  let workDir: string;
  let project: { type: string; id: number };

  const newVersion = async (code: string) => {
    const v = await sg.create('Version', { code, project });
    return { type: 'Version', id: v.id };
  };
  const writeFile = (rel: string, bytes: number): void => {
    mkdirSync(join(workDir, rel, '..'), { recursive: true });
    writeFileSync(join(workDir, rel), Buffer.alloc(bytes, rel));
  };

  before(async () => {
    emulator = await startSite();
    sg = new ShotGridClient({ site: emulator.url, auth: { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey } });
    const [p] = await sg.find('Project', null, { limit: 1 });
    project = { type: 'Project', id: p!.id };
    workDir = mkdtempSync(join(tmpdir(), 'sg-node-upload-'));
    writeFile('media/clip.mov', 300 * 1024);
    writeFile('media/big.mov', 12 * MiB);
    writeFile('notes/brief.pdf', 20 * 1024);
  });
  after(async () => {
    await sg.close();
    await emulator.close();
    rmSync(workDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    helper.settings({ fileWorkingDirectory: workDir, shotgridUploadPartSize: 5 * MiB, shotgridUploadMultipartThreshold: 5 * MiB });
  });
  afterEach(async () => {
    await helper.unload();
    emulator.configure({ shaping: { storageBandwidth: 0 } });
  });

  const uploadFlow = (props: Record<string, unknown> = {}) =>
    flowWith(emulator, [
      { id: 'upload', type: 'shotgrid-upload', site: 'site1', target: 'entity', targetType: 'msg', field: 'sg_uploaded_movie', fieldType: 'sgfield', filename: 'filename', filenameType: 'msg', displayName: '', displayNameType: 'str', tags: '', tagsType: 'json', concurrent: 2, wires: [['out']], ...props },
      { id: 'out', type: 'helper' },
      ...catchNodes(),
    ]);

  test('msg.payload.checksums: the MD5 by default, the SHA-256 too when the node asks for it', async () => {
    const { createHash } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(join(workDir, 'media/big.mov'));
    const md5 = createHash('md5').update(bytes).digest('hex');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    for (const [props, want] of [[{}, { md5 }], [{ sha256: true }, { md5, sha256 }]] as const) {
      const version = await newVersion('nu_sums');
      await helper.load([siteNode, uploadNode], uploadFlow(props), scriptCredentials(emulator));
      const got = nextInput(helper.getNode('out'));
      helper.getNode('upload').receive({ entity: version, filename: 'media/big.mov' });
      const result = (await got).payload as { multipart: boolean; checksums: unknown };
      assert.equal(result.multipart, true);
      assert.deepEqual(result.checksums, want);
      await helper.unload();
    }
  });

  test('a movie from a path relative to fileWorkingDirectory: result in msg.payload, the field set on the site', async () => {
    const version = await newVersion('nu_movie');
    await helper.load([siteNode, uploadNode], uploadFlow(), scriptCredentials(emulator));
    const got = nextInput(helper.getNode('out'));
    helper.getNode('upload').receive({ entity: version, filename: 'media/clip.mov', topic: 'kept' });
    const msg = await got;
    const result = msg.payload as { bytes: number; multipart: boolean; target: { field?: string } };
    assert.equal(result.bytes, 300 * 1024);
    assert.equal(result.multipart, false);
    assert.equal(result.target.field, 'sg_uploaded_movie');
    assert.deepEqual([msg.entity, msg.filename, msg.topic], [version, 'media/clip.mov', 'kept']);
    const stored = await sg.findOne('Version', [['id', 'is', version.id]], { fields: ['sg_uploaded_movie'] });
    assert.equal((stored?.sg_uploaded_movie as { name?: string } | null)?.name, 'clip.mov');
    assert.deepEqual(statuses(helper.getNode('upload')).at(-1), { fill: 'green', shape: 'dot', text: 'shotgrid-upload.status.uploaded' });
  });

  test('field "none" attaches the file to the record under the display name, with tags', async () => {
    const version = await newVersion('nu_attach');
    const [tag] = await sg.find('Tag', null, { limit: 1 });
    assert.ok(tag, 'the seeded site has no Tag');
    await helper.load(
      [siteNode, uploadNode],
      uploadFlow({ field: 'attachment', displayName: 'Client brief', target: 'payload', targetType: 'msg', filename: 'notes/brief.pdf', filenameType: 'str', tags: JSON.stringify([tag.id]) }),
      scriptCredentials(emulator),
    );
    const got = nextInput(helper.getNode('out'));
    helper.getNode('upload').receive({ payload: version });
    const result = (await got).payload as { attachment?: { type: string; id: number } };
    assert.equal(result.attachment?.type, 'Attachment');
    const attachment = await sg.findOne('Attachment', [['id', 'is', result.attachment!.id]], { fields: ['display_name', 'attachment_links', 'tags'] });
    assert.equal(attachment?.display_name, 'Client brief');
    assert.deepEqual((attachment?.attachment_links as Array<{ id: number }>).map((l) => l.id), [version.id]);
    assert.deepEqual((attachment?.tags as Array<{ id: number }>).map((t) => t.id), [tag.id]);
  });

  test('a multipart upload shows throttled progress ("42% 3 MB/s") and ends green', async () => {
    const version = await newVersion('nu_progress');
    emulator.configure({ shaping: { storageBandwidth: 8 * MiB } });
    await helper.load([siteNode, uploadNode], uploadFlow(), scriptCredentials(emulator));
    const upload = helper.getNode('upload');
    const got = nextInput(helper.getNode('out'), 30_000);
    const started = Date.now();
    upload.receive({ entity: version, filename: 'media/big.mov' });
    const result = (await got).payload as { multipart: boolean; parts: number };
    const elapsed = Date.now() - started;
    assert.equal(result.multipart, true);
    assert.ok(result.parts >= 2);
    const progress = statuses(upload).filter((s) => s.shape === 'ring' && s.fill === 'blue');
    assert.ok(progress.length >= 1, 'no progress was shown');
    for (const p of progress) assert.match(p.text ?? '', /^\d{1,3}% \d+(\.\d)? (B|kB|MB|GB)\/s$/);
    assert.ok(progress.length <= Math.ceil(elapsed / 250) + 1, `${progress.length} progress updates in ${elapsed} ms`);
    assert.deepEqual(statuses(upload).at(-1)?.fill, 'green');
  });

  test('a missing file is SG_FILE at the Catch node; the status shows the code', async () => {
    const version = await newVersion('nu_missing');
    await helper.load([siteNode, uploadNode], uploadFlow(), scriptCredentials(emulator));
    const caught = nextInput(helper.getNode('caught'));
    helper.getNode('upload').receive({ entity: version, filename: 'media/nope.mov' });
    assert.equal(caughtError(await caught).code, 'SG_FILE');
    assert.deepEqual(statuses(helper.getNode('upload')).at(-1), { fill: 'red', shape: 'ring', text: errorStatusText('SG_FILE') });
  });

  test('with "at once" = 1 the second message waits its turn; both are sent in order', async () => {
    const [a, b] = await Promise.all([newVersion('nu_queue_a'), newVersion('nu_queue_b')]);
    await helper.load([siteNode, uploadNode], uploadFlow({ concurrent: 1 }), scriptCredentials(emulator));
    const upload = helper.getNode('upload');
    const got = inputs(helper.getNode('out'), 2);
    upload.receive({ entity: a, filename: 'media/clip.mov' });
    upload.receive({ entity: b, filename: 'media/clip.mov' });
    const msgs = await got;
    assert.deepEqual(msgs.map((m) => m.entity), [a, b]);
    assert.ok(statuses(upload).some((s) => s.text === 'shotgrid-upload.status.uploading +1'), 'the waiting message was not shown');
  });

  test('a burst of small uploads: every message comes out and the status ends green with the last upload\'s text', async () => {
    const versions = await Promise.all(Array.from({ length: 12 }, (_, i) => newVersion(`nu_burst_${i}`)));
    await helper.load([siteNode, uploadNode], uploadFlow({ concurrent: 3 }), scriptCredentials(emulator));
    const upload = helper.getNode('upload');
    const got = inputs(helper.getNode('out'), versions.length);
    for (const v of versions) upload.receive({ entity: v, filename: 'notes/brief.pdf' });
    const msgs = await got;
    assert.deepEqual(msgs.map((m) => (m.entity as { id: number }).id).sort((x, y) => x - y), versions.map((v) => v.id).sort((x, y) => x - y));
    assert.ok(msgs.every((m) => (m.payload as { bytes: number }).bytes === 20 * 1024));
    assert.deepEqual(statuses(upload).at(-1), { fill: 'green', shape: 'dot', text: 'shotgrid-upload.status.uploaded' });
  });

  test('a 2 s timeout against a trickling storage: SG_TIMEOUT at the Catch node in about 2 s, the multipart upload aborted', async () => {
    const version = await newVersion('nu_timeout');
    // Bytes keep moving (no stall), just far too slowly for 12 MiB in 2 s.
    emulator.configure({ shaping: { storageBandwidth: 256 * 1024 } });
    await helper.load([siteNode, uploadNode], uploadFlow({ timeout: 2 }), scriptCredentials(emulator));
    const caught = nextInput(helper.getNode('caught'));
    const silentOut = expectSilence(helper.getNode('out'), 500);
    const t0 = Date.now();
    helper.getNode('upload').receive({ entity: version, filename: 'media/big.mov' });
    const err = caughtError(await caught);
    const elapsed = Date.now() - t0;
    assert.equal(err.code, 'SG_TIMEOUT');
    assert.match(String(err.message), /did not finish within 2000 ms/);
    assert.ok(elapsed >= 1900 && elapsed < 10_000, `failed after ${elapsed} ms`);
    await silentOut;
    assert.equal(emulator.counters.snapshot().multipartOpen, 0, 'the multipart upload was aborted on the site');
    const stored = await sg.findOne('Version', [['id', 'is', version.id]], { fields: ['sg_uploaded_movie'] });
    assert.equal(stored?.sg_uploaded_movie, null);
  });

  test('a redeploy during a multipart upload aborts it on the storage within a second; nothing is sent or caught', async () => {
    const version = await newVersion('nu_redeploy');
    emulator.configure({ shaping: { storageBandwidth: 1 * MiB } });
    const flow = uploadFlow();
    await helper.load([siteNode, uploadNode], flow, scriptCredentials(emulator));
    const upload = helper.getNode('upload');
    const silentOut = expectSilence(helper.getNode('out'), 1500);
    const silentCatch = expectSilence(helper.getNode('caught'), 1500);
    upload.receive({ entity: version, filename: 'media/big.mov' });
    await waitFor(() => emulator.counters.snapshot().multipartOpen === 1, 10_000, 'the multipart upload to start');
    await delay(200);
    const redeployed = Date.now();
    await helper.setFlows(flow, 'full', scriptCredentials(emulator));
    await waitFor(() => emulator.counters.snapshot().multipartOpen === 0, 3000, 'the multipart upload to be aborted');
    const abortedAfter = Date.now() - redeployed;
    assert.ok(abortedAfter <= 1000, `aborted ${abortedAfter} ms after the redeploy`);
    await Promise.all([silentOut, silentCatch]);
    assert.deepEqual(statuses(upload).at(-1), {}, 'the status was not cleared');
    const stored = await sg.findOne('Version', [['id', 'is', version.id]], { fields: ['sg_uploaded_movie'] });
    assert.equal(stored?.sg_uploaded_movie, null);
  });
});
