/**
 * The first hour in the editor, in headless Chromium against the demo: the schema pickers list
 * the site's entity types and fields (image fields only for thumbnail wait), a typo is flagged in
 * the dialog before deploy, error statuses say why, a wrong key shows "bad credentials" on the
 * nodes right after deploy without any message, and an unreachable site shows the retry count.
 * Saves the README's screenshots (docs/images/) with SG_UPDATE_SCREENSHOTS=1.
 * Without Chromium it skips, except under CI=true where it fails.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { readSiteCredentials, startDemoProcess, type RunningDemo } from './demo-process.js';
import { launchChromium, unavailableReason, watchConsole, type ConsoleWatch } from './chromium.js';

const root = process.env.SG_ROOT ?? process.cwd();
const outputDir = join(root, 'test-output');
const docsImages = join(root, 'docs', 'images');
const inCi = process.env.CI === 'true' || process.env.CI === '1';
const unavailable = unavailableReason();

interface FlowNode {
  id: string;
  type: string;
  z?: string;
  [key: string]: unknown;
}

/** Browser-side globals the checks reach for. */
type Win = {
  RED: {
    nodes: { node(id: string): Record<string, unknown> & { credentials?: Record<string, unknown> }; dirty(d: boolean): void };
    workspaces: { show(id: string): void };
    actions: { invoke(name: string): void };
    view: { importNodes(nodes: unknown[], options?: unknown): void };
  };
};

/** Saves a screenshot under test-output/ and, for the README's images, in docs/images/ when asked or missing. */
async function screenshot(page: Page, name: string, forReadme = true): Promise<void> {
  mkdirSync(outputDir, { recursive: true });
  const file = join(outputDir, name);
  await page.screenshot({ path: file, type: 'png' });
  if (forReadme && (process.env.SG_UPDATE_SCREENSHOTS === '1' || !existsSync(join(docsImages, name)))) {
    mkdirSync(docsImages, { recursive: true });
    copyFileSync(file, join(docsImages, name));
  }
}

if (unavailable && inCi) {
  test('Chromium is available for the schema and status browser tests (CI=true)', () => {
    assert.fail(`headless Chromium is not available: ${unavailable}`);
  });
}

