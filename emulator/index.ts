/**
 * The local ShotGrid site: `startEmulator()` starts it on 127.0.0.1 (any free port by default)
 * with a seeded studio and returns its URL, credentials and the controls tests use.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Site } from './api/site.js';
import { restoreField } from './api/schema-admin.js';
import { TokenService } from './api/token-service.js';
import { openDataDir, type DataDir } from './data-dir.js';
import { createIssuedLog } from './issued.js';
import type { EmulatorContext, ResolvedOptions } from './context.js';
import { createCounters, createFaultEngine, createShaper } from './faults/index.js';
import { openExternalStorage } from './files/external-s3.js';
import { createFileService } from './files/index.js';
import { createApiServer } from './server.js';
import { MemoryStore } from './store/memory-store.js';
import { persistRecords } from './store/persist.js';
import { SEEDED, seedStudio } from './store/seed.js';
import { seedRecords } from './store/seed-records.js';
import type { Emulator, EmulatorCredentials, EmulatorOptions } from './types.js';

export type * from './types.js';
/** Ids of seeded rows (script user, demo login, users that refuse impersonation, projects). */
export { SEEDED as SEEDED_IDS } from './store/seed.js';

/**
 * The credentials the seeded site accepts. Fixed and documented on purpose: they only open this
 * local emulator, and tests and the demo must be able to rely on them.
 */
export const EMULATOR_CREDENTIALS: Readonly<EmulatorCredentials> = Object.freeze({
  scriptName: 'sgflow_emulator',
  scriptKey: 'q7Vw2nXk9pLr4sTz8cYb3mHd',
  login: 'demo.artist',
  password: 'demo-artist-pass',
});

/** Every option with its default. */
function resolveOptions(options: EmulatorOptions, dataDir: string): ResolvedOptions {
  return {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    storage: options.storage ?? 's3',
    tokenTtl: options.tokenTtl ?? 600,
    refreshTtl: options.refreshTtl ?? 86_400,
    signedUrlTtl: options.signedUrlTtl ?? 900,
    transcodeDelay: options.transcodeDelay ?? 3000,
    transcodeFail: options.transcodeFail ?? false,
    seed: options.seed ?? 1,
    seedScale: options.seedScale ?? 1,
    seedRecords: options.seedRecords ?? 0,
    verbose: options.verbose ?? false,
    faults: options.faults,
    externalStorage: options.externalStorage,
    dataDir,
    shaping: { apiBandwidth: 0, apiLatency: 0, storageBandwidth: 0, storageLatency: 0, ...options.shaping },
  };
}

/** The URL clients use for a bound address (a wildcard bind is reached through loopback). */
function urlFor(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
}

/** Starts an emulator. Rejects (e.g. `EADDRINUSE`) when it cannot listen. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  if (options.externalStorage && options.storage === 'sg') throw new Error('externalStorage needs storage s3 (sg uploads go to the site itself)');
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'sg-emulator-'));
  if (!ownDataDir) mkdirSync(dataDir, { recursive: true });
  const resolved = resolveOptions(options, dataDir);
  // A folder the caller names is a persistent site: records, bytes and open uploads outlive it.
  const folder: DataDir | undefined = ownDataDir ? undefined : openDataDir(dataDir, { seedScale: resolved.seedScale, seedRecords: resolved.seedRecords });
  resolved.persistent = folder !== undefined;
  const store = new MemoryStore();
  const counters = createCounters();
  const credentials = { ...EMULATOR_CREDENTIALS };

  // The context is assembled in steps: the factories below receive it (or a getter) and read
  // its other members only when requests arrive.
  const ctx = { options: resolved, baseUrl: '', credentials, store, counters, secret: folder?.secret ?? randomBytes(32) } as unknown as EmulatorContext;
  const issued = createIssuedLog();
  ctx.issued = issued;
  const tokens = new TokenService(() => ctx);
  ctx.auth = tokens;
  ctx.faults = createFaultEngine(resolved.seed, counters, resolved.faults);
  ctx.shaper = createShaper(() => ctx.options.shaping);
  // The AWS SDK is loaded only here, and only when an external bucket is asked for.
  let external;
  try {
    external = resolved.externalStorage ? await openExternalStorage(resolved.externalStorage, () => resolved.signedUrlTtl, counters) : undefined;
  } catch (err) {
    folder?.release();
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  let records: { close(): void } | undefined;
  try {
    ctx.files = createFileService(ctx, external);
    seedStudio(store, credentials, resolved.seedScale);
    if (resolved.seedRecords > 0) {
      seedRecords(store, resolved.seedRecords, { script: { type: 'ApiUser', id: SEEDED.apiUser }, artist: { type: 'HumanUser', id: SEEDED.demoUser } });
    }
    if (folder) records = persistRecords(store, dataDir, { field: restoreField });
  } catch (err) {
    await ctx.files?.close().catch(() => undefined);
    folder?.release();
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }

  const site: Site = { ctx, store, tokens };
  const { server, sockets } = createApiServer(ctx, site);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(resolved.port, resolved.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await ctx.files.close().catch(() => undefined);
    records?.close();
    folder?.release();
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : resolved.port;
  ctx.baseUrl = urlFor(resolved.host, port);

  let closing: Promise<void> | undefined;
  return {
    url: ctx.baseUrl,
    port,
    credentials,
    faults: ctx.faults,
    counters: { snapshot: () => counters.snapshot(), reset: () => counters.reset() },
    issued: () => issued.snapshot(),
    openUploads: () => ctx.files.openUploads(),
    configure(change) {
      const { shaping, ...rest } = change;
      if (rest.storage === 'sg' && ctx.options.externalStorage) throw new Error('configure: storage sg is not available with externalStorage');
      Object.assign(ctx.options, rest);
      if (shaping) ctx.options.shaping = { ...ctx.options.shaping, ...shaping };
    },
    bulkCreate(type, records) {
      const canonical = store.resolveType(type);
      if (!canonical) throw new Error(`bulkCreate: unknown entity type '${type}'`);
      const ids = new Array<number>(records.length);
      for (let i = 0; i < records.length; i++) ids[i] = store.insert(canonical, records[i]!).id;
      return ids;
    },
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          for (const socket of sockets) socket.destroy();
          server.closeAllConnections();
        });
        await ctx.files.close().catch(() => undefined);
        records?.close();
        folder?.release();
        if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
