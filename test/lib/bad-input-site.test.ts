/**
 * Bad input matrix (README "What bad input does"), library side: the site itself is wrong —
 * refused credentials, a URL nothing answers on or that is not a ShotGrid site, answers in HTML
 * or broken JSON. The messages name the site (never a secret); nothing is retried that cannot
 * heal, nothing is written locally, nothing reaches the storage.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ShotGridClient } from '../../lib/index.js';
import { assertNothingLeft, closedPort, htmlPage, sgError, startWebServer } from './fixtures/bad-input.js';
import { json, startFakeSite } from './fake-site.js';
import { filesIn, routeDelta, testClientOptions, transferEnv, type TransferEnv } from './fixtures/transfer-env.js';

let env: TransferEnv;
let file: string;
let out: string;

before(async () => {
  env = await transferEnv();
  file = env.file('plate.mov', 8 * 1024);
  out = join(env.dir, 'out');
  mkdirSync(out);
});
after(async () => {
  await env?.close();
});

/**
 * Runs `call`, which must fail, and asserts it sent no request twice (nothing retried). An upload
 * reads the record alongside its init, so one call may send two different requests.
 */
async function rejectsUnretried(site: { requests: Array<{ method: string; url: string }> }, call: () => Promise<unknown>, expected: (err: Error) => boolean): Promise<void> {
  const from = site.requests.length;
  await assert.rejects(call(), expected);
  const sent = site.requests.slice(from).map((r) => `${r.method} ${r.url}`);
  assert.ok(sent.length >= 1, 'the call reached the site');
  assert.equal(new Set(sent).size, sent.length, `a bad answer was retried: ${sent.join(', ')}`);
}

/** A client for another site URL, with the emulator's credentials and fast retries. */
function clientFor(site: string): ShotGridClient {
  return env.client({ site });
}

test('wrong credentials', async () => {
  const id = await env.version();
  const before = env.emu.counters.snapshot();
  const key = 'not-the-key-0123456789';
  const wrong = env.client({ auth: { scriptName: env.emu.credentials.scriptName, scriptKey: key } });
  const refused = sgError('SG_AUTH', /^ShotGrid refused the credentials of script 'sgflow_emulator' \(400\)/);
  await assert.rejects(wrong.find('Version', null), refused);
  await assert.rejects(wrong.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, file), refused);
  await assert.rejects(wrong.download({ type: 'Version', id, field: 'sg_uploaded_movie' }, out), refused);
  const login = env.client({ auth: { login: 'nobody', password: 'hunter2-wrong' } });
  await assert.rejects(login.find('Version', null), sgError('SG_AUTH', /refused the credentials of user 'nobody'/));
  await assert.rejects(wrong.find('Version', null), (err: Error) => !err.message.includes(key) && !JSON.stringify(err).includes(key));
  // Refusals are final: one token request per call, no retries.
  assert.deepEqual(routeDelta(env.emu, before, 'token'), { 400: 5 });
  assert.deepEqual(routeDelta(env.emu, before, 'upload_init'), {});
  assertNothingLeft(env.emu, before);
  assert.deepEqual(filesIn(out), []);
});

test('wrong site URL', async () => {
  // Nothing listens there: retried (it may be a blip), then SG_NETWORK naming the site.
  const port = await closedPort();
  const nobody = clientFor(`http://127.0.0.1:${port}`);
  await assert.rejects(nobody.find('Version', null), sgError('SG_NETWORK', new RegExp(`could not connect to http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\); check the site URL`)));
  await assert.rejects(nobody.upload({ type: 'Version', id: 1 }, file), sgError('SG_NETWORK', /could not connect/));
  // A web server that is not a ShotGrid site: its 404 page, or a JSON API without the token endpoint.
  const web = await startWebServer(htmlPage(404, 'Page not found'));
  const jsonApi = await startWebServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: 'no route' }));
  });
  try {
    const notSg = clientFor(web.url);
    const hint = new RegExp(`^expected JSON but got an HTML page \\("Page not found.*"\\); is ${web.url.replace(/\./g, '\\.')} the ShotGrid site URL\\? \\(POST /api/v1/auth/access_token → 404\\)$`);
    await assert.rejects(notSg.find('Version', null), sgError('SG_BAD_RESPONSE', hint));
    await assert.rejects(notSg.download({ type: 'Version', id: 1, field: 'sg_uploaded_movie' }, out), sgError('SG_BAD_RESPONSE', hint));
    await assert.rejects(clientFor(jsonApi.url).find('Version', null), sgError('SG_BAD_RESPONSE', /no ShotGrid token endpoint here; is the site URL right\?/));
    // A 4xx page is final: one request each, no retries.
    assert.deepEqual(web.seen, ['POST /api/v1/auth/access_token', 'POST /api/v1/auth/access_token']);
    assert.deepEqual(jsonApi.seen, ['POST /api/v1/auth/access_token']);
  } finally {
    await web.close();
    await jsonApi.close();
  }
  assert.deepEqual(filesIn(out), []);
  // Not a URL at all: refused when the client is made.
  assert.throws(() => new ShotGridClient(testClientOptions(env.emu, { site: 'studio.shotgrid.autodesk.com' })), sgError('SG_CONFIG', /site must be an absolute http\(s\) URL/));
  // A page of the site pasted from the browser: only the root works.
  assert.throws(() => new ShotGridClient(testClientOptions(env.emu, { site: 'https://studio.shotgrid.autodesk.com/detail/Shot/5' })), sgError('SG_CONFIG', /site must be the site root/));
});

