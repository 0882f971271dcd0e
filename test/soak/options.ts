/**
 * Soak options from flags (`--count=20`) or environment (`SOAK_COUNT=20`); flags win.
 * Sizes accept `1KiB`, `5MiB`, `200MiB`, `1GiB` or plain bytes.
 */

/** The soak's legs. */
export type SoakRunName = 'library' | 'node-red' | 'farm';
const RUN_NAMES: readonly SoakRunName[] = ['library', 'node-red', 'farm'];

/** Everything a soak run is shaped by. */
export interface SoakOptions {
  /** Files uploaded per run. */
  count: number;
  minSize: number;
  maxSize: number;
  /** Uploads in flight at once. */
  concurrency: number;
  /** Share of requests (0..1) that meet a fault, spread evenly over the fault kinds. */
  faultRate: number;
  seed: number;
  /** Files above this go multipart. */
  multipartThreshold: number;
  partSize: number;
  /** How long an injected stall holds the exchange before the emulator drops it. */
  stallMs: number;
  /** Whether faults stay on while the results are read and downloaded back. */
  verifyUnderFaults: boolean;
  /** Which runs: the library, the Node-RED upload node, farm jobs through example 1 (issue 12). */
  runs: SoakRunName[];
  /** Fast client retries (tests); the soak itself uses the library's defaults. */
  fastRetries: boolean;
}

const MiB = 1024 * 1024;

/** The full soak of issue 6. */
export const DEFAULT_SOAK: Readonly<SoakOptions> = Object.freeze({
  count: 200,
  minSize: 1024,
  maxSize: 200 * MiB,
  concurrency: 4,
  faultRate: 0.1,
  seed: 1,
  // 5 MiB (S3's smallest part): with sizes log-spread over 1 KiB…200 MiB, ~30 % go multipart.
  multipartThreshold: 5 * MiB,
  partSize: 5 * MiB,
  stallMs: 3000,
  verifyUnderFaults: true,
  runs: [...RUN_NAMES],
  fastRetries: false,
});

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1000, kb: 1000, kib: 1024, m: 1e6, mb: 1e6, mib: MiB, g: 1e9, gb: 1e9, gib: 1024 * MiB };

/** Parses `5MiB`, `1.5GB`, `1024`. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new Error(`not a size: ${JSON.stringify(text)}`);
  return Math.round(Number(m[1]) * unit);
}

function parseNumber(text: string, name: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name} must be a number from ${min} to ${max}`);
  return n;
}

function parseBool(text: string): boolean {
  return !['0', 'false', 'no', 'off'].includes(text.toLowerCase());
}

type Parser = (value: string, out: SoakOptions) => void;

const PARSERS: Record<string, Parser> = {
  count: (v, o) => void (o.count = Math.floor(parseNumber(v, 'count', 1, 100_000))),
  'min-size': (v, o) => void (o.minSize = parseSize(v)),
  'max-size': (v, o) => void (o.maxSize = parseSize(v)),
  concurrency: (v, o) => void (o.concurrency = Math.floor(parseNumber(v, 'concurrency', 1, 64))),
  'fault-rate': (v, o) => void (o.faultRate = parseNumber(v, 'fault-rate', 0, 0.9)),
  seed: (v, o) => void (o.seed = Math.floor(parseNumber(v, 'seed', 0, 2 ** 31))),
  threshold: (v, o) => void (o.multipartThreshold = parseSize(v)),
  'part-size': (v, o) => void (o.partSize = parseSize(v)),
  'stall-ms': (v, o) => void (o.stallMs = Math.floor(parseNumber(v, 'stall-ms', 1, 600_000))),
  'verify-faults': (v, o) => void (o.verifyUnderFaults = parseBool(v)),
  runs: (v, o) => {
    const runs = v.split(',').map((r) => r.trim()).filter(Boolean);
    if (runs.length === 0 || runs.some((r) => !(RUN_NAMES as readonly string[]).includes(r))) throw new Error(`runs must be some of ${RUN_NAMES.join(', ')} (comma-separated)`);
    o.runs = runs as SoakOptions['runs'];
  },
};

/** Options from `argv` (`--name=value` or `--name value`) over `SOAK_NAME` variables over the defaults. */
export function parseSoakOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): SoakOptions {
  const out: SoakOptions = { ...DEFAULT_SOAK, runs: [...DEFAULT_SOAK.runs] };
  for (const [name, parse] of Object.entries(PARSERS)) {
    const value = env[`SOAK_${name.toUpperCase().replace(/-/g, '_')}`];
    if (value !== undefined && value !== '') parse(value, out);
  }
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]!);
    const parse = m ? PARSERS[m[1]!] : undefined;
    if (!m || !parse) throw new Error(`unknown argument ${argv[i]}; known: ${Object.keys(PARSERS).map((k) => `--${k}`).join(' ')}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${m[1]} needs a value`);
    parse(value, out);
  }
  if (out.minSize > out.maxSize) throw new Error('min-size must not be above max-size');
  return out;
}
