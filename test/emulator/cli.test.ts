/**
 * The `shotgrid-emulator` CLI as a child process: one JSON line on stdout when ready, options
 * applied, clean exit on SIGTERM/SIGINT, usage errors with exit code 2.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { once } from 'node:events';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { CLI, startCli } from './cli-child.js';


async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  const exited = once(child, 'exit');
  child.kill(signal);
  const [code] = (await exited) as [number | null];
  return code;
}

describe('shotgrid-emulator CLI', () => {
  test('prints exactly one JSON line with the credentials and serves until SIGTERM', async () => {
    const data = mkdtempSync(join(tmpdir(), 'sg-cli-test-'));
    const { child, ready, stdout } = await startCli(['--port', '0', '--token-ttl', '120', '--seed', '7', '--data', data, '--faults', 'http503=0']);
    try {
      assert.deepEqual(Object.keys(ready), ['url', 'scriptName', 'scriptKey', 'login', 'password']);
      assert.match(ready.url!, /^http:\/\/127\.0\.0\.1:\d+$/);
      const info = await fetch(`${ready.url}/api/v1/`);
      assert.equal(info.status, 200);
      const token = await fetch(`${ready.url}/api/v1/auth/access_token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: ready.scriptName!, client_secret: ready.scriptKey! }),
      });
      const body = (await token.json()) as { expires_in: number; access_token: string };
      assert.equal(body.expires_in, 120);
      const pw = await fetch(`${ready.url}/api/v1/auth/access_token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'password', username: ready.login!, password: ready.password! }),
      });
      assert.equal(pw.status, 200);
    } finally {
      assert.equal(await stop(child, 'SIGTERM'), 0);
    }
    assert.equal(stdout().trim().split('\n').length, 1, 'nothing else on stdout');
    assert.ok(existsSync(data), 'a --data folder given by the user is kept');
    rmSync(data, { recursive: true, force: true });
  });

  test('SIGINT exits 0 too', async () => {
    const { child, ready } = await startCli(['--storage', 'sg', '--latency', '0', '--bandwidth', '0', '--transcode-delay', '10', '--transcode-fail']);
    assert.equal((await fetch(`${ready.url}/api/v1/`)).status, 200);
    assert.equal(await stop(child, 'SIGINT'), 0);
  });

  test('bad options exit 2 with the usage on stderr and nothing on stdout', async () => {
    for (const args of [['--port', 'abc'], ['--storage', 'ftp'], ['--faults', 'meteor=0.5'], ['--faults', 'http500=2'], ['--bogus']]) {
      const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 2, args.join(' '));
      assert.equal(out, '');
      assert.match(err, /usage: shotgrid-emulator/);
    }
  });
});
