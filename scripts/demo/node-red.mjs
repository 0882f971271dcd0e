/* global fetch */
// Starts the package's own Node-RED (devDependency) as a child process on a prepared user
// directory, waits until the flows run, and checks that our module loaded without errors and no
// flow waits for a missing node type. Fails loudly (rejects with Node-RED's own words) otherwise.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { join } from 'node:path';

/**
 * @param {{root: string, userDir: string, settingsFile: string, port: number, env: Record<string,string>,
 *   packageName: string, log: (line: string) => void, timeoutMs?: number}} o
 * @returns {Promise<{url: string, child: import('node:child_process').ChildProcess, stop: () => Promise<number|null>}>}
 */
export async function startNodeRed({ root, userDir, settingsFile, port, env, packageName, log, timeoutMs = 90_000 }) {
  const require = createRequire(join(root, 'package.json'));
  const redJs = join(require.resolve('node-red/package.json').replace(/package\.json$/, ''), 'red.js');
  const child = spawn(process.execPath, [redJs, '--userDir', userDir, '--settings', settingsFile, '--port', String(port)], {
    cwd: userDir,
    env: {
      ...process.env,
      ...env,
      // A build outside the work tree (SG_OUT=/tmp/...) still resolves the package's dependencies.
      NODE_PATH: [join(root, 'node_modules'), process.env.NODE_PATH].filter(Boolean).join(':'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = `http://127.0.0.1:${port}/`;
  const problems = [];
  let exited = null;
  const exitPromise = new Promise((resolve) => child.once('exit', (code, signal) => resolve((exited = { code, signal }))));

  let started = false;
  let onStarted;
  const startedPromise = new Promise((resolve) => (onStarted = resolve));
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      log(line);
      if (/Waiting for missing types to be registered/.test(line)) problems.push(line.trim());
      if (/\[(warn|error)\]/.test(line) && line.includes(packageName)) problems.push(line.trim());
      if (/\[error\]/.test(line) && /Error loading|Failed to start/i.test(line)) problems.push(line.trim());
      if (!started && /\[info\] Started flows/.test(line)) {
        started = true;
        onStarted();
      }
    });
  }

  const stop = async (graceMs = 10_000) => {
    if (exited) return exited.code;
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const { code } = await exitPromise;
    clearTimeout(timer);
    return code;
  };

  let timer;
  const outcome = await Promise.race([
    startedPromise.then(() => 'started'),
    exitPromise.then(() => 'exited'),
    new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (outcome !== 'started') {
    await stop();
    throw new Error(outcome === 'exited' ? `demo: Node-RED exited before starting its flows (code ${exited.code})` : `demo: Node-RED did not start its flows within ${timeoutMs / 1000} s`);
  }
  try {
    await checkModuleLoaded(url, packageName);
  } catch (err) {
    problems.push(err.message);
  }
  // Errors about our package are logged right after the start: give them a moment to arrive.
  await new Promise((resolve) => setTimeout(resolve, 300));
  if (problems.length) {
    await stop();
    throw new Error(`demo: Node-RED started with problems:\n  ${problems.join('\n  ')}`);
  }
  return { url, child, stop, exited: exitPromise };
}

/** Asks the admin API which node sets loaded; every set of our package must be enabled and loaded. */
async function checkModuleLoaded(url, packageName) {
  const res = await fetch(new URL('nodes', url), { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`GET /nodes answered ${res.status}`);
  const sets = (await res.json()).filter((s) => s.module === packageName);
  if (sets.length === 0) throw new Error(`${packageName} is not among the loaded node modules`);
  const bad = sets.filter((s) => !s.enabled || s.err);
  if (bad.length) throw new Error(`node set(s) failed to load: ${bad.map((s) => `${s.name}: ${s.err ?? 'disabled'}`).join('; ')}`);
}
