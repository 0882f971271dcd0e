/**
 * Each node's help page, in every locale, lists exactly the error codes the node can raise
 * (lib/error-codes.ts, the one table); and every code there has a short reason for the status.
 * Reads the help pages from the sources under SG_ROOT.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_REASONS, NODE_ERROR_CODES, errorStatusText } from '../../lib/index.js';

const root = process.env.SG_ROOT ?? process.cwd();
const localesDir = join(root, 'nodes', 'locales');

/** Problems of one help page against the codes its node can raise. */
function helpCodeProblems(help: string, codes: readonly string[]): string[] {
  const listed = new Set(help.match(/\bSG_[A-Z_]+\b/g) ?? []);
  const problems: string[] = [];
  for (const code of codes) if (!listed.has(code)) problems.push(`missing ${code}`);
  for (const code of listed) if (!codes.includes(code)) problems.push(`lists ${code}, which the node cannot raise`);
  return problems;
}

test('every code in the table has a short reason for the status line', () => {
  for (const codes of Object.values(NODE_ERROR_CODES)) {
    for (const code of codes) {
      const reason = (ERROR_REASONS as Record<string, string>)[code];
      assert.ok(reason, `${code} has no reason`);
      assert.ok(errorStatusText(code).length <= 40, `${code}: status text too long: ${errorStatusText(code)}`);
    }
  }
});

test('the check fails when a help page leaves out a code or lists a foreign one', () => {
  const help = readFileSync(join(localesDir, 'en-US', 'shotgrid-upload.html'), 'utf8');
  const codes = NODE_ERROR_CODES['shotgrid-upload']!;
  assert.deepEqual(helpCodeProblems(help.replaceAll('SG_STORAGE', ''), codes), ['missing SG_STORAGE']);
  assert.deepEqual(helpCodeProblems(`${help} SG_THUMBNAIL_PENDING`, codes), ['lists SG_THUMBNAIL_PENDING, which the node cannot raise']);
});

const locales = existsSync(localesDir) ? readdirSync(localesDir) : [];
test('there is at least the en-US locale', () => assert.ok(locales.includes('en-US'), `locales: ${locales.join(', ')}`));
for (const locale of locales) {
  for (const [type, codes] of Object.entries(NODE_ERROR_CODES)) {
    test(`${locale}/${type}.html lists exactly the codes ${type} can raise`, () => {
      const file = join(localesDir, locale, `${type}.html`);
      assert.ok(existsSync(file), `${file} is missing`);
      assert.deepEqual(helpCodeProblems(readFileSync(file, 'utf8'), codes), []);
    });
  }
}
