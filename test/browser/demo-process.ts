/**
 * Runs the demo exactly as `npm start` does (scripts/start.mjs, after the build), on free ports
 * and a throw-away user directory, as a child process the browser tests drive.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createDecipheriv, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** The ready line `scripts/start.mjs --json` prints. */
export interface DemoInfo {
  editor: string;
  emulator: string;
  userDir: string;
  siteId: string;
  tabs: Array<{ id: string; label: string }>;
  injects: Array<{ id: string; z: string; name: string }>;
}

/** A running demo. */
export interface RunningDemo {
  info: DemoInfo;
  /** Everything Node-RED and the demo logged so far (for failure messages). */
  logs(): string;
  /** Ctrl-C: SIGINT, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/** Starts `node scripts/start.mjs --json` and resolves once it prints its ready line. */
export function startDemoProcess(root: string, userDir: string, timeoutMs = 120_000): Promise<RunningDemo> {
  const child: ChildProcess = spawn(
    process.execPath,
    [join(root, 'scripts', 'start.mjs'), '--json', '--port', '0', '--emulator-port', '0', '--user-dir', userDir, '--transcode-delay', '1500'],
    { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  createInterface({ input: child.stderr! }).on('line', (line) => log.push(line));
  const logs = (): string => log.slice(-60).join('\n');

  const stop = async (graceMs = 20_000): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };

  return new Promise<RunningDemo>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop(2_000);
      reject(new Error(`the demo printed no ready line within ${timeoutMs / 1000} s:\n${logs()}`));
    }, timeoutMs);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) {
        log.push(line);
        return;
      }
      clearTimeout(timer);
      resolve({ info: JSON.parse(line) as DemoInfo, logs, stop });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the demo exited (code ${code}) before it was ready:\n${logs()}`));
    });
  });
}

/** Must match DEMO_CREDENTIAL_SECRET in scripts/demo/userdir.mjs. */
const DEMO_CREDENTIAL_SECRET = 'sgflow-demo-local-only';

/** Reads the site config node's credentials from the demo's encrypted store (as Node-RED would). */
export function readSiteCredentials(info: DemoInfo): Record<string, string> {
  const file = JSON.parse(readFileSync(join(info.userDir, 'flows_cred.json'), 'utf8')) as { $: string };
  const key = createHash('sha256').update(DEMO_CREDENTIAL_SECRET).digest();
  const decipher = createDecipheriv('aes-256-ctr', key, Buffer.from(file.$.slice(0, 32), 'hex'));
  const all = JSON.parse(decipher.update(file.$.slice(32), 'base64', 'utf8') + decipher.final('utf8')) as Record<string, Record<string, string>>;
  const creds = all[info.siteId];
  if (!creds) throw new Error(`no credentials stored for the site config node ${info.siteId}`);
  return creds;
}
