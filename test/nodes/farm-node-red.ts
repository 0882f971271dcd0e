/**
 * Example 1 ("Farm job finished") deployed in a whole Node-RED in a child process, as a studio
 * runs it: its own user directory (kept across restarts), our nodes from the build output, the
 * example's HTTP endpoint on a free 127.0.0.1 port. `kill()` stops it hard (SIGKILL: no close
 * handlers run), `start()` again brings it back on the same user directory and port. Used by the
 * restart test and the soak's farm leg. The runtime is the one under test (`SG_NODE_RED_PATH`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { runtimePath } from './harness.js';
import type { FlowNode } from './helper-types.js';

/** Options of {@link farmNodeRed}. */
export interface FarmOptions {
  /** The repository root (examples/). */
  root: string;
  site: { url: string; credentials: { scriptName: string; scriptKey: string } };
  /** Node-RED's user directory (created; kept across restarts). */
  userDir: string;
  /** fileWorkingDirectory and FARM_MEDIA_ROOT: where relative movie paths are read. */
  mediaDir: string;
  /** Extra settings (e.g. `shotgridSiteRetries`, `shotgridUploadPartSize`). */
  settings?: Record<string, unknown>;
  /** Each line Node-RED prints (default: kept for {@link FarmNodeRed.logs} only). */
  log?: (line: string) => void;
  /**
   * Reading the flows file takes this much longer (a storage module wrapping Node-RED's own):
   * Node-RED listens before it has read and started its flows, and this widens that moment.
   */
  flowsLoadDelayMs?: number;
  /** Serves the admin API (deploys) under this path; default none. */
  adminRoot?: string;
  /** More node folders (test node types) and nodes added to the example's tab. */
  extraNodesDir?: string;
  extraFlowNodes?: FlowNode[];
}

/** A farm's Node-RED running example 1. */
export interface FarmNodeRed {
  /** `http://127.0.0.1:<port>/farm/job-finished`. */
  endpoint: string;
  /** Starts Node-RED (again) and waits for its flows. */
  start(): Promise<void>;
  /** Its HTTP port (listening once `start()` has begun, flows or not). */
  port: number;
  /**
   * Deploys the running flows again through the admin API (needs `adminRoot`), as the editor's
   * Deploy button does: whole (Deploy ▸ Full), or with `edit` applied and only what it changed
   * restarted (▸ Modified Nodes). Resolves with the admin API's answer.
   */
  deploy(type?: 'full' | 'nodes', edit?: (flows: FlowNode[]) => void): Promise<Response>;
  /** SIGKILL: a crash, a host losing power. */
  kill(): Promise<void>;
  /** SIGINT, then SIGKILL after 10 s. */
  stop(): Promise<void>;
  /** The last lines it printed. */
  logs(): string;
}

