/**
 * The farm leg (issue 12): farm jobs through example 1's flow in a whole Node-RED (child process)
 * over HTTP, as a farm manager delivers them: each job 1–3 times (a second delivery at the same
 * moment as the first, or after its answer), every delivery retried on a 5xx or a dropped
 * connection until it is answered, 10 % faults on every route of the site, and Node-RED killed
 * (SIGKILL) and restarted `kills` times while movies are uploading. Then every job is checked
 * through the API: one live Version per job holding its movie byte-exact, no Version without its
 * movie, no duplicate Version or Attachment, no multipart upload left open; and for each kill, the
 * bytes sent after the restart for the jobs it interrupted.
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator } from '../../emulator/index.js';
import { ShotGridClient } from '../../lib/index.js';
import { farmNodeRed, type FarmNodeRed } from '../nodes/farm-node-red.js';
import type { SoakOptions } from './options.js';
import { describeError } from './outcome.js';
import { planFiles, writeSoakFile, type SoakFile } from './plan.js';
import { eachLimited } from './pool.js';
import { soakFaultRates } from './site.js';
import { savedUploads } from '../scale/resume-states.js';
import { Traffic } from '../scale/traffic.js';
import { classifyOpenUploads, onlyCutOffByKills } from '../scale/open-uploads.js';

/** What a kill cost: the jobs it interrupted and the bytes sent for them after the restart. */
export interface KillReport {
  interruptedJobs: number;
  /** Their movies' size in all. */
  movieBytes: number;
  /** Bytes of their movies the storage held before the kill (parts and files stored). */
  storedBeforeKill: number;
  /** Bytes the storage received for them after the kill until they were answered (0 when only skips remained). */
  bytesSentAfterRestart: number;
  /**
   * Bytes stored for them more than once: before + after − their size. A restart that started
   * over would send `storedBeforeKill` again; a resumed upload re-sends at most the parts that
   * were in flight at the kill (and a single-PUT file cut off is sent whole again).
   */
  bytesResent: number;
  /** Parts saved in the killed process's resume state at the kill. */
  savedParts: number;
  /** Of those, parts sent again after the restart (0 when resuming works). */
  savedPartsResent: number;
  /** Saved uploads (with parts) whose job stored parts under another multipart upload after the restart: started over (0 when resuming works). */
  startedOver: number;
}

/** A job that fell short, and where. */
export interface FarmFailure {
  job: string;
  stage: 'deliver' | 'verify';
  error: string;
}

/** The farm leg's JSON line. */
export interface FarmResult {
  jobs: number;
  deliveries: number;
  published: number;
  versions: number;
  byteExact: number;
  movieLessVersions: number;
  duplicateVersions: number;
  duplicateAttachments: number;
  /** Multipart uploads left open that no kill explains (see test/scale/open-uploads.ts). */
  orphanMultipart: number;
  /** Multipart uploads left open because a kill cut them off between the site's init answer and the resume state. */
  openCutOffAtInit: number;
  kills: KillReport[];
  /** Deploys of the upload node alone (Deploy ▸ Modified Nodes) made mid-upload, and the deliveries they cut off (answered 503, sent again). */
  partialDeploy: { deploys: number; cutOff: number };
  failed: FarmFailure[];
  /** For each job with more than one Version or Attachment: what the site holds and what each delivery was answered (to find the cause). */
  duplicates?: unknown[];
}

/** Whether a farm result is a full pass. */
export function isFarmClean(r: FarmResult, expectedKills: number): boolean {
  return r.published === r.jobs && r.versions === r.jobs && r.byteExact === r.jobs && r.movieLessVersions === 0 && r.duplicateVersions === 0
    && r.duplicateAttachments === 0 && onlyCutOffByKills(r.orphanMultipart, r.openCutOffAtInit, expectedKills) && r.kills.length === expectedKills && r.failed.length === 0
    && r.kills.every((k) => k.savedPartsResent === 0 && k.startedOver === 0) && r.partialDeploy.deploys === 1;
}

