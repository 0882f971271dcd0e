/**
 * Every locale (en-US, ja, …) has every node's message catalogue with exactly the keys of
 * en-US, the same `__placeholders__` in each text, and a help page for the same node with the
 * same `{{defaults}}`. A key added in en-US alone fails here: add it to every locale.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.env.SG_ROOT ?? process.cwd();
const localesDir = join(root, 'nodes', 'locales');
const BASE = 'en-US';

type Catalogue = { [key: string]: string | Catalogue };

/** `a.b.c` → text of every leaf. */
function flatten(catalogue: Catalogue, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(catalogue)) {
    if (typeof value === 'string') out.set(prefix + key, value);
    else for (const [k, v] of flatten(value, `${prefix}${key}.`)) out.set(k, v);
  }
  return out;
}

const placeholders = (text: string, re: RegExp): string[] => [...new Set(text.match(re) ?? [])].sort();

/** What a translated catalogue lacks or has too many of, against the base one. */
export function catalogueProblems(base: Catalogue, other: Catalogue): string[] {
  const b = flatten(base);
  const o = flatten(other);
  const problems: string[] = [];
  for (const [key, text] of b) {
    if (!o.has(key)) problems.push(`missing ${key}`);
    else if (placeholders(text, /__\w+__/g).join() !== placeholders(o.get(key)!, /__\w+__/g).join()) problems.push(`${key}: placeholders differ`);
    else if (o.get(key)!.trim() === '' && text.trim() !== '') problems.push(`${key}: empty`);
  }
  for (const key of o.keys()) if (!b.has(key)) problems.push(`extra ${key}`);
  return problems;
}

/** What a translated help page lacks against the base one. */
export function helpProblems(base: string, other: string): string[] {
  const names = (html: string): string[] => placeholders(html, /data-help-name="[^"]+"/g);
  const problems: string[] = [];
  if (names(base).join() !== names(other).join()) problems.push(`help for ${names(other).join() || 'nothing'}, expected ${names(base).join()}`);
  if (placeholders(base, /\{\{\w+\}\}/g).join() !== placeholders(other, /\{\{\w+\}\}/g).join()) problems.push('{{defaults}} differ');
  return problems;
}

const locales = existsSync(localesDir) ? readdirSync(localesDir) : [];
const baseFiles = existsSync(join(localesDir, BASE)) ? readdirSync(join(localesDir, BASE)) : [];
const read = (locale: string, file: string): string => readFileSync(join(localesDir, locale, file), 'utf8');

test('there are en-US and ja catalogues and help pages for every node', () => {
  assert.ok(locales.includes(BASE) && locales.includes('ja'), `locales: ${locales.join(', ')}`);
  assert.ok(baseFiles.filter((f) => f.endsWith('.json')).length >= 6 && baseFiles.filter((f) => f.endsWith('.html')).length >= 6, baseFiles.join(', '));
});

test('the checks fail on a missing or extra key, a lost placeholder and a help page for another node', () => {
  const base: Catalogue = { n: { a: 'x __count__', b: { c: 'y' } } };
  assert.deepEqual(catalogueProblems(base, { n: { a: 'x', b: {}, d: 'z' } }), ['n.a: placeholders differ', 'missing n.b.c', 'extra n.d']);
  assert.deepEqual(helpProblems('<script data-help-name="t1">{{a}}</script>', '<script data-help-name="t2"></script>'), ['help for data-help-name="t2", expected data-help-name="t1"', '{{defaults}} differ']);
});

for (const locale of locales.filter((l) => l !== BASE)) {
  for (const file of baseFiles) {
    test(`${locale}/${file} matches en-US`, () => {
      assert.ok(existsSync(join(localesDir, locale, file)), `${locale}/${file} is missing`);
      const problems = file.endsWith('.json')
        ? catalogueProblems(JSON.parse(read(BASE, file)) as Catalogue, JSON.parse(read(locale, file)) as Catalogue)
        : helpProblems(read(BASE, file), read(locale, file));
      assert.deepEqual(problems, []);
    });
  }
}
