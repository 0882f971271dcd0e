/**
 * Bad input matrix (README "What bad input does"), library side: file names and download
 * destinations. Odd but valid names work and round-trip; a destination that exists or a folder
 * that does not is refused before any request; a name from the server cannot leave its folder.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertNothingLeft, sgError, startWebServer } from './fixtures/bad-input.js';
import { filesIn, sha256File, totalRequests, transferEnv, type TransferEnv } from './fixtures/transfer-env.js';

let env: TransferEnv;
/** A Version whose movie field holds an uploaded file. */
let withMovie: number;

before(async () => {
  env = await transferEnv();
  withMovie = await env.version('bad input names');
  await env.sg.upload({ type: 'Version', id: withMovie, field: 'sg_uploaded_movie' }, env.file('plate.mov', 64 * 1024));
});
after(async () => {
  await env?.close();
});

test('unicode, space and quote file names', async () => {
  const names = [`it's "quoted" — ünïcødé shot 01.mov`, 'plate with  two spaces & a #hash.mov', '日本語のファイル.exr'];
  for (const name of names) {
    const path = env.file(name, 32 * 1024);
    const id = await env.version();
    // Into a field and as a record-level Attachment, each downloaded into a folder under its own name.
    const field = await env.sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, path);
    assert.equal((field.value as { name?: string }).name, name);
    const attached = await env.sg.upload({ type: 'Version', id }, path);
    const [attachment] = await env.sg.find('Attachment', [['id', 'is', attached.attachment!.id]], { fields: ['this_file', 'display_name'] });
    assert.equal(attachment?.display_name, name);
    for (const [i, source] of [{ type: 'Version', id, field: 'sg_uploaded_movie' }, attachment!.this_file as { url: string; name: string }].entries()) {
      const folder = join(env.dir, `back-${id}-${i}`);
      mkdirSync(folder);
      const down = await env.sg.download(source, folder);
      assert.equal(down.path, join(folder, name));
      assert.deepEqual(readdirSync(folder), [name]);
      assert.equal(await sha256File(down.path!), await sha256File(path));
    }
  }
});

test('download destination that exists', async () => {
  const dest = join(env.dir, 'existing.mov');
  writeFileSync(dest, 'keep me');
  const listed = filesIn(env.dir);
  const fresh = env.client();
  const before = env.emu.counters.snapshot();
  await assert.rejects(
    fresh.download({ type: 'Version', id: withMovie, field: 'sg_uploaded_movie' }, dest),
    sgError('SG_FILE', /^destination exists: .*existing\.mov \(pass overwrite: true to replace it\)$/),
  );
  // Into a folder that already has a file of the attachment's name: same refusal.
  const folder = join(env.dir, 'has-plate');
  mkdirSync(folder);
  writeFileSync(join(folder, 'plate.mov'), 'keep me too');
  await assert.rejects(fresh.download({ type: 'Version', id: withMovie, field: 'sg_uploaded_movie' }, folder), sgError('SG_FILE', /^destination exists: .*plate\.mov/));
  assert.equal(readFileSync(dest, 'utf8'), 'keep me');
  assert.equal(readFileSync(join(folder, 'plate.mov'), 'utf8'), 'keep me too');
  assert.deepEqual(filesIn(env.dir), [...listed, 'has-plate'].sort());
  assert.deepEqual(filesIn(folder), ['plate.mov'], 'a temporary file was left behind');
  assertNothingLeft(env.emu, before);
  // overwrite: true replaces it.
  await env.sg.download({ type: 'Version', id: withMovie, field: 'sg_uploaded_movie' }, dest, { overwrite: true });
  assert.equal(await sha256File(dest), await sha256File(join(env.dir, 'plate.mov')));
});

test('server-supplied file name with ../ or /', async () => {
  const [stored] = await env.sg.find('Version', [['id', 'is', withMovie]], { fields: ['sg_uploaded_movie'] });
  const url = (stored!.sg_uploaded_movie as { url: string }).url;
  const folder = join(env.dir, 'inbox', 'deep');
  mkdirSync(folder, { recursive: true });
  const cases: Array<[string, string]> = [
    ['../../escaped.mov', '_._escaped.mov'],
    ['sub/dir/nested.mov', 'sub_dir_nested.mov'],
    ['/etc/cron.d/evil', '_etc_cron.d_evil'],
    ['..', 'download'],
  ];
  for (const [name, expected] of cases) {
    // The site hands out the name: a web link on a record's field, read back through the API.
    const id = await env.version();
    await env.sg.update('Version', id, { sg_uploaded_movie: { url, name, link_type: 'web' } });
    const down = await env.sg.download({ type: 'Version', id, field: 'sg_uploaded_movie' }, folder);
    assert.equal(down.path, join(folder, expected), name);
  }
  // A bare URL: the name is its last path segment, decoded — `%2F` included.
  const web = await startWebServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 5 });
    res.end('bytes');
  });
  try {
    const down = await env.sg.download(`${web.url}/files/..%2F..%2Fescaped-url.mov`, folder);
    assert.equal(down.path, join(folder, '_._escaped-url.mov'));
  } finally {
    await web.close();
  }
  assert.deepEqual(filesIn(folder), [...cases.map(([, expected]) => expected), '_._escaped-url.mov'].sort());
  assert.deepEqual(filesIn(join(env.dir, 'inbox')), ['deep'], 'a file escaped its folder');
  assert.ok(!existsSync(join(env.dir, 'escaped.mov')));
});

test('destination directory that does not exist', async () => {
  const fresh = env.client();
  const before = env.emu.counters.snapshot();
  const listed = filesIn(env.dir);
  for (const dest of [join(env.dir, 'no-such-folder', 'plate.mov'), `${join(env.dir, 'no-such-folder')}/`]) {
    await assert.rejects(
      fresh.download({ type: 'Version', id: withMovie, field: 'sg_uploaded_movie' }, dest),
      sgError('SG_FILE', /^destination folder does not exist: .*no-such-folder$/),
    );
  }
  assert.equal(totalRequests(env.emu, before), 0, 'a request was sent for a destination that cannot be written');
  assert.deepEqual(filesIn(env.dir), listed, 'the folder was created or something was written');
  assertNothingLeft(env.emu, before);
});
