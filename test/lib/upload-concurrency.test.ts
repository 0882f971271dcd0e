/**
 * Many parts in flight: the upload's shared abort signal gets a listener per part in flight, so
 * Node must not warn of a listener leak (it would at 11 listeners without the raised limit), and
 * the default plan sends 8 parts at once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { planUpload } from '../../lib/transfers/part-plan.js';
import { sha256, transferEnv, type TransferEnv } from './fixtures/transfer-env.js';
import { randomBytes } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';

const MiB = 1024 * 1024;
let env: TransferEnv;

before(async () => {
  env = await transferEnv({ transcodeDelay: 0 });
});
after(() => env.close());

test('the default plan puts 8 parts in flight', () => {
  assert.equal(planUpload(200_000_000).concurrency, 8);
});

test('the links parts wait for go before the look-aheads: with 3 connections and 4 parts in flight, links 2-4 are asked for first', async () => {
  // What the site receives, in order (the client's connection budget lets 3 requests out at once).
  const asked: number[] = [];
  const onStart = (message: unknown): void => {
    const url = (message as { request: IncomingMessage }).request.url ?? '';
    const n = /[?&]part_number=(\d+)/.exec(url);
    if (n && url.includes('/_upload/multipart')) asked.push(Number(n[1]));
  };
  diagnostics.subscribe('http.server.request.start', onStart);
  try {
    const bytes = randomBytes(8 * 5 * MiB);
    const path = env.file('links-first.bin', bytes);
    const id = await env.version();
    const sg = env.client({ maxConnections: 3, timeouts: { stall: 30_000 } });
    const result = await sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, path, { partSize: 5 * MiB, multipartThreshold: 5 * MiB, concurrency: 4 });
    assert.equal(result.parts, 8);
    // Parts 1-4 start together: part 1's link came with the init, 2-4 are asked for at once and
    // take the 3 connections; the look-aheads (5-8) queue behind them.
    assert.deepEqual(asked.slice(0, 3).sort((a, b) => a - b), [2, 3, 4], `part links in the order the site got them: ${asked.join(', ')}`);
    assert.deepEqual([...asked].sort((a, b) => a - b), [2, 3, 4, 5, 6, 7, 8], 'each link asked for once');
  } finally {
    diagnostics.unsubscribe('http.server.request.start', onStart);
  }
});

test('16 parts in flight: the file arrives whole and Node warns of no listener leak', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  try {
    const bytes = randomBytes(16 * 5 * MiB + 123);
    const path = env.file('many-parts.bin', bytes);
    const id = await env.version();
    // The shared fixture's 500 ms stall timeout is for fault tests; 16 parts at once on a busy
    // machine can legitimately pause longer.
    const sg = env.client({ timeouts: { stall: 30_000 } });
    const result = await sg.upload({ type: 'Version', id, field: 'sg_uploaded_movie' }, path, { partSize: 5 * MiB, multipartThreshold: 5 * MiB, concurrency: 16 });
    assert.equal(result.parts, 17);
    const back = await sg.download({ type: 'Version', id, field: 'sg_uploaded_movie' }, 'buffer', { maxBufferBytes: 100 * MiB });
    assert.equal(sha256(back.buffer!), sha256(bytes));
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning')), []);
  } finally {
    process.off('warning', onWarning);
  }
});
