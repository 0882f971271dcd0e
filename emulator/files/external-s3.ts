/**
 * External storage: the site hands out real SigV4 presigned URLs of an S3 bucket (e.g. Ceph
 * radosgw on loopback) and drives multipart uploads there, so clients meet a real S3
 * implementation. The AWS SDK is a development dependency: it is loaded here, lazily, only when
 * this mode is asked for, so the published emulator runs without it.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Counters } from '../context.js';
import type { ExternalStorageOptions } from '../types.js';
import type { CompletionRefusal } from './multipart.js';
import { parseListedParts } from './multipart.js';
import { presignS3Url, type SigV4Key } from './sigv4.js';
import type { StorageBackend } from './storage-backend.js';

type Sdk = typeof import('@aws-sdk/client-s3');

const MAX_EXPIRES = 604_800;
const REFUSALS = new Set<CompletionRefusal['code']>(['InvalidPart', 'InvalidPartOrder', 'EntityTooSmall', 'NoSuchUpload', 'MalformedXML']);

/**
 * Imports the SDK on first use. It is resolved the way `require` resolves (so `NODE_PATH` works,
 * e.g. for a build output outside the work tree), then loaded with a dynamic import.
 */
async function loadSdk(): Promise<Sdk> {
  try {
    const path = createRequire(__filename).resolve('@aws-sdk/client-s3');
    return (await import(pathToFileURL(path).href)) as Sdk;
  } catch (err) {
    throw new Error(`external S3 storage needs the development dependency @aws-sdk/client-s3 (npm install --save-dev @aws-sdk/client-s3): ${(err as Error).message}`);
  }
}

/** The S3 error code of an SDK error (`Code` in the XML, else the error name). */
function s3Code(err: unknown): string {
  const e = err as { Code?: unknown; name?: unknown };
  return typeof e.Code === 'string' ? e.Code : typeof e.name === 'string' ? e.name : 'InternalError';
}

/** Checks the options; the endpoint must be an http(s) origin. */
function checkOptions(o: ExternalStorageOptions): void {
  for (const k of ['endpoint', 'bucket', 'accessKeyId', 'secretAccessKey'] as const) {
    if (typeof o[k] !== 'string' || o[k] === '') throw new Error(`externalStorage.${k} is required`);
  }
  const url = new URL(o.endpoint);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`externalStorage.endpoint must be http(s) (got ${url.protocol})`);
  // The presigner makes path-style links only (what loopback gateways need).
  if (o.forcePathStyle === false) throw new Error('externalStorage.forcePathStyle: only path-style URLs are supported');
}

/**
 * Connects to the bucket (it must exist: a HEAD checks it, so a wrong endpoint or key fails
 * the start instead of the first upload) and returns the backend.
 */
export async function openExternalStorage(options: ExternalStorageOptions, ttl: () => number, counters: Counters): Promise<StorageBackend> {
  checkOptions(options);
  const sdk = await loadSdk();
  const region = options.region ?? 'us-east-1';
  const key: SigV4Key = { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey, sessionToken: options.sessionToken, region };
  const s3: S3Client = new sdk.S3Client({
    endpoint: options.endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey, sessionToken: options.sessionToken },
    // Like ShotGrid's URLs: no SDK-added checksum parameters (some S3s refuse them).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
  });
  const Bucket = options.bucket;
  try {
    await s3.send(new sdk.HeadBucketCommand({ Bucket }));
  } catch (err) {
    s3.destroy();
    throw new Error(`external S3 storage: bucket '${Bucket}' at ${new URL(options.endpoint).origin} is not usable (${s3Code(err)})`);
  }
  /** Keys known to hold bytes: settled completions and generated thumbnails. */
  const present = new Set<string>();

  return {
    kind: 'external',
    sign({ method, key: objectKey, part, expired }) {
      const expiresIn = Math.min(MAX_EXPIRES, Math.max(1, Math.round(ttl())));
      const now = Date.now();
      return presignS3Url(key, {
        method,
        endpoint: options.endpoint,
        bucket: Bucket,
        key: objectKey,
        expiresIn,
        // Signed long enough ago that the storage itself finds it expired.
        date: new Date(expired ? now - (expiresIn + 60) * 1000 : now),
        query: part ? { partNumber: String(part.partNumber), uploadId: part.uploadId } : undefined,
      });
    },
    async createMultipart(objectKey, contentType) {
      const out = await s3.send(new sdk.CreateMultipartUploadCommand({ Bucket, Key: objectKey, ContentType: contentType }));
      if (!out.UploadId) throw new Error('external S3 storage: CreateMultipartUpload returned no UploadId');
      return out.UploadId;
    },
    async completeMultipart(uploadId, objectKey, etags) {
      const listed = parseListedParts(etags);
      if (!listed || listed.length === 0) return { code: 'MalformedXML', message: 'The XML you provided was not well-formed or did not validate against our published schema.' };
      try {
        await s3.send(new sdk.CompleteMultipartUploadCommand({
          Bucket, Key: objectKey, UploadId: uploadId,
          MultipartUpload: { Parts: listed.map((p) => ({ PartNumber: p.n, ETag: p.etag })) },
        }));
        return undefined;
      } catch (err) {
        const code = s3Code(err);
        if (REFUSALS.has(code as CompletionRefusal['code'])) return { code: code as CompletionRefusal['code'], message: (err as Error).message || code };
        throw err;
      }
    },
    async abortMultipart(uploadId, objectKey) {
      try {
        await s3.send(new sdk.AbortMultipartUploadCommand({ Bucket, Key: objectKey, UploadId: uploadId }));
      } catch (err) {
        if (s3Code(err) !== 'NoSuchUpload') throw err;
      }
    },
    async settle(objectKey) {
      try {
        const head = await s3.send(new sdk.HeadObjectCommand({ Bucket, Key: objectKey }));
        present.add(objectKey);
        const size = head.ContentLength ?? 0;
        // Bytes the client PUT straight to the bucket: counted when the site learns of them.
        counters.bytesStored(size);
        return size;
      } catch (err) {
        const e = err as { $metadata?: { httpStatusCode?: number } };
        if (e.$metadata?.httpStatusCode === 404 || s3Code(err) === 'NotFound' || s3Code(err) === 'NoSuchKey') return undefined;
        throw err;
      }
    },
    has: (objectKey) => present.has(objectKey),
    async putGenerated(objectKey, body, contentType) {
      await s3.send(new sdk.PutObjectCommand({ Bucket, Key: objectKey, Body: body, ContentType: contentType, ContentLength: body.length }));
      present.add(objectKey);
    },
    async close() {
      s3.destroy();
    },
  };
}
