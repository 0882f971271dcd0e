/** The `shotgrid-emulator` CLI run as a child process by the tests, ready once it prints its JSON line. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** The built CLI. */
export const CLI = join(__dirname, '..', '..', 'emulator', 'cli.js');

/** A running CLI child and what it printed. */
export interface CliChild {
  child: ChildProcess;
  /** The ready line, parsed (`url`, credentials, data folder, ...). */
  ready: Record<string, string>;
  url: string;
  /** Everything printed on stdout so far. */
  stdout: () => string;
}

/** Starts the CLI with `args`; rejects when it prints nothing within `timeoutMs` or exits first. */
export async function startCli(args: string[], timeoutMs = 20_000): Promise<CliChild> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8');
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the CLI printed nothing within ${timeoutMs / 1000} s`)), timeoutMs);
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(out.slice(0, out.indexOf('\n')));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the CLI exited early (${code})`));
    });
  });
  const ready = JSON.parse(line) as Record<string, string>;
  return { child, ready, url: ready.url!, stdout: () => out };
}
