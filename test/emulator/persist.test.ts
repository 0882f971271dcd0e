/**
 * A persistent site (`--data DIR`): records, stored objects and open multipart uploads come back
 * (and fields made through the schema API) after a restart with the same folder — after a
 * graceful stop and after SIGKILL of the CLI —
 * and tokens and signed links handed out before it still work. A torn last journal line is
 * ignored; a rolled-back batch was never journalled; one emulator per folder.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../../emulator/index.js';
import { assertError, openSite, scriptToken, type Answer, type TestSite } from './api-helpers.js';
import { startCli } from './cli-child.js';
import { portBelowEphemeralRange } from './ports.js';
import { bytesOf, completeUpload, getBytes, initUpload, putBytes, quotedMd5, readField, s3Code, uploadSingle } from './files-helpers.js';

const MIB = 1024 * 1024;

const freshDir = (): string => mkdtempSync(join(tmpdir(), 'sg-persist-test-'));

async function create(site: TestSite, type: string, body: Record<string, unknown>): Promise<number> {
  const r = await site.call('POST', `/api/v1/entity/${type}`, { body });
  assert.equal(r.status, 201, r.text);
  return r.body.data.id as number;
}

describe('persistent site (--data)', () => {
  test('creates, updates, deletes and revivals survive a restart; a rolled-back batch and a torn last line leave nothing', async () => {
    const dir = freshDir();
    const sites: TestSite[] = [];
    const open = async (): Promise<TestSite> => {
      const site = await openSite({ dataDir: dir });
      sites.push(site);
      return site;
    };
    try {
      const first = await open();
      const kept = await create(first, 'versions', { code: 'persist kept', project: { type: 'Project', id: 1 } });
      const gone = await create(first, 'versions', { code: 'persist gone', project: { type: 'Project', id: 1 } });
      const back = await create(first, 'shots', { code: 'persist back', project: { type: 'Project', id: 1 } });
      // Field administration: a field made and changed through the schema API, another retired.
      const made = await first.call('POST', '/api/v1/schema/Version/fields', { body: { data_type: 'text', properties: [{ property_name: 'name', value: 'Persist Note' }] } });
      assert.equal(made.status, 201, made.text);
      assert.equal((await first.call('PUT', '/api/v1/schema/Version/fields/sg_persist_note', { body: { properties: [{ property_name: 'description', value: 'kept' }] } })).status, 200);
      assert.equal((await first.call('POST', '/api/v1/schema/Version/fields', { body: { data_type: 'number', properties: [{ property_name: 'name', value: 'Persist Gone' }] } })).status, 201);
      assert.equal((await first.call('DELETE', '/api/v1/schema/Version/fields/sg_persist_gone')).status, 204);
      assert.equal((await first.call('PUT', `/api/v1/entity/versions/${kept}`, { body: { description: 'changed', sg_status_list: 'apr', sg_persist_note: 'note' } })).status, 200);
      assert.equal((await first.call('DELETE', `/api/v1/entity/versions/${gone}`)).status, 204);
      assert.equal((await first.call('DELETE', `/api/v1/entity/shots/${back}`)).status, 204);
      assert.equal((await first.call('POST', `/api/v1/entity/shots/${back}?revive=true`)).status, 200);
      // A batch whose second request fails is undone whole, and so never reaches the journal.
      const batch = await first.call('POST', '/api/v1/entity/_batch', { body: { requests: [
        { request_type: 'create', entity: 'Version', data: { code: 'persist rolled back', project: { type: 'Project', id: 1 } } },
        { request_type: 'update', entity: 'Version', record_id: 999_999, data: { description: 'x' } },
      ] } });
      assert.ok(batch.status >= 400, batch.text);
      // An sg-storage upload whose bytes were PUT before the stop is completed after it.
      first.emu.configure({ storage: 'sg' });
      const sgInit = await initUpload(first, `versions/${kept}/sg_uploaded_movie`, 'sg.mov');
      const sgBytes = bytesOf(70_000, 9);
      const sgPut = await putBytes(sgInit.body.links.upload, sgBytes);
      assert.equal(sgPut.status, 200, sgPut.text);
      // A second emulator on the same folder is refused while the first runs.
      await assert.rejects(startEmulator({ dataDir: dir }), /in use by another emulator/);
      await first.close();

      // A write cut off mid-line (a kill during write()): ignored, and cut off before the next line.
      appendFileSync(join(dir, 'records.jsonl'), '{"op":"insert","type":"Version","fields":{"code":"to');
      // The journals were written on top of this seeding: another is refused with the reason.
      await assert.rejects(startEmulator({ dataDir: dir, seedRecords: 10 }), /--seed-records 0/);

      const second = await open();
      assert.ok(!readFileSync(join(dir, 'records.jsonl'), 'utf8').includes('"code":"to'), 'the torn line is cut off');
      const read = await second.call('GET', `/api/v1/entity/versions/${kept}?fields=code,description,sg_status_list`, { token: first.token });
      assert.equal(read.status, 200, `a token from before the restart is still valid: ${read.text}`);
      assert.deepEqual(read.body.data.attributes, { code: 'persist kept', description: 'changed', sg_status_list: 'apr' });
      assert.equal((await second.call('GET', `/api/v1/entity/versions/${kept}?fields=sg_persist_note`)).body.data.attributes.sg_persist_note, 'note');
      const field = await second.call('GET', '/api/v1/schema/Version/fields/sg_persist_note');
      assert.equal(field.status, 200, field.text);
      assert.equal(field.body.data.description.value, 'kept');
      assertError(await second.call('GET', '/api/v1/schema/Version/fields/sg_persist_gone'), 404, 103);
      // Still retired (its name stays taken), so it can be revived.
      assert.equal((await second.call('POST', '/api/v1/schema/Version/fields/sg_persist_gone', { body: { revive: true } })).status, 204);
      assertError(await second.call('GET', `/api/v1/entity/versions/${gone}`), 404, 104);
      assert.equal((await second.call('GET', `/api/v1/entity/shots/${back}?fields=code`)).body.data.attributes.code, 'persist back');
      const revived = await second.call('POST', `/api/v1/entity/versions/${gone}?revive=true`);
      assert.equal(revived.body.meta.did_revive, true, 'the deleted Version came back retired, not lost');
      const rolledBack = await second.search('Version', { filters: [['code', 'is', 'persist rolled back']] });
      assert.deepEqual(rolledBack.body.data, []);
      second.emu.configure({ storage: 'sg' });
      const sgReply = JSON.parse(sgPut.text) as { data: { upload_id: string }; links: { complete_upload: string } };
      const sgDone = await completeUpload(second, sgReply.links.complete_upload, { ...sgInit.body.data, upload_id: sgReply.data.upload_id });
      assert.equal(sgDone.status, 201, sgDone.text);
      const sgValue = (await readField(second, 'versions', kept, 'sg_uploaded_movie')) as { url: string; name: string };
      assert.equal(sgValue.name, 'sg.mov');
      assert.ok((await getBytes(sgValue.url)).body.equals(sgBytes), 'the sg upload, byte-exact');
      const later = await create(second, 'versions', { code: 'persist later', project: { type: 'Project', id: 1 } });
      assert.ok(later > gone, `ids go on after the journalled ones (${later} > ${gone})`);
      await second.close();

      const third = await open();
      const all = await third.search('Version', { filters: [['code', 'starts_with', 'persist ']], fields: ['code'] });
      assert.deepEqual(all.body.data.map((d: { attributes: { code: string } }) => d.attributes.code).sort(), ['persist gone', 'persist kept', 'persist later']);
    } finally {
      for (const site of sites) await site.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('stored objects and open multipart uploads survive SIGKILL of the CLI: parts kept, new ones taken, completion byte-exact, abort works', async () => {
    const dir = freshDir();
    let child: ChildProcess | undefined;
    try {
      const port = String(await portBelowEphemeralRange());
      let cli = await startCli(['--port', port, '--data', dir, '--transcode-delay', '50']);
      child = cli.child;
      const site = await cliSite(cli.ready);
      const single = await create(site, 'versions', { code: 'persist single', project: { type: 'Project', id: 1 } });
      const resumed = await create(site, 'versions', { code: 'persist resumed', project: { type: 'Project', id: 1 } });
      const abandoned = await create(site, 'versions', { code: 'persist abandoned', project: { type: 'Project', id: 1 } });
      const late = await create(site, 'versions', { code: 'persist completed late', project: { type: 'Project', id: 1 } });
      const small = bytesOf(300_000, 7);
      await uploadSingle(site, `versions/${single}/sg_uploaded_movie`, 'single.mov', small);

      const [p1, p2, p3] = [bytesOf(5 * MIB, 1), bytesOf(5 * MIB, 2), bytesOf(123_457, 3)];
      const open = await multipartInit(site, `versions/${resumed}/sg_uploaded_movie`, 'resumed.mov');
      const e1 = await putPart(site, open, 1, p1);
      const e2 = await putPart(site, open, 2, p2);
      const link3 = await partUrl(site, open, 3);
      const other = await multipartInit(site, `versions/${abandoned}/sg_uploaded_movie`, 'abandoned.mov');
      await putPart(site, other, 1, p1);
      const lateInit = await initUpload(site, `versions/${late}/sg_uploaded_movie`, 'late.mov');
      const lateBytes = bytesOf(200_000, 5);
      assert.equal((await putBytes(lateInit.body.links.upload, lateBytes)).status, 200);

      child.kill('SIGKILL');
      await once(child, 'exit');
      cli = await startCli(['--port', port, '--data', dir, '--transcode-delay', '50']);
      child = cli.child;
      assert.equal(cli.url, site.url, 'the same address again');

      // The single upload: its record and bytes are back.
      const value = (await readField(site, 'versions', single, 'sg_uploaded_movie')) as { url: string; name: string };
      assert.equal(value.name, 'single.mov');
      assert.ok((await getBytes(value.url)).body.equals(small), 'the stored object, byte-exact');

      // The open upload: the link signed before the kill takes the last part, the completion assembles all three.
      const put3 = await putBytes(link3, p3);
      assert.equal(put3.status, 200, put3.text);
      const done = await completeUpload(site, open.body.links.complete_upload, { ...open.body.data, etags: [e1, e2, put3.headers.get('etag')] });
      assert.equal(done.status, 201, done.text);
      const movie = (await readField(site, 'versions', resumed, 'sg_uploaded_movie')) as { url: string; id: number };
      const got = await getBytes(movie.url);
      assert.ok(got.body.equals(Buffer.concat([p1, p2, p3])), 'parts from before and after the kill, byte-exact');
      const attachments = await site.call('POST', '/api/v1/entity/attachments/_search', { type: 'application/vnd+shotgun.api3_array+json', body: { filters: [['original_fname', 'is', 'resumed.mov']] } });
      assert.equal(attachments.body.data.length, 1, 'one Attachment');

      // A single PUT made before the kill is completed after it.
      assert.equal((await completeUpload(site, lateInit.body.links.complete_upload, lateInit.body.data)).status, 201);
      const lateValue = (await readField(site, 'versions', late, 'sg_uploaded_movie')) as { url: string };
      assert.ok((await getBytes(lateValue.url)).body.equals(lateBytes), 'the single PUT from before the kill, byte-exact');

      // The other open upload is aborted after the restart; its parts are gone with it.
      const abort = await site.call('POST', `${other.body.links.complete_upload}/multipart_abort`, { body: other.body.data });
      assert.equal(abort.status, 204, abort.text);
      assert.equal(s3Code(await putBytes(await partUrl(site, other, 2), p2)), 'NoSuchUpload');

      const stopped = once(child, 'exit');
      child.kill('SIGTERM');
      assert.equal((await stopped)[0], 0);
      child = undefined;
    } finally {
      if (child && child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The calls the files helpers make, on a CLI site (one script token, kept across its restarts). */
