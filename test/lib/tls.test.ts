/**
 * TLS: verification stays on; a private CA is trusted only when given as `ca`. The certificates
 * are made for the test with the openssl CLI (skipped when it is missing).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShotGridClient, isShotGridError } from '../../lib/index.js';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const skip = hasOpenssl() ? false : 'the openssl CLI is not installed';
let dir: string;
let caPem: string;
let server: Server;
let url: string;
const sockets = new Set<Socket>();
let connections = 0;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'sg-tls-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=sgflow test CA');
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'site.key', '-out', 'site.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run('x509', '-req', '-in', 'site.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'site.pem', '-days', '2', '-extfile', 'san.ext');
  caPem = readFileSync(join(dir, 'ca.pem'), 'utf8');
  server = createServer({ key: readFileSync(join(dir, 'site.key')), cert: readFileSync(join(dir, 'site.pem')) }, (req, res) => {
    req.resume();
    req.on('end', () => {
      const body = req.url?.startsWith('/api/v1/auth/access_token')
        ? { token_type: 'Bearer', access_token: 'tls-token', expires_in: 600 }
        : { data: [{ type: 'Shot', id: 7, attributes: { code: 'secure' }, relationships: {} }] };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  server.on('connection', (s: Socket) => {
    connections++;
    sockets.add(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  if (skip) return;
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const auth = { scriptName: 'tls', scriptKey: 'tls-key' };

test('a certificate from an unknown CA is refused (SG_NETWORK, not retried)', { skip }, async () => {
  const sg = new ShotGridClient({ site: url, auth, retry: { retries: 3, minTimeout: 10, maxTimeout: 20 } });
  const before = connections;
  await assert.rejects(sg.find('Shot', []), (e: unknown) => {
    assert.ok(isShotGridError(e));
    assert.equal(e.code, 'SG_NETWORK');
    assert.match(e.message, /TLS certificate verification failed.*ca option/);
    return true;
  });
  assert.equal(connections - before, 1);
  await sg.close();
});

test('the ca option trusts a private CA (PEM string or Buffer)', { skip }, async () => {
  for (const ca of [caPem, Buffer.from(caPem), [caPem]]) {
    const sg = new ShotGridClient({ site: url, auth, ca });
    const [shot] = await sg.find('Shot', [], { fields: ['code'] });
    assert.deepEqual(shot, { type: 'Shot', id: 7, code: 'secure' });
    await sg.close();
  }
});
