/**
 * The build removes outputs whose source is gone (scripts/stale-outputs.mjs): a renamed module's
 * old .js must not stay in dist/, be loaded by a test or go into a tarball packed from a working
 * copy. Copied assets (same name as their source) and outputs of existing sources stay.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = process.env.SG_ROOT ?? process.cwd();

test('outputs of deleted sources and folders go; outputs of present sources and copied assets stay', async () => {
  const { pruneStaleOutputs } = (await import(pathToFileURL(resolve(root, 'scripts', 'stale-outputs.mjs')).href)) as { pruneStaleOutputs(src: string, out: string): string[] };
  const dir = mkdtempSync(join(tmpdir(), 'stale-outputs-'));
  const src = join(dir, 'src');
  const out = join(dir, 'out');
  const files = (base: string, names: string[]): void => {
    for (const n of names) {
      mkdirSync(join(base, n, '..'), { recursive: true });
      writeFileSync(join(base, n), '');
    }
  };
  files(src, ['kept.ts', 'web/app.js', 'web/page.html', 'sub/inner.ts']);
  const kept = ['kept.js', 'kept.d.ts', 'kept.js.map', 'kept.d.ts.map', 'web/app.js', 'web/page.html', 'sub/inner.js'];
  const stale = ['gone.js', 'gone.d.ts', 'gone.js.map', 'sub/old-thread.js', 'notes.txt'];
  files(out, [...kept, ...stale, 'removed-dir/x.js']);
  const removed = pruneStaleOutputs(src, out);
  for (const k of kept) assert.equal(existsSync(join(out, k)), true, `${k} stays`);
  for (const s of stale) assert.equal(existsSync(join(out, s)), false, `${s} goes`);
  assert.equal(existsSync(join(out, 'removed-dir')), false, 'a folder whose source folder is gone goes');
  assert.equal(removed.length, stale.length + 1);
  assert.deepEqual(pruneStaleOutputs(src, join(dir, 'never-built')), []);
});
