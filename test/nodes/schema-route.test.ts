/**
 * The schema pickers' admin route in a whole Node-RED runtime with `adminAuth`: the same rules as
 * Test connection (the `shotgrid-site.write` permission; a stored key only with the deployed URL
 * and proxy), the site's entity types, one type's fields with their data types, and unknown names.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator, type Emulator } from '../../emulator/index.js';
import { SCHEMA_ROUTE, type SchemaAnswer } from '../../nodes/shared/schema-route.js';
import { PASSWORD_PLACEHOLDER } from '../../nodes/shared/test-connection.js';
import { startRuntime, type EmbeddedRuntime } from './embedded-runtime.js';

describe('the schema route (a whole runtime with adminAuth)', () => {
  let emulator: Emulator;
  let red: EmbeddedRuntime;
  let adminToken: string;
  let readerToken: string;
  let other: Server;
  let otherUrl: string;
  const otherSeen: string[] = [];

  before(async () => {
    emulator = await startEmulator({ transcodeDelay: 200 });
    other = createServer((req, res) => {
      otherSeen.push(`${req.method} ${req.url}`);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    red = await startRuntime({
      flows: [
        { id: 'tab1', type: 'tab', label: 'test' },
        { id: 'site1', type: 'shotgrid-site', name: 'emulator', site: emulator.url, authType: 'script', proxy: '' },
      ],
      credentials: { site1: { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey } },
      users: [
        { username: 'admin', password: 'admin-pass-1', permissions: '*' },
        { username: 'reader', password: 'reader-pass-1', permissions: 'read' },
      ],
    });
    adminToken = await red.token('admin', 'admin-pass-1');
    readerToken = await red.token('reader', 'reader-pass-1', 'read');
  });
  after(async () => {
    await red?.stop();
    await new Promise<void>((resolve) => other?.close(() => resolve()));
    await emulator?.close();
  });

  async function post(body: unknown, token: string | null = adminToken): Promise<{ status: number; text: string; json: SchemaAnswer }> {
    const res = await fetch(new URL(SCHEMA_ROUTE.slice(1), red.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    let json = {} as SchemaAnswer;
    try {
      json = JSON.parse(text) as SchemaAnswer;
    } catch {
      // 401 answers have no body.
    }
    return { status: res.status, text, json };
  }

  test('callers without shotgrid-site.write are refused before any request', async () => {
    const before = emulator.counters.snapshot().tokenGrants.client_credentials ?? 0;
    for (const token of [null, readerToken]) {
      const res = await post({ id: 'site1' }, token);
      assert.ok(res.status === 401 || res.status === 403, `status ${res.status} ${token ? 'reader' : 'anonymous'}: ${res.text.slice(0, 200)}`);
    }
    assert.equal(emulator.counters.snapshot().tokenGrants.client_credentials ?? 0, before);
  });

  test('a deployed site: its entity types, then one type\'s fields with their data types', async () => {
    const types = await post({ id: 'site1' });
    assert.equal(types.status, 200);
    assert.equal(types.json.ok, true, types.json.message);
    for (const name of ['Shot', 'Version', 'Project', 'Asset']) assert.ok(types.json.types?.[name], `${name} is not listed`);
    assert.ok(!types.text.includes(emulator.credentials.scriptKey));

    const fields = await post({ id: 'site1', entityType: 'Version' });
    assert.equal(fields.json.ok, true, fields.json.message);
    assert.equal(fields.json.entityType, 'Version');
    assert.equal(fields.json.fields?.sg_uploaded_movie?.type, 'url');
    assert.equal(fields.json.fields?.image?.type, 'image');
    assert.equal(fields.json.fields?.code?.type, 'text');
    assert.equal(fields.json.fields?.entity?.type, 'entity');
  });

  test('an unknown entity type is SG_NOT_FOUND; a name that is not a name is refused before any request', async () => {
    const unknown = await post({ id: 'site1', entityType: 'Shoot' });
    assert.equal(unknown.json.ok, false);
    assert.equal(unknown.json.code, 'SG_NOT_FOUND');
    const bad = await post({ id: 'site1', entityType: '../auth' });
    assert.equal(bad.json.code, 'SG_CONFIG');
  });

  test('an undeployed site id is SG_CONFIG', async () => {
    const res = await post({ id: 'nope' });
    assert.deepEqual([res.json.ok, res.json.code], [false, 'SG_CONFIG']);
  });

  test('dialog values: the stored key works with the deployed URL and is never sent to another one', async () => {
    const stored = (site: string) => ({ id: 'site1', site, authType: 'script', proxy: '', credentials: { scriptName: emulator.credentials.scriptName, scriptKey: PASSWORD_PLACEHOLDER } });
    const same = await post({ ...stored(emulator.url), entityType: 'Shot' });
    assert.equal(same.json.ok, true, same.json.message);
    assert.ok(same.json.fields?.code);
    otherSeen.length = 0;
    const elsewhere = await post(stored(otherUrl));
    assert.deepEqual([elsewhere.json.ok, elsewhere.json.code], [false, 'SG_CONFIG']);
    assert.deepEqual(otherSeen, [], 'the other server was contacted');
  });
});
