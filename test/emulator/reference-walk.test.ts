/**
 * The reference (`shotgrid-rest.md`) §1–§8 walked as one table: each row is a recorded request and
 * what the live site answered (status, error code, title or detail). Rows already asserted in
 * depth elsewhere are kept here in one line each so a change against the reference shows up in
 * one place; bodies and headers that need more than a line have their own tests below.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, jwtPayload, openSite, tokenRequest, VENDOR_ARRAY, VENDOR_HASH, type TestSite } from './api-helpers.js';

let site: TestSite;
before(async () => {
  site = await openSite();
});
after(() => site.close());

const FORM = 'application/x-www-form-urlencoded';

/** [reference section, method, path, request, status, error code (0 = no envelope), title/detail text]. */
type Row = [string, string, string, { body?: unknown; type?: string; token?: string | null }, number, number, string?];

const ROWS: Row[] = [
  ['§1 v1.1 is the same API', 'GET', '/api/v1.1/entity/shots/1?fields=code', {}, 200, 0],
  ['§1 v1.2 is no API', 'GET', '/api/v1.2/entity/shots/1', {}, 404, 103, 'Not Found'],
  ['§1 v2 is no API', 'GET', '/api/v2/', {}, 404, 103, 'Not Found'],
  ['§1 a doubled prefix', 'GET', '/api/v1/api/v1/entity/assets/1', {}, 404, 103, 'Not Found'],
  ['§1 schema name', 'GET', '/api/v1/entity/Attachment?page[size]=1', {}, 200, 0],
  ['§1 lower-case name', 'GET', '/api/v1/entity/attachment?page[size]=1', {}, 200, 0],
  ['§1 plural slug', 'GET', '/api/v1/entity/attachments?page[size]=1', {}, 200, 0],
  ['§1 unknown type', 'GET', '/api/v1/entity/attachmentss', {}, 404, 103, "Entity type 'attachmentss' does not exist."],
  ['§1 _search wants a vendor type', 'POST', '/api/v1/entity/shots/_search', { body: { filters: [] }, type: 'application/json' }, 415, 103, "Unsupported Content-Type 'application/json'"],
  ['§1 _summarize wants a vendor type', 'POST', '/api/v1/entity/shots/_summarize', { body: { summary_fields: [] }, type: 'application/json' }, 415, 103],
  ['§1 _text_search wants a vendor type', 'POST', '/api/v1/entity/_text_search', { body: { text: 'x', entity_types: {} }, type: 'application/json' }, 415, 103],
  ['§1 create wants JSON', 'POST', '/api/v1/entity/shots', { body: { code: 'x' }, type: VENDOR_ARRAY }, 415, 103, `Unsupported Content-Type '${VENDOR_ARRAY}'`],
  ['§1 update wants JSON', 'PUT', '/api/v1/entity/shots/1', { body: { code: 'x' }, type: VENDOR_HASH }, 415, 103],
  ['§1 _batch wants JSON', 'POST', '/api/v1/entity/_batch', { body: { requests: [] }, type: VENDOR_ARRAY }, 415, 103],
  ['§1 hierarchy wants JSON', 'POST', '/api/v1/hierarchy/_expand', { body: { path: '/Project/1' }, type: VENDOR_ARRAY }, 415, 103],
  ['§2 a bad bearer', 'GET', '/api/v1/entity/shots/1', { token: 'abc.def.ghi' }, 401, 102, 'Unauthorized'],
  ['§2 no bearer', 'GET', '/api/v1/entity/shots/1', { token: null }, 401, 102, 'Unauthorized'],
  ['§3 GET a missing id', 'GET', '/api/v1/entity/Asset/400000', {}, 404, 104, 'Asset: 400000 not found'],
  ['§3 PUT a missing id', 'PUT', '/api/v1/entity/Asset/400000', { body: { code: 'x' } }, 404, 104, 'Entity of type [Asset] with id=400000 does not exist.'],
  ['§3 DELETE a missing id', 'DELETE', '/api/v1/entity/Asset/400000', {}, 404, 104, 'Entity of type [Asset] with id=400000 does not exist.'],
  ['§3 revive a missing id', 'POST', '/api/v1/entity/Asset/400000?revive=true', { body: {} }, 404, 104, 'Entity of type [Asset] with id=400000 does not exist.'],
  ['§3 create an unknown field', 'POST', '/api/v1/entity/Asset', { body: { project: { type: 'Project', id: 1 }, code: 'x', not_existing_field: 1 } }, 400, 103, "API create() Asset.not_existing_field doesn't exist."],
  ['§3 a bad summary type', 'POST', '/api/v1/entity/Asset/_summarize', { body: { filters: [], summary_fields: [{ field: 'id', type: 'nope' }] }, type: VENDOR_ARRAY }, 400, 103, 'Request Parameters invalid.'],
  ['§4.2 page size 5001', 'GET', '/api/v1/entity/shots?page[size]=5001', {}, 400, 103, 'Request Parameters invalid.'],
  ['§4.2 page size 0', 'GET', '/api/v1/entity/shots?page[size]=0', {}, 400, 103, 'Request Parameters invalid.'],
  ['§4.2 page size 5000', 'GET', '/api/v1/entity/shots?page[size]=5000&fields=id', {}, 200, 0],
  ['§4.2 empty sort', 'GET', '/api/v1/entity/shots?sort=', {}, 400, 103, 'Request Parameters invalid.'],
  ['§4.2 sort with +', 'GET', '/api/v1/entity/shots?sort=%2Bcode', {}, 400, 103, 'Request Parameters invalid.'],
  ['§4.2 unknown sort key is a no-op', 'GET', '/api/v1/entity/shots?sort=nope&fields=id', {}, 200, 0],
  ['§4.2 unknown fields name dropped', 'GET', '/api/v1/entity/shots/1?fields=sg_nope', {}, 200, 0],
  ['§4.2 unknown filter field', 'GET', '/api/v1/entity/versions?filter[sg_not_a_field]=1', {}, 400, 103, "API read() Version.sg_not_a_field doesn't exist."],
  ['§4.3 a hash under api3_array', 'POST', '/api/v1/entity/shots/_search', { body: { filters: { logical_operator: 'and', conditions: [] } }, type: VENDOR_ARRAY }, 400, 103, 'Query is not an Array: {"logical_operator" => "and", "conditions" => []}'],
  ['§4.3 AND in capitals', 'POST', '/api/v1/entity/shots/_search', { body: { filters: { logical_operator: 'AND', conditions: [] } }, type: VENDOR_HASH }, 400, 103, 'Invalid logical operator: AND'],
  ['§4.3 a list under api3_hash', 'POST', '/api/v1/entity/shots/_search', { body: { filters: [['code', 'is', 'x']] }, type: VENDOR_HASH }, 400, 103, 'Query is not an Hash: [["code", "is", "x"]]'],
  ['§4.3 empty conditions match all', 'POST', '/api/v1/entity/shots/_search', { body: { filters: { logical_operator: 'or', conditions: [] } }, type: VENDOR_HASH }, 200, 0],
  ['§4.4 relationships of a non-link field', 'GET', '/api/v1/entity/shots/1/relationships/code', {}, 400, 103, "Field 'code' is not a relationship field"],
  ['§5 PATCH is no route', 'PATCH', '/api/v1/entity/shots/1', { body: {} }, 404, 103, 'Not Found'],
  ['§5 revive without revive', 'POST', '/api/v1/entity/Asset/1', { body: {} }, 400, 103, 'Request Parameters invalid.'],
  ['§5 _batch without requests', 'POST', '/api/v1/entity/_batch', { body: {} }, 400, 103, 'Request Parameters invalid.'],
  ['§6.1 upload init without filename', 'GET', '/api/v1/entity/versions/1/sg_uploaded_movie/_upload', {}, 400, 103, 'Request Parameters invalid.'],
  ['§6.1 upload to a field the type lacks', 'GET', '/api/v1/entity/shots/1/attachments/_upload?filename=a.txt', {}, 404, 103, "Field 'Shot.attachments' does not exist."],
  ['§7 not a file field', 'GET', '/api/v1/entity/versions/1/code', {}, 400, 103, 'Field Version.code is not an image or attachment.'],
  ['§7 a bad alt', 'GET', '/api/v1/entity/versions/1/sg_uploaded_movie?alt=nope', {}, 400, 103, 'Request Parameters invalid.'],
  ['§7 an unknown field', 'GET', '/api/v1/entity/versions/1/sg_nope', {}, 404, 103, "Field 'Version.sg_nope' does not exist."],
  ['§7 alt on an empty url field', 'GET', '/api/v1/entity/versions/1/sg_uploaded_movie?alt=original', {}, 404, 104, 'Field sg_uploaded_movie is empty.'],
  ['§7 alt on an empty image', 'GET', '/api/v1/entity/versions/1/image?alt=thumbnail', {}, 404, 104, 'File not found'],
  ['§8 server info without a token', 'GET', '/api/v1/', { token: null }, 200, 0],
  ['§8 spec.json', 'GET', '/api/v1/spec.json', {}, 200, 0],
  ['§8 spec.yaml', 'GET', '/api/v1/spec.yaml', {}, 200, 0],
  ['§8 spec without a suffix', 'GET', '/api/v1/spec', {}, 404, 103],
  ['§8 schema of an unknown type', 'GET', '/api/v1/schema/Nope', {}, 404, 103],
  ['§8 an unknown schema field', 'GET', '/api/v1/schema/Shot/fields/nope', {}, 404, 103],
  ['§8 preferences', 'GET', '/api/v1/preferences?prefs=hours_per_day', {}, 200, 0],
  ['§8 preferences/update', 'PUT', '/api/v1/preferences/update', { body: {} }, 400, 111, 'Updating the preferences is not available'],
];

