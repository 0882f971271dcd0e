/**
 * The one route table: every entry is reachable and uniquely named, the fault/counter class of
 * each kind of request comes from it, the spec lists exactly its API entries, and the rooms it
 * joins do not import each other in a circle (faults never import files).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyRoute, findRoute } from '../../emulator/routes/dispatch.js';
import { specDocument } from '../../emulator/routes/spec.js';
import { ROUTES } from '../../emulator/routes/table.js';

const u = (path: string): URL => new URL(path, 'http://emulator.local');

describe('route table', () => {
  test('entry ids are unique', () => {
    const ids = ROUTES.map((r) => r.id);
    assert.deepEqual([...new Set(ids)], ids);
  });

  test('requests get the route class faults and counters are keyed by', () => {
    const cases: Array<[string, string, string, number?]> = [
      ['GET', '/api/v1/', 'info'],
      ['GET', '/api/v1.1', 'info'],
      ['POST', '/api/v1/auth/access_token', 'token'],
      ['POST', '/api/v1/entity/shots/_search', 'api'],
      ['GET', '/api/v1/entity/versions/5/sg_uploaded_movie/_upload?filename=a', 'upload_init'],
      ['GET', '/api/v1/entity/versions/5/_upload?filename=a', 'upload_init'],
      ['GET', '/api/v1/entity/versions/5/sg_uploaded_movie/_upload/multipart?part_number=2', 'part_link'],
      ['POST', '/api/v1/entity/versions/5/sg_uploaded_movie/_upload', 'complete'],
      ['POST', '/api/v1/entity/versions/5/_upload/multipart_abort', 'abort'],
      ['PUT', '/api/v1/entity/versions/5/sg_uploaded_movie/_upload?signature=x', 'storage_put', 1],
      ['PUT', '/storage/bucket/key?partNumber=3&uploadId=u', 'storage_put', 3],
      ['PUT', '/storage/bucket/key', 'storage_put', 1],
      ['GET', '/storage/bucket/key', 'download'],
      ['GET', '/api/v1/entity/versions/5/sg_uploaded_movie?alt=original', 'download'],
      ['GET', '/api/v1/entity/versions/5/sg_uploaded_movie', 'api'],
      ['GET', '/images/status/transient/thumbnail_pending.png', 'web'],
      ['GET', '/', 'web'],
      ['GET', '/web/state.json', 'web'],
      ['GET', '/api/v1/no/such/route', 'api'],
      ['GET', '/favicon.ico', 'web'],
    ];
    for (const [method, path, route, part] of cases) {
      const c = classifyRoute(method, u(path));
      assert.equal(c.route, route, `${method} ${path}`);
      if (part !== undefined) assert.equal(c.partNumber, part, `${method} ${path} part`);
    }
  });

  test('literal segments win over parameters, and a wrong method matches nothing', () => {
    assert.equal(findRoute('POST', u('/api/v1/entity/_batch')).entry?.id, 'entity.batch');
    assert.equal(findRoute('POST', u('/api/v1/entity/shots/_search')).entry?.id, 'entity.search');
    assert.equal(findRoute('GET', u('/api/v1/entity/shots/12')).entry?.id, 'entity.read');
    assert.deepEqual(findRoute('GET', u('/api/v1/entity/shots/12/relationships/assets')).params, { type: 'shots', id: '12', field: 'assets' });
    assert.equal(findRoute('PATCH', u('/api/v1/entity/shots/12')).entry, undefined);
    assert.equal(findRoute('GET', u('/api/v2/entity/shots/12')).entry, undefined);
    assert.equal(findRoute('GET', u('/api/v1/entity/%E0%A4%A/12')).entry, undefined, 'undecodable API path');
  });

  test('the spec document lists every API entry and nothing else', () => {
    const spec = specDocument(ROUTES, '/api/v1') as { openapi: string; paths: Record<string, Record<string, { operationId: string }>> };
    assert.equal(spec.openapi, '3.0.0');
    const listed = new Set(Object.values(spec.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId.replace(/\.(get|head)$/, ''))));
    const api = new Set(ROUTES.filter((r) => r.scope === 'api').map((r) => r.id));
    assert.deepEqual([...listed].sort(), [...api].sort());
    assert.ok(spec.paths['/entity/{type}/{id}/relationships/{field}']?.get, 'path parameters in OpenAPI form');
    assert.equal(spec.paths['/storage/{key}'], undefined, 'storage is not part of the API');
  });

  test('faults/ imports nothing from files/ (no import cycle between the rooms)', () => {
    const root = process.env.SG_ROOT ?? process.cwd();
    const dir = join(root, 'emulator', 'faults');
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      const text = readFileSync(join(dir, name), 'utf8');
      assert.doesNotMatch(text, /from '\.\.\/files\//, `faults/${name} imports files/`);
    }
  });
});
