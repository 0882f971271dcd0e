/**
 * The soak's file plan: sizes spread evenly on a log scale between the smallest and the largest
 * size (so every order of magnitude is exercised), shuffled from the seed so big and small
 * uploads overlap, and content that is a pure function of (seed, index). A file is written just
 * before its upload and deleted right after; its SHA-256 is known from the plan, so checking
 * byte-exactness never needs the file, or the bytes, kept around.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

/** One file of the soak. */
export interface SoakFile {
  /** 0-based position in the plan. */
  index: number;
  /** Unique per run, so the Attachment it produces can be looked up by `original_fname`. */
  name: string;
  size: number;
  /** Even files go to a file field (`sg_uploaded_movie`), odd ones become record-level Attachments. */
  field?: string;
  /** Whether the upload is above the multipart threshold. */
  multipart: boolean;
}

/** What shapes the plan. */
export interface PlanOptions {
  count: number;
  minSize: number;
  maxSize: number;
  multipartThreshold: number;
  seed: number;
}

/** The field even-numbered files are uploaded to. */
export const SOAK_FIELD = 'sg_uploaded_movie';

/** A tiny seeded PRNG (mulberry32), for the shuffle. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sizes log-spread from `minSize` to `maxSize` (both included), in a seeded order. */
export function planFiles(o: PlanOptions): SoakFile[] {
  const sizes: number[] = [];
  for (let i = 0; i < o.count; i++) {
    const t = o.count === 1 ? 1 : i / (o.count - 1);
    sizes.push(Math.max(1, Math.round(o.minSize * (o.maxSize / o.minSize) ** t)));
  }
  const random = prng(o.seed ^ 0x5eed);
  for (let i = sizes.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [sizes[i], sizes[j]] = [sizes[j]!, sizes[i]!];
  }
  return sizes.map((size, index) => ({
    index,
    name: `soak-${o.seed}-${String(index).padStart(4, '0')}-${size}.bin`,
    size,
    ...(index % 2 === 0 ? { field: SOAK_FIELD } : {}),
    multipart: size > o.multipartThreshold,
  }));
}

const CHUNK = 1024 * 1024;
const ZEROS = Buffer.alloc(CHUNK);

/**
 * The content stream of a file: AES-128-CTR keystream under a key derived from (seed, index).
 * Fast (hardware AES), incompressible, and different for every file and every seed.
 */
function* contentChunks(seed: number, file: SoakFile): Generator<Buffer> {
  const key = createHash('sha256').update(`sg-soak:${seed}:${file.index}`).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  for (let left = file.size; left > 0; left -= CHUNK) yield cipher.update(left >= CHUNK ? ZEROS : ZEROS.subarray(0, left));
}

/** SHA-256 (hex) of a file's planned content, without writing it anywhere. */
export function expectedSha256(seed: number, file: SoakFile): string {
  const hash = createHash('sha256');
  for (const chunk of contentChunks(seed, file)) hash.update(chunk);
  return hash.digest('hex');
}

/** Writes a file's content into `dir`; returns its path and SHA-256. */
export async function writeSoakFile(dir: string, seed: number, file: SoakFile): Promise<{ path: string; sha256: string }> {
  const path = join(dir, file.name);
  const hash = createHash('sha256');
  const handle = await open(path, 'w');
  try {
    for (const chunk of contentChunks(seed, file)) {
      hash.update(chunk);
      await handle.write(chunk);
    }
  } finally {
    await handle.close();
  }
  return { path, sha256: hash.digest('hex') };
}