describe('reference §1–§8, one row per recorded answer', () => {
  test('every row answers as recorded', async () => {
    for (const [what, method, path, init, status, code, text] of ROWS) {
      const r = await site.call(method, path, init);
      if (code === 0) {
        assert.equal(r.status, status, `${what}: ${r.text.slice(0, 300)}`);
        continue;
      }
      const e = assertError(r, status, code);
      if (text !== undefined) assert.ok(e.title === text || e.detail === text, `${what}: ${e.title} / ${e.detail}`);
    }
  });
});

describe('bodies and headers the table cannot hold', () => {
  test('§1 a vendor Accept is 406 with an empty body; links.self echoes the path as sent', async () => {
    const r = await site.call('GET', '/api/v1/entity/shots/1', { headers: { accept: VENDOR_ARRAY } });
    assert.equal(r.status, 406);
    assert.equal(r.text, '');
    const echoed = await site.call('GET', '/api/v1/entity/Shot/1?fields=%2A');
    assert.equal(echoed.body.links.self, '/api/v1/entity/Shot/1?fields=%2A');
    assert.equal(echoed.body.data.links.self, '/api/v1/entity/shots/1', 'record links use the plural slug');
  });

  test('§2 token endpoint: JSON type 415 (a form body under it: Invalid JSON body), query-string credentials, a sudo body field ignored', async () => {
    const { scriptName, scriptKey } = site.emu.credentials;
    const creds = { grant_type: 'client_credentials', client_id: scriptName, client_secret: scriptKey };
    const json = await tokenRequest(site.emu, {}, { type: 'application/json', body: JSON.stringify(creds) });
    assertError(json, 415, 103, "Unsupported Content-Type 'application/json'");
    const formAsJson = await tokenRequest(site.emu, creds, { type: 'application/json' });
    assert.equal(assertError(formAsJson, 400, 103, 'Invalid JSON body').source.body.startsWith('Empty input'), true);
    assertError(await tokenRequest(site.emu, creds, { type: 'text/plain' }), 415, 103);
    const query = await fetch(`${site.emu.url}/api/v1/auth/access_token?${new URLSearchParams(creds)}`, { method: 'POST' });
    assert.equal(query.status, 200);
    const sudoField = await tokenRequest(site.emu, { ...creds, sudo_as_login: site.emu.credentials.login }, { type: FORM });
    assert.equal(sudoField.status, 200);
    assert.equal(jwtPayload(sudoField.body.access_token).sudo_as_login, null, 'only scope=sudo_as_login: impersonates');
    assertError(await tokenRequest(site.emu, { grant_type: 'implicit' }), 400, 103, 'Unsupported grant_type');
    assertError(await tokenRequest(site.emu, { grant_type: 'refresh_token', refresh_token: 'abc' }), 401, 102, 'Unauthorized');
  });

  test('§4.2 paging links: next always (even past the end), prev from page 2, no last', async () => {
    const past = await site.call('GET', '/api/v1/entity/shots?page[size]=2&page[number]=500&fields=id');
    assert.deepEqual(past.body.data, []);
    assert.match(past.body.links.next, /page%5Bnumber%5D=501/);
    assert.match(past.body.links.prev, /page%5Bnumber%5D=499/);
    assert.equal(past.body.links.last, undefined);
    const first = await site.call('GET', '/api/v1/entity/shots?page[size]=2&fields=id');
    assert.equal(first.body.links.prev, undefined);
  });

  test('§5 create answers 201 without top-level links and create-style dates; update answers links {} and status successful', async () => {
    const c = await site.call('POST', '/api/v1/entity/Asset?options[fields]=code', { body: { project: { type: 'Project', id: 1 }, code: 'walked' } });
    assert.equal(c.status, 201);
    assert.deepEqual(Object.keys(c.body), ['data']);
    assert.match(c.body.data.attributes.created_at, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    const u = await site.call('PUT', `/api/v1/entity/Asset/${c.body.data.id}`, { body: {} });
    assert.equal(u.status, 200);
    assert.deepEqual([u.body.links, u.body.status], [{}, 'successful']);
    assert.match(u.body.data.attributes.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const live = await site.call('POST', `/api/v1/entity/Asset/${c.body.data.id}?revive=true`, { body: {} });
    assert.deepEqual(live.body, { data: { type: 'Asset', id: c.body.data.id }, links: { self: `/api/v1/entity/Asset/${c.body.data.id}` }, meta: { did_revive: false } }, 'self: the path as sent');
  });

  test('§7 a dotted path as a file field is a 406 of one text/html byte', async () => {
    const r = await site.call('GET', '/api/v1/entity/versions/1/entity.Shot.image');
    assert.equal(r.status, 406);
    assert.match(r.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(Buffer.byteLength(r.text), 1);
  });
});
