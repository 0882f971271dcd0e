/**
 * Bad input matrix (README "What bad input does"), node side: file names and download
 * destinations. Odd names round-trip through the upload and download nodes; an existing
 * destination is SG_FILE at the Catch node and left as it was; a name from the site cannot
 * leave the folder; a missing folder is created (as the core file node does) and taken away
 * again when the download fails.
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emulator } from '../../emulator/index.js';
import { ShotGridClient } from '../../lib/index.js';
import downloadNode from '../../nodes/shotgrid-download.js';
import siteNode from '../../nodes/shotgrid-site.js';
import uploadNode from '../../nodes/shotgrid-upload.js';
import { expectCaught, expectSent } from './bad-input-flow.js';
import { catchNodes, flowWith, helper, scriptCredentials, startSite } from './harness.js';

describe('bad input: names and destinations', () => {
  let emulator: Emulator;
  let sg: ShotGridClient;
  let workDir: string;
  let withMovie: { type: string; id: number };

  const newVersion = async (code: string) => ({ type: 'Version', id: (await sg.create('Version', { code, project: { type: 'Project', id: 1 } })).id });

  before(async () => {
    emulator = await startSite();
    sg = new ShotGridClient({ site: emulator.url, auth: { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey } });
    const source = mkdtempSync(join(tmpdir(), 'sg-node-bad-names-src-'));
    writeFileSync(join(source, 'plate.mov'), Buffer.alloc(40 * 1024, 3));
    withMovie = await newVersion('nn_source');
    await sg.upload({ ...withMovie, field: 'sg_uploaded_movie' }, join(source, 'plate.mov'));
    rmSync(source, { recursive: true, force: true });
  });
  after(async () => {
    await sg.close();
    await emulator.close();
  });
  beforeEach(() => {
    workDir = mkdtempSync(join(tmpdir(), 'sg-node-bad-names-'));
    helper.settings({ fileWorkingDirectory: workDir });
  });
  afterEach(async () => {
    await helper.unload();
    rmSync(workDir, { recursive: true, force: true });
  });

  const download = (props: Record<string, unknown> = {}) => ({
    id: 'download', type: 'shotgrid-download', site: 'site1', source: 'entity', sourceType: 'msg', field: 'sg_uploaded_movie', fieldType: 'str', destination: 'inbox/', destinationType: 'str', overwrite: false, wires: [['out']], ...props,
  });
  const loadDownload = (props: Record<string, unknown> = {}) =>
    helper.load([siteNode, downloadNode], flowWith(emulator, [download(props), { id: 'out', type: 'helper' }, ...catchNodes()]), scriptCredentials(emulator));

  test('unicode, space and quote file names', async () => {
    const name = `it's "quoted" — ünïcødé shot 01.mov`;
    const bytes = Buffer.from('frames with a name to keep');
    mkdirSync(join(workDir, 'media'));
    writeFileSync(join(workDir, 'media', name), bytes);
    const version = await newVersion('nn_unicode');
    // upload → download into a folder: the name the site keeps is the name on disk again.
    await helper.load(
      [siteNode, uploadNode, downloadNode],
      flowWith(emulator, [
        { id: 'upload', type: 'shotgrid-upload', site: 'site1', target: 'entity', targetType: 'msg', field: 'sg_uploaded_movie', fieldType: 'sgfield', filename: 'filename', filenameType: 'msg', displayName: '', displayNameType: 'str', tags: '', tagsType: 'json', wires: [['download']] },
        download({ destination: 'back/' }),
        { id: 'out', type: 'helper' },
        ...catchNodes(),
      ]),
      scriptCredentials(emulator),
    );
    const msg = await expectSent('upload', { entity: version, filename: `media/${name}` });
    assert.equal(msg.filename, join(workDir, 'back', name));
    assert.deepEqual(readdirSync(join(workDir, 'back')), [name]);
    assert.deepEqual(readFileSync(join(workDir, 'back', name)), bytes);
    const stored = await sg.findOne('Version', [['id', 'is', version.id]], { fields: ['sg_uploaded_movie'] });
    assert.equal((stored?.sg_uploaded_movie as { name?: string }).name, name);
  });

  test('download destination that exists', async () => {
    writeFileSync(join(workDir, 'existing.mov'), 'keep me');
    await loadDownload({ destination: 'existing.mov' });
    await expectCaught('download', { entity: withMovie }, 'SG_FILE', /^destination exists: .*existing\.mov \(pass overwrite: true to replace it\)$/);
    assert.equal(readFileSync(join(workDir, 'existing.mov'), 'utf8'), 'keep me');
    assert.deepEqual(readdirSync(workDir), ['existing.mov'], 'a temporary file was left behind');
  });

  test('server-supplied file name with ../ or /', async () => {
    const [stored] = await sg.find('Version', [['id', 'is', withMovie.id]], { fields: ['sg_uploaded_movie'] });
    const url = (stored!.sg_uploaded_movie as { url: string }).url;
    const escaping = await newVersion('nn_escape');
    await sg.update('Version', escaping.id, { sg_uploaded_movie: { url, name: '../../escaped.mov', link_type: 'web' } });
    const nested = await newVersion('nn_nested');
    await sg.update('Version', nested.id, { sg_uploaded_movie: { url, name: 'sub/dir/nested.mov', link_type: 'web' } });
    await loadDownload({ destination: 'inbox/deep/' });
    assert.equal((await expectSent('download', { entity: escaping })).filename, join(workDir, 'inbox', 'deep', '_._escaped.mov'));
    assert.equal((await expectSent('download', { entity: nested })).filename, join(workDir, 'inbox', 'deep', 'sub_dir_nested.mov'));
    assert.deepEqual(readdirSync(workDir), ['inbox']);
    assert.deepEqual(readdirSync(join(workDir, 'inbox')), ['deep']);
    assert.deepEqual(readdirSync(join(workDir, 'inbox', 'deep')).sort(), ['_._escaped.mov', 'sub_dir_nested.mov']);
  });

  test('destination directory that does not exist', async () => {
    // The node creates it, like the core file node.
    await loadDownload({ destination: 'new/deeper/plate.mov' });
    const msg = await expectSent('download', { entity: withMovie });
    assert.equal(msg.filename, join(workDir, 'new', 'deeper', 'plate.mov'));
    assert.equal(readFileSync(msg.filename as string).length, 40 * 1024);
    // A failed download takes the folders it made away again; folders that were there stay.
    mkdirSync(join(workDir, 'kept'));
    await helper.unload();
    await loadDownload({ destination: 'kept/made/for/it/' });
    await expectCaught('download', { entity: { type: 'Version', id: 999999 } }, 'SG_NOT_FOUND', /Version: 999999 not found/);
    assert.deepEqual(readdirSync(join(workDir, 'kept')), [], 'the folders made for the failed download were left behind');
    assert.ok(existsSync(join(workDir, 'new', 'deeper', 'plate.mov')));
  });
});
