/**
 * The demo in a real browser: `scripts/start.mjs` (as `npm start` runs it) on free ports, the
 * Node-RED editor in headless Chromium (Debian's, driven by playwright-core). Checks the palette,
 * every edit dialog (no console errors), Test connection on the site config node, clicks the
 * Inject of example 1 and watches the Version's thumbnail become ready on the local site, and
 * saves screenshots (test-output/, and docs/images/ for the README).
 * Without Chromium it skips, except under CI=true where it fails.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { readSiteCredentials, startDemoProcess, type RunningDemo } from './demo-process.js';
import { accessToken, newestVersions, thumbnailReady } from './site-api.js';
import { launchChromium, unavailableReason, watchConsole, type ConsoleWatch } from './chromium.js';

const root = process.env.SG_ROOT ?? process.cwd();
const outputDir = join(root, 'test-output');
const docsImages = join(root, 'docs', 'images');
const nodeTypes = ['shotgrid-find', 'shotgrid-write', 'shotgrid-upload', 'shotgrid-download', 'shotgrid-thumbnail-wait'];
const configType = 'shotgrid-site';
const inCi = process.env.CI === 'true' || process.env.CI === '1';
const unavailable = unavailableReason();

/** Saves a screenshot under test-output/ and, for the README's images, in docs/images/ when asked or missing. */
async function screenshot(page: Page, name: string, forReadme = true): Promise<void> {
  mkdirSync(outputDir, { recursive: true });
  const file = join(outputDir, name);
  await page.screenshot({ path: file, type: 'png' });
  const docFile = join(docsImages, name);
  if (forReadme && (process.env.SG_UPDATE_SCREENSHOTS === '1' || !existsSync(docFile))) {
    mkdirSync(docsImages, { recursive: true });
    copyFileSync(file, docFile);
  }
}

if (unavailable && inCi) {
  test('Chromium is available for the browser tests (CI=true)', () => {
    assert.fail(`headless Chromium is not available: ${unavailable}`);
  });
}