/** One farm job. */
interface Job {
  file: SoakFile;
  shot: string;
  /** The movie's name (its Version's code plus `.mov`). */
  movie: string;
  code: string;
  deliveries: number;
  /** Whether the second delivery goes out at the same moment as the first. */
  together: boolean;
  /** Each delivery attempt's answer, in order: `<delivery>:<status or error>@<ms since the start>`. */
  answers: string[];
}

/** Seeded PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The key {@link Traffic} files a job's bytes under: its 4-digit index. */
const jobKey = (index: number): string => String(index).padStart(4, '0');

/** Longest a delivery is retried before the farm gives up on it. */
const DELIVERY_DEADLINE_MS = 20 * 60_000;

/**
 * Delivers a job once, as a farm does: retried (backoff 0.2–3 s) on a 5xx or a dropped
 * connection until answered; resolves with the final status or throws past the deadline.
 */
async function deliver(farm: FarmNodeRed, job: Job, counted: () => void, which = 1, t0 = Date.now()): Promise<number> {
  const body = JSON.stringify({ shot: job.shot, movie: `media/${job.movie}`, frames: '1001-1024' });
  const deadline = Date.now() + DELIVERY_DEADLINE_MS;
  for (let attempt = 0; ; attempt++) {
    counted();
    let status: number | string;
    try {
      const res = await fetch(farm.endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const text = await res.text();
      job.answers.push(`${which}:${res.status} ${res.status >= 300 ? text.slice(0, 160) : ''}@${Date.now() - t0}`);
      if (res.status < 500) {
        if (res.status >= 300) throw new Error(`answered ${res.status}: ${text.slice(0, 300)}`);
        return res.status;
      }
      status = `${res.status} ${text.slice(0, 200)}`;
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('answered')) throw err;
      status = describeError(err);
      job.answers.push(`${which}:${status.slice(0, 160)}@${Date.now() - t0}`);
    }
    if (Date.now() > deadline) throw new Error(`still failing after ${DELIVERY_DEADLINE_MS / 60_000} min: ${status}`);
    await sleep(Math.min(3000, 200 * 2 ** Math.min(attempt, 4)));
  }
}

