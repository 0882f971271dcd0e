/**
 * The packed tarball, as `npm pack` makes it after `prepack` (`build.mjs --release`): built
 * JavaScript, each node's editor file and locales, no source maps (the TypeScript they would
 * point at is not shipped) and no `sourceMappingURL` left, no install-time script, small; and
 * installed into a fresh Node-RED user directory, npm prints no warning. The stage is the build
 * this suite runs on, passed through the same strip step as `--release`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = process.env.SG_ROOT ?? process.cwd();
const out = process.env.SG_OUT ?? join(root, 'dist');
/**
 * Packed size bound: 343 kB with maps and node typings before, ~300 kB without (the emulator is
 * ~40 %); ~402 kB at 0.1.0's last features (the README alone ~20 kB packed). What must not be
 * shipped (maps, sources, tests, node typings) is checked file by file below; this catches the
 * rest, such as a data file or a build left in a shipped folder.
 */
const MAX_PACKED_BYTES = 450_000;
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: Array<{ path: string; size: number }>;
}

let work: string;
let stage: string;
let packed: PackResult;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  scripts: Record<string, string>;
  'node-red': { nodes: Record<string, string> };
};

function run(cmd: string, args: string[], cwd: string): { status: number | null; output: string } {
  const res = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } });
  return { status: res.status, output: `${res.stdout ?? ''}${res.stderr ?? ''}` };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'sg-pack-'));
  stage = join(work, 'stage');
  mkdirSync(stage);
  for (const name of ['package.json', 'README.md', 'LICENSE', 'examples']) cpSync(join(root, name), join(stage, name), { recursive: true });
  const { SHIPPED_DIRS, stripSourceMaps } = (await import(pathToFileURL(join(root, 'scripts', 'release-files.mjs')).href)) as { SHIPPED_DIRS: string[]; stripSourceMaps(dir: string): void };
  for (const top of SHIPPED_DIRS) {
    cpSync(join(out, top), join(stage, 'dist', top), { recursive: true });
    stripSourceMaps(join(stage, 'dist', top));
  }
  const res = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], stage);
  assert.equal(res.status, 0, res.output);
  packed = (JSON.parse(res.output.slice(res.output.indexOf('['))) as PackResult[])[0]!;
});
after(() => rmSync(work, { recursive: true, force: true }));

test('prepack builds with --release, and no script runs when the package is installed', () => {
  assert.match(pkg.scripts.prepack ?? '', /scripts\/build\.mjs --release/);
  assert.deepEqual(INSTALL_SCRIPTS.filter((s) => s in pkg.scripts), []);
});

test('the tarball: built JavaScript, no source maps or TypeScript sources, no tests, small', () => {
  const paths = packed.files.map((f) => f.path);
  assert.deepEqual(paths.filter((p) => p.endsWith('.map')), [], 'source maps are shipped');
  assert.deepEqual(paths.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts')), [], 'TypeScript sources are shipped');
  assert.deepEqual(paths.filter((p) => /^dist\/(test|bench)\//.test(p)), [], 'tests or benchmarks are shipped');
  assert.deepEqual(paths.filter((p) => /^dist\/nodes\/.*\.d\.ts$/.test(p)), [], 'typings of the nodes (no public API) are shipped');
  const dangling = filesUnder(join(stage, 'dist')).filter((p) => /\.(js|d\.ts)$/.test(p) && /sourceMappingURL=/.test(readFileSync(p, 'utf8')));
  assert.deepEqual(dangling, [], 'a shipped file still points at a source map');
  assert.ok(packed.size < MAX_PACKED_BYTES, `packed size ${packed.size} B ≥ ${MAX_PACKED_BYTES} B`);
  for (const [type, file] of Object.entries(pkg['node-red'].nodes)) {
    const dir = dirname(file);
    const base = basename(file, '.js');
    for (const need of [file, `${dir}/${base}.html`, `${dir}/locales/en-US/${base}.json`, `${dir}/locales/en-US/${base}.html`]) {
      assert.ok(paths.includes(need), `${type}: ${need} is not in the tarball`);
    }
  }
  assert.ok(paths.includes('README.md') && paths.includes('LICENSE') && paths.some((p) => p.startsWith('examples/')));
});

test('installed into a fresh Node-RED user directory, npm prints no warning', { timeout: 240_000 }, () => {
  const userDir = join(work, 'node-red-user');
  mkdirSync(userDir);
  // What Node-RED writes into a new user directory.
  writeFileSync(join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', description: 'A Node-RED Project', version: '0.0.1', private: true }, null, 2));
  const res = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'warn', join(work, packed.filename)], userDir);
  assert.equal(res.status, 0, res.output);
  assert.deepEqual(res.output.split('\n').filter((l) => /\bwarn/i.test(l)), [], 'npm warned while installing the package');
  const installed = resolve(userDir, 'node_modules', ...pkg.name.split('/'));
  for (const file of Object.values(pkg['node-red'].nodes)) assert.ok(existsSync(join(installed, file)), `${file} is not installed`);
});