describe('the demo in the Node-RED editor (headless Chromium)', { skip: unavailable && !inCi ? `no Chromium: ${unavailable}` : false }, () => {
  let userDir: string;
  let demo: RunningDemo | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let consoleWatch: ConsoleWatch;

  before(async () => {
    if (unavailable) throw new Error(`headless Chromium is not available: ${unavailable}`);
    userDir = mkdtempSync(join(tmpdir(), 'sg-demo-'));
    // Start twice on the same user directory: the second start must re-use/overwrite the first's state.
    const first = await startDemoProcess(root, userDir);
    assert.equal(await first.stop(), 0, 'the first demo did not stop cleanly on SIGINT');
    demo = await startDemoProcess(root, userDir);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    consoleWatch = watchConsole(page);
    await page.goto(demo.info.editor);
    await page.waitForFunction(() => {
      const red = (globalThis as unknown as { RED?: { nodes?: { getType?: (t: string) => unknown } } }).RED;
      return Boolean(red?.nodes?.getType?.('shotgrid-site'));
    }, undefined, { timeout: 30_000 });
    await page.waitForSelector('#red-ui-palette-container .red-ui-palette-node', { timeout: 30_000 });
  });

  after(async () => {
    await browser?.close();
    if (demo) {
      const code = await demo.stop();
      assert.equal(code, 0, `the demo did not stop cleanly on SIGINT:\n${demo.logs()}`);
      await assert.rejects(fetch(demo.info.editor), 'Node-RED still answers after the demo stopped');
      await assert.rejects(fetch(demo.info.emulator), 'the local site still answers after the demo stopped');
    }
    if (userDir) rmSync(userDir, { recursive: true, force: true });
  });

  test('the editor loads without console errors and the palette has the ShotGrid category with our nodes', async () => {
    const category = page.locator('#red-ui-palette-container-ShotGrid');
    await category.waitFor({ state: 'attached' });
    assert.match((await page.locator('#red-ui-palette-header-ShotGrid').innerText()).trim(), /ShotGrid/);
    for (const type of nodeTypes) {
      assert.equal(await category.locator(`.red-ui-palette-node[data-palette-type="${type}"]`).count(), 1, `${type} is not in the ShotGrid palette category`);
    }
    // The config node has no palette entry; it is registered with category "config".
    const siteCategory = await page.evaluate((t) => {
      const red = (globalThis as unknown as { RED: { nodes: { getType(t: string): { category?: string } | undefined } } }).RED;
      return red.nodes.getType(t)?.category;
    }, configType);
    assert.equal(siteCategory, 'config');
    assert.deepEqual(consoleWatch.take(), []);
  });

  test('Import > Examples lists our package with every examples/*.json', async () => {
    const expected = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
    assert.ok(expected.length > 0, 'examples/ holds no flow');
    const res = await fetch(new URL('library/examples/flows/@sgflow/node-red-shotgrid', demo!.info.editor));
    assert.equal(res.status, 200, 'Node-RED does not list examples for @sgflow/node-red-shotgrid');
    const listed = ((await res.json()) as Array<{ fn?: string }>).map((e) => e.fn).sort();
    assert.deepEqual(listed, expected);
    await page.evaluate(() => (globalThis as unknown as { RED: { actions: { invoke(name: string): void } } }).RED.actions.invoke('core:show-examples-import-dialog'));
    const dialog = page.locator('#red-ui-clipboard-dialog');
    await dialog.getByText('@sgflow/node-red-shotgrid').first().waitFor({ timeout: 15_000 });
    await page.click('#red-ui-clipboard-dialog-cancel');
    assert.deepEqual(consoleWatch.take(), []);
  });

  test('every node edit dialog opens and closes without console errors', async () => {
    const flows = (await (await fetch(new URL('flows', demo!.info.editor))).json()) as Array<{ id: string; type: string; z?: string }>;
    for (const type of nodeTypes) {
      const node = flows.find((n) => n.type === type);
      assert.ok(node?.z, `no ${type} node is deployed in the demo's flows (examples)`);
      await showTab(page, node.z);
      await page.locator(`[id="${node.id}"]`).dblclick();
      await page.waitForSelector('.red-ui-tray .red-ui-tray-body #dialog-form', { timeout: 15_000 });
      const inputs = await page.locator('.red-ui-tray #dialog-form .form-row').count();
      assert.ok(inputs > 0, `${type}: the edit dialog has no form rows`);
      if (type === 'shotgrid-upload' || type === 'shotgrid-download') await screenshot(page, `edit-dialog-${type.replace('shotgrid-', '')}.png`, false);
      await page.click('#node-dialog-cancel');
      await page.waitForSelector('.red-ui-tray', { state: 'detached', timeout: 15_000 });
      assert.deepEqual(consoleWatch.take(), [], `console errors while the ${type} dialog was open`);
    }
  });

  test('the shotgrid-site dialog opens from a node and Test connection succeeds', async () => {
    const flows = (await (await fetch(new URL('flows', demo!.info.editor))).json()) as Array<{ id: string; type: string; z?: string }>;
    const node = flows.find((n) => n.type === 'shotgrid-find');
    assert.ok(node?.z);
    const property = await page.evaluate((t) => {
      const red = (globalThis as unknown as { RED: { nodes: { getType(t: string): { defaults: Record<string, { type?: string }> } } } }).RED;
      return Object.entries(red.nodes.getType(t).defaults).find(([, d]) => d.type === 'shotgrid-site')?.[0];
    }, 'shotgrid-find');
    assert.ok(property, 'shotgrid-find has no property referring to a shotgrid-site config node');
    await showTab(page, node.z);
    await page.locator(`[id="${node.id}"]`).dblclick();
    await page.click(`#node-input-btn-${property}-edit, #node-input-lookup-${property}`);
    const form = page.locator('#node-config-dialog-edit-form');
    await form.waitFor({ timeout: 15_000 });
    assert.deepEqual(consoleWatch.take(), [], 'console errors while the shotgrid-site dialog opened');

    const button = form.getByRole('button', { name: /test connection/i }).or(form.locator('button, a.red-ui-button').filter({ hasText: /test connection/i })).first();
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().startsWith(demo!.info.editor), { timeout: 20_000 }),
      button.click(),
    ]);
    assert.equal(response.status(), 200, `the Test connection route answered ${response.status()}`);
    const body = await response.text();
    for (const [name, secret] of Object.entries(readSiteCredentials(demo!.info))) {
      if (/key|password|token|secret/i.test(name)) assert.ok(!body.includes(secret), `Test connection echoed the ${name}`);
    }
    // The result shows in the dialog (an element whose id ends in "test-result") or as a notification.
    const resultEl = form.locator('[id$="test-result"]');
    const readResult = async (): Promise<string> =>
      (await resultEl.count()) > 0 ? await resultEl.first().innerText() : `${await form.innerText()}\n${await page.locator('#red-ui-notifications').innerText().catch(() => '')}`;
    let text = '';
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await page.waitForTimeout(250)) {
      text = await readResult();
      if (/connected|success|succeeded|fail|error/i.test(text)) break;
    }
    assert.match(text, /connected|success|succeeded/i, `no success shown after Test connection: ${text.slice(0, 300)}`);
    assert.doesNotMatch(text, /fail|error|refused|denied/i, 'the dialog reports a failure');
    await screenshot(page, 'site-test-connection.png');
    assert.deepEqual(consoleWatch.take(), []);
    await page.click('#node-config-dialog-cancel');
    await page.click('#node-dialog-cancel');
    await page.waitForSelector('.red-ui-tray', { state: 'detached', timeout: 15_000 });
  });

  test('clicking the Inject of example 1 creates a Version whose thumbnail becomes ready', async () => {
    const info = demo!.info;
    const firstTab = info.tabs[0];
    assert.ok(firstTab, 'the demo deployed no tab');
    const inject = info.injects.find((i) => i.z === firstTab.id);
    assert.ok(inject, `example 1 (tab "${firstTab.label}") has no enabled Inject node`);
    const token = await accessToken(info.emulator, readSiteCredentials(info));
    const before = (await newestVersions(info.emulator, token, 1))[0]?.id ?? 0;

    await showTab(page, firstTab.id);
    await page.evaluate(() => (globalThis as unknown as { RED: { sidebar: { show(id: string): void } } }).RED.sidebar.show('debug'));
    await page.locator(`[id="${inject.id}"] .red-ui-flow-node-button`).click();

    let created: { id: number; image: string | null } | undefined;
    let sawPending = false;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      created = (await newestVersions(info.emulator, token, 5)).find((v) => v.id > before);
      if (created && !thumbnailReady(created.image) && created.image?.includes('/images/status/transient/')) sawPending = true;
      if (created && thumbnailReady(created.image)) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.ok(created, `no Version was created within 60 s of clicking "${inject.name}":\n${demo!.logs()}`);
    assert.ok(thumbnailReady(created.image), `the Version's thumbnail did not become ready (image: ${created.image === null ? 'null' : 'placeholder'})`);
    if (!sawPending) console.log('note: the thumbnail was ready before the first poll saw it pending');
    await new Promise((r) => setTimeout(r, 1000)); // let the Debug sidebar show the last message
    await screenshot(page, 'editor.png');
    assert.deepEqual(consoleWatch.take(), []);
  });

  test('the local site page (when the emulator serves one) shows what the flow did', async (t) => {
    const res = await fetch(demo!.info.emulator, { headers: { Accept: 'text/html' } });
    if (res.status === 404 || !(res.headers.get('content-type') ?? '').includes('text/html')) {
      t.skip(`the emulator serves no web page at / yet (${res.status})`);
      return;
    }
    const sitePage = await browser!.newPage({ viewport: { width: 1280, height: 720 } });
    const watch = watchConsole(sitePage);
    await sitePage.goto(demo!.info.emulator);
    await sitePage.waitForLoadState('networkidle');
    await screenshot(sitePage, 'emulator.png');
    assert.deepEqual(watch.take(), []);
    await sitePage.close();
  });
});

/** Shows a flow tab the way a click on its tab would. */
async function showTab(page: Page, tabId: string): Promise<void> {
  await page.evaluate((id) => (globalThis as unknown as { RED: { workspaces: { show(id: string): void } } }).RED.workspaces.show(id), tabId);
  await page.waitForTimeout(200);
}