describe('schema pickers and connection states in the editor (headless Chromium)', { skip: unavailable && !inCi ? `no Chromium: ${unavailable}` : false }, () => {
  let userDir: string;
  let demo: RunningDemo | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let consoleWatch: ConsoleWatch;
  let flows: FlowNode[];

  before(async () => {
    if (unavailable) throw new Error(`headless Chromium is not available: ${unavailable}`);
    userDir = mkdtempSync(join(tmpdir(), 'sg-demo-schema-'));
    demo = await startDemoProcess(root, userDir);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    consoleWatch = watchConsole(page);
    await page.goto(demo.info.editor);
    await page.waitForFunction(() => Boolean((globalThis as unknown as { RED?: { nodes?: { getType?: (t: string) => unknown } } }).RED?.nodes?.getType?.('shotgrid-site')), undefined, { timeout: 30_000 });
    await page.waitForSelector('#red-ui-palette-container .red-ui-palette-node', { timeout: 30_000 });
    flows = (await (await fetch(new URL('flows', demo.info.editor))).json()) as FlowNode[];
  });

  after(async () => {
    await browser?.close();
    if (demo) assert.equal(await demo.stop(), 0, `the demo did not stop cleanly on SIGINT:\n${demo.logs()}`);
    if (userDir) rmSync(userDir, { recursive: true, force: true });
  });

  /** Opens the edit dialog of the first deployed node of `type`. */
  async function openDialog(type: string): Promise<FlowNode> {
    await closeDialog();
    const node = flows.find((n) => n.type === type && n.z && !flows.find((t) => t.id === n.z && t.disabled));
    assert.ok(node?.z, `no ${type} node is deployed in the demo`);
    await page.evaluate((id) => (globalThis as unknown as Win).RED.workspaces.show(id), node.z);
    await page.waitForTimeout(200);
    await page.locator(`[id="${node.id}"]`).dblclick();
    await page.waitForSelector('.red-ui-tray #dialog-form', { timeout: 15_000 });
    return node;
  }

  /** Cancels every open edit tray (a failed check must not leave one blocking the next test). */
  async function closeDialog(): Promise<void> {
    for (let i = 0; i < 3 && (await page.locator('.red-ui-tray').count()) > 0; i++) {
      await page.keyboard.press('Escape').catch(() => undefined);
      const cancel = page.locator('.red-ui-tray-toolbar button:has-text("Cancel")').last();
      if (await cancel.isVisible().catch(() => false)) await cancel.click().catch(() => undefined);
      await page.waitForTimeout(400);
    }
    await page.waitForSelector('.red-ui-tray', { state: 'detached', timeout: 15_000 });
  }

  /** The visible text input of the typedInput that replaced `#node-input-<prop>`. */
  function typedInputOf(prop: string) {
    return page.locator(`.red-ui-tray .form-row:has(#node-input-${prop}) .red-ui-typedInput-input-wrap input`).first();
  }

  /** Types `text` into a typedInput (a 'str' one) and returns the completions shown. */
  async function completions(prop: string, text: string): Promise<string[]> {
    const input = typedInputOf(prop);
    await input.click();
    await input.fill('');
    await input.pressSequentially(text, { delay: 30 });
    const menu = page.locator('.red-ui-autoComplete-container').last();
    await menu.waitFor({ state: 'visible', timeout: 15_000 });
    await page.waitForTimeout(300);
    const items = await menu.locator('li').allInnerTexts();
    return items.map((s) => s.trim().split(/\s+/)[0]!).filter(Boolean);
  }

  async function statusOf(nodeId: string): Promise<string> {
    return (await page.locator(`[id="${nodeId}"] .red-ui-flow-node-status-label`).first().textContent().catch(() => '')) ?? '';
  }

  async function waitForStatus(nodeId: string, pattern: RegExp, ms = 30_000): Promise<string> {
    let last = '';
    for (const deadline = Date.now() + ms; Date.now() < deadline; await page.waitForTimeout(250)) {
      last = await statusOf(nodeId);
      if (pattern.test(last)) return last;
    }
    throw new Error(`node ${nodeId}: status "${last}" never matched ${pattern}`);
  }

  /** Imports `nodes` onto a new tab `z` (ids kept, the demo's site filled in), shown, the flows marked changed. */
  async function importTab(z: string, label: string, nodes: FlowNode[]): Promise<void> {
    const site = demo!.info.siteId;
    await page.evaluate(({ z, label, nodes }) => {
      const w = globalThis as unknown as Win;
      w.RED.view.importNodes([{ id: z, type: 'tab', label }, ...nodes.map((n) => ({ ...n, z }))], { generateIds: false });
      w.RED.nodes.dirty(true);
      w.RED.workspaces.show(z);
    }, { z, label, nodes: nodes.map((n) => (n.type.startsWith('shotgrid-') ? { site, ...n } : n)) });
  }

  /** The nodes the editor holds invalid, with the reasons it gives. */
  function invalidNodes(): Promise<Array<{ id: string; type: string; z?: string; errors: string[] }>> {
    return page.evaluate(() => {
      const out: Array<{ id: string; type: string; z?: string; errors: string[] }> = [];
      (globalThis as unknown as { RED: { nodes: { eachNode(cb: (n: { id: string; type: string; z?: string; valid?: boolean; validationErrors?: string[] }) => void): void } } }).RED.nodes.eachNode((n) => {
        if (n.valid === false) out.push({ id: n.id, type: n.type, z: n.z, errors: n.validationErrors ?? [] });
      });
      return out;
    });
  }

  async function deploy(): Promise<void> {
    await closeDialog();
    await page.evaluate(() => (globalThis as unknown as Win).RED.actions.invoke('core:deploy-flows'));
    // A confirmation appears when the flows hold invalid nodes; confirm it.
    await page.waitForTimeout(500);
    const confirm = page.locator('button:has-text("Confirm deploy")').first();
    if (await confirm.isVisible().catch(() => false)) {
      const invalid = (await invalidNodes()).map((n) => `${n.type} ${n.id}: ${n.errors.join(', ')}`);
      console.log(`deploy: confirming despite invalid nodes: ${invalid.join('; ')}`);
      await confirm.click();
    }
    await page.waitForTimeout(1500);
  }

  test('the nodes show "connected" after the demo deployed, without any message', async () => {
    const find = flows.find((n) => n.type === 'shotgrid-find' && n.z)!;
    await page.evaluate((id) => (globalThis as unknown as Win).RED.workspaces.show(id), find.z!);
    await waitForStatus(find.id, /connected/);
  });

  test('find: the entity type picker lists the site\'s types, the fields picker the type\'s fields', async () => {
    await openDialog('shotgrid-find');
    const types = await completions('entityType', 'Sho');
    assert.ok(types.includes('Shot'), `entity types offered: ${types.join(', ')}`);
    await page.keyboard.press('Escape');
    await typedInputOf('entityType').fill('Shot');
    await typedInputOf('entityType').blur();
    const fields = await completions('fields', 'code, sg_');
    assert.ok(fields.some((f) => f.includes('sg_sequence') || f.includes('sg_status_list')), `fields offered: ${fields.join(', ')}`);
    await screenshot(page, 'schema-picker.png');
    await page.keyboard.press('Escape');
    await closeDialog();
    assert.deepEqual(consoleWatch.take(), []);
  });

  test('thumbnail wait: the field picker offers only image fields of the record type', async () => {
    await openDialog('shotgrid-thumbnail-wait');
    // "i" is in image, filmstrip_image and sg_uploaded_movie: only the image fields may be offered.
    const fields = await completions('field', 'i');
    assert.ok(fields.includes('image') && fields.includes('filmstrip_image'), `fields offered: ${fields.join(', ')}`);
    assert.ok(!fields.includes('sg_uploaded_movie'), `a non-image field was offered: ${fields.join(', ')}`);
    await page.keyboard.press('Escape');
    await closeDialog();
  });

  test('a typo in the entity type or a field is flagged in the dialog before deploy', async () => {
    await openDialog('shotgrid-find');
    await typedInputOf('entityType').fill('Shoot');
    await typedInputOf('entityType').blur();
    const warning = page.locator('.red-ui-tray .sg-schema-warning').filter({ hasText: 'Shoot' });
    await warning.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await warning.innerText(), /no entity type "Shoot"/);
    await typedInputOf('entityType').fill('Shot');
    await typedInputOf('entityType').blur();
    await warning.waitFor({ state: 'hidden', timeout: 15_000 });
    await typedInputOf('fields').fill('code, sg_no_such_field');
    await typedInputOf('fields').blur();
    await page.locator('.red-ui-tray .sg-schema-warning').filter({ hasText: 'sg_no_such_field' }).waitFor({ state: 'visible', timeout: 15_000 });
    await screenshot(page, 'schema-typo.png');
    await closeDialog();
    // Upload: a misspelt movie field for a Version.
    await openDialog('shotgrid-upload');
    await page.evaluate(() => {
      const $ = (globalThis as unknown as { $: (s: string) => { typedInput(op: string, v?: string): void } }).$;
      $('#node-input-field').typedInput('type', 'str');
      $('#node-input-field').typedInput('value', 'sg_uploaded_moive');
    });
    await page.locator('.red-ui-tray .sg-schema-warning').filter({ hasText: 'sg_uploaded_moive' }).waitFor({ state: 'visible', timeout: 15_000 });
    await closeDialog();
    assert.deepEqual(consoleWatch.take(), []);
  });

  test('a name the site does not have marks the node on the canvas before any dialog opens; the examples\' nodes stay valid', async () => {
    await importTab('sgcanvastab', 'canvas check', [
      { id: 'sgcanvasdl', type: 'shotgrid-download', name: 'moive', schemaType: 'Version', source: 'payload', sourceType: 'msg', field: 'sg_uploaded_moive', fieldType: 'str', destination: 'x/', destinationType: 'str', x: 160, y: 80, wires: [[]] },
      { id: 'sgcanvasfind', type: 'shotgrid-find', name: 'no such field', entityType: 'Shot', entityTypeType: 'str', filters: '[]', filtersType: 'json', fields: 'code, sg_no_such_field', fieldsType: 'str', x: 160, y: 160, wires: [[]] },
      { id: 'sgcanvasok', type: 'shotgrid-find', name: 'fine', entityType: 'Shot', entityTypeType: 'str', filters: '[]', filtersType: 'json', fields: 'code, sg_sequence.Sequence.code', fieldsType: 'str', x: 160, y: 240, wires: [[]] },
    ]);
    type Checked = { valid?: boolean; validationErrors?: string[] };
    const checked = (id: string) => page.evaluate((id) => {
      const n = (globalThis as unknown as Win).RED.nodes.node(id) as Checked;
      return { valid: n.valid, errors: n.validationErrors ?? [] };
    }, id);
    // The schema comes from the site after the import; the nodes are checked again when it does.
    await page.waitForFunction(() => ['sgcanvasdl', 'sgcanvasfind'].every((id) => ((globalThis as unknown as Win).RED.nodes.node(id) as Checked).valid === false), undefined, { timeout: 15_000 });
    assert.match((await checked('sgcanvasdl')).errors.join(' '), /Version has no field "sg_uploaded_moive"/);
    assert.match((await checked('sgcanvasfind')).errors.join(' '), /Shot has no field "sg_no_such_field"/);
    assert.equal((await checked('sgcanvasok')).valid, true, 'a linked path of an existing field was flagged');
    await page.locator('[id="sgcanvasdl"] .red-ui-flow-node-error').first().waitFor({ state: 'visible', timeout: 5_000 });
    await screenshot(page, 'canvas-schema-check.png', false);
    const invalidExamples = (await invalidNodes()).filter((n) => n.type.startsWith('shotgrid-') && n.z !== 'sgcanvastab' && n.z !== 'sgtypotab');
    assert.deepEqual(invalidExamples, [], 'an example node was flagged');
    // Mended, the mark goes.
    await page.evaluate(() => {
      const red = (globalThis as unknown as { RED: Win['RED'] & { editor: { validateNode(n: unknown): void }; view: { redraw(full: boolean): void } } }).RED;
      const node = red.nodes.node('sgcanvasdl');
      node.field = 'sg_uploaded_movie';
      red.editor.validateNode(node);
      red.view.redraw(true);
    });
    assert.equal((await checked('sgcanvasdl')).valid, true);
    // Deployed and the editor opened again: the flows' nodes are checked as they load.
    await deploy();
    await page.reload();
    await page.waitForFunction(() => Boolean((globalThis as unknown as { RED?: { nodes?: { node?: (id: string) => unknown } } }).RED?.nodes?.node?.('sgcanvasfind')), undefined, { timeout: 30_000 });
    await page.waitForFunction(() => ((globalThis as unknown as Win).RED.nodes.node('sgcanvasfind') as Checked).valid === false, undefined, { timeout: 15_000 });
    assert.equal((await checked('sgcanvasdl')).valid, true);
    assert.deepEqual(consoleWatch.take(), []);
  });

  test('an error status shows the code and a reason', async () => {
    const z = 'sgtypotab';
    await importTab(z, 'typo test', [
      { id: 'sgtypoinject', type: 'inject', name: 'typo test', x: 140, y: 80, wires: [['sgtypofind']], props: [{ p: 'payload' }], payloadType: 'date', repeat: '', once: false },
      { id: 'sgtypofind', type: 'shotgrid-find', name: 'find Shoot', entityType: 'Shoot', entityTypeType: 'str', filters: '[]', filtersType: 'json', fields: 'code', fieldsType: 'str', x: 340, y: 80, wires: [[]] },
    ]);
    await deploy();
    await page.evaluate((id) => (globalThis as unknown as Win).RED.workspaces.show(id), z);
    await waitForStatus('sgtypofind', /connected/);
    await page.locator('[id="sgtypoinject"] .red-ui-flow-node-button').click();
    const text = await waitForStatus('sgtypofind', /SG_/);
    assert.equal(text, 'SG_NOT_FOUND: not found');
    await screenshot(page, 'status-error-reason.png', false);
  });

  test('a wrong script key shows "bad credentials" on the nodes right after deploy, without any message', async () => {
    const siteId = demo!.info.siteId;
    await page.evaluate((id) => {
      const w = globalThis as unknown as Win;
      const site = w.RED.nodes.node(id);
      // has_scriptKey: the editor sends a password credential only when it knows one is set.
      site.credentials = { ...(site.credentials ?? {}), scriptKey: 'wrong-key-for-the-browser-test', has_scriptKey: true };
      site.changed = true;
      site.dirty = true;
      w.RED.nodes.dirty(true);
    }, siteId);
    await deploy();
    const find = flows.find((n) => n.type === 'shotgrid-find' && n.z === demo!.info.tabs[0]!.id) ?? flows.find((n) => n.type === 'shotgrid-find')!;
    await page.evaluate((z) => (globalThis as unknown as Win).RED.workspaces.show(z), find.z!);
    const text = await waitForStatus(find.id, /bad credentials/);
    assert.equal(text, 'SG_AUTH: bad credentials');
    await screenshot(page, 'status-bad-credentials.png');
  });

  test('an unreachable site shows the retry count and the wait', async () => {
    const siteId = demo!.info.siteId;
    const creds = readSiteCredentials(demo!.info);
    await page.evaluate(({ id, key }) => {
      const w = globalThis as unknown as Win;
      const site = w.RED.nodes.node(id);
      // Port 9 (discard): nothing listens there, so every connection is refused.
      site.site = 'http://127.0.0.1:9';
      site.credentials = { ...(site.credentials ?? {}), scriptKey: key, has_scriptKey: true };
      site.changed = true;
      site.dirty = true;
      w.RED.nodes.dirty(true);
    }, { id: siteId, key: creds.scriptKey ?? '' });
    await deploy();
    const find = flows.find((n) => n.type === 'shotgrid-find' && n.z === demo!.info.tabs[0]!.id) ?? flows.find((n) => n.type === 'shotgrid-find')!;
    const text = await waitForStatus(find.id, /retrying/);
    assert.match(text, /^site unreachable, retrying \d\/5 in \d+ s$/);
    await screenshot(page, 'status-retrying.png');
  });
});
