/**
 * How a file is cut for upload: one PUT up to the threshold, otherwise parts that satisfy S3
 * (every part but the last ≥ 5 MiB, at most 10,000 parts, at most 5 GiB each).
 */
import { ShotGridError } from '../errors.js';

/** Smallest part S3 accepts for every part but the last. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
/** Largest part S3 accepts. */
export const MAX_PART_SIZE = 5 * 1024 * 1024 * 1024;
/** Most parts in one multipart upload. */
export const MAX_PARTS = 10_000;
/** Files larger than this use multipart (the Python API's `_MULTIPART_UPLOAD_CHUNK_SIZE`; strict `>`). */
export const DEFAULT_MULTIPART_THRESHOLD = 20_000_000;
/**
 * Default part size: 8 MiB (the AWS CLI's and boto3's). No part is held in memory: its MD5 (its
 * Content-MD5, which precedes its bytes) comes from the hash pass over the file
 * (hash-pass.ts), and the part is then streamed from the file; the storage checks it against
 * that MD5, so what it keeps is what was hashed. Every part costs a link request to the site,
 * a PUT and a file on the storage: ~2 ms of CPU on the two sides together (bench P1: 5 MiB
 * parts, S3's smallest, were ~10 % slower per GiB on loopback). Larger ones would not cost
 * memory either, but a retry re-sends a whole part, a resumed upload (resumeDir) loses the parts
 * in flight, and a file needs `concurrency` parts to fill the connections (64 MiB here).
 */
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
/**
 * Largest single PUT read whole into memory (it is small: a single PUT is at most
 * `multipartThreshold`, 20,000,000 bytes by default), hashed on the way and sent with its
 * Content-MD5. A larger single PUT (a site without multipart, or a raised `multipartThreshold`)
 * streams from the file, hashed on the way, and is checked against the storage's ETag only.
 */
export const MAX_HELD_SPAN = 64 * 1024 * 1024;
/**
 * Parts in flight at once by default. Storage caps each connection (S3: tens of MB/s), so the
 * parts in flight set the speed: 4 (@aws-sdk/lib-storage's default) stays under 4× the Python
 * API's sequential upload on a 25 MB/s-per-connection storage, 8 reaches ~6× (bench P2 and the
 * concurrency chart). A part in flight holds only its send stream's read chunks (storage-put.ts).
 */
export const DEFAULT_CONCURRENCY = 8;
/** Largest concurrency accepted. */
export const MAX_CONCURRENCY = 64;

/** The plan of one upload. */
export interface UploadPlan {
  size: number;
  multipart: boolean;
  /** Size of every part but the last (the file size for a single PUT). */
  partSize: number;
  partCount: number;
  /** Parts in flight at once (1 for a single PUT). */
  concurrency: number;
}

/** Byte span of one part: `start` inclusive, `end` exclusive. */
export interface PartSpan {
  partNumber: number;
  start: number;
  end: number;
}

/** Options that shape the plan. */
export interface PlanOptions {
  partSize?: number;
  concurrency?: number;
  multipartThreshold?: number;
}

function whole(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ShotGridError('SG_CONFIG', `${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** Plans the upload of `size` bytes; `SG_CONFIG` for options out of range. */
export function planUpload(size: number, options: PlanOptions = {}): UploadPlan {
  const threshold = options.multipartThreshold === undefined ? DEFAULT_MULTIPART_THRESHOLD : whole(options.multipartThreshold, 'multipartThreshold', 1, Number.MAX_SAFE_INTEGER);
  const requested = options.partSize === undefined ? DEFAULT_PART_SIZE : whole(options.partSize, 'partSize', MIN_PART_SIZE, MAX_PART_SIZE);
  const concurrency = options.concurrency === undefined ? DEFAULT_CONCURRENCY : whole(options.concurrency, 'concurrency', 1, MAX_CONCURRENCY);
  if (size <= threshold) return { size, multipart: false, partSize: size, partCount: 1, concurrency: 1 };
  // Raised so that the file fits in 10,000 parts.
  const partSize = Math.max(requested, Math.ceil(size / MAX_PARTS));
  if (partSize > MAX_PART_SIZE) throw new ShotGridError('SG_FILE', `file of ${size} bytes is larger than S3 accepts in ${MAX_PARTS} parts`);
  const partCount = Math.ceil(size / partSize);
  return { size, multipart: true, partSize, partCount, concurrency: Math.min(concurrency, partCount) };
}

/** The span of part `partNumber` (1-based) of a plan. */
export function partSpan(plan: UploadPlan, partNumber: number): PartSpan {
  const start = (partNumber - 1) * plan.partSize;
  return { partNumber, start, end: Math.min(plan.size, start + plan.partSize) };
}
