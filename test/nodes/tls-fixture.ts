/**
 * A private CA and an https front for the emulator: certificates made with the openssl CLI (as
 * test/lib/tls.test.ts does), and a small https reverse proxy that passes every request through
 * to the emulator's http URL. Nodes pointed at the https URL meet a certificate no public root signs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Why TLS tests are skipped, or false when the openssl CLI is there. */
export function opensslMissing(): string | false {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'the openssl CLI is not installed';
  }
}

/** A CA (PEM, and its file) and an https proxy to `target` with a certificate it signed. */
export interface HttpsFront {
  url: string;
  caPem: string;
  caFile: string;
  close(): Promise<void>;
}

/** Makes a CA and a 127.0.0.1/localhost certificate, and serves `target` over https with it. */
export async function httpsFront(target: string): Promise<HttpsFront> {
  const dir = mkdtempSync(join(tmpdir(), 'sg-tls-front-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=sgflow node test CA');
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'site.key', '-out', 'site.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run('x509', '-req', '-in', 'site.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'site.pem', '-days', '2', '-extfile', 'san.ext');
  const caPem = readFileSync(join(dir, 'ca.pem'), 'utf8');
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  const server: Server = createServer({ key: readFileSync(join(dir, 'site.key')), cert: readFileSync(join(dir, 'site.pem')) }, (req, res) => {
    const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caPem,
    caFile: join(dir, 'ca.pem'),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
