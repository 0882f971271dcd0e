/**
 * The Node-RED workers: the package packed with `npm pack` and installed from that tarball into
 * fresh user directories (as a studio would install it), each running example 4 from the
 * installed package on the Node-RED of this repository (`node-red` dev dependency), with its own
 * MQTT client id, a shared media folder as `fileWorkingDirectory`, and the same transfer settings.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const load = createRequire(__filename);
const EXAMPLE = '04 Farm jobs over MQTT (shared).json';
/** Protects only loopback test credentials in a temporary folder. */
const CREDENTIAL_SECRET = 'sgflow-scale-test-only';

/** What every worker gets. */
export interface WorkerSetup {
  site: { url: string; scriptName: string; scriptKey: string };
  broker: { host: string; port: number; username: string; password: string };
  mediaDir: string;
  transfer: { partsInFlight: number; partSize: number; multipartThreshold: number };
}

/** Packs this package (no lifecycle scripts: the build is already there) and returns the tarball. */
export function packPackage(root: string, dest: string): string {
  const res = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest], { cwd: root, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`npm pack failed: ${res.stderr}`);
  const [info] = JSON.parse(res.stdout) as Array<{ filename: string }>;
  return join(dest, info!.filename);
}

/** Installs the tarball into a fresh user directory (its runtime dependencies from the npm cache or registry). */
export function installInto(userDir: string, tarball: string): Promise<void> {
  mkdirSync(userDir, { recursive: true });
  writeFileSync(join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-worker', private: true, version: '0.0.0' }, null, 2));
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--omit=dev', '--ignore-scripts', tarball], { cwd: userDir, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`npm install of the packed package into ${userDir} failed (${code}): ${err.trim()}`))));
  });
}

/**
 * A second user directory with the same installation: the first one's package.json, lock file and
 * node_modules copied (what `npm ci` would lay out again, without a second registry round on a
 * loaded machine).
 */
export function copyInstall(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const name of ['package.json', 'package-lock.json', 'node_modules']) cpSync(join(from, name), join(to, name), { recursive: true });
}

/** Node-RED's credential file encryption (aes-256-ctr, key = sha256(credentialSecret)). */
function encryptCredentials(credentials: object): { $: string } {
  const key = createHash('sha256').update(CREDENTIAL_SECRET).digest();
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  return { $: iv.toString('hex') + cipher.update(JSON.stringify(credentials), 'utf8', 'base64') + cipher.final('base64') };
}

/** Writes flows (example 4 as installed), encrypted credentials and settings into the user directory. */
export function layOut(userDir: string, port: number, setup: WorkerSetup): void {
  const example = join(userDir, 'node_modules', '@sgflow', 'node-red-shotgrid', 'examples', EXAMPLE);
  const nodes = JSON.parse(readFileSync(example, 'utf8')) as Array<{ id: string; type: string; z?: string }>;
  const tab = { id: 'ex4-flow', type: 'tab', label: 'Farm jobs over MQTT (shared)', disabled: false, info: '' };
  const flows = [tab, ...nodes.map((n) => (n.z === undefined || n.type === 'tab' ? n : { ...n, z: tab.id }))];
  const site = nodes.find((n) => n.type === 'shotgrid-site')!;
  const broker = nodes.find((n) => n.type === 'mqtt-broker')!;
  writeFileSync(join(userDir, 'flows.json'), JSON.stringify(flows, null, 2));
  writeFileSync(join(userDir, 'flows_cred.json'), JSON.stringify(encryptCredentials({
    [site.id]: { scriptName: setup.site.scriptName, scriptKey: setup.site.scriptKey },
    [broker.id]: { user: setup.broker.username, password: setup.broker.password },
  })), { mode: 0o600 });
  const settings = {
    uiHost: '127.0.0.1',
    uiPort: port,
    flowFile: 'flows.json',
    credentialSecret: CREDENTIAL_SECRET,
    fileWorkingDirectory: setup.mediaDir,
    disableEditor: true,
    telemetry: { enabled: false, updateNotification: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
    logging: { console: { level: 'info', metrics: false, audit: false } },
    // A restarted worker reconnects at once (default 5 s).
    mqttReconnectTime: 1000,
    // Example 4 notes jobs in progress in "file", so a killed worker finishes them after its restart.
    contextStorage: { default: { module: 'memory' }, file: { module: 'localfilesystem', config: { cache: false } } },
    shotgridUploadConcurrency: setup.transfer.partsInFlight,
    shotgridUploadPartSize: setup.transfer.partSize,
    shotgridUploadMultipartThreshold: setup.transfer.multipartThreshold,
  };
  writeFileSync(join(userDir, 'settings.js'), `module.exports = ${JSON.stringify(settings, null, 2)};\n`);
}

/** A running (or killed) worker. */
export class Worker {
  child: ChildProcess | undefined;
  readonly log: string[] = [];
  starts = 0;

  constructor(readonly name: string, readonly userDir: string, readonly port: number, private readonly setup: WorkerSetup) {}

  get pid(): number | undefined {
    return this.child?.exitCode === null ? this.child.pid : undefined;
  }

  /** Starts Node-RED and resolves once its MQTT client is connected (and has had a moment to subscribe). */
  async start(timeoutMs = 90_000): Promise<void> {
    this.starts++;
    const redJs = join(load.resolve('node-red/package.json').replace(/package\.json$/, ''), 'red.js');
    const { NODE_PATH: _ignored, ...env } = process.env;
    const child = spawn(process.execPath, [redJs, '--userDir', this.userDir, '--settings', join(this.userDir, 'settings.js'), '--port', String(this.port)], {
      cwd: this.userDir,
      env: {
        ...env,
        SHOTGRID_SITE: this.setup.site.url,
        FARM_MQTT_HOST: this.setup.broker.host,
        FARM_MQTT_PORT: String(this.setup.broker.port),
        FARM_WORKER_ID: this.name,
        FARM_MEDIA_ROOT: this.setup.mediaDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const connected = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: not connected to the broker within ${timeoutMs / 1000} s\n${this.log.slice(-20).join('\n')}`)), timeoutMs);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${this.name}: Node-RED exited (${code ?? signal}) before connecting\n${this.log.slice(-20).join('\n')}`));
      });
      for (const stream of [child.stdout!, child.stderr!]) {
        createInterface({ input: stream }).on('line', (line) => {
          this.log.push(line);
          if (this.log.length > 2000) this.log.splice(0, 1000);
          if (/Connected to broker/.test(line)) {
            clearTimeout(timer);
            resolve();
          }
        });
      }
    });
    await connected;
    child.removeAllListeners('exit');
    // The subscription goes out right after the connection is up.
    await new Promise((r) => setTimeout(r, 1000));
  }

  /** SIGKILL: no close handlers, no MQTT disconnect, uploads cut off mid-body. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** A normal stop (SIGINT, then SIGKILL after 10 s). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /** Warnings and errors the worker logged (for the report when something fails). */
  problems(): string[] {
    return this.log.filter((l) => /\[(warn|error)\]/.test(l));
  }
}