test('site answering HTML', async () => {
  // Authenticates, then a login or maintenance page where the API should answer (200 text/html).
  const site = await startFakeSite((_req, res) => htmlPage(200, 'Sign in to continue')(_req, res));
  try {
    const sg = env.client({ site: site.url });
    const page = sgError('SG_BAD_RESPONSE', /^expected JSON but got an HTML page \("Sign in to continue.*"\); is http:\/\/127\.0\.0\.1:\d+ the ShotGrid site URL\? \(\w+ \/api\/v1\/\S+ → 200\)$/);
    // Not retried: no call sends the same request twice.
    await rejectsUnretried(site, () => sg.find('Version', null), page);
    await rejectsUnretried(site, () => sg.upload({ type: 'Version', id: 1, field: 'sg_uploaded_movie' }, file), page);
    await rejectsUnretried(site, () => sg.download({ type: 'Version', id: 1, field: 'sg_uploaded_movie' }, out), page);
  } finally {
    await site.close();
  }
  // A gateway's 502 page is an outage, not a wrong URL: retried, then SG_BAD_RESPONSE without the hint.
  const gateway = await startFakeSite((_req, res) => htmlPage(502, 'Bad Gateway')(_req, res));
  try {
    await assert.rejects(env.client({ site: gateway.url }).find('Version', null), (err: Error) => sgError('SG_BAD_RESPONSE', /^expected JSON but got an HTML page .* → 502\)$/)(err) && !/ShotGrid site URL/.test(err.message));
    assert.equal(gateway.requests.length, 4, 'the 502 page was not retried (1 + 3 retries)');
  } finally {
    await gateway.close();
  }
  assert.deepEqual(filesIn(out), []);
});

test('invalid JSON', async () => {
  const site = await startFakeSite((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"data": [{"type": "Version", "id": 1,');
  });
  try {
    const sg = env.client({ site: site.url });
    const broken = sgError('SG_BAD_RESPONSE', /^invalid JSON \("\{\\"data\\": \[\{\\"type\\": \\"Version\\", \\"id\\": 1,"\) \(\w+ \/api\/v1\/\S+ → 200\)$/);
    await rejectsUnretried(site, () => sg.find('Version', null), broken);
    await rejectsUnretried(site, () => sg.download({ type: 'Version', id: 1, field: 'sg_uploaded_movie' }, out), broken);
    await rejectsUnretried(site, () => sg.upload({ type: 'Version', id: 1, field: 'sg_uploaded_movie' }, file), broken);
  } finally {
    await site.close();
  }
  // Valid JSON that is not what the protocol promises (an upload answer without a link) is a bad response too.
  const noLink = await startFakeSite((req, res) => {
    if (req.url.includes('/_upload?')) return json(res, 200, { data: { timestamp: 'now' } });
    return json(res, 200, { data: { type: 'Version', id: 1, sg_uploaded_movie: null } });
  });
  try {
    await assert.rejects(env.client({ site: noLink.url }).upload({ type: 'Version', id: 1, field: 'sg_uploaded_movie' }, file), sgError('SG_BAD_RESPONSE', /upload init/));
  } finally {
    await noLink.close();
  }
  assert.deepEqual(filesIn(out), []);
});
