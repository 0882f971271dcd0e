/** Runs a bench child process and reads the one JSON line it ends with. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs `bench/support/<script>.js` with `job` as JSON in argv[2]; returns its last stdout line, parsed. */
export async function runChild<T>(script: string, job: unknown, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const { stdout } = await run(process.execPath, [join(__dirname, `${script}.js`), JSON.stringify(job)], { maxBuffer: 1 << 20, env });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as T;
}
