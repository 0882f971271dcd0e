/**
 * P10: 1 GiB to the same radosgw bucket (Ceph's S3 gateway on loopback, started with the
 * project's S3 scripts) by our client through the local site in external-S3 mode vs rclone and
 * vs the AWS CLI (Debian's packages), all with the same parts in flight and part size: our
 * defaults (8 parts of 5 MiB in flight). Each
 * client is a process of its own under GNU time: wall time, client CPU and peak RSS. Every upload
 * is read back and compared (size, SHA-256) before the next one.
 * Where radosgw cannot run (not root, no apt) the measure is skipped with a loud note.
 */
import { createHash } from 'node:crypto';
import { createReadStream, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ExternalStorageOptions } from '../../emulator/index.js';
import { LIBRARY_DEFAULTS } from '../../lib/index.js';
import { startRemoteEmulator, type RemoteEmulator } from '../support/emulator-host.js';
import { writeRandomFile } from '../support/files.js';
import type { UploadJob } from '../support/peer-upload-child.js';
import { runMeasured, type ProcessUsage } from '../support/process-usage.js';
import { startGateway } from '../support/rgw.js';
import { newVersions, ourClient } from '../support/site.js';
import { hashCost } from '../support/hash-cost.js';
import { GiB, median, MiB, round } from '../support/stats.js';
import type { BenchContext, Measure, MeasureResult } from '../support/types.js';

/** Shared by every contender: our defaults (parts in flight and part size, from lib). */
const PART_SIZE = LIBRARY_DEFAULTS.upload.partSize;
const IN_FLIGHT = LIBRARY_DEFAULTS.upload.concurrency;
const ROOT = process.env.SG_ROOT ?? resolve(__dirname, '..', '..', '..');
const CONTENDERS = ['ours', 'rclone', 'aws-cli'] as const;
type Contender = (typeof CONTENDERS)[number];

