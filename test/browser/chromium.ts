/**
 * Debian's Chromium through playwright-core (playwright's own browser download cannot work on a
 * machine whose only network is the package registries), with the flags that keep it from
 * reaching for the network. Each launch gets a fresh temporary profile.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';

/** Debian's path, or SG_CHROMIUM_PATH (set by scripts/test.mjs after scripts/setup/chromium.mjs). */
export const chromiumPath = process.env.SG_CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when they can. */
export function unavailableReason(): string | undefined {
  if (process.env.SG_BROWSER_UNAVAILABLE) return process.env.SG_BROWSER_UNAVAILABLE;
  if (!existsSync(chromiumPath)) return `${chromiumPath} is missing (node scripts/setup/chromium.mjs installs it)`;
  const res = spawnSync(chromiumPath, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (res.status !== 0) return `${chromiumPath} --version failed`;
  return undefined;
}

/** Launches headless Chromium (playwright adds --headless and a fresh --user-data-dir). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 60_000,
  });
}

/** Collects console errors and uncaught page errors; take() returns and clears them. */
export interface ConsoleWatch {
  take(): string[];
}

/** Starts collecting a page's console errors. */
export function watchConsole(page: Page): ConsoleWatch {
  let errors: string[] = [];
  page.on('console', (msg: ConsoleMessage) => {
    if (msg.type() === 'error') errors.push(`console.error: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err: Error) => errors.push(`page error: ${err.message}`));
  return {
    take() {
      const taken = errors;
      errors = [];
      return taken;
    },
  };
}
