/**
 * Every example the demo deploys, run as a user would: `scripts/start.mjs` on free ports, the
 * editor in headless Chromium, a click on each tab's Inject (examples 1, 2, 3 in order: 3
 * downloads what 1 and 2 uploaded), and each must end in success — its Debug node's message
 * (read from the editor's debug channel, as the Debug sidebar shows it) and what it did on the
 * local site and on disk. Disabled tabs (example 4 needs an MQTT broker) are not run.
 * Without Chromium it skips, except under CI=true where it fails.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { readSiteCredentials, startDemoProcess, type RunningDemo } from './demo-process.js';
import { accessToken, thumbnailReady } from './site-api.js';
import { launchChromium, unavailableReason, watchConsole, type ConsoleWatch } from './chromium.js';

const root = process.env.SG_ROOT ?? process.cwd();
const outputDir = join(root, 'test-output');
const inCi = process.env.CI === 'true' || process.env.CI === '1';
const unavailable = unavailableReason();

/** One message the editor's Debug sidebar received. */
interface DebugMessage {
  id: string;
  name?: string;
  format?: string;
  msg: string;
}

/** A record read straight from the site's REST API (independent of lib/). */
async function readRecord(site: string, token: string, slug: string, id: number, fields: string): Promise<Record<string, unknown>> {
  const res = await fetch(new URL(`/api/v1/entity/${slug}/${id}?fields=${fields}`, site), { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
  if (!res.ok) throw new Error(`GET ${slug}/${id} answered ${res.status}`);
  return ((await res.json()) as { data: { attributes: Record<string, unknown> } }).data.attributes;
}

if (unavailable && inCi) {
  test('Chromium is available for the examples browser test (CI=true)', () => {
    assert.fail(`headless Chromium is not available: ${unavailable}`);
  });
}

describe('every example in the demo, clicked in the editor, ends in success', { skip: unavailable && !inCi ? `no Chromium: ${unavailable}` : false }, () => {
  let userDir: string;
  let demo: RunningDemo | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let consoleWatch: ConsoleWatch;
  let token: string;

  before(async () => {
    if (unavailable) throw new Error(`headless Chromium is not available: ${unavailable}`);
    userDir = mkdtempSync(join(tmpdir(), 'sg-demo-examples-'));
    demo = await startDemoProcess(root, userDir);
    token = await accessToken(demo.info.emulator, readSiteCredentials(demo.info));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    consoleWatch = watchConsole(page);
    await page.goto(demo.info.editor);
    await page.waitForFunction(() => {
      const red = (globalThis as unknown as { RED?: { comms?: { subscribe?: unknown }; nodes?: { getType?: (t: string) => unknown } } }).RED;
      return Boolean(red?.comms?.subscribe && red.nodes?.getType?.('shotgrid-site'));
    }, undefined, { timeout: 30_000 });
    await page.waitForSelector('#red-ui-palette-container .red-ui-palette-node', { timeout: 30_000 });
    // Collect what the Debug sidebar is sent, as it is sent.
    await page.evaluate(() => {
      const g = globalThis as unknown as { __debug: unknown[]; RED: { comms: { subscribe(topic: string, cb: (topic: string, msg: unknown) => void): void } } };
      g.__debug = [];
      g.RED.comms.subscribe('debug', (_topic, msg) => g.__debug.push(msg));
    });
  });

  after(async () => {
    await browser?.close();
    if (demo) assert.equal(await demo.stop(), 0, `the demo did not stop cleanly on SIGINT:\n${demo.logs()}`);
    if (userDir) rmSync(userDir, { recursive: true, force: true });
  });

  /** Clicks the Inject of the tab `label` starts with and resolves with the first message of Debug node `debugId`. */
  async function runExample(prefix: string, debugId: string, ms = 90_000): Promise<DebugMessage> {
    const info = demo!.info;
    const tab = info.tabs.find((t) => t.label.startsWith(prefix));
    assert.ok(tab, `no tab for example ${prefix}: ${info.tabs.map((t) => t.label).join(', ')}`);
    const inject = info.injects.find((i) => i.z === tab.id);
    assert.ok(inject, `example ${prefix} (tab "${tab.label}") has no enabled Inject node`);
    await page.evaluate((id) => (globalThis as unknown as { RED: { workspaces: { show(id: string): void } } }).RED.workspaces.show(id), tab.id);
    await page.locator(`[id="${inject.id}"] .red-ui-flow-node-button`).click();
    const handle = await page.waitForFunction((id) => {
      const found = (globalThis as unknown as { __debug: Array<{ id: string }> }).__debug.find((m) => m.id === id);
      return found ?? false;
    }, debugId, { timeout: ms, polling: 200 }).catch((err: Error) => {
      throw new Error(`example ${prefix}: no message at its Debug node within ${ms / 1000} s (${err.message})\n${demo!.logs()}`);
    });
    const message = (await handle.jsonValue()) as DebugMessage;
    mkdirSync(outputDir, { recursive: true });
    await page.screenshot({ path: join(outputDir, `example-${prefix}.png`), type: 'png' });
    return message;
  }

  test('01: the sample farm job is published — a Version with its movie and ready thumbnail, and a PublishedFile at the movie\'s path', async () => {
    const { msg } = await runExample('01', 'ex1-debug');
    const result = JSON.parse(msg) as { status: string; version: { type: string; id: number }; thumbnail: string | null };
    assert.equal(result.status, 'published', msg);
    assert.ok(thumbnailReady(result.thumbnail), `the answer's thumbnail is not ready: ${String(result.thumbnail)}`);
    const version = await readRecord(demo!.info.emulator, token, 'versions', result.version.id, 'code,sg_uploaded_movie,published_files');
    assert.equal((version.sg_uploaded_movie as { name?: string } | null)?.name, 'bbb_010_0010_comp_v101.mov');
    const url = new URL('/api/v1/entity/published_files/_search', demo!.info.emulator);
    const res = await fetch(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/vnd+shotgun.api3_array+json' },
      body: JSON.stringify({ filters: [['version', 'is', { type: 'Version', id: result.version.id }]], fields: ['path'] }),
    });
    const published = ((await res.json()) as { data: Array<{ attributes: { path: { link_type?: string; local_path_linux?: string; local_path_mac?: string } } }> }).data;
    assert.equal(published.length, 1, 'one PublishedFile next to the Version');
    const path = published[0]!.attributes.path;
    assert.equal(path.link_type, 'local');
    assert.match(path.local_path_linux ?? path.local_path_mac ?? '', /\/media\/bbb_010_0010_comp_v101\.mov$/);
    assert.deepEqual(consoleWatch.take(), []);
  });

  test('02: the nightly publish uploads every approved Version\'s deliverable and reports no failure', async () => {
    const { msg } = await runExample('02', 'ex2-debug');
    const report = JSON.parse(msg) as { summary: string; uploaded: number; failed: number; details: Array<{ version: number; ok: boolean }> };
    assert.equal(report.failed, 0, msg);
    assert.ok(report.uploaded >= 1, `nothing was uploaded: ${msg}`);
    assert.equal(report.summary, `${report.uploaded} uploaded, 0 failed`);
    for (const d of report.details) {
      const v = await readRecord(demo!.info.emulator, token, 'versions', d.version, 'sg_uploaded_movie');
      assert.notEqual(v.sg_uploaded_movie, null, `Version ${d.version} holds no movie`);
    }
    assert.deepEqual(consoleWatch.take(), []);
  });

  test('03: the newest .mov files are downloaded into deliverables/downloaded/, none failed', async () => {
    const { msg } = await runExample('03', 'ex3-debug');
    const files = JSON.parse(msg) as Array<{ file: string | null; bytes?: number; error?: string }>;
    assert.ok(files.length >= 1, msg);
    const folder = join(demo!.info.userDir, 'files', 'deliverables', 'downloaded');
    for (const f of files) {
      assert.ok(f.file, `a download failed: ${JSON.stringify(f)}`);
      assert.ok(existsSync(f.file) && statSync(f.file).size === f.bytes, `${f.file} was not written with ${f.bytes} bytes`);
    }
    assert.equal(readdirSync(folder).length, files.length, `${folder} holds other files than those listed`);
    assert.deepEqual(consoleWatch.take(), []);
  });
});
