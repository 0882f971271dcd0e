/**
 * Bad input matrix (README "What bad input does"), library side: entity types, ids, fields,
 * filters and limits the site does not have or cannot take. Codes come from the site's answer
 * (404 → SG_NOT_FOUND, 400 → SG_BAD_REQUEST) or, for malformed arguments, from the library
 * before any request (SG_CONFIG). Nothing is created, no upload is left open, no file written.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { assertNothingLeft, sgError } from './fixtures/bad-input.js';
import { filesIn, routeDelta, totalRequests, transferEnv, type TransferEnv } from './fixtures/transfer-env.js';

let env: TransferEnv;
let file: string;
let out: string;
let version: number;

before(async () => {
  env = await transferEnv();
  file = env.file('plate.mov', 8 * 1024);
  out = join(env.dir, 'out');
  mkdirSync(out);
  version = await env.version('bad input api');
});
after(async () => {
  await env?.close();
});

test('unknown entity type', async () => {
  const before = env.emu.counters.snapshot();
  const notFound = sgError('SG_NOT_FOUND', /Entity type 'Shoot' does not exist/);
  await assert.rejects(env.sg.find('Shoot', []), notFound);
  await assert.rejects(env.sg.create('Shoot', { code: 'x' }), notFound);
  await assert.rejects(env.sg.update('Shoot', 1, { code: 'x' }), notFound);
  await assert.rejects(env.sg.upload({ type: 'Shoot', id: 1, field: 'sg_uploaded_movie' }, file), notFound);
  await assert.rejects(env.sg.download({ type: 'Shoot', id: 1, field: 'sg_uploaded_movie' }, out), notFound);
  await assert.rejects(env.sg.waitForThumbnail('Shoot', 1, { timeout: 5000 }), notFound);
  // Not a name at all: refused before any request.
  const requests = totalRequests(env.emu, before);
  await assert.rejects(env.sg.find('Shot/../Project', []), sgError('SG_CONFIG', /entity type/));
  assert.equal(totalRequests(env.emu, before), requests);
  assertNothingLeft(env.emu, before);
  assert.deepEqual(filesIn(out), []);
});

test('unknown id', async () => {
  const before = env.emu.counters.snapshot();
  const notFound = sgError('SG_NOT_FOUND', /999999/);
  await assert.rejects(env.sg.update('Version', 999999, { code: 'x' }), notFound);
  await assert.rejects(env.sg.delete('Version', 999999), notFound);
  await assert.rejects(env.sg.upload({ type: 'Version', id: 999999, field: 'sg_uploaded_movie' }, file), notFound);
  await assert.rejects(env.sg.upload({ type: 'Version', id: 999999 }, file), notFound);
  await assert.rejects(env.sg.download({ type: 'Version', id: 999999, field: 'sg_uploaded_movie' }, out), notFound);
  assert.equal(await env.sg.findOne('Version', [['id', 'is', 999999]]), null, 'a find is not an error: nothing matches');
  // A thumbnail wait reports it per record: nothing will ever come for a record that does not exist.
  assert.deepEqual(await env.sg.waitForThumbnails('Version', [999999], { timeout: 5000 }), [{ id: 999999, status: 'failed' }]);
  // Not an id at all: refused before any request.
  for (const id of [0, -1, 1.5, Number.NaN]) {
    await assert.rejects(env.sg.update('Version', id, { code: 'x' }), sgError('SG_CONFIG', /id/));
  }
  assertNothingLeft(env.emu, before);
  assert.deepEqual(routeDelta(env.emu, before, 'storage_put'), {});
  assert.deepEqual(filesIn(out), []);
});

test('unknown field', async () => {
  const before = env.emu.counters.snapshot();
  const missing = /Version\.sg_no_such_field doesn't exist/;
  await assert.rejects(env.sg.find('Version', [['sg_no_such_field', 'is', 1]]), sgError('SG_BAD_REQUEST', missing));
  await assert.rejects(env.sg.create('Version', { code: 'x', project: { type: 'Project', id: 1 }, sg_no_such_field: 1 }), sgError('SG_BAD_REQUEST', missing));
  await assert.rejects(env.sg.update('Version', version, { sg_no_such_field: 1 }), sgError('SG_BAD_REQUEST', missing));
  await assert.rejects(env.sg.upload({ type: 'Version', id: version, field: 'sg_no_such_field' }, file), sgError('SG_NOT_FOUND', /Field 'Version\.sg_no_such_field' does not exist/));
  await assert.rejects(env.sg.download({ type: 'Version', id: version, field: 'sg_no_such_field' }, out), sgError('SG_NOT_FOUND', /Field 'Version\.sg_no_such_field' does not exist/));
  // The site leaves an unknown field out of a read, so a thumbnail wait would never end: refused at once.
  await assert.rejects(env.sg.waitForThumbnail('Version', version, { field: 'sg_no_such_field', timeout: 60_000 }), sgError('SG_NOT_FOUND', /Field 'Version\.sg_no_such_field' does not exist/));
  // In the fields to return, the site ignores it (as the Python API does): the key is absent.
  const [record] = await env.sg.find('Version', [['id', 'is', version]], { fields: ['code', 'sg_no_such_field'] });
  assert.deepEqual(record, { type: 'Version', id: version, code: 'bad input api' });
  assertNothingLeft(env.emu, before);
  assert.deepEqual(filesIn(out), []);
});

test('non-file field', async () => {
  const before = env.emu.counters.snapshot();
  for (const field of ['code', 'project', 'description']) {
    const notFile = sgError('SG_BAD_REQUEST', new RegExp(`Field Version\\.${field} is not an image or attachment`));
    await assert.rejects(env.sg.upload({ type: 'Version', id: version, field }, file), notFile);
    await assert.rejects(env.sg.download({ type: 'Version', id: version, field }, out), notFile);
  }
  // A thumbnail wait on a field holding text or a file: refused at the first poll instead of "ready".
  await assert.rejects(env.sg.waitForThumbnail('Version', version, { field: 'code', timeout: 60_000 }), sgError('SG_BAD_REQUEST', /Field Version\.code is not an image field \(it holds a string\)/));
  // A dotted path is not a field of the record: refused before any request.
  const requests = totalRequests(env.emu, before);
  await assert.rejects(env.sg.upload({ type: 'Version', id: version, field: 'entity.Shot.image' }, file), sgError('SG_CONFIG', /no dotted path/));
  await assert.rejects(env.sg.download({ type: 'Version', id: version, field: 'entity.Shot.image' }, out), sgError('SG_CONFIG', /no dotted path/));
  assert.equal(totalRequests(env.emu, before), requests);
  assertNothingLeft(env.emu, before);
  assert.deepEqual(routeDelta(env.emu, before, 'storage_put'), {});
  assert.deepEqual(filesIn(out), []);
});

test('filter in the wrong shape', async () => {
  const fresh = env.client();
  const before = env.emu.counters.snapshot();
  const wrong: Array<[unknown, RegExp]> = [
    ['code is x', /filters: must be a list of conditions or a group/],
    [{ code: 'x' }, /a group is \{filter_operator, filters\}/],
    [[['code', 'is']], /filters\[0\]: condition on 'code' has no value/],
    [[[42, 'is', 'x']], /filters\[0\]/],
    [['code', 'is', 'x'], /wrap a single condition in a list/],
  ];
  for (const [filters, pattern] of wrong) {
    await assert.rejects(fresh.find('Version', filters as never), sgError('SG_CONFIG', pattern));
    await assert.rejects(fresh.count('Version', filters as never), sgError('SG_CONFIG', pattern));
  }
  assert.equal(totalRequests(env.emu, before), 0, 'a malformed filter was sent');
  // Well-formed, but a relation the field's type does not have: the site says so.
  await assert.rejects(fresh.find('Version', [['code', 'greater_than_ever', 'x']]), sgError('SG_BAD_REQUEST', /doesn't support 'greater_than_ever'/));
});

test('huge limit', async () => {
  const total = await env.sg.count('Version', null);
  const before = env.emu.counters.snapshot();
  // A limit above what exists returns what exists, in the pages needed, and stops.
  for (const limit of [1e12, Number.MAX_SAFE_INTEGER]) {
    const records = await env.sg.find('Version', null, { limit, fields: ['id'] });
    assert.equal(records.length, total);
  }
  assert.ok(totalRequests(env.emu, before) <= 4, `${totalRequests(env.emu, before)} requests for two small finds`);
  // Limits that are not a count, and pages the site cannot serve: refused before any request.
  const requests = totalRequests(env.emu, before);
  for (const limit of [Infinity, Number('1e400'), -1, 2.5, Number.MAX_SAFE_INTEGER + 2]) {
    await assert.rejects(env.sg.find('Version', null, { limit }), sgError('SG_CONFIG', /limit must be an integer/));
  }
  await assert.rejects(env.sg.find('Version', null, { pageSize: 1e9 }), sgError('SG_CONFIG', /pageSize must be an integer from 1 to 5000/));
  assert.equal(totalRequests(env.emu, before), requests);
});
