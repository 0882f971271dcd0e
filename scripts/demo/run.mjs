/* global fetch */
// The demo as a function: the local ShotGrid site (emulator, in this process) + Node-RED (child
// process) with our nodes and the examples deployed against that site. scripts/start.mjs is its
// command line; the browser test starts it the same way.
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { prepareUserDir } from './userdir.mjs';
import { startNodeRed } from './node-red.mjs';
import { prepareSite } from './site-setup.mjs';

/** Resolves `preferred` if it is free on 127.0.0.1, else the next free port above it (0 = any). */
export async function freePort(preferred, tries = 20) {
  for (let i = 0; i < (preferred === 0 ? 1 : tries); i++) {
    const port = preferred === 0 ? 0 : preferred + i;
    const got = await new Promise((done) => {
      const srv = createServer();
      srv.once('error', () => done(null));
      srv.listen(port, '127.0.0.1', () => {
        const { port: bound } = srv.address();
        srv.close(() => done(bound));
      });
    });
    if (got) return got;
  }
  throw new Error(`demo: no free port in ${preferred}..${preferred + tries - 1}`);
}

/** Loads `startEmulator` from the build output; a missing or stub emulator is an error. */
function loadEmulator(out) {
  const entry = join(out, 'emulator', 'index.js');
  if (!existsSync(entry)) throw new Error(`demo: the emulator is not built (${entry} missing); run node scripts/build.mjs`);
  const mod = createRequire(entry)(entry);
  if (typeof mod.startEmulator !== 'function') throw new Error(`demo: ${entry} exports no startEmulator()`);
  return mod.startEmulator;
}

async function startEmulatorOnFreePort(startEmulator, preferred, options) {
  let lastError;
  for (let i = 0; i < (preferred === 0 ? 1 : 20); i++) {
    try {
      return await startEmulator({ ...options, port: preferred === 0 ? 0 : preferred + i, host: '127.0.0.1' });
    } catch (err) {
      if (err?.code !== 'EADDRINUSE') throw err;
      lastError = err;
    }
  }
  throw lastError;
}

/** The site config node must come up with its credentials (decrypted from flows_cred.json). */
async function checkSiteCredentials(editorUrl, siteId) {
  const res = await fetch(new URL(`credentials/shotgrid-site/${encodeURIComponent(siteId)}`, editorUrl));
  const body = res.ok ? await res.json() : {};
  // The admin API answers with the non-secret values and has_<name> flags for secret ones.
  const present = Object.entries(body).filter(([k, v]) => (k.startsWith('has_') ? v === true : typeof v === 'string' && v !== ''));
  if (present.length === 0) throw new Error(`demo: Node-RED did not load the site's credentials (GET /credentials/shotgrid-site/${siteId} → ${res.status})`);
}

/**
 * Starts the demo.
 * @param {{root?: string, out?: string, userDir?: string, port?: number, emulatorPort?: number,
 *   transcodeDelay?: number, log?: (line: string) => void}} [o]
 */
export async function startDemo(o = {}) {
  const root = resolve(o.root ?? join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..'));
  const out = resolve(root, o.out ?? process.env.SG_OUT ?? 'dist');
  const userDir = resolve(o.userDir ?? join(root, '.demo'));
  const log = o.log ?? ((line) => console.log(line));

  const startEmulator = loadEmulator(out);
  const emulator = await startEmulatorOnFreePort(startEmulator, o.emulatorPort ?? 3300, {
    // Long enough to watch the thumbnail go from pending to ready, short enough not to bore.
    transcodeDelay: o.transcodeDelay ?? 4000,
  });
  let nodeRed;
  try {
    const port = await freePort(o.port ?? 1880);
    const prepared = prepareUserDir({ root, out, userDir, port, emulator });
    const deliverables = await prepareSite(emulator, prepared.filesDir);
    nodeRed = await startNodeRed({
      root,
      userDir,
      settingsFile: prepared.settingsFile,
      port,
      packageName: prepared.packageName,
      // Example 1 reads a job's relative movie path under FARM_MEDIA_ROOT (a farm sends absolute ones).
      env: { SHOTGRID_SITE: emulator.url, FARM_MEDIA_ROOT: prepared.filesDir },
      log,
    });
    await checkSiteCredentials(nodeRed.url, prepared.siteId).catch(async (err) => {
      await nodeRed.stop();
      throw err;
    });
    let closing;
    return {
      editorUrl: nodeRed.url,
      emulatorUrl: emulator.url.replace(/\/?$/, '/'),
      userDir,
      siteId: prepared.siteId,
      tabs: prepared.tabs,
      injects: prepared.injects,
      fixtures: [...prepared.fixtures, ...deliverables],
      /** Resolves when Node-RED exits (by itself or through close()). */
      nodeRedExited: nodeRed.exited,
      /** Stops Node-RED (SIGINT, then SIGKILL after 10 s) and the emulator; safe to call twice. */
      close: () =>
        (closing ??= (async () => {
          const code = await nodeRed.stop();
          await emulator.close();
          return code;
        })()),
    };
  } catch (err) {
    await emulator.close();
    throw err;
  }
}