async function cliSite(ready: Record<string, string>): Promise<TestSite & { url: string }> {
  const url = ready.url!;
  const emu = { url, credentials: { scriptName: ready.scriptName, scriptKey: ready.scriptKey } };
  const token = await scriptToken(emu as Parameters<typeof scriptToken>[0]);
  const call = async (method: string, path: string, init: { body?: unknown; type?: string } = {}): Promise<Answer> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (init.body !== undefined) headers['content-type'] = init.type ?? 'application/json';
    const res = await fetch(`${url}${path}`, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined; // a completion answers " "
    }
    return { status: res.status, headers: res.headers, text, body };
  };
  return { url, token, call, search: () => Promise.reject(new Error('not used')), close: async () => undefined, emu: emu as TestSite['emu'] };
}

async function multipartInit(site: TestSite & { url: string }, target: string, filename: string): Promise<Answer> {
  const r = await initUpload(site, target, filename, '&multipart_upload=true');
  assert.equal(r.status, 200, r.text);
  return r;
}

async function partUrl(site: TestSite & { url: string }, init: Answer, n: number): Promise<string> {
  if (n === 1) return init.body.links.upload as string;
  const link = new URL(init.body.links.get_next_part as string, site.url);
  link.searchParams.set('part_number', String(n));
  const r = await site.call('GET', `${link.pathname}${link.search}`);
  assert.equal(r.status, 200, r.text);
  return r.body.links.upload as string;
}

async function putPart(site: TestSite & { url: string }, init: Answer, n: number, body: Buffer): Promise<string> {
  const put = await putBytes(await partUrl(site, init, n), body);
  assert.equal(put.status, 200, put.text);
  assert.equal(put.headers.get('etag'), quotedMd5(body));
  return put.headers.get('etag')!;
}
