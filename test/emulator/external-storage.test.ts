/**
 * External S3 storage mode, without a gateway (the real one runs in `npm run test:s3`): the
 * synchronous SigV4 presigner makes byte for byte the URLs `@aws-sdk/s3-request-presigner`
 * makes, the start refuses unusable settings, and the CLI reads the bucket from flags, a file
 * or the environment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { parseCli } from '../../emulator/cli.js';
import { presignS3Url } from '../../emulator/files/sigv4.js';
import { startEmulator } from '../../emulator/index.js';

const creds = { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'example/secret+key/000000000000000000000' };
const date = new Date('2026-11-23T10:00:00Z');

function sdk(endpoint: string, sessionToken?: string): S3Client {
  return new S3Client({
    endpoint, region: 'eu-west-3', forcePathStyle: true, credentials: { ...creds, sessionToken },
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

test('presigned URLs are the ones the AWS SDK presigner makes (PUT, UploadPart, GET; odd keys; ports; session token)', async () => {
  const keys = ['uploads/0a1b/plate.mov', "uploads/ab cd/plate v1 – ü (1)!*'~.mov", 'a/b/c/日本 #1?.png', 'x+y=z&w.bin'];
  for (const endpoint of ['http://127.0.0.1:7480', 'https://s3.example.com', 'http://s3.example.com:80']) {
    for (const sessionToken of [undefined, 'FwoGZXIvYXdzE+token/with=chars']) {
      const client = sdk(endpoint, sessionToken);
      try {
        for (const key of keys) {
          const signer = { ...creds, sessionToken, region: 'eu-west-3' };
          const base = { endpoint, bucket: 'sg-test', key, expiresIn: 900, date };
          const cases: Array<[string, string]> = [
            [await getSignedUrl(client, new PutObjectCommand({ Bucket: 'sg-test', Key: key }), { expiresIn: 900, signingDate: date }),
              presignS3Url(signer, { ...base, method: 'PUT', query: { 'x-id': 'PutObject' } })],
            [await getSignedUrl(client, new UploadPartCommand({ Bucket: 'sg-test', Key: key, UploadId: '2~abc_DEF-ghi.jkl', PartNumber: 7 }), { expiresIn: 900, signingDate: date }),
              presignS3Url(signer, { ...base, method: 'PUT', query: { 'x-id': 'UploadPart', partNumber: '7', uploadId: '2~abc_DEF-ghi.jkl' } })],
            [await getSignedUrl(client, new GetObjectCommand({ Bucket: 'sg-test', Key: key }), { expiresIn: 60, signingDate: date }),
              presignS3Url(signer, { ...base, expiresIn: 60, method: 'GET', query: { 'x-id': 'GetObject' } })],
          ];
          for (const [expected, ours] of cases) assert.equal(ours, expected, `${endpoint} ${key}`);
        }
      } finally {
        client.destroy();
      }
    }
  }
});

test('presigned URLs carry no SDK checksum parameters and sign only host', () => {
  const url = new URL(presignS3Url({ ...creds, region: 'us-east-1' }, { method: 'PUT', endpoint: 'http://127.0.0.1:7480', bucket: 'b', key: 'k', expiresIn: 900 }));
  assert.equal(url.searchParams.get('X-Amz-SignedHeaders'), 'host');
  assert.equal(url.searchParams.get('X-Amz-Content-Sha256'), 'UNSIGNED-PAYLOAD');
  assert.ok(![...url.searchParams.keys()].some((k) => /checksum/i.test(k)));
  assert.match(url.searchParams.get('X-Amz-Signature')!, /^[0-9a-f]{64}$/);
});

test('external storage refuses sg storage and an unusable bucket at start', async () => {
  const bad = { endpoint: 'http://127.0.0.1:1', bucket: 'nope', ...creds };
  await assert.rejects(startEmulator({ storage: 'sg', externalStorage: bad }), /needs storage s3/);
  await assert.rejects(startEmulator({ externalStorage: { ...bad, endpoint: 'ftp://x' } }), /must be http/);
  await assert.rejects(startEmulator({ externalStorage: { ...bad, bucket: '' } }), /bucket is required/);
  await assert.rejects(startEmulator({ externalStorage: { ...bad, forcePathStyle: false } }), /only path-style/);
  await assert.rejects(startEmulator({ externalStorage: bad }), (err: Error) => {
    assert.match(err.message, /bucket 'nope' at http:\/\/127\.0\.0\.1:1 is not usable/);
    assert.doesNotMatch(err.message, /example\/secret/);
    return true;
  });
});

test('CLI: --s3 FILE, SG_EMULATOR_S3, or --s3-endpoint/--s3-bucket with the keys from the environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sg-cli-s3-'));
  try {
    const file = join(dir, 's3-env.json');
    writeFileSync(file, JSON.stringify({ endpoint: 'http://127.0.0.1:7480', region: 'us-east-1', bucket: 'sg-test', ...creds, forcePathStyle: true, pids: {} }));
    const expected = { endpoint: 'http://127.0.0.1:7480', region: 'us-east-1', bucket: 'sg-test', ...creds, forcePathStyle: true };
    assert.deepEqual((parseCli(['--s3', file], {}) as { externalStorage: unknown }).externalStorage, expected);
    assert.deepEqual((parseCli([], { SG_EMULATOR_S3: file }) as { externalStorage: unknown }).externalStorage, expected);
    assert.equal((parseCli([], {}) as { externalStorage?: unknown }).externalStorage, undefined);
    const env = { SG_EMULATOR_S3_ACCESS_KEY_ID: creds.accessKeyId, SG_EMULATOR_S3_SECRET_ACCESS_KEY: creds.secretAccessKey };
    assert.deepEqual((parseCli(['--s3-endpoint', 'http://127.0.0.1:7480', '--s3-bucket', 'b', '--s3-region', 'r'], env) as { externalStorage: unknown }).externalStorage,
      { endpoint: 'http://127.0.0.1:7480', bucket: 'b', region: 'r', ...creds });
    assert.throws(() => parseCli(['--s3-endpoint', 'http://127.0.0.1:7480', '--s3-bucket', 'b'], {}), /SG_EMULATOR_S3_ACCESS_KEY_ID/);
    assert.throws(() => parseCli(['--s3-endpoint', 'http://127.0.0.1:7480'], env), /go together/);
    assert.throws(() => parseCli(['--s3', file, '--s3-bucket', 'b'], env), /exclude each other/);
    assert.throws(() => parseCli(['--s3', join(dir, 'missing.json')], {}), /cannot read/);
    writeFileSync(file, JSON.stringify({ endpoint: 'http://x' }));
    assert.throws(() => parseCli(['--s3', file], {}), /lacks bucket, accessKeyId, secretAccessKey/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without the AWS SDK the emulator still loads and runs; only external mode asks for it', () => {
  // A child whose module resolution refuses @aws-sdk/*, as in an install without dev dependencies.
  const script = `
    const Module = require('node:module');
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) {
      if (request.startsWith('@aws-sdk/')) throw Object.assign(new Error('Cannot find module ' + request), { code: 'MODULE_NOT_FOUND' });
      return resolve.call(this, request, ...rest);
    };
    const { startEmulator } = require(${JSON.stringify(join(__dirname, '..', '..', 'emulator', 'index.js'))});
    (async () => {
      const emu = await startEmulator();
      const info = await fetch(emu.url + '/api/v1/');
      await emu.close();
      const refused = await startEmulator({ externalStorage: { endpoint: 'http://127.0.0.1:1', bucket: 'b', accessKeyId: 'a', secretAccessKey: 's' } }).then(() => 'started', (e) => e.message);
      console.log(JSON.stringify({ status: info.status, refused, loaded: Object.keys(require.cache).some((k) => k.includes('@aws-sdk')) }));
    })();
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { status: number; refused: string; loaded: boolean };
  assert.equal(out.status, 200);
  assert.match(out.refused, /needs the development dependency @aws-sdk\/client-s3/);
  assert.equal(out.loaded, false);
});
