#!/usr/bin/env node
// Makes sure Debian's Chromium is installed for the browser tests (playwright-core drives it;
// playwright's own browser download cannot work on a machine without general network access).
//   node scripts/setup/chromium.mjs        installs it when missing, prints its path
// Installing needs root and apt (`apt-get update` first, then `apt-get install chromium`).
// When that is impossible the error says so; callers decide whether that fails or skips.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where Debian's package puts the browser. */
export const CHROMIUM_PATH = process.env.SG_CHROMIUM_PATH || '/usr/bin/chromium';

/** The launch flags that keep Chromium quiet on a machine with no network beyond the registries. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Returns Chromium's version line, or null when it does not run. */
export function chromiumVersion(path = CHROMIUM_PATH) {
  if (!existsSync(path)) return null;
  const res = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return res.status === 0 ? res.stdout.trim() : null;
}

function run(cmd, args) {
  console.log(`chromium setup: ${cmd} ${args.join(' ')}`);
  const res = spawnSync(cmd, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (res.error) throw new Error(`chromium setup: could not run ${cmd}: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`chromium setup: ${cmd} ${args.join(' ')} exited with ${res.status}`);
}

/**
 * Installs Debian's `chromium` when it is missing and returns its path.
 * Throws (with the reason) when it is missing and cannot be installed.
 */
export function ensureChromium() {
  if (chromiumVersion()) return CHROMIUM_PATH;
  if (process.env.SG_CHROMIUM_PATH) {
    throw new Error(`chromium setup: SG_CHROMIUM_PATH=${CHROMIUM_PATH} does not run`);
  }
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) {
    throw new Error('chromium setup: /usr/bin/chromium is missing and this is not a Debian machine with apt-get; install Chromium and set SG_CHROMIUM_PATH');
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error('chromium setup: /usr/bin/chromium is missing and installing it needs root (sudo apt-get install chromium)');
  }
  run('apt-get', ['update', '-q']);
  // fonts-liberation gives the screenshots readable text; chromium itself pulls only a few fonts.
  run('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'chromium', 'fonts-liberation']);
  const version = chromiumVersion();
  if (!version) throw new Error('chromium setup: apt-get finished but /usr/bin/chromium does not run');
  console.log(`chromium setup: ${version}`);
  return CHROMIUM_PATH;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const path = ensureChromium();
    console.log(`${chromiumVersion(path)} at ${path}`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
