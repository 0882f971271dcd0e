#!/usr/bin/env node
// Compiles every TypeScript source (lib, nodes, emulator, test, bench) to CommonJS under
// $SG_OUT (default dist/) and copies the non-TS assets Node-RED and the emulator need at run time
// (node .html files, locales, icons, emulator public files).
//   --strict   fail on any type error (npm test, CI)
//   --release  also: no source maps in the shipped folders (`prepack` runs this; see release-files.mjs)
// Without --strict type errors are printed but the emit is kept, so one half-written module does
// not block work elsewhere.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, statSync, mkdirSync, chmodSync, writeFileSync } from 'node:fs';
import { join, dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { SHIPPED_DIRS, stripSourceMaps } from './release-files.mjs';
import { pruneStaleOutputs } from './stale-outputs.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(root, process.env.SG_OUT || 'dist');
const release = process.argv.includes('--release');
const strict = release || process.argv.includes('--strict');
const require = createRequire(import.meta.url);

const tsc = require.resolve('typescript/bin/tsc');
const res = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json'), '--outDir', out], {
  stdio: 'inherit',
  cwd: root,
});
if (res.status !== 0) {
  console.error(`build: tsc reported errors${strict ? '' : ' (emit kept; run with --strict to fail)'}`);
  if (strict) process.exit(res.status ?? 1);
}

// What a renamed or deleted source left behind goes (tsc only ever adds).
for (const top of ['lib', 'nodes', 'emulator', 'test', 'bench']) pruneStaleOutputs(join(root, top), join(out, top));
// Copy assets: everything under these folders that is not TypeScript.
for (const top of ['nodes', 'emulator', 'lib']) {
  copyAssets(join(root, top), join(out, top));
}
// The editor pages (nodes/*.html: the properties' defaults) and the locales (help pages, placeholders).
fillHelp(join(out, 'nodes'));
if (release) for (const top of SHIPPED_DIRS) stripSourceMaps(join(out, top));
const cli = join(out, 'emulator', 'cli.js');
if (existsSync(cli)) chmodSync(cli, 0o755);

function copyAssets(src, dest) {
  if (!existsSync(src)) return;
  for (const name of readdirSync(src)) {
    const s = join(src, name);
    const d = join(dest, name);
    if (statSync(s).isDirectory()) {
      copyAssets(s, d);
    } else if (!/\.(ts|tsx|mts|cts)$/.test(name)) {
      mkdirSync(dirname(d), { recursive: true });
      cpSync(s, d);
    }
  }
}
/**
 * Help pages, locale texts and the editor pages' property defaults show the library's defaults
 * through `{{name}}` placeholders (nodes/shared/help-defaults.ts): filled in here from the compiled
 * library, so a default is never copied by hand.
 */
function fillHelp(dir) {
  const helpers = join(out, 'nodes', 'shared', 'help-defaults.js');
  if (!existsSync(dir) || !existsSync(helpers)) return;
  const { fillHelpDefaults } = require(helpers);
  const unknown = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.html') || (name.endsWith('.json') && d.includes('locales'))) {
        const before = readFileSync(p, 'utf8');
        const found = [];
        const after = fillHelpDefaults(before, found);
        for (const n of found) unknown.push(`${relative(root, p)}: {{${n}}}`);
        if (after !== before) writeFileSync(p, after);
      }
    }
  };
  walk(dir);
  if (unknown.length) {
    console.error(`build: unknown help placeholders:\n  ${unknown.join('\n  ')}`);
    process.exit(1);
  }
}
if (process.env.SG_BUILD_VERBOSE) console.log(`build: ${relative(root, out) || '.'} ready`);
