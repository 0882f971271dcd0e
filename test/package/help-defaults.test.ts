/**
 * Every default a help page shows comes from the library: the sources write `{{name}}`, the build
 * fills it in from LIBRARY_DEFAULTS (nodes/shared/help-defaults.ts). Checks the sources under
 * SG_ROOT (every placeholder known) and the built pages beside this test (none left, values in).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LIBRARY_DEFAULTS } from '../../lib/index.js';
import { fillHelpDefaults, HELP_DEFAULTS } from '../../nodes/shared/help-defaults.js';

const root = process.env.SG_ROOT ?? process.cwd();
const outRoot = resolve(__dirname, '..', '..');

function helpFiles(base: string): string[] {
  const dir = join(base, 'nodes', 'locales');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((locale) => readdirSync(join(dir, locale)).filter((f) => f.endsWith('.html')).map((f) => join(dir, locale, f)));
}

test('placeholders are filled from the library; an unknown one is reported', () => {
  const unknown: string[] = [];
  assert.equal(fillHelpDefaults('retries (default {{retries}}), {{ nope }}', unknown), `retries (default ${LIBRARY_DEFAULTS.retry.retries}), {{ nope }}`);
  assert.deepEqual(unknown, ['nope']);
});

test('the help sources use only known placeholders, and use them for the library defaults they name', () => {
  const sources = helpFiles(root);
  assert.ok(sources.length >= 6, 'no help pages found');
  const used = new Set<string>();
  for (const file of sources) {
    const unknown: string[] = [];
    const text = readFileSync(file, 'utf8');
    fillHelpDefaults(text, unknown);
    assert.deepEqual(unknown, [], `${file} has unknown placeholders`);
    for (const m of text.matchAll(/\{\{\s*([A-Za-z0-9]+)\s*\}\}/g)) used.add(m[1]!);
  }
  const unused = Object.keys(HELP_DEFAULTS).filter((name) => !used.has(name));
  assert.deepEqual(unused, [], 'defaults no help page shows');
});

test('the built help pages have every placeholder filled in', () => {
  const built = helpFiles(outRoot);
  assert.ok(built.length >= 6, `no built help pages under ${outRoot}`);
  for (const file of built) assert.doesNotMatch(readFileSync(file, 'utf8'), /\{\{/, file);
  const site = readFileSync(join(outRoot, 'nodes', 'locales', 'en-US', 'shotgrid-site.html'), 'utf8');
  assert.ok(site.includes(`default ${LIBRARY_DEFAULTS.retry.retries}; 0 fails at once`), 'the retries default is not the library\'s');
});

test('the editor pages take their properties\' defaults from the library too (no number written twice)', () => {
  const page = (name: string): string => readFileSync(join(outRoot, 'nodes', `${name}.html`), 'utf8');
  for (const name of ['shotgrid-site', 'shotgrid-find', 'shotgrid-write', 'shotgrid-upload', 'shotgrid-download', 'shotgrid-thumbnail-wait']) {
    assert.doesNotMatch(page(name), /\{\{/, name);
  }
  for (const name of ['shotgrid-upload', 'shotgrid-download']) {
    assert.match(page(name), new RegExp(`concurrent: \\{ value: ${LIBRARY_DEFAULTS.node.concurrentTransfers},`), name);
  }
  assert.match(page('shotgrid-thumbnail-wait'), new RegExp(`timeout: \\{ value: ${LIBRARY_DEFAULTS.thumbnailWait.timeout / 1000},`));
  // The sources write the placeholder, not the number.
  assert.match(readFileSync(join(root, 'nodes', 'shotgrid-thumbnail-wait.html'), 'utf8'), /timeout: \{ value: \{\{thumbnailTimeoutSeconds\}\},/);
});
