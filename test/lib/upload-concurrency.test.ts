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

const MiB = 1024 * 1024;
let env: TransferEnv;

before(async () => {
  env = await transferEnv({ transcodeDelay: 0 });
});
after(() => env.close());

test('the default plan puts 8 parts in flight', () => {
  assert.equal(planUpload(200_000_000).concurrency, 8);
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
