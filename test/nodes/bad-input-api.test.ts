/**
 * Bad input matrix (README "What bad input does"), node side: entity types, ids, fields,
 * filters and limits the site does not have or cannot take, through the find, write, upload and
 * download nodes. The code reaches the Catch node; nothing is created or written.
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emulator } from '../../emulator/index.js';
import { ShotGridClient } from '../../lib/index.js';
import downloadNode from '../../nodes/shotgrid-download.js';
import findNode from '../../nodes/shotgrid-find.js';
import siteNode from '../../nodes/shotgrid-site.js';
import thumbnailWaitNode from '../../nodes/shotgrid-thumbnail-wait.js';
import uploadNode from '../../nodes/shotgrid-upload.js';
import writeNode from '../../nodes/shotgrid-write.js';
import { assertNothingLeft } from '../lib/fixtures/bad-input.js';
import { expectCaught, expectSent } from './bad-input-flow.js';
import { catchNodes, flowWith, helper, scriptCredentials, startSite, type Msg } from './harness.js';

describe('bad input: types, ids, fields, filters, limits', () => {
  let emulator: Emulator;
  let sg: ShotGridClient;
  let workDir: string;
  let version: { type: string; id: number };

  before(async () => {
    emulator = await startSite();
    sg = new ShotGridClient({ site: emulator.url, auth: { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey } });
    version = { type: 'Version', id: (await sg.create('Version', { code: 'na_version', project: { type: 'Project', id: 1 } })).id };
  });
  after(async () => {
    await sg.close();
    await emulator.close();
  });
  beforeEach(() => {
    workDir = mkdtempSync(join(tmpdir(), 'sg-node-bad-api-'));
    writeFileSync(join(workDir, 'plate.mov'), 'frames');
    helper.settings({ fileWorkingDirectory: workDir });
  });
  afterEach(async () => {
    await helper.unload();
    rmSync(workDir, { recursive: true, force: true });
  });

  const out = { id: 'out', type: 'helper' };
  const find = { id: 'find', type: 'shotgrid-find', site: 'site1', entityType: 'entityType', entityTypeType: 'msg', filters: 'filters', filtersType: 'msg', fields: 'code', fieldsType: 'str', sort: '', sortType: 'str', limit: 'limit', limitType: 'msg', output: 'array', wires: [['out']] };
  const write = { id: 'write', type: 'shotgrid-write', site: 'site1', operation: 'msg', entityType: 'entityType', entityTypeType: 'msg', target: 'entity', targetType: 'msg', data: 'payload', dataType: 'msg', updateModes: '', updateModesType: 'json', returnFields: '', returnFieldsType: 'str', wires: [['out']] };
  const upload = { id: 'upload', type: 'shotgrid-upload', site: 'site1', target: 'entity', targetType: 'msg', field: 'field', fieldType: 'msg', filename: 'plate.mov', filenameType: 'str', displayName: '', displayNameType: 'str', tags: '', tagsType: 'json', wires: [['out']] };
  const download = { id: 'download', type: 'shotgrid-download', site: 'site1', source: 'entity', sourceType: 'msg', field: 'field', fieldType: 'msg', destination: 'inbox/', destinationType: 'str', overwrite: false, wires: [['out']] };
  const thumbnail = { id: 'thumbnail', type: 'shotgrid-thumbnail-wait', site: 'site1', entities: 'entity', entitiesType: 'msg', field: 'field', fieldType: 'msg', timeout: '60', timeoutType: 'num', wires: [['out'], ['out']] };
  const loadAll = () =>
    helper.load([siteNode, findNode, writeNode, uploadNode, downloadNode, thumbnailWaitNode], flowWith(emulator, [find, write, upload, download, thumbnail, out, ...catchNodes()]), scriptCredentials(emulator));

  /** Nothing was created on the site and nothing but the source file is in the working folder. */
  function nothingLeft(before: ReturnType<Emulator['counters']['snapshot']>): void {
    assertNothingLeft(emulator, before);
    assert.deepEqual(readdirSync(workDir), ['plate.mov']);
  }

  test('unknown entity type', async () => {
    await loadAll();
    const before = emulator.counters.snapshot();
    const notFound = /Entity type 'Shoot' does not exist/;
    await expectCaught('find', { entityType: 'Shoot' }, 'SG_NOT_FOUND', notFound);
    await expectCaught('write', { operation: 'create', entityType: 'Shoot', payload: { code: 'x' } }, 'SG_NOT_FOUND', notFound);
    await expectCaught('upload', { entity: { type: 'Shoot', id: 1 }, field: 'sg_uploaded_movie' }, 'SG_NOT_FOUND', notFound);
    await expectCaught('download', { entity: { type: 'Shoot', id: 1 }, field: 'sg_uploaded_movie' }, 'SG_NOT_FOUND', notFound);
    await expectCaught('thumbnail', { entity: { type: 'Shoot', id: 1 } }, 'SG_NOT_FOUND', notFound);
    nothingLeft(before);
  });

  test('unknown id', async () => {
    await loadAll();
    const before = emulator.counters.snapshot();
    const missing: Msg = { entity: { type: 'Version', id: 999999 }, field: 'sg_uploaded_movie' };
    await expectCaught('write', { ...missing, operation: 'update', payload: { code: 'x' } }, 'SG_NOT_FOUND', /Entity of type \[Version\] with id=999999 does not exist/);
    await expectCaught('write', { ...missing, operation: 'delete' }, 'SG_NOT_FOUND', /999999/);
    await expectCaught('upload', missing, 'SG_NOT_FOUND', /Version: 999999 not found/);
    await expectCaught('download', missing, 'SG_NOT_FOUND', /Version: 999999 not found/);
    // The thumbnail wait sends the record on its second output: nothing will ever come for it.
    const failed = await expectSent('thumbnail', { entity: { type: 'Version', id: 999999 } });
    assert.deepEqual([failed.payload, failed.reason], [{ type: 'Version', id: 999999 }, 'failed']);
    // Not an id at all: the node says so before any request.
    await expectCaught('write', { entity: { type: 'Version', id: 'abc' }, operation: 'update', payload: { code: 'x' } }, 'SG_CONFIG', /record must have a numeric id/);
    nothingLeft(before);
  });

  test('unknown field', async () => {
    await loadAll();
    const before = emulator.counters.snapshot();
    const missing = /Version\.sg_no_such_field doesn't exist/;
    await expectCaught('find', { entityType: 'Version', filters: [['sg_no_such_field', 'is', 1]] }, 'SG_BAD_REQUEST', missing);
    await expectCaught('write', { operation: 'create', entityType: 'Version', payload: { code: 'x', project: { type: 'Project', id: 1 }, sg_no_such_field: 1 } }, 'SG_BAD_REQUEST', missing);
    await expectCaught('write', { operation: 'update', entity: version, payload: { sg_no_such_field: 1 } }, 'SG_BAD_REQUEST', missing);
    await expectCaught('upload', { entity: version, field: 'sg_no_such_field' }, 'SG_NOT_FOUND', /Field 'Version\.sg_no_such_field' does not exist/);
    await expectCaught('download', { entity: version, field: 'sg_no_such_field' }, 'SG_NOT_FOUND', /Field 'Version\.sg_no_such_field' does not exist/);
    await expectCaught('thumbnail', { entity: version, field: 'sg_no_such_field' }, 'SG_NOT_FOUND', /Field 'Version\.sg_no_such_field' does not exist/);
    nothingLeft(before);
  });

  test('non-file field', async () => {
    await loadAll();
    const before = emulator.counters.snapshot();
    await expectCaught('upload', { entity: version, field: 'code' }, 'SG_BAD_REQUEST', /Field Version\.code is not an image or attachment/);
    await expectCaught('download', { entity: version, field: 'project' }, 'SG_BAD_REQUEST', /Field Version\.project is not an image or attachment/);
    await expectCaught('thumbnail', { entity: version, field: 'code' }, 'SG_BAD_REQUEST', /Field Version\.code is not an image field/);
    await expectCaught('upload', { entity: version, field: 'entity.Shot.image' }, 'SG_CONFIG', /no dotted path/);
    nothingLeft(before);
  });

  test('filter in the wrong shape', async () => {
    await loadAll();
    await expectSent('find', { entityType: 'Version', filters: [['code', 'is', 'na_version']] }); // the token is fetched
    const before = emulator.counters.snapshot();
    await expectCaught('find', { entityType: 'Version', filters: 42 }, 'SG_CONFIG', /filters must be a list of conditions or a filter group \(got number\)/);
    await expectCaught('find', { entityType: 'Version', filters: '[["code", "is"' }, 'SG_CONFIG', /filters/);
    await expectCaught('find', { entityType: 'Version', filters: { code: 'x' } }, 'SG_CONFIG', /a group is \{filter_operator, filters\}/);
    await expectCaught('find', { entityType: 'Version', filters: [['code', 'is']] }, 'SG_CONFIG', /filters\[0\]: condition on 'code' has no value/);
    await expectCaught('find', { entityType: 'Version', filters: ['code', 'is', 'x'] }, 'SG_CONFIG', /wrap a single condition in a list/);
    assert.deepEqual(emulator.counters.snapshot().requests, before.requests, 'a malformed filter was sent');
  });

  test('huge limit', async () => {
    await loadAll();
    const total = await sg.count('Version', null);
    for (const limit of [1e12, '1000000000000']) {
      const msg = await expectSent('find', { entityType: 'Version', filters: [], limit });
      assert.equal((msg.payload as unknown[]).length, total);
    }
    for (const limit of ['1e400', -5, 2.5, 'lots']) {
      await expectCaught('find', { entityType: 'Version', filters: [], limit }, 'SG_CONFIG', /limit/);
    }
  });
});
