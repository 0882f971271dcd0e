/**
 * External S3 storage from the command line: `--s3 FILE` (the JSON `npm run s3:start` writes:
 * endpoint, bucket, region, accessKeyId, secretAccessKey) or `--s3-endpoint URL --s3-bucket NAME
 * [--s3-region R]` with the keys from the environment (`SG_EMULATOR_S3_ACCESS_KEY_ID` /
 * `SG_EMULATOR_S3_SECRET_ACCESS_KEY`, else `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`), so
 * secrets never sit in the process list. `SG_EMULATOR_S3=FILE` works like `--s3 FILE`.
 */
import { readFileSync } from 'node:fs';
import type { ExternalStorageOptions } from './types.js';

/** The flags this module reads. */
export interface S3Flags {
  s3?: string;
  's3-endpoint'?: string;
  's3-bucket'?: string;
  's3-region'?: string;
}

/** A bad S3 flag: the CLI prints it with the usage. */
export class S3FlagError extends Error {}

function fromFile(path: string): ExternalStorageOptions {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new S3FlagError(`--s3: cannot read ${path} as JSON (${(err as Error).message})`);
  }
  const text = (k: string): string | undefined => (typeof parsed[k] === 'string' && parsed[k] !== '' ? (parsed[k] as string) : undefined);
  const missing = ['endpoint', 'bucket', 'accessKeyId', 'secretAccessKey'].filter((k) => !text(k));
  if (missing.length > 0) throw new S3FlagError(`--s3: ${path} lacks ${missing.join(', ')}`);
  return {
    endpoint: text('endpoint')!, bucket: text('bucket')!, accessKeyId: text('accessKeyId')!, secretAccessKey: text('secretAccessKey')!,
    ...(text('region') ? { region: text('region')! } : {}),
    ...(text('sessionToken') ? { sessionToken: text('sessionToken')! } : {}),
    ...(typeof parsed.forcePathStyle === 'boolean' ? { forcePathStyle: parsed.forcePathStyle } : {}),
  };
}

/** The external storage the flags (or environment) ask for, if any. */
export function externalStorageFromCli(flags: S3Flags, env: NodeJS.ProcessEnv = process.env): ExternalStorageOptions | undefined {
  const file = flags.s3 ?? (env.SG_EMULATOR_S3 || undefined);
  if (file !== undefined && (flags['s3-endpoint'] !== undefined || flags['s3-bucket'] !== undefined)) {
    throw new S3FlagError('--s3 FILE and --s3-endpoint/--s3-bucket exclude each other');
  }
  if (file !== undefined) return fromFile(file);
  const endpoint = flags['s3-endpoint'];
  const bucket = flags['s3-bucket'];
  if (endpoint === undefined && bucket === undefined) return undefined;
  if (!endpoint || !bucket) throw new S3FlagError('--s3-endpoint and --s3-bucket go together');
  try {
    new URL(endpoint);
  } catch {
    throw new S3FlagError(`--s3-endpoint must be a URL (got ${endpoint})`);
  }
  const accessKeyId = env.SG_EMULATOR_S3_ACCESS_KEY_ID || env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.SG_EMULATOR_S3_SECRET_ACCESS_KEY || env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) throw new S3FlagError('--s3-endpoint needs SG_EMULATOR_S3_ACCESS_KEY_ID and SG_EMULATOR_S3_SECRET_ACCESS_KEY in the environment');
  return { endpoint, bucket, accessKeyId, secretAccessKey, ...(flags['s3-region'] ? { region: flags['s3-region'] } : {}) };
}
