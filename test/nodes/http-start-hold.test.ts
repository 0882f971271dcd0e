/**
 * Node-RED listens before its flows have started: for that moment a farm's delivery for an
 * HTTP-in endpoint used to be answered `404 Cannot POST`, which a farm takes for "this job is
 * wrong" and never retries (the soak's farm leg lost a job that way after a restart). Example 1
 * in a whole Node-RED (child process) whose flows file takes 1.5 s to read: a delivery in that
 * moment is held and answered by the flow once it runs; with a shorter hold it is answered 503
 * with Retry-After; with the hold turned off it gets the 404 (so the test can fail).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emulator } from '../../emulator/index.js';
import { endpointMatches, httpInEndpoint } from '../../nodes/shared/http-start-hold.js';
import { farmNodeRed } from './farm-node-red.js';
import { startSite } from './harness.js';

const root = process.env.SG_ROOT ?? join(__dirname, '..', '..', '..');
const LOAD_DELAY_MS = 1500;

let emulator: Emulator;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sg-http-hold-'));
  emulator = await startSite();
});

after(async () => {
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  retryAfter: string | null;
  text: string;
  /** From sending the request to its answer. */
  ms: number;
}

/**
 * Starts Node-RED with a slow flows load and posts an empty job to example 1's endpoint every
 * 10 ms from the moment it listens until the flow answers it (400): every answer, in order.
 */
async function answersDuringStart(name: string, settings: Record<string, unknown>): Promise<Answer[]> {
  const farm = await farmNodeRed({ root, site: emulator, userDir: join(dir, name), mediaDir: join(dir, 'media'), settings, flowsLoadDelayMs: LOAD_DELAY_MS });
  const answers: Answer[] = [];
  const starting = farm.start();
  const deadline = Date.now() + 60_000;
  try {
    while (Date.now() < deadline) {
      const sent = Date.now();
      try {
        const res = await fetch(farm.endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        answers.push({ status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text(), ms: Date.now() - sent });
        if (res.status === 400) break;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await starting;
  } finally {
    await farm.stop();
  }
  return answers;
}

test('a delivery while Node-RED starts its flows is held, then answered by the flow: never 404', async () => {
  const answers = await answersDuringStart('held', {});
  assert.deepEqual(answers.map((a) => a.status), [400], JSON.stringify(answers));
  assert.match(answers[0]!.text, /shot/i, 'the flow itself answered (the empty job has no shot)');
  // Sent as soon as Node-RED listened, well before its flows file was read.
  assert.ok(answers[0]!.ms >= 500, `the delivery was held (${answers[0]!.ms} ms)`);
});

test('a start longer than the hold: the delivery is answered 503 with Retry-After, which a farm retries', async () => {
  const answers = await answersDuringStart('short-hold', { shotgridSiteHttpStartHold: 300 });
  const refused = answers.filter((a) => a.status === 503);
  assert.ok(refused.length >= 1, JSON.stringify(answers));
  assert.equal(refused[0]!.retryAfter, '5');
  assert.match(refused[0]!.text, /starting its flows/);
  assert.ok(refused[0]!.ms >= 250, `held for the hold first (${refused[0]!.ms} ms)`);
  assert.ok(!answers.some((a) => a.status === 404), JSON.stringify(answers));
  assert.equal(answers.at(-1)!.status, 400, 'then the flow answers');
});

test('with the hold off (shotgridSiteHttpStartHold 0), Node-RED answers 404 while its flows start', async () => {
  const answers = await answersDuringStart('no-hold', { shotgridSiteHttpStartHold: 0 });
  assert.ok(answers.some((a) => a.status === 404), JSON.stringify(answers.map((a) => a.status)));
  assert.equal(answers.at(-1)!.status, 400);
});

test('which requests an HTTP-in endpoint takes, as Express matches them', () => {
  const job = httpInEndpoint('/farm/job-finished', 'post');
  assert.ok(endpointMatches(job, 'POST', '/farm/job-finished'));
  assert.ok(endpointMatches(job, 'post', '/Farm/Job-Finished/'));
  assert.ok(!endpointMatches(job, 'GET', '/farm/job-finished'));
  assert.ok(!endpointMatches(job, 'POST', '/farm/job-finished/extra'));
  assert.ok(!endpointMatches(job, 'POST', '/farm'));
  const byId = httpInEndpoint('jobs/:id', 'get');
  assert.ok(endpointMatches(byId, 'GET', '/jobs/42'));
  assert.ok(endpointMatches(byId, 'HEAD', '/jobs/42'));
  assert.ok(!endpointMatches(byId, 'GET', '/jobs'));
  const optional = httpInEndpoint('/jobs/:id?', 'get');
  assert.ok(endpointMatches(optional, 'GET', '/jobs'));
  const files = httpInEndpoint('/files/*', 'get');
  assert.ok(endpointMatches(files, 'GET', '/files/a/b.mov'));
  assert.ok(!endpointMatches(files, 'GET', '/other/a'));
});
