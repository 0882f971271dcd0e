/**
 * A whole Node-RED runtime in this process (not the test helper's partial one): its own user
 * directory, flows file, credentials file, editor admin API with `adminAuth`, our nodes from the
 * build output, and a custom logging handler at debug level. One per test file (Node-RED's
 * runtime is a process-wide singleton), for what the helper stubs: permissions, the real
 * flows/credentials files, the admin `/flows` export.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const load = createRequire(__filename);

/** A user of the editor: name, password, Node-RED permissions (`*`, `read`, or a list). */
export interface AdminUser {
  username: string;
  password: string;
  permissions: string | string[];
}

/** Options of {@link startRuntime}. */
export interface RuntimeOptions {
  /** Flows written to the flows file before the start. */
  flows: object[];
  /** Credentials by node id, written to the credentials file (encrypted with `credentialSecret`). */
  credentials?: Record<string, Record<string, string>>;
  /** Editor users; none = no adminAuth. */
  users?: AdminUser[];
  /** Encrypts the credentials file (default: a fixed test secret). */
  credentialSecret?: string;
  /** Serve the editor and its API (`/credentials/...`, comms) too (default: admin API only). */
  editor?: boolean;
  /** Lowest level the logging handler records (default `debug`). */
  logLevel?: 'debug' | 'trace';
}

/** One log record as Node-RED hands it to a logging handler. */
export interface LogRecord {
  level: number;
  msg: unknown;
  [key: string]: unknown;
}

/** A running embedded runtime. */
export interface EmbeddedRuntime {
  /** Admin API root, e.g. `http://127.0.0.1:34567/`. */
  url: string;
  userDir: string;
  /** Every record the runtime logged, from debug level up. */
  logs: LogRecord[];
  /** An admin access token for `user` (password grant, as the editor's login does) with `scope`. */
  token(username: string, password: string, scope?: string): Promise<string>;
  stop(): Promise<void>;
}

interface RedRuntime {
  init(server: Server, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  httpAdmin: (req: unknown, res: unknown) => void;
}

/** The Node-RED the node tests run on (`SG_NODE_RED_PATH` picks another, as in harness.ts). */
function runtimePath(): string {
  return process.env.SG_NODE_RED_PATH ?? load.resolve('node-red');
}

/** Our compiled nodes folder (this file is `<out>/test/nodes/embedded-runtime.js`). */
function nodesDir(): string {
  return resolve(__dirname, '..', '..', 'nodes');
}

/** Starts Node-RED with `options` on a free port of 127.0.0.1. */
export async function startRuntime(options: RuntimeOptions): Promise<EmbeddedRuntime> {
  const userDir = mkdtempSync(join(tmpdir(), 'sg-embedded-red-'));
  const credentialSecret = options.credentialSecret ?? 'sgflow-embedded-test-secret';
  writeFileSync(join(userDir, 'flows.json'), JSON.stringify(options.flows, null, 2));
  // Plain on disk is accepted by Node-RED on first start and encrypted when it next saves.
  writeFileSync(join(userDir, 'flows_cred.json'), JSON.stringify(options.credentials ?? {}, null, 2));
  const RED = load(runtimePath()) as RedRuntime;
  const bcrypt = load('bcryptjs') as { hashSync(password: string, rounds: number): string };
  const logs: LogRecord[] = [];
  const settings: Record<string, unknown> = {
    userDir,
    flowFile: 'flows.json',
    credentialSecret,
    nodesDir: [nodesDir()],
    httpAdminRoot: '/',
    httpNodeRoot: false,
    disableEditor: options.editor !== true,
    uiHost: '127.0.0.1',
    telemetry: { enabled: false, updateNotification: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
    editorTheme: { projects: { enabled: false }, tours: false },
    logging: {
      console: { level: 'off' },
      capture: { level: options.logLevel ?? 'debug', metrics: false, audit: true, handler: () => (record: LogRecord) => logs.push(record) },
    },
  };
  if (options.users) {
    settings.adminAuth = {
      type: 'credentials',
      users: options.users.map((u) => ({ username: u.username, password: bcrypt.hashSync(u.password, 4), permissions: u.permissions })),
    };
  }
  const editorTimers = trackEditorApiTimers();
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => RED.httpAdmin(req, res));
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  RED.init(server, settings);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  await RED.start();
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  await waitForFlows(logs);

  return {
    url,
    userDir,
    logs,
    async token(username, password, scope = '*') {
      const res = await fetch(new URL('auth/token', url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope, username, password }),
      });
      if (!res.ok) throw new Error(`login of ${username} answered ${res.status}`);
      return ((await res.json()) as { access_token: string }).access_token;
    },
    async stop() {
      await RED.stop();
      editorTimers.release();
      for (const s of sockets) s.destroy();
      await new Promise<void>((done) => server.close(() => done()));
      rmSync(userDir, { recursive: true, force: true });
    },
  };
}

/** Waits for "Started flows" (or fails with what the runtime logged). */
async function waitForFlows(logs: LogRecord[], ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!logs.some((r) => typeof r.msg === 'string' && /Started flows/.test(r.msg))) {
    if (Date.now() > deadline) throw new Error(`the flows did not start:\n${logs.map((r) => String(r.msg)).join('\n')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The editor API's login sessions arm an expiry timer (days long) that `RED.stop()` leaves
 * running, which would keep the test process alive: timers created from `@node-red/editor-api`
 * are tracked and unref'd once the runtime stopped.
 */
function trackEditorApiTimers(): { release(): void } {
  const original = globalThis.setTimeout;
  const tracked = new Set<NodeJS.Timeout>();
  const wrapped = ((...args: Parameters<typeof setTimeout>) => {
    const timer = original(...args);
    if (/@node-red[\\/]editor-api/.test(new Error().stack ?? '')) tracked.add(timer);
    return timer;
  }) as typeof setTimeout;
  globalThis.setTimeout = Object.assign(wrapped, original);
  return {
    release() {
      globalThis.setTimeout = original;
      for (const t of tracked) t.unref();
    },
  };
}
