/**
 * The editor in Japanese (a browser whose language is ja, as Node-RED picks it): our palette
 * entries are there, the node definitions translate through our ja catalogues, an edit dialog
 * shows Japanese labels and the help sidebar shows the Japanese help. Screenshot in
 * test-output/editor-ja.png. Without Chromium it skips, except under CI=true where it fails
 * (editor.test.ts reports the missing browser).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startDemoProcess, type RunningDemo } from './demo-process.js';
import { launchChromium, unavailableReason } from './chromium.js';

const root = process.env.SG_ROOT ?? process.cwd();
const unavailable = unavailableReason();
const inCi = process.env.CI === 'true' || process.env.CI === '1';

type Red = {
  _(key: string): string;
  nodes: { getType(t: string): { _(key: string): string } | undefined };
  sidebar: { help: { show(type: string): void } };
  workspaces: { show(id: string): void };
};

describe('the editor in Japanese (headless Chromium)', { skip: unavailable && !inCi ? `no Chromium: ${unavailable}` : false }, () => {
  let userDir: string;
  let demo: RunningDemo | undefined;
  let browser: Browser | undefined;
  let page: Page;

  before(async () => {
    if (unavailable) throw new Error(`headless Chromium is not available: ${unavailable}`);
    userDir = mkdtempSync(join(tmpdir(), 'sg-demo-ja-'));
    demo = await startDemoProcess(root, userDir);
    browser = await launchChromium();
    const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 720 } });
    page = await context.newPage();
    await page.goto(demo.info.editor);
    await page.waitForFunction(() => Boolean((globalThis as unknown as { RED?: Red }).RED?.nodes?.getType?.('shotgrid-site')), undefined, { timeout: 60_000 });
    await page.waitForSelector('#red-ui-palette-container-ShotGrid .red-ui-palette-node', { timeout: 30_000 });
  });

  after(async () => {
    await browser?.close();
    if (demo) await demo.stop();
    if (userDir) rmSync(userDir, { recursive: true, force: true });
  });

  test('the editor is in Japanese and our labels, dialog and help are too', async () => {
    const texts = await page.evaluate(() => {
      const red = (globalThis as unknown as { RED: Red }).RED;
      return {
        core: red._('common.label.name'),
        sendEmpty: red.nodes.getType('shotgrid-find')!._('shotgrid-find.label.sendEmpty'),
        site: red.nodes.getType('shotgrid-site')!._('shotgrid-site.paletteLabel'),
      };
    });
    assert.equal(texts.core, '名前', 'the editor itself is not in Japanese');
    assert.equal(texts.sendEmpty, '一致がないときもメッセージを送る');
    assert.equal(texts.site, 'ShotGrid サイト');
    assert.equal((await page.locator('#red-ui-palette-container-ShotGrid .red-ui-palette-node[data-palette-type="shotgrid-find"]').innerText()).trim(), 'sg find');

    const flows = (await (await fetch(new URL('flows', demo!.info.editor))).json()) as Array<{ id: string; type: string; z?: string }>;
    const find = flows.find((n) => n.type === 'shotgrid-find');
    assert.ok(find?.z, 'no find node in the demo flows');
    await page.evaluate((id) => (globalThis as unknown as { RED: Red }).RED.workspaces.show(id), find.z);
    await page.waitForTimeout(300);
    await page.locator(`[id="${find.id}"]`).dblclick();
    await page.waitForSelector('.red-ui-tray #dialog-form', { timeout: 15_000 });
    const dialog = await page.locator('.red-ui-tray #dialog-form').innerText();
    assert.match(dialog, /エンティティ型/);
    assert.match(dialog, /フィルター/);
    mkdirSync(join(root, 'test-output'), { recursive: true });
    await page.screenshot({ path: join(root, 'test-output', 'editor-ja.png') });
    await page.keyboard.press('Escape');
    await page.click('#node-dialog-cancel').catch(() => undefined);

    await page.evaluate(() => (globalThis as unknown as { RED: Red }).RED.sidebar.help.show('shotgrid-find'));
    const help = page.locator('.red-ui-help');
    await help.getByText('1 つのエンティティ型の ShotGrid レコードを検索', { exact: false }).first().waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(root, 'test-output', 'help-ja.png') });
  });
});