/** Runs the farm leg against its own site and Node-RED; `dir` holds everything while in use. */
export async function runFarmSoak(o: SoakOptions, dir: string, kills = 2): Promise<{ result: FarmResult; stats: string; faultsInjected: Record<string, number> }> {
  const dataDir = join(dir, 'farm-site');
  const studio = join(dir, 'farm-studio');
  mkdirSync(join(studio, 'media'), { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  const emu = await startEmulator({ seed: o.seed, transcodeDelay: 100, dataDir });
  // Storage bytes and parts per job (a movie's name ends in its job's 4-digit index).
  const traffic = new Traffic(/_farm_s\d+_(\d{4})\.mov/);
  const sg = new ShotGridClient({
    site: emu.url,
    auth: { scriptName: emu.credentials.scriptName, scriptKey: emu.credentials.scriptKey },
    logger: { warn: () => undefined },
  });
  let farm: FarmNodeRed | undefined;
  try {
    await sg.create('LocalStorage', { code: 'farm studio', linux_path: studio, mac_path: studio });
    const shots = (await sg.find('Shot', [['project', 'is', { type: 'Project', id: 1 }]], { fields: ['code'], sort: 'id' })).map((s) => String(s.code));
    const random = prng(o.seed ^ 0xfa53);
    const jobs: Job[] = planFiles(o).map((file) => {
      const shot = shots[file.index % shots.length]!;
      const code = `${shot}_farm_s${o.seed}_${String(file.index).padStart(4, '0')}`;
      const deliveries = 1 + Math.floor(random() * 3);
      return { file: { ...file, name: `${code}.mov` }, shot, movie: `${code}.mov`, code, deliveries, together: deliveries > 1 && random() < 0.5, answers: [] };
    });

    const userDir = join(dir, 'farm-node-red');
    farm = await farmNodeRed({
      root: process.env.SG_ROOT ?? join(__dirname, '..', '..', '..'),
      site: emu,
      userDir,
      mediaDir: studio,
      adminRoot: '/admin',
      settings: {
        shotgridUploadPartSize: o.partSize,
        shotgridUploadMultipartThreshold: o.multipartThreshold,
        ...(o.fastRetries ? { shotgridSiteRetries: 6 } : {}),
      },
    });
    await farm.start();
    emu.faults.setRates(o.faultRate > 0 ? soakFaultRates(o) : null);

    const failed: FarmFailure[] = [];
    const sha = new Map<number, string>();
    let deliveries = 0;
    let published = 0;
    let completed = 0;
    let running = 0;
    const reports: KillReport[] = [];
    // Kill points: after a third and two thirds of the jobs (for two kills).
    const killAt = Array.from({ length: kills }, (_, k) => Math.floor(((k + 1) * jobs.length) / (kills + 1)));
    // While a kill is being handled, no new job starts (workers wait on `paused`).
    let paused: Promise<void> | undefined;
    let killing: Promise<void> = Promise.resolve();
    let killBusy = false;
    const inFlight = new Set<Job>();
    const killedJobs = new Set<Job>();
    /** When each SIGKILL was sent (ms since the epoch). */
    const killedAt: number[] = [];

    const runJob = async (job: Job): Promise<void> => {
      const path = join(studio, 'media', job.movie);
      try {
        const written = await writeSoakFile(join(studio, 'media'), o.seed, job.file);
        sha.set(job.file.index, written.sha256);
        const count = (): void => void deliveries++;
        const t0 = Date.now();
        const first = deliver(farm!, job, count, 1, t0);
        const second = job.deliveries > 1 ? (job.together ? deliver(farm!, job, count, 2, t0) : first.then(() => deliver(farm!, job, count, 2, t0))) : undefined;
        await Promise.all([first, second]);
        if (job.deliveries > 2) await deliver(farm!, job, count, 3, t0);
        published++;
      } catch (err) {
        failed.push({ job: job.code, stage: 'deliver', error: describeError(err) });
      } finally {
        await rm(path, { force: true });
      }
    };

    /**
     * Kills Node-RED while a movie is being uploaded in parts with at least one part stored (so
     * the restart has something to resume; when none is, within a minute, anyway), restarts it,
     * accounts for the jobs it cut off.
     */
    const killAndRestart = async (): Promise<void> => {
      const until = Date.now() + 60_000;
      // A part in flight of an upload whose resume state already records a stored part.
      const midUpload = (): boolean => {
        const puts = traffic.puts().filter((p) => p.part > 0);
        if (puts.length === 0) return false;
        return savedUploads(userDir, traffic.jobOf).some((u) => u.parts.length > 0 && puts.some((p) => p.uploadId === u.uploadId));
      };
      while (!midUpload() && Date.now() < until && next < jobs.length) await sleep(20);
      // From here no new job starts: only the ones the kill interrupts run until they are answered.
      let resume!: () => void;
      paused = new Promise<void>((r) => (resume = r)).then(() => {
        paused = undefined;
      });
      const interrupted = [...inFlight];
      for (const j of interrupted) killedJobs.add(j);
      const ids = interrupted.map((j) => jobKey(j.file.index));
      killedAt.push(Date.now());
      await farm!.kill();
      const before = traffic.bytesOf(ids);
      const saved = savedUploads(userDir, traffic.jobOf);
      process.stderr.write(`soak: farm: killed with ${interrupted.length} job(s) in flight; resume state: ${saved.map((u) => `${u.jobId} ${u.parts.length}/${u.partCount} parts`).join(', ') || 'none'}\n`);
      const storesBefore = saved.map(({ uploadId, parts }) => parts.map((n) => traffic.partStores.get(uploadId)?.get(n) ?? 0));
      const uploadsBefore = new Map(saved.map(({ jobId }) => [jobId, new Set(traffic.uploadsByJob.get(jobId) ?? [])]));
      await farm!.start();
      while (running > 0) await sleep(50);
      const movieBytes = interrupted.reduce((n, j) => n + j.file.size, 0);
      const after = traffic.bytesOf(ids) - before;
      reports.push({
        interruptedJobs: interrupted.length,
        movieBytes,
        storedBeforeKill: before,
        bytesSentAfterRestart: after,
        bytesResent: Math.max(0, before + after - movieBytes),
        savedParts: saved.reduce((n, u) => n + u.parts.length, 0),
        savedPartsResent: saved.reduce((n, { uploadId, parts }, i) => n + parts.filter((p, k) => (traffic.partStores.get(uploadId)?.get(p) ?? 0) > storesBefore[i]![k]!).length, 0),
        startedOver: saved.filter(({ jobId, parts }) => parts.length > 0 && [...(traffic.uploadsByJob.get(jobId) ?? [])].some((u) => !uploadsBefore.get(jobId)!.has(u))).length,
      });
      resume();
    };

    // Halfway (between the kills), the upload node alone is changed and deployed while a movie
    // uploads in parts: the deliveries it cuts off are answered 503 and sent again by the farm.
    let deployAt: number | undefined = Math.floor(jobs.length / 2);
    let deploys = 0;
    const deployUploadNode = async (): Promise<void> => {
      const until = Date.now() + 60_000;
      while (!traffic.puts().some((p) => p.part > 0) && Date.now() < until && next < jobs.length) await sleep(20);
      const res = await farm!.deploy('nodes', (flows) => {
        const upload = flows.find((n) => n.type === 'shotgrid-upload');
        if (!upload) throw new Error('example 1 has no upload node');
        upload.name = `${String(upload.name)} (redeployed)`;
      });
      if (res.status !== 204) throw new Error(`the partial deploy was answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
      deploys++;
      process.stderr.write(`soak: farm: deployed the upload node alone with ${inFlight.size} job(s) in flight\n`);
    };
    const maybeDeploy = (): void => {
      if (deployAt === undefined || completed < deployAt || killBusy) return;
      deployAt = undefined;
      killBusy = true;
      killing = deployUploadNode().catch((err: unknown) => {
        failed.push({ job: '(partial deploy)', stage: 'deliver', error: describeError(err) });
      }).finally(() => {
        killBusy = false;
        maybeKill();
      });
    };

    /** Starts the next kill once enough jobs are done (one at a time). */
    const maybeKill = (): void => {
      maybeDeploy();
      if (!killAt.length || completed < killAt[0]! || killBusy) return;
      killAt.shift();
      killBusy = true;
      killing = killAndRestart().catch((err: unknown) => {
        failed.push({ job: '(kill)', stage: 'deliver', error: describeError(err) });
        paused = undefined;
      }).finally(() => {
        killBusy = false;
        maybeKill();
      });
    };

    let next = 0;
    const worker = async (): Promise<void> => {
      for (;;) {
        while (paused) await paused;
        if (next >= jobs.length) return;
        const job = jobs[next++]!;
        running++;
        inFlight.add(job);
        try {
          await runJob(job);
        } finally {
          inFlight.delete(job);
          running--;
          completed++;
        }
        maybeKill();
      }
    };
    await Promise.all(Array.from({ length: Math.min(o.concurrency, jobs.length) }, worker));
    // A kill still due when a short run is over happens now (it interrupts nothing).
    for (;;) {
      const current = killing;
      await current;
      if (current !== killing) continue; // the next kill started meanwhile
      if (!killAt.length) break;
      completed = Math.max(completed, killAt[0]!);
      maybeKill();
    }
    emu.faults.setRates(o.verifyUnderFaults && o.faultRate > 0 ? soakFaultRates(o) : null);

    // Verify every job through the API.
    let versions = 0;
    let byteExact = 0;
    let duplicateVersions = 0;
    let duplicateAttachments = 0;
    let movieLess = 0;
    const duplicates: unknown[] = [];
    await eachLimited(jobs, o.concurrency, async (job) => {
      const dest = join(dir, `farm-verify-${job.movie}`);
      try {
        const live = await sg.find('Version', [['code', 'is', job.code]], { fields: ['sg_uploaded_movie'] });
        if (live.length > 1) duplicateVersions += live.length - 1;
        movieLess += live.filter((v) => v.sg_uploaded_movie === null || v.sg_uploaded_movie === undefined).length;
        const attachments = await sg.find('Attachment', [['original_fname', 'is', job.movie]]);
        if (attachments.length > 1) duplicateAttachments += attachments.length - 1;
        const retiredVersions = await sg.find('Version', [['code', 'is', job.code]], { fields: ['sg_uploaded_movie'], retired: true });
        const retiredWithMovie = retiredVersions.filter((v) => v.sg_uploaded_movie !== null && v.sg_uploaded_movie !== undefined);
        if (live.length > 1 || attachments.length > 1 || retiredWithMovie.length > 0) {
          const movieOf = (v: { id: number; sg_uploaded_movie?: unknown }): string => `${v.id}:${(v.sg_uploaded_movie as { id?: number } | null)?.id ?? '-'}`;
          duplicates.push({
            job: job.code, deliveries: job.deliveries, together: job.together, size: job.file.size, killed: killedJobs.has(job),
            live: live.map(movieOf), retired: retiredVersions.map(movieOf), attachments: attachments.map((a) => a.id), answers: job.answers,
          });
        }
        const version = live.find((v) => (v.sg_uploaded_movie as { name?: string } | null)?.name === job.movie);
        if (!version) throw new Error(live.length ? 'its Version does not hold the movie' : 'no live Version');
        versions++;
        await sg.download({ type: 'Version', id: version.id, field: 'sg_uploaded_movie' }, dest, { overwrite: true });
        const [got, want] = [await sha256Of(dest), sha.get(job.file.index)];
        if (got !== want) throw new Error(`downloaded bytes differ (sha256 ${got.slice(0, 12)}…, want ${String(want).slice(0, 12)}…)`);
        byteExact++;
      } catch (err) {
        failed.push({ job: job.code, stage: 'verify', error: describeError(err) });
      } finally {
        await rm(dest, { force: true });
      }
    });
    emu.faults.setRates(null);
    const c = emu.counters.snapshot();
    const open = classifyOpenUploads(emu.openUploads(), traffic, killedAt);
    // The site's count catches an Attachment a look-up by name misses (e.g. on a retired Version).
    duplicateAttachments = Math.max(duplicateAttachments, c.attachmentsCreated - jobs.length);
    const requests = Object.values(c.requests).reduce((n, byStatus) => n + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);
    const faults = Object.values(c.faultsInjected).reduce((a, b) => a + b, 0);
    const movieBytes = jobs.reduce((n, j) => n + j.file.size, 0);
    const stats = `${jobs.filter((j) => j.file.multipart).length} multipart; ${deliveries} HTTP deliveries for ${jobs.reduce((n, j) => n + j.deliveries, 0)} planned; `
      + `${requests} site requests, ${faults} faults = ${requests ? ((100 * faults) / requests).toFixed(1) : 0} % (${JSON.stringify(c.faultsInjected)}); `
      + `${c.bytesStored} bytes stored for ${movieBytes} bytes of movies; ${c.attachmentsCreated} attachments created`;
    return {
      result: {
        jobs: jobs.length,
        deliveries,
        published,
        versions,
        byteExact,
        movieLessVersions: movieLess,
        duplicateVersions,
        duplicateAttachments,
        orphanMultipart: open.left.length,
        openCutOffAtInit: open.cutOffAtInit.length,
        kills: reports,
        partialDeploy: { deploys, cutOff: jobs.reduce((n, j) => n + j.answers.filter((a) => a.includes('stopped by a deploy')).length, 0) },
        failed,
        ...(duplicates.length ? { duplicates } : {}),
      },
      stats,
      faultsInjected: c.faultsInjected,
    };
  } finally {
    emu.faults.setRates(null);
    traffic.close();
    await farm?.stop();
    await sg.close();
    await emu.close();
  }
}