/** SHA-256 of a file, streamed. */
async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The bucket as the bench sees it: the one object there, checked and removed. */
async function bucketTools(storage: ExternalStorageOptions) {
  // The SDK warns about Node 20 when a client is made; it says nothing about the measure.
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (!/AWS SDK for JavaScript/.test(String((warning as Error)?.message ?? warning))) (emitWarning as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  const sdk = await import('@aws-sdk/client-s3');
  const s3 = new sdk.S3Client({
    endpoint: storage.endpoint, region: storage.region ?? 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId: storage.accessKeyId, secretAccessKey: storage.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    /**
     * Checks that the bucket holds exactly one object, of `size` bytes whose SHA-256 is `sha256`
     * (read back: radosgw's multipart ETag of rclone's uploads is not the MD5 of the parts' MD5s,
     * so an ETag cannot vouch for every contender alike); deletes it.
     */
    async verifyAndEmpty(who: string, size: number, sha256: string): Promise<void> {
      const listed = await s3.send(new sdk.ListObjectsV2Command({ Bucket: storage.bucket }));
      const objects = listed.Contents ?? [];
      try {
        if (objects.length !== 1) throw new Error(`P10 ${who}: ${objects.length} objects in the bucket, expected 1`);
        const got = await s3.send(new sdk.GetObjectCommand({ Bucket: storage.bucket, Key: objects[0]!.Key! }));
        const hash = createHash('sha256');
        let bytes = 0;
        for await (const chunk of got.Body as AsyncIterable<Uint8Array>) {
          hash.update(chunk);
          bytes += chunk.length;
        }
        const digest = hash.digest('hex');
        if (bytes !== size || digest !== sha256) throw new Error(`P10 ${who}: stored ${bytes} bytes, SHA-256 ${digest}; expected ${size}, ${sha256}`);
      } finally {
        for (const o of objects) await s3.send(new sdk.DeleteObjectCommand({ Bucket: storage.bucket, Key: o.Key! }));
      }
    },
    close: () => s3.destroy(),
  };
}

/** Runs one contender's upload of `file` as its own process. */
function uploader(ctx: BenchContext, storage: ExternalStorageOptions, emu: RemoteEmulator, versionIds: number[]) {
  const awsConfig = join(ctx.tmpDir, 'aws-config');
  writeFileSync(awsConfig, `[default]\nregion = ${storage.region ?? 'us-east-1'}\ns3 =\n  max_concurrent_requests = ${IN_FLIGHT}\n  multipart_chunksize = ${PART_SIZE}\n  multipart_threshold = ${PART_SIZE}\n  addressing_style = path\n`);
  // The machine's own AWS_* settings (a CA bundle, a profile) are not the peers': plain http on loopback.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  const awsEnv = {
    ...base, AWS_CONFIG_FILE: awsConfig, AWS_SHARED_CREDENTIALS_FILE: join(ctx.tmpDir, 'no-credentials'),
    AWS_ACCESS_KEY_ID: storage.accessKeyId, AWS_SECRET_ACCESS_KEY: storage.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true', AWS_PAGER: '',
  };
  return async (who: Contender, file: string, key: string): Promise<ProcessUsage> => {
    switch (who) {
      case 'ours': {
        const job: UploadJob = { client: 'ours', site: emu.url, scriptName: emu.credentials.scriptName, scriptKey: emu.credentials.scriptKey, versionId: versionIds.pop()!, path: file, concurrency: IN_FLIGHT, partSize: PART_SIZE };
        return runMeasured(ctx.tmpDir, process.execPath, [join(__dirname, '..', 'support', 'peer-upload-child.js'), JSON.stringify(job)]);
      }
      case 'rclone':
        return runMeasured(ctx.tmpDir, 'rclone', [
          'copyto', file, `:s3:${storage.bucket}/${key}`, '-q', '--s3-provider', 'Ceph', '--s3-endpoint', storage.endpoint, '--s3-region', storage.region ?? 'us-east-1',
          '--s3-access-key-id', storage.accessKeyId, '--s3-secret-access-key', storage.secretAccessKey, '--s3-force-path-style=true', '--s3-no-check-bucket',
          '--s3-chunk-size', `${PART_SIZE}B`, '--s3-upload-cutoff', `${PART_SIZE}B`, '--s3-upload-concurrency', String(IN_FLIGHT),
        ], { ...base, RCLONE_CONFIG: join(ctx.tmpDir, 'no-rclone.conf') });
      case 'aws-cli':
        return runMeasured(ctx.tmpDir, '/usr/bin/aws', ['s3', 'cp', file, `s3://${storage.bucket}/${key}`, '--endpoint-url', storage.endpoint, '--only-show-errors', '--no-progress'], awsEnv);
    }
  };
}

function skipped(reason: string, size: number): MeasureResult {
  return {
    id: 'P10', measure: `${size / MiB} MiB to radosgw: ours vs rclone vs AWS CLI`, ours: null, baseline: null, ratio: null, ratioIs: 'ours/baseline', unit: 's',
    target: '≤ 0.6× rclone and ≤ 0.8× AWS CLI time, CPU ≤ 0.5× rclone, peak RSS ≤ 110 MiB', met: false, params: {}, skipped: reason,
  };
}

export const p10: Measure = {
  id: 'P10',
  async run(ctx) {
    const size = ctx.quick ? 256 * MiB : GiB;
    const gateway = startGateway(ROOT, ctx.log);
    if (!gateway.ok) {
      const bar = '!'.repeat(78);
      ctx.log(`\n${bar}\n!!! P10 SKIPPED: radosgw cannot run here: ${gateway.reason}\n!!! Needs root and apt-get access to Debian's radosgw ceph-mon ceph-osd rclone awscli time.\n${bar}`);
      return skipped(gateway.reason, size);
    }
    const file = writeRandomFile(join(ctx.tmpDir, 'p10.bin'), size);
    const warm = writeRandomFile(join(ctx.tmpDir, 'p10-warm.bin'), 64 * MiB);
    let emu: RemoteEmulator | undefined;
    let bucket: Awaited<ReturnType<typeof bucketTools>> | undefined;
    try {
      emu = await startRemoteEmulator({ transcodeDelay: 0, externalStorage: gateway.storage });
      bucket = await bucketTools(gateway.storage);
      const setup = ourClient(emu);
      const versionIds = await newVersions(setup, ctx.runs + 2, 'p10');
      await setup.close();
      const upload = uploader(ctx, gateway.storage, emu, versionIds);
      const digest = await sha256File(file);
      const warmDigest = await sha256File(warm);
      const samples: Record<Contender, ProcessUsage[]> = { ours: [], rclone: [], 'aws-cli': [] };
      // One untimed 64 MiB upload each (the gateway's first writes, page cache, Python's imports).
      for (const who of CONTENDERS) {
        await upload(who, warm, `warm-${who}`);
        await bucket.verifyAndEmpty(`${who} (warm-up)`, 64 * MiB, warmDigest);
      }
      for (let i = 0; i < ctx.runs; i++) {
        // Each run starts with a different contender, so drift on a shared machine hits all alike.
        for (let k = 0; k < CONTENDERS.length; k++) {
          const who = CONTENDERS[(i + k) % CONTENDERS.length]!;
          const got = await upload(who, file, `p10-${who}-${i}`);
          await bucket.verifyAndEmpty(who, size, digest);
          ctx.log(`P10 ${who}: ${round(got.seconds, 2)} s, CPU ${round(got.cpuSeconds, 2)} s, peak RSS ${round(got.peakRssMiB, 1)} MiB (verified)`);
          samples[who].push(got);
        }
      }
      const med = (who: Contender, k: keyof ProcessUsage): number => median(samples[who].map((s) => s[k]));
      const ours = { s: med('ours', 'seconds'), cpu: med('ours', 'cpuSeconds'), rss: med('ours', 'peakRssMiB') };
      // Our client's CPU spent hashing (part MD5 + file MD5 + SHA-256, at this machine's rates).
      const hashing = hashCost();
      const hashingCpu = (hashing.multipartCpuSecondsPerGiB * size) / GiB;
      const ratios = {
        timeVsRclone: ours.s / med('rclone', 'seconds'),
        timeVsAwsCli: ours.s / med('aws-cli', 'seconds'),
        cpuVsRclone: ours.cpu / med('rclone', 'cpuSeconds'),
      };
      return {
        id: 'P10',
        measure: `${size / MiB} MiB to radosgw, ${IN_FLIGHT} parts in flight, ${PART_SIZE / MiB} MiB parts: ours vs rclone (×${round(ratios.timeVsAwsCli, 2)} of the AWS CLI's time; CPU ×${round(ratios.cpuVsRclone, 2)} of rclone's; peak RSS ${round(ours.rss, 1)} MiB)`,
        ours: round(ours.s),
        baseline: round(med('rclone', 'seconds')),
        ratio: round(ratios.timeVsRclone),
        ratioIs: 'ours/baseline',
        unit: 's',
        target: '≤ 0.6× rclone and ≤ 0.8× AWS CLI time, CPU ≤ 0.5× rclone, peak RSS ≤ 110 MiB',
        met: ratios.timeVsRclone <= 0.6 && ratios.timeVsAwsCli <= 0.8 && ratios.cpuVsRclone <= 0.5 && ours.rss <= 110,
        params: {
          bytes: size, partSize: PART_SIZE, inFlight: IN_FLIGHT, runs: ctx.runs, verified: 'every upload read back: size and SHA-256',
          hashing: { ...hashing, oursCpuSeconds: round(hashingCpu, 2), shareOfOursCpu: round(hashingCpu / ours.cpu, 2) },
          ratios: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, round(v)])),
          samples: Object.fromEntries(CONTENDERS.map((c) => [c, samples[c].map((s) => ({ s: round(s.seconds), cpu: round(s.cpuSeconds), rssMiB: round(s.peakRssMiB, 1) }))])),
        },
        contenders: CONTENDERS.map((c) => ({ name: c === 'ours' ? 'ours (through the site)' : c === 'aws-cli' ? 'AWS CLI (aws s3 cp)' : 'rclone (copyto)', seconds: round(med(c, 'seconds')), cpuSeconds: round(med(c, 'cpuSeconds')), peakRssMiB: round(med(c, 'peakRssMiB'), 1) })),
      };
    } finally {
      bucket?.close();
      await emu?.close();
      gateway.stop();
      rmSync(file, { force: true });
      rmSync(warm, { force: true });
    }
  },
};