/** The Node-RED package folder of the runtime under test (its `red.js` starts a server). */
function nodeRedDir(): string {
  let dir = dirname(runtimePath);
  while (!existsSync(join(dir, 'red.js')) || !existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no red.js above ${runtimePath}`);
    dir = up;
  }
  return dir;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => done(port));
    });
  });
}

/** Example 1's nodes on a tab of their own (groups kept), without its Debug sidebar output. */
function exampleFlow(root: string): FlowNode[] {
  const nodes = JSON.parse(readFileSync(join(root, 'examples', '01 Farm job finished.json'), 'utf8')) as FlowNode[];
  const tab = { id: 'farm-tab', type: 'tab', label: 'farm' };
  return [tab, ...nodes.map((n) => (n.z === undefined ? n : { ...n, z: tab.id, ...(n.type === 'debug' ? { active: false } : {}) }))];
}

/** Writes the user directory and returns a handle; call `start()` to run it. */
export async function farmNodeRed(o: FarmOptions): Promise<FarmNodeRed> {
  const port = await freePort();
  mkdirSync(o.userDir, { recursive: true });
  mkdirSync(o.mediaDir, { recursive: true });
  const nodesDir = resolve(__dirname, '..', '..', 'nodes');
  const settings = {
    uiHost: '127.0.0.1',
    uiPort: port,
    flowFile: 'flows.json',
    // Unencrypted credentials: the file is the test's own, in a throw-away folder.
    credentialSecret: false,
    nodesDir: [nodesDir, ...(o.extraNodesDir ? [o.extraNodesDir] : [])],
    fileWorkingDirectory: o.mediaDir,
    httpAdminRoot: o.adminRoot ?? false,
    disableEditor: true,
    telemetry: { enabled: false, updateNotification: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
    editorTheme: { projects: { enabled: false }, tours: false },
    logging: { console: { level: 'warn', metrics: false, audit: false } },
    shotgridThumbnailWaitInterval: 50,
    ...o.settings,
  };
  let settingsJs = `module.exports = ${JSON.stringify(settings, null, 2)};\n`;
  if (o.flowsLoadDelayMs !== undefined) {
    const ownStorage = require.resolve('@node-red/runtime/lib/storage/localfilesystem', { paths: [nodeRedDir()] });
    writeFileSync(join(o.userDir, 'slow-storage.js'), [
      `const own = require(${JSON.stringify(ownStorage)});`,
      `module.exports = { ...own, getFlows: () => new Promise((r) => setTimeout(r, ${o.flowsLoadDelayMs})).then(() => own.getFlows()) };`,
      '',
    ].join('\n'));
    settingsJs = `module.exports = { ...${JSON.stringify(settings, null, 2)}, storageModule: require('./slow-storage.js') };\n`;
  }
  writeFileSync(join(o.userDir, 'settings.js'), settingsJs);
  const extra = (o.extraFlowNodes ?? []).map((n) => ({ ...n, z: 'farm-tab' }));
  writeFileSync(join(o.userDir, 'flows.json'), JSON.stringify([...exampleFlow(o.root), ...extra], null, 2));
  writeFileSync(join(o.userDir, 'flows_cred.json'), JSON.stringify({ 'sgflow-site': o.site.credentials }));

  const lines: string[] = [];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const redJs = join(nodeRedDir(), 'red.js');

  const start = async (): Promise<void> => {
    if (child) throw new Error('the farm Node-RED is running already');
    const proc = spawn(process.execPath, [redJs, '--userDir', o.userDir, '--settings', join(o.userDir, 'settings.js'), '--port', String(port)], {
      cwd: o.userDir,
      env: { ...process.env, SHOTGRID_SITE: o.site.url, FARM_MEDIA_ROOT: o.mediaDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    exited = new Promise((done) => proc.once('exit', () => {
      if (child === proc) child = undefined;
      done();
    }));
    for (const stream of [proc.stdout!, proc.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        if (lines.length > 200) lines.shift();
        o.log?.(line);
      });
    }
    await waitForEndpoint(port, exited).catch((err: Error) => {
      throw new Error(`${err.message}:\n${lines.slice(-30).join('\n')}`);
    });
  };

  return {
    endpoint: `http://127.0.0.1:${port}/farm/job-finished`,
    port,
    start,
    async deploy(type = 'full', edit) {
      if (!o.adminRoot) throw new Error('deploy() needs the admin API: pass adminRoot');
      const admin = `http://127.0.0.1:${port}${o.adminRoot.replace(/\/$/, '')}/flows`;
      const flowsNow = (await (await fetch(admin)).json()) as FlowNode[];
      edit?.(flowsNow);
      return fetch(admin, { method: 'POST', headers: { 'content-type': 'application/json', 'node-red-deployment-type': type }, body: JSON.stringify(flowsNow) });
    },
    async kill() {
      child?.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!child) return;
      const proc = child;
      proc.kill('SIGINT');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
    logs: () => lines.slice(-40).join('\n'),
  };
}

/** Resolves once the HTTP-in route answers (any status but 404); rejects when the process exits. */
async function waitForEndpoint(port: number, exited: Promise<void>, ms = 120_000): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + ms;
  for (;;) {
    if (gone) throw new Error('the farm Node-RED exited before its endpoint answered');
    if (Date.now() > deadline) throw new Error(`the farm Node-RED did not answer within ${ms / 1000} s`);
    try {
      // An empty job: the example rejects it with 400 without touching the site.
      const res = await fetch(`http://127.0.0.1:${port}/farm/job-finished`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      await res.arrayBuffer();
      if (res.status !== 404) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
