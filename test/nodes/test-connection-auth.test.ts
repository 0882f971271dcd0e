/**
 * The Test connection admin route in a whole Node-RED runtime with `adminAuth`: anonymous callers
 * and users without `shotgrid-site.write` are refused before any request leaves the server; an
 * allowed caller cannot send a deployed node's stored key to another URL or proxy, and cannot read
 * another server's pages or error texts through the answer (no open proxy).
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { startEmulator, type Emulator } from '../../emulator/index.js';
import { PASSWORD_PLACEHOLDER, TEST_ROUTE } from '../../nodes/shared/test-connection.js';
import { startRuntime, type EmbeddedRuntime } from './embedded-runtime.js';

/** Text the "other server" answers with: it must never come back through the route. */
const PAGE_MARKER = 'INTRANET-PAGE-7c41e9';

interface Seen {
  method: string;
  url: string;
  body: string;
  headers: IncomingMessage['headers'];
}

/** A server standing for any URL the Node-RED host can reach (an intranet page, an attacker). */
async function otherServer(): Promise<{ url: string; seen: Seen[]; mode: { answer: 'html' | 'json-error' | 'token-then-html' }; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const mode: { answer: 'html' | 'json-error' | 'token-then-html' } = { answer: 'html' };
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks).toString(), headers: req.headers });
      if (mode.answer === 'json-error') {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ status: 401, code: 102, title: `${PAGE_MARKER} title`, detail: `${PAGE_MARKER} detail` }] }));
      } else if (mode.answer === 'token-then-html' && req.url?.startsWith('/api/v1/auth/access_token')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token_type: 'Bearer', access_token: 'x.y.z', expires_in: 600 }));
      } else if (mode.answer === 'token-then-html' && req.url === '/api/v1/') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { site_name: `${PAGE_MARKER}`.repeat(20) } }));
      } else {
        res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><body><h1>${PAGE_MARKER}</h1><p>${PAGE_MARKER} payroll</p></body></html>`);
      }
    });
  });
  server.on('connection', (s: Socket) => sockets.add(s));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    mode,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

describe('Test connection route with adminAuth (whole runtime)', () => {
  let emulator: Emulator;
  let red: EmbeddedRuntime;
  let other: Awaited<ReturnType<typeof otherServer>>;
  let adminToken: string;
  let readerToken: string;
  let key: string;

  before(async () => {
    emulator = await startEmulator({ transcodeDelay: 200 });
    key = emulator.credentials.scriptKey;
    other = await otherServer();
    red = await startRuntime({
      flows: [
        { id: 'tab1', type: 'tab', label: 'test' },
        { id: 'site1', type: 'shotgrid-site', name: 'emulator', site: emulator.url, authType: 'script', proxy: '' },
      ],
      credentials: { site1: { scriptName: emulator.credentials.scriptName, scriptKey: key } },
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
    await other?.close();
    await emulator?.close();
  });
  beforeEach(() => {
    other.seen.length = 0;
    other.mode.answer = 'html';
  });

  async function post(body: unknown, token?: string): Promise<{ status: number; text: string; json: Record<string, unknown> }> {
    const res = await fetch(new URL(TEST_ROUTE.slice(1), red.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // 401 answers have no body.
    }
    return { status: res.status, text, json };
  }

  const stored = (site: string, extra: Record<string, unknown> = {}) => ({
    id: 'site1', site, authType: 'script', proxy: '', credentials: { scriptName: emulator.credentials.scriptName, scriptKey: PASSWORD_PLACEHOLDER }, ...extra,
  });
  const typed = (site: string) => ({ site, authType: 'script', credentials: { scriptName: 'anything', scriptKey: 'typed-key-123' } });

  test('anonymous callers and users without shotgrid-site.write are refused, and nothing is fetched', async () => {
    for (const token of [undefined, readerToken, 'not-a-token']) {
      for (const body of [typed(other.url), stored(other.url), stored(emulator.url)]) {
        const res = await post(body, token);
        assert.ok(res.status === 401 || res.status === 403, `status ${res.status} for ${token ? 'a token' : 'anonymous'}`);
        assert.ok(!res.text.includes(key));
      }
    }
    assert.deepEqual(other.seen, [], 'a refused caller made the server fetch a URL');
  });

  test('with the permission: the stored key works against the deployed site URL', async () => {
    const res = await post(stored(emulator.url), adminToken);
    assert.equal(res.status, 200);
    assert.equal(res.json.ok, true, String(res.json.message));
    assert.ok(!res.text.includes(key));
  });

  test('the stored key is never sent to a URL or proxy the caller supplies', async () => {
    const before = emulator.counters.snapshot().tokenGrants.client_credentials ?? 0;
    for (const body of [
      stored(other.url),
      stored(`${other.url}/api/v1`),
      stored(emulator.url, { proxy: other.url }),
      stored(emulator.url.replace('127.0.0.1', 'localhost')),
      { ...stored(emulator.url), id: 'no-such-node' },
    ]) {
      const res = await post(body, adminToken);
      assert.equal(res.status, 200);
      assert.deepEqual([res.json.ok, res.json.code], [false, 'SG_CONFIG'], JSON.stringify(body));
      assert.match(String(res.json.message), /type it again/);
    }
    assert.deepEqual(other.seen, [], 'a request went to the caller\'s URL with the stored key pending');
    assert.equal((emulator.counters.snapshot().tokenGrants.client_credentials ?? 0) - before, 0, 'the site was asked for a token');
  });

  test('a typed key may be tried against any http(s) URL, but no page text comes back (no open proxy)', async () => {
    for (const answer of ['html', 'json-error', 'token-then-html'] as const) {
      other.mode.answer = answer;
      other.seen.length = 0;
      const res = await post(typed(other.url), adminToken);
      assert.equal(res.status, 200);
      assert.equal(res.json.ok, false, answer);
      assert.ok(!res.text.includes(PAGE_MARKER), `${answer}: the answer echoes the other server's text: ${res.text}`);
      assert.ok(!res.text.includes('payroll'));
      assert.match(String(res.json.code), /^SG_(BAD_RESPONSE|AUTH)$/);
      // It only speaks the ShotGrid REST API to it: no other path is fetched.
      assert.ok(other.seen.length > 0);
      for (const s of other.seen) assert.match(s.url, /^\/api\/v1\//, s.url);
    }
  });

  test('the answer names codes and statuses, e.g. SG_BAD_RESPONSE with HTTP 200 for an HTML page', async () => {
    const res = await post(typed(other.url), adminToken);
    assert.equal(res.json.code, 'SG_BAD_RESPONSE');
    assert.match(String(res.json.message), /^the URL did not answer like a ShotGrid site; HTTP 200/);
    // The dialog puts "Connection failed (CODE):" before the message: the message must not say it again.
    assert.doesNotMatch(String(res.json.message), /connection failed/i);
  });
});
