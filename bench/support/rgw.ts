/**
 * A throwaway Ceph radosgw for the bench (P10), started and stopped with the project's S3 scripts
 * on ports and a state folder of its own (so a `npm run test:s3` elsewhere is not disturbed).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExternalStorageOptions } from '../../emulator/index.js';

/** A running gateway, or why there is none. */
export type Gateway = { ok: true; storage: ExternalStorageOptions; stop(): void } | { ok: false; reason: string };

function sh(script: string, env: NodeJS.ProcessEnv): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync('bash', [script], { env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: r.status, stderr: r.stderr ?? '', stdout: r.stdout ?? '' };
}

const last = (text: string): string => text.trim().split('\n').at(-1) ?? '';

/** Installs what is missing (radosgw; rclone, AWS CLI, GNU time) and starts the gateway. */
export function startGateway(root: string, log: (m: string) => void): Gateway {
  const env = { S3_STATE_DIR: join(root, '.cache', 'rgw-bench'), S3_PORT: '7490', S3_MON_PORT: '6799', S3_BUCKET: 'sg-bench', S3_ENV_FILE: join(root, '.cache', 'rgw-bench-env.json') };
  for (const script of ['scripts/s3/install.sh', 'scripts/bench/install-peers.sh']) {
    const r = sh(join(root, script), env);
    if (r.status !== 0) return { ok: false, reason: `${script} exit ${r.status}: ${last(r.stderr) || last(r.stdout)}` };
    log(last(r.stdout));
  }
  const started = sh(join(root, 'scripts', 's3', 'start.sh'), env);
  const stop = (): void => void sh(join(root, 'scripts', 's3', 'stop.sh'), env);
  if (started.status !== 0 || !existsSync(env.S3_ENV_FILE)) {
    stop();
    return { ok: false, reason: `scripts/s3/start.sh exit ${started.status}: ${last(started.stderr)}` };
  }
  log(last(started.stderr));
  return { ok: true, storage: JSON.parse(readFileSync(env.S3_ENV_FILE, 'utf8')) as ExternalStorageOptions, stop };
}
