#!/usr/bin/env node
/**
 * `shotgrid-emulator`: runs the local ShotGrid site until SIGINT/SIGTERM. When ready it prints
 * exactly one JSON line on stdout: `{"url","scriptName","scriptKey","login","password"}`.
 * Logs (with --verbose) go to stderr.
 */
import { parseArgs } from 'node:util';
import { externalStorageFromCli, S3FlagError } from './cli-s3.js';
import { startEmulator } from './index.js';
import type { EmulatorOptions, FaultKind, FaultRates } from './types.js';

const USAGE = `usage: shotgrid-emulator [--port N] [--host H] [--storage s3|sg] [--token-ttl S]
                         [--transcode-delay MS] [--transcode-fail] [--faults JSON|kind=rate,...]
                         [--seed N] [--seed-records N] [--bandwidth BYTES_PER_S] [--latency MS] [--data DIR] [--verbose]
                         [--s3 ENV_JSON | --s3-endpoint URL --s3-bucket NAME [--s3-region R]]
  --data DIR: keep the site in DIR (records, stored bytes, open multipart uploads) and start
  from it again next time, also after a kill; without it the site starts afresh and keeps nothing.
  --s3 FILE: keep uploads in an external S3 bucket (the JSON npm run s3:start writes; or
  SG_EMULATOR_S3=FILE). --s3-endpoint takes the keys from SG_EMULATOR_S3_ACCESS_KEY_ID and
  SG_EMULATOR_S3_SECRET_ACCESS_KEY. Needs the dev dependency @aws-sdk/client-s3.`;

const FAULT_KINDS: readonly FaultKind[] = ['http500', 'http502', 'http503', 'http429', 'reset', 'stall', 'token_expire', 'url_expire'];

/** A CLI usage error: printed with the usage, exit code 2. */
class UsageError extends Error {}

function wholeNumber(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${name} must be a whole number (got ${raw})`);
  return Number(raw);
}

function checkRates(rates: Record<string, unknown>): Partial<Record<FaultKind, number>> {
  const out: Partial<Record<FaultKind, number>> = {};
  for (const [kind, rate] of Object.entries(rates)) {
    if (!FAULT_KINDS.includes(kind as FaultKind)) throw new UsageError(`--faults: unknown fault kind '${kind}' (known: ${FAULT_KINDS.join(', ')})`);
    const n = typeof rate === 'number' ? rate : Number(rate);
    if (!Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`--faults: rate of ${kind} must be between 0 and 1`);
    out[kind as FaultKind] = n;
  }
  return out;
}

/** `--faults`: a FaultRates JSON object, a JSON map kind → rate, or `kind=rate,kind=rate`. */
export function parseFaults(raw: string): FaultRates {
  const text = raw.trim();
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new UsageError('--faults: invalid JSON');
    }
    const obj = parsed as Record<string, unknown>;
    if (typeof obj.rates === 'object' && obj.rates !== null) return { ...(obj as unknown as FaultRates), rates: checkRates(obj.rates as Record<string, unknown>) };
    return { rates: checkRates(obj) };
  }
  const rates: Record<string, string> = {};
  for (const part of text.split(',').filter((p) => p.trim() !== '')) {
    const [kind, rate] = part.split('=');
    if (!kind || rate === undefined) throw new UsageError(`--faults: expected kind=rate, got '${part}'`);
    rates[kind.trim()] = rate.trim();
  }
  return { rates: checkRates(rates) };
}

/** Options from the command line (and, for external S3 storage, the environment). */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv = process.env): EmulatorOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        storage: { type: 'string' },
        'token-ttl': { type: 'string' },
        'transcode-delay': { type: 'string' },
        'transcode-fail': { type: 'boolean' },
        faults: { type: 'string' },
        seed: { type: 'string' },
        'seed-records': { type: 'string' },
        bandwidth: { type: 'string' },
        latency: { type: 'string' },
        data: { type: 'string' },
        verbose: { type: 'boolean' },
        s3: { type: 'string' },
        's3-endpoint': { type: 'string' },
        's3-bucket': { type: 'string' },
        's3-region': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return 'help';
  const storage = values.storage;
  if (storage !== undefined && storage !== 's3' && storage !== 'sg') throw new UsageError(`--storage must be s3 or sg (got ${storage})`);
  const options: EmulatorOptions = {
    port: wholeNumber('port', values.port) ?? 0,
    host: values.host ?? '127.0.0.1',
  };
  if (storage) options.storage = storage;
  const ttl = wholeNumber('token-ttl', values['token-ttl']);
  if (ttl !== undefined) options.tokenTtl = ttl;
  const delay = wholeNumber('transcode-delay', values['transcode-delay']);
  if (delay !== undefined) options.transcodeDelay = delay;
  if (values['transcode-fail']) options.transcodeFail = true;
  if (values.faults !== undefined) options.faults = parseFaults(values.faults);
  const seed = wholeNumber('seed', values.seed);
  if (seed !== undefined) options.seed = seed;
  const seedRecordCount = wholeNumber('seed-records', values['seed-records']);
  if (seedRecordCount !== undefined) options.seedRecords = seedRecordCount;
  const bandwidth = wholeNumber('bandwidth', values.bandwidth);
  const latency = wholeNumber('latency', values.latency);
  if (bandwidth !== undefined || latency !== undefined) {
    options.shaping = {
      apiBandwidth: bandwidth ?? 0, storageBandwidth: bandwidth ?? 0, apiLatency: latency ?? 0, storageLatency: latency ?? 0,
    };
  }
  if (values.data !== undefined) options.dataDir = values.data;
  if (values.verbose) options.verbose = true;
  try {
    const external = externalStorageFromCli(values, env);
    if (external) options.externalStorage = external;
  } catch (err) {
    if (err instanceof S3FlagError) throw new UsageError(err.message);
    throw err;
  }
  return options;
}

async function main(): Promise<void> {
  let options: EmulatorOptions | 'help';
  try {
    options = parseCli(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stderr.write(`${USAGE}\n`);
    return;
  }
  const emu = await startEmulator(options);
  const { scriptName, scriptKey, login, password } = emu.credentials;
  process.stdout.write(`${JSON.stringify({ url: emu.url, scriptName, scriptKey, login, password })}\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    emu.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`shotgrid-emulator: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
