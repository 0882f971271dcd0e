/**
 * A persistent site's data folder (`--data DIR`): one emulator at a time (a lock file naming its
 * process), the signing secret that must outlive a restart (tokens and signed links handed out
 * before it stay valid), and the seeding the journals were written on top of.
 *
 * Files: `emulator.lock` (pid), `site-secret` (32 random bytes, mode 0600, never logged),
 * `site.json` (format and seeding), plus the journals and `storage/` (see emulator/README.md).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** What the journals of a folder assume was seeded before them (seeded rows are made again, not journalled). */
export interface SeedingMeta {
  seedScale: number;
  seedRecords: number;
}

/** An opened data folder. */
export interface DataDir {
  /** The site's HMAC key (tokens, signed links, object keys), the same at every start. */
  secret: Buffer;
  /** Lets another emulator use the folder. */
  release(): void;
}

const FORMAT = 1;
/** Folders held by emulators of this process (the lock file alone cannot tell two of them apart). */
const held = new Set<string>();

function writeAtomically(path: string, data: string | Buffer): void {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  renameSync(tmp, path);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lock(dir: string): void {
  const path = join(dir, 'emulator.lock');
  const owner = existsSync(path) ? Number(readFileSync(path, 'utf8').trim()) : NaN;
  const inUse = held.has(dir) || (Number.isInteger(owner) && owner !== process.pid && alive(owner));
  if (inUse) {
    throw new Error(`data folder ${dir} is in use by another emulator (pid ${Number.isInteger(owner) ? owner : process.pid}); stop it first, or remove ${path} if no emulator runs`);
  }
  // A lock left by a killed emulator (its process is gone) is taken over.
  writeAtomically(path, `${process.pid}\n`);
  held.add(dir);
}

function secretOf(dir: string): Buffer {
  const path = join(dir, 'site-secret');
  if (existsSync(path)) {
    const secret = readFileSync(path);
    if (secret.length !== 32) throw new Error(`${path} is damaged (expected 32 bytes); remove the data folder to start a new site`);
    return secret;
  }
  const secret = randomBytes(32);
  writeAtomically(path, secret);
  return secret;
}

function checkSeeding(dir: string, seeding: SeedingMeta): void {
  const path = join(dir, 'site.json');
  if (existsSync(path)) {
    const saved = JSON.parse(readFileSync(path, 'utf8')) as SeedingMeta & { format: number };
    if (saved.format !== FORMAT) throw new Error(`${path}: format ${saved.format} is not one this emulator reads (${FORMAT})`);
    if (saved.seedScale !== seeding.seedScale || saved.seedRecords !== seeding.seedRecords) {
      throw new Error(`data folder ${dir} was made with seed scale ${saved.seedScale} and ${saved.seedRecords} seeded records; start with the same (--seed-records ${saved.seedRecords}) or another folder`);
    }
    return;
  }
  writeAtomically(path, `${JSON.stringify({ format: FORMAT, ...seeding })}\n`);
}

/** Opens (and locks) a data folder that exists. */
export function openDataDir(folder: string, seeding: SeedingMeta): DataDir {
  const dir = resolve(folder);
  lock(dir);
  try {
    checkSeeding(dir, seeding);
    const secret = secretOf(dir);
    let released = false;
    return {
      secret,
      release() {
        if (released) return;
        released = true;
        held.delete(dir);
        rmSync(join(dir, 'emulator.lock'), { force: true });
      },
    };
  } catch (err) {
    held.delete(dir);
    rmSync(join(dir, 'emulator.lock'), { force: true });
    throw err;
  }
}
