/**
 * `close()` ends a client's work for good: a call waiting in retry backoff (its own, or the shared
 * token renewal's, which no caller's signal ends) rejects with SG_ABORTED at once, and no backoff
 * timer or socket stays behind to keep the process alive (a redeployed site node closes its client
 * this way).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ShotGridClient, isShotGridError } from '../../lib/index.js';

let server: Server;
let url: string;
let hits = 0;
const sockets = new Set<Socket>();

before(async () => {
  // Every answer is a 503: retried with backoff for ever (as far as the policy goes).
  server = createServer((req, res) => {
    hits++;
    req.resume();
    res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ status: 503, title: 'busy' }] }));
  });
  server.on('connection', (s: Socket) => sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function timers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

for (const phase of ['token renewal', 'request'] as const) {
  test(`close() during a ${phase} in backoff: the call rejects SG_ABORTED, no timer is left`, async () => {
    const sg = new ShotGridClient({ site: url, auth: { scriptName: 's', scriptKey: 'k' }, retry: { retries: 5, minTimeout: 5000, maxTimeout: 10_000 } });
    const baseline = timers();
    hits = 0;
    // A request needing a token (the shared renewal retries), or an anonymous one (its own retries).
    const call = phase === 'token renewal' ? sg.find('Shot', []) : sg.info();
    const outcome = call.then(() => 'resolved', (e: unknown) => e);
    while (hits === 0) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(timers() > baseline, 'no backoff timer to begin with');
    await sg.close();
    const err = await outcome;
    assert.ok(isShotGridError(err), String(err));
    assert.equal(err.code, 'SG_ABORTED');
    await new Promise((r) => setImmediate(r));
    assert.equal(timers(), baseline, 'a backoff timer outlived close()');
    assert.equal(hits, 1, 'the closed client kept trying');
  });
}
