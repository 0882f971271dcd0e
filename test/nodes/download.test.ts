/**
 * shotgrid-download against the emulator: a record's file field into a folder relative to
 * fileWorkingDirectory, an attachment value to a named file, a Buffer, the overwrite rule
 * (SG_FILE at a Catch node), and a record without a field (SG_CONFIG).
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emulator } from '../../emulator/index.js';
import { ShotGridClient } from '../../lib/index.js';
import downloadNode from '../../nodes/shotgrid-download.js';
import siteNode from '../../nodes/shotgrid-site.js';
import { caughtError, catchNodes, flowWith, helper, nextInput, scriptCredentials, startSite, statuses, type Msg } from './harness.js';

describe('shotgrid-download', () => {
  let emulator: Emulator;
  let sg: ShotGridClient;
  let workDir: string;
  let sourceDir: string;
  let version: { type: string; id: number };
  const content = randomBytes(150 * 1024);

  before(async () => {
    emulator = await startSite();
    sg = new ShotGridClient({ site: emulator.url, auth: { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey } });
    const [p] = await sg.find('Project', null, { limit: 1 });
    const v = await sg.create('Version', { code: 'nd_source', project: { type: 'Project', id: p!.id } });
    version = { type: 'Version', id: v.id };
    sourceDir = mkdtempSync(join(tmpdir(), 'sg-node-download-src-'));
    writeFileSync(join(sourceDir, 'plate.mov'), content);
    await sg.upload({ ...version, field: 'sg_uploaded_movie' }, join(sourceDir, 'plate.mov'));
  });
  after(async () => {
    await sg.close();
    await emulator.close();
    rmSync(sourceDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    workDir = mkdtempSync(join(tmpdir(), 'sg-node-download-'));
    helper.settings({ fileWorkingDirectory: workDir });
  });
  afterEach(async () => {
    await helper.unload();
    rmSync(workDir, { recursive: true, force: true });
  });

  const downloadFlow = (props: Record<string, unknown> = {}) =>
    flowWith(emulator, [
      { id: 'download', type: 'shotgrid-download', site: 'site1', source: 'payload', sourceType: 'msg', field: 'sg_uploaded_movie', fieldType: 'str', destination: 'deliverables/', destinationType: 'str', overwrite: false, concurrent: 2, wires: [['out']], ...props },
      { id: 'out', type: 'helper' },
      ...catchNodes(),
    ]);

  const digest = (algorithm: 'md5' | 'sha256'): string => createHash(algorithm).update(content).digest('hex');

  test('Checksums: SHA-256 too gives both checksums of the bytes received, to disk and into a Buffer', async () => {
    await helper.load([siteNode, downloadNode], downloadFlow({ sha256: true }), scriptCredentials(emulator));
    const saved = await run({ payload: version });
    assert.deepEqual((saved.payload as { checksums: unknown }).checksums, { md5: digest('md5'), sha256: digest('sha256') });
    await helper.unload();
    await helper.load([siteNode, downloadNode], downloadFlow({ sha256: true, destination: '', destinationType: 'buffer' }), scriptCredentials(emulator));
    const buffered = await run({ payload: version });
    assert.deepEqual(buffered.checksums, { md5: digest('md5'), sha256: digest('sha256') });
  });

  async function run(msg: Msg): Promise<Msg> {
    const got = nextInput(helper.getNode('out'));
    helper.getNode('download').receive(msg);
    return got;
  }

  test('a record\'s file field into a folder relative to fileWorkingDirectory, keeping the file name', async () => {
    await helper.load([siteNode, downloadNode], downloadFlow(), scriptCredentials(emulator));
    const msg = await run({ payload: { ...version, code: 'a whole record is fine' }, topic: 'kept' });
    const expected = join(workDir, 'deliverables', 'plate.mov');
    assert.equal(msg.filename, expected);
    assert.deepEqual(readFileSync(expected), content);
    assert.equal((msg.payload as { bytes: number }).bytes, content.length);
    // The MD5 of the bytes received, always; the SHA-256 only when asked for.
    assert.deepEqual((msg.payload as { checksums: unknown }).checksums, { md5: digest('md5') });
    assert.equal((msg.payload as { verified: string }).verified, 'md5');
    assert.equal(msg.topic, 'kept');
    assert.deepEqual(statuses(helper.getNode('download')).at(-1), { fill: 'green', shape: 'dot', text: 'shotgrid-download.status.downloaded' });
  });

  test('an attachment value (as a find returns it) to a named file from msg.filename', async () => {
    const record = await sg.findOne('Version', [['id', 'is', version.id]], { fields: ['sg_uploaded_movie'] });
    await helper.load([siteNode, downloadNode], downloadFlow({ source: 'payload.sg_uploaded_movie', field: '', destination: 'target', destinationType: 'msg' }), scriptCredentials(emulator));
    const msg = await run({ payload: record, target: 'out/renamed.mov' });
    assert.equal(msg.filename, join(workDir, 'out', 'renamed.mov'));
    assert.deepEqual(readFileSync(join(workDir, 'out', 'renamed.mov')), content);
  });

  test('a URL string (here the field\'s signed URL) as the source', async () => {
    const record = await sg.findOne('Version', [['id', 'is', version.id]], { fields: ['sg_uploaded_movie'] });
    const url = (record?.sg_uploaded_movie as { url: string }).url;
    await helper.load([siteNode, downloadNode], downloadFlow({ source: 'url', field: '', destination: 'by-url/plate.mov' }), scriptCredentials(emulator));
    const msg = await run({ url });
    assert.deepEqual(readFileSync(msg.filename as string), content);
  });

  test('into a Buffer: the bytes in msg.payload, nothing written', async () => {
    await helper.load([siteNode, downloadNode], downloadFlow({ destination: '', destinationType: 'buffer' }), scriptCredentials(emulator));
    const msg = await run({ payload: version });
    assert.ok(Buffer.isBuffer(msg.payload));
    assert.deepEqual(msg.payload, content);
    assert.deepEqual(msg.checksums, { md5: digest('md5') });
    assert.equal(msg.verified, 'md5');
    assert.equal(existsSync(join(workDir, 'deliverables')), false);
  });

  test('an existing file is SG_FILE unless overwrite is on', async () => {
    mkdirSync(join(workDir, 'deliverables'));
    writeFileSync(join(workDir, 'deliverables', 'plate.mov'), 'old');
    await helper.load([siteNode, downloadNode], downloadFlow(), scriptCredentials(emulator));
    const caught = nextInput(helper.getNode('caught'));
    helper.getNode('download').receive({ payload: version });
    assert.equal(caughtError(await caught).code, 'SG_FILE');
    assert.equal(readFileSync(join(workDir, 'deliverables', 'plate.mov'), 'utf8'), 'old');
    await helper.unload();

    await helper.load([siteNode, downloadNode], downloadFlow({ overwrite: true }), scriptCredentials(emulator));
    await run({ payload: version });
    assert.deepEqual(readFileSync(join(workDir, 'deliverables', 'plate.mov')), content);
  });

  test('a record without a field to read is SG_CONFIG', async () => {
    await helper.load([siteNode, downloadNode], downloadFlow({ field: '' }), scriptCredentials(emulator));
    const caught = nextInput(helper.getNode('caught'));
    helper.getNode('download').receive({ payload: version });
    const error = caughtError(await caught);
    assert.equal(error.code, 'SG_CONFIG');
    assert.match(error.message, /set the field/);
  });
});
