/**
 * `npm run test:scale` (issue 16), started by scripts/scale/test-scale.mjs with a Mosquitto broker
 * already running (its JSON in $SCALE_MQTT_ENV): three Node-RED workers, each running example 4
 * from the packed and installed package, share the farm's jobs through one MQTT v5 shared
 * subscription, against the local site shaped like a remote one (latency on every request, a
 * bandwidth cap per storage connection), so that the work is latency-bound, not CPU-bound.
 *
 * Phases: (1) one worker alone, no faults: jobs/min for one; (2) three workers, no faults:
 * jobs/min for three, same per-worker settings; (3) three workers with some jobs sent twice (a
 * few seconds apart, or at the same moment), one worker SIGKILLed mid-upload and restarted, then
 * a storm of 429s with Retry-After on the site's API. The farm publishes a job again when its
 * result is late. Then the site is checked (verify.ts) and one JSON line goes to stdout; each
 * check is printed as ✔/✖ and the last line is "N passed, N failed, 0 skipped". Exit 1 on any ✖.
 * The scale factor is reported, never asserted (a speed figure: see docs/scaling.md).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../emulator/index.js';
import { ShotGridClient } from '../../lib/index.js';
import { Farm, type FarmJob } from './farm.js';
import { movieSizes, writeMovie, type Movie } from './movies.js';
import { classifyOpenUploads, onlyCutOffByKills } from './open-uploads.js';
import { concurrencyChart } from '../../bench/support/svg.js';
import { scaleOptions, type ScaleOptions } from './options.js';
import { Prng } from './prng.js';
import { pidOfPort } from './sockets.js';
import { Traffic } from './traffic.js';
import { verifySite } from './verify.js';
import { copyInstall, installInto, layOut, packPackage, Worker, type WorkerSetup } from './workers.js';
import { savedUploads, type SavedUpload } from './resume-states.js';

const PREFIX = 'scale-';
const say = (line: string): void => void process.stderr.write(`scale: ${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number): number => Math.round(ms / 100) / 10;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Broker {
  url: string;
  host: string;
  port: number;
  username: string;
  password: string;
}

/** What the kill did. */
interface KillReport {
  worker: string;
  /** When the SIGKILL was sent (ms since the epoch). */
  at: number;
  /** Jobs whose storage PUTs the killed worker had in flight. */
  interrupted: string[];
  bytesBefore: number;
  multipart: boolean;
  /** The multipart uploads in the killed worker's resume state at the kill. */
  saved: SavedUpload[];
  /** How often each saved part had been stored at the kill (same order as `saved[i].parts`). */
  storesBefore: number[][];
  /** The multipart uploads of each saved upload's job at the kill. */
  uploadsBefore: Map<string, Set<string>>;
}

/** How the restart treated the uploads the killed worker had saved. */
interface ResumeReport {
  /** Parts the killed worker's state recorded as stored (not sent again when resuming works). */
  savedParts: number;
  /** Saved parts sent again after the kill, under the same multipart upload. */
  savedPartsResent: number;
  /** Saved uploads (with parts, of jobs sent once) whose job stored parts under a new multipart upload after the kill. */
  startedOver: number;
}

function resumeReport(kill: KillReport, traffic: Traffic, sentOnce: (jobId: string) => boolean): ResumeReport {
  let savedParts = 0;
  let savedPartsResent = 0;
  let startedOver = 0;
  kill.saved.forEach((u, i) => {
    savedParts += u.parts.length;
    savedPartsResent += u.parts.filter((p, k) => (traffic.partStores.get(u.uploadId)?.get(p) ?? 0) > kill.storesBefore[i]![k]!).length;
    const before = kill.uploadsBefore.get(u.jobId) ?? new Set<string>();
    if (u.parts.length > 0 && sentOnce(u.jobId) && [...(traffic.uploadsByJob.get(u.jobId) ?? [])].some((id) => !before.has(id))) startedOver++;
  });
  return { savedParts, savedPartsResent, startedOver };
}

async function main(): Promise<number> {
  const o = scaleOptions();
  const root = process.env.SG_ROOT ?? join(__dirname, '..', '..', '..');
  const broker = JSON.parse(readFileSync(process.env.SCALE_MQTT_ENV ?? '', 'utf8')) as Broker;
  const work = mkdtempSync(join(tmpdir(), 'sg-scale-'));
  const mediaDir = join(work, 'media');
  mkdirSync(join(mediaDir, 'renders'), { recursive: true });
  const started = Date.now();
  let emulator: Emulator | undefined;
  let farm: Farm | undefined;
  let sg: ShotGridClient | undefined;
  const workers: Worker[] = [];
  const traffic = new Traffic(/(scale-\d{4})\.mov/);
  const cleanUp = async (): Promise<void> => {
    await Promise.all(workers.map((w) => w.stop().catch(() => undefined)));
    await farm?.close().catch(() => undefined);
    await sg?.close().catch(() => undefined);
    await emulator?.close().catch(() => undefined);
    traffic.close();
    rmSync(work, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanUp().finally(() => process.exit(130)));

  try {
    // The site: shaped like a remote one from the start (the workers see no unshaped moment).
    const shaping = { apiLatency: o.apiLatency, storageLatency: o.storageLatency, storageBandwidth: o.storageBandwidth };
    emulator = await startEmulator({ transcodeDelay: 500, seed: o.seed, shaping, dataDir: join(work, 'site') });
    sg = new ShotGridClient({ site: emulator.url, auth: { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey } });
    const shots = (await sg.find('Shot', [], { fields: ['code'], sort: 'id', limit: 40 })).map((s) => String(s.code));
    say(`site ${emulator.url}: ${shots.length} shots; API ${o.apiLatency} ms, storage ${o.storageLatency} ms and ${o.storageBandwidth / 1e6} MB/s per connection (phase 3: ${o.faultApiLatency} ms, ${o.faultStorageBandwidth / 1e6} MB/s)`);

    // The movies: the measuring phases use the same sizes (phase 2 = phase 1's three times over);
    // the fault phase gets its own, with a few large ones around where the kill happens.
    const p1 = movieSizes(o.phaseOneJobs, o.minSize, o.maxSize, o.seed);
    const rest = o.jobs - o.phaseOneJobs - o.phaseThreeJobs;
    const p3 = Array.from({ length: o.phaseThreeJobs }, (_, i) => p1[i % p1.length]!);
    const pf = movieSizes(rest, o.minSize, o.maxSize, o.seed + 1);
    for (let i = 0; i < 4; i++) pf[Math.floor(rest * 0.3) + i * 3] = Math.floor(o.maxSize * (0.75 + i * 0.08));
    const sizes = [...p1, ...p3, ...pf];
    const jobOf = (i: number): FarmJob => {
      const jobId = `${PREFIX}${String(i + 1).padStart(4, '0')}`;
      return { jobId, shot: shots[i % shots.length]!, movie: movies.get(jobId)!.relPath, frames: `1001-${1001 + (i % 90)}` };
    };

    // The workers: the package as npm packs it, installed into a fresh user directory (npm runs
    // while the movies are written) and that installation copied into two more.
    let t = Date.now();
    const tarball = packPackage(root, work);
    const setup: WorkerSetup = {
      site: { url: emulator.url, scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey },
      broker: { host: broker.host, port: broker.port, username: broker.username, password: broker.password },
      mediaDir,
      transfer: { partsInFlight: o.partsInFlight, partSize: o.partSize, multipartThreshold: o.multipartThreshold },
    };
    for (let n = 1; n <= o.workers; n++) workers.push(new Worker(`sg-publish-worker-${n}`, join(work, `worker-${n}`), await freePort(), setup));
    const installed = installInto(workers[0]!.userDir, tarball);
    installed.catch(() => undefined);
    const movies = new Map<string, Movie>();
    const written = Date.now();
    sizes.forEach((size, i) => {
      const jobId = `${PREFIX}${String(i + 1).padStart(4, '0')}`;
      movies.set(jobId, writeMovie(mediaDir, 'renders', jobId, size));
    });
    const totalBytes = sizes.reduce((a, b) => a + b, 0);
    say(`${sizes.length} movies, ${(totalBytes / 2 ** 20).toFixed(0)} MiB (${(Math.min(...sizes) / 2 ** 20).toFixed(1)}…${(Math.max(...sizes) / 2 ** 20).toFixed(1)} MiB) written in ${seconds(Date.now() - written)} s`);
    await installed;
    for (const w of workers.slice(1)) copyInstall(workers[0]!.userDir, w.userDir);
    for (const w of workers) layOut(w.userDir, w.port, setup);
    say(`packed ${tarball.split('/').pop()} and installed it into ${workers.length} user directories in ${seconds(Date.now() - t)} s`);

    farm = await Farm.connect(broker.url, broker.username, broker.password, o.deadlineMs);
    const f = farm;
    const rnd = new Prng(o.seed + 2);
    let next = 0;
    const duplicatesLater: Promise<void>[] = [];
    /** Jobs the farm sends (or will send) more than once on purpose. */
    const duplicated = new Set<string>();

    /** Publishes `count` jobs keeping `window` outstanding; returns jobs/min (first publish → last result). */
    const phase = async (count: number, window: number, duplicates: boolean, during?: (done: () => number) => Promise<void>): Promise<number> => {
      const first = next;
      const ids: string[] = [];
      const t0 = Date.now();
      const side = during?.(() => ids.filter((id) => f.result(id)).length);
      for (let k = 0; k < count; k++) {
        await f.below(window);
        const job = jobOf(next++);
        ids.push(job.jobId);
        await f.publish(job);
        if (!duplicates) continue;
        const r = rnd.next();
        if (r < o.duplicateTwin + o.duplicateLater) duplicated.add(job.jobId);
        if (r < o.duplicateTwin) await f.publish(job);
        else if (r < o.duplicateTwin + o.duplicateLater) duplicatesLater.push(sleep(2000 + rnd.next() * 3000).then(() => f.publish(job)));
      }
      await f.drain(10 * 60_000);
      await side;
      const last = Math.max(...ids.map((id) => f.doneAt(id) ?? Date.now()));
      const perMin = (count / (last - t0)) * 60_000;
      say(`phase of jobs ${first + 1}…${next}: ${count} jobs in ${seconds(last - t0)} s = ${perMin.toFixed(1)} jobs/min`);
      return perMin;
    };

    // Phase 1: one worker.
    await workers[0]!.start();
    say(`${workers[0]!.name} connected; phase 1: ${o.phaseOneJobs} jobs through one worker`);
    const jobsPerMin1 = await phase(o.phaseOneJobs, o.windowPerWorker, false);

    // Phase 2: three workers, same settings each.
    await Promise.all(workers.slice(1).map((w) => w.start()));
    say(`phase 2: ${o.phaseThreeJobs} jobs through ${workers.length} workers`);
    const jobsPerMin3 = await phase(o.phaseThreeJobs, o.windowPerWorker * workers.length, false);

    // Phase 3: duplicates, a kill mid-upload, a 429 storm; the site a little nearer (correctness only).
    emulator.configure({ shaping: { apiLatency: o.faultApiLatency, storageLatency: o.storageLatency, storageBandwidth: o.faultStorageBandwidth } });
    let kill: KillReport | undefined;
    let throttled = 0;
    say(`phase 3: ${rest} jobs, ${Math.round(o.duplicateLater * 100)} % sent again later, ${Math.round(o.duplicateTwin * 100)} % twice at once; a worker killed mid-upload; a 429 storm`);
    await phase(rest, o.windowPerWorker * workers.length, true, async (done) => {
      while (done() < rest * 0.3) await sleep(200);
      kill = await killOneMidUpload(workers, traffic, (id) => !duplicated.has(id));
      say(`SIGKILL ${kill.worker} with ${kill.interrupted.length} upload(s) in flight (${kill.interrupted.join(', ')}${kill.multipart ? ', multipart' : ''}); its resume state: ${kill.saved.map((u) => `${u.jobId} ${u.parts.length}/${u.partCount} parts`).join(', ') || 'none'}`);
      await sleep(1000);
      const victim = workers.find((w) => w.name === kill!.worker)!;
      await victim.start();
      say(`${victim.name} restarted and reconnected`);
      void sleep(4000).then(() => say(`${victim.name}: ${victim.log.filter((l) => /run again|could not/.test(l)).join(' | ') || 'no job cut off was run again'}`));
      while (done() < rest * 0.5) await sleep(200);
      const before = emulator!.counters.snapshot().faultsInjected.http429 ?? 0;
      emulator!.faults.setRates({ rates: { http429: o.stormRate }, routes: ['api', 'upload_init', 'part_link', 'complete'], retryAfter: o.stormRetryAfter });
      const stormEnd = Date.now() + o.stormMs;
      while (Date.now() < stormEnd && done() < rest) await sleep(200);
      emulator!.faults.setRates(null);
      throttled = (emulator!.counters.snapshot().faultsInjected.http429 ?? 0) - before;
      say(`429 storm over: ${throttled} requests refused with Retry-After ${o.stormRetryAfter} s`);
    });
    await Promise.all(duplicatesLater);

    // Let duplicates still in the workers finish before looking at the site.
    const quietSince = Date.now();
    while (Date.now() - traffic.lastRequestAt < 3000 && Date.now() - quietSince < 60_000) await sleep(250);
    emulator.configure({ shaping: { apiLatency: 0, storageLatency: 0, storageBandwidth: 0 } });
    t = Date.now();
    const site = await verifySite(sg, PREFIX, movies);
    const counters = emulator.counters.snapshot();
    const open = classifyOpenUploads(emulator.openUploads(), traffic, kill ? [kill.at] : []);
    say(`site checked in ${seconds(Date.now() - t)} s`);

    const results = [...movies.keys()].map((id) => f.result(id));
    const published = results.filter((r) => r?.status === 'published').length;
    // Bytes stored more than once for the jobs the kill cut off: what the restart sent again.
    // (Sent after the kill minus what was missing; a resumed upload re-sends at most the parts that
    // were in flight at the kill, an upload that started over re-sends what was stored before it.)
    const interruptedBytes = kill ? kill.interrupted.reduce((a, id) => a + movies.get(id)!.size, 0) : 0;
    const resentAfterKill = kill ? Math.max(0, traffic.bytesOf(kill.interrupted) - interruptedBytes) : 0;
    const resumed = kill ? resumeReport(kill, traffic, (id) => !duplicated.has(id)) : undefined;
    const storedForJobs = traffic.bytesOf(movies.keys());
    const line = {
      jobs: movies.size,
      versions: site.versions,
      byteExact: site.byteExact,
      movieLess: site.movieLess,
      duplicateVersions: site.duplicateVersions,
      openMultipart: counters.multipartOpen,
      openCutOffAtInit: open.cutOffAtInit.length,
      duplicatesDelivered: f.counts.duplicatesSent,
      jobsPerMin1: Math.round(jobsPerMin1 * 10) / 10,
      jobsPerMin3: Math.round(jobsPerMin3 * 10) / 10,
      scaleFactor: Math.round((jobsPerMin3 / jobsPerMin1) * 100) / 100,
      bytesResentAfterKill: resentAfterKill,
      bytesStoredBeforeKill: kill?.bytesBefore ?? 0,
      interruptedBytes,
      savedPartsAtKill: resumed?.savedParts ?? 0,
      savedPartsResent: resumed?.savedPartsResent ?? 0,
      uploadsStartedOver: resumed?.startedOver ?? 0,
      interruptedJobs: kill?.interrupted.length ?? 0,
      killedWorker: kill?.worker ?? null,
      throttled429: throttled,
      failedResults: f.counts.failedResults,
      deadlineRepublished: f.counts.deadlineRepublished,
      results: f.counts.results,
      attachments: counters.attachmentsCreated,
      bytesStored: storedForJobs,
      movieBytes: totalBytes,
      seconds: seconds(Date.now() - started),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    if (process.env.SCALE_CHART) writeChart(process.env.SCALE_CHART, line.jobsPerMin1, line.jobsPerMin3, o);

    const checks: Array<[string, boolean, string]> = [
      [`${movies.size} Versions, one per job`, site.versions === movies.size && site.jobsWithVersion === movies.size, `${site.versions} Versions for ${site.jobsWithVersion} of ${movies.size} jobs`],
      ['no job has two Versions', site.duplicateVersions === 0, `${site.duplicateVersions} duplicate Version(s)`],
      ['every movie byte-exact', site.byteExact === movies.size && site.notByteExact.length === 0, `${site.byteExact} byte-exact; differ: ${site.notByteExact.slice(0, 10).join(', ')}`],
      ['no Version without its movie', site.movieLess === 0, `${site.movieLess} movie-less Version(s)`],
      // But one the kill cut off between the site opening it and the worker recording it, which
      // nothing over REST can list or abort (open-uploads.ts).
      ['no multipart upload left open', onlyCutOffByKills(open.left.length, open.cutOffAtInit.length, 1), `${open.left.length} open: ${JSON.stringify(open.left)}; cut off at the init: ${JSON.stringify(open.cutOffAtInit)}`],
      ['every job has a published result', published === movies.size && f.counts.finalFailures.length === 0, `${published} published; final failures: ${JSON.stringify(f.counts.finalFailures.slice(0, 5))}`],
      ['a worker was killed with uploads in flight and restarted', kill !== undefined && kill.interrupted.length > 0, JSON.stringify(kill && { ...kill, uploadsBefore: undefined })],
      // The kill waits until the victim's state records a stored part, so there is something to resume.
      ['the restarted worker resumed its uploads: no saved part sent again, none started over', resumed !== undefined && resumed.savedParts > 0 && resumed.savedPartsResent === 0 && resumed.startedOver === 0, JSON.stringify(resumed)],
      ['the 429 storm slowed the workers without failing a job', throttled > 0 && f.counts.failedResults === 0, `${throttled} 429s, ${f.counts.failedResults} failed result(s)`],
      ['jobs were delivered more than once', f.counts.duplicatesSent > 0, `${f.counts.duplicatesSent} duplicate deliveries`],
    ];
    for (const [name, ok, detail] of checks) process.stdout.write(`${ok ? '✔' : '✖'} ${name}${ok ? '' : `: ${detail}`}\n`);
    const failed = checks.filter(([, ok]) => !ok).length;
    if (failed > 0) for (const w of workers) for (const p of w.problems().slice(-10)) process.stderr.write(`${w.name}: ${p}\n`);
    process.stdout.write(`\n${checks.length - failed} passed, ${failed} failed, 0 skipped\n`);
    return failed > 0 ? 1 : 0;
  } finally {
    await cleanUp();
  }
}

/** docs/images/scale-workers.svg: jobs/min for one and for three workers (written when SCALE_CHART names a file). */
function writeChart(file: string, perMin1: number, perMin3: number, o: ScaleOptions): void {
  const svg = concurrencyChart([{ concurrency: 1, mbPerSecond: perMin1 }, { concurrency: 3, mbPerSecond: perMin3 }], {
    title: 'Farm jobs per minute against Node-RED workers',
    subtitle: `site ${o.apiLatency} ms away, storage ${o.storageBandwidth / 1e6} MB/s per connection; 2 uploads × ${o.partsInFlight} parts per worker`,
    reference: { value: perMin1 * 3, label: '3 × one worker' },
    xLabel: 'Node-RED workers sharing one MQTT subscription',
    yLabel: 'jobs per minute',
  });
  writeFileSync(file, svg);
}

/**
 * Kills the worker that is sending a part of a multipart upload whose resume state (in the
 * worker's user directory) already records a stored part, so a resumed upload has something to
 * save; only jobs sent once (`eligible`), so no other worker is uploading the same movie. Waits up
 * to 45 s for one (the large movies of the fault phase are in flight around then); else any worker with a storage PUT in flight; else the second worker.
 */
async function killOneMidUpload(workers: Worker[], traffic: Traffic, eligible: (jobId: string) => boolean): Promise<KillReport> {
  const pids = (): number[] => workers.map((w) => w.pid).filter((p): p is number => p !== undefined);
  const owner = (port: number): Worker | undefined => {
    const pid = pidOfPort(port, pids());
    return workers.find((w) => w.pid === pid);
  };
  const until = Date.now() + 45_000;
  let victim: Worker | undefined;
  let multipart = false;
  while (!victim && Date.now() < until) {
    for (const put of traffic.puts()) {
      if (put.part === 0 || !eligible(put.jobId) || (traffic.partsDone.get(put.jobId) ?? 0) < 1) continue;
      const w = owner(put.clientPort);
      if (w && savedUploads(w.userDir, traffic.jobOf).some((u) => u.jobId === put.jobId && u.uploadId === put.uploadId && u.parts.length > 0)) {
        victim = w;
        multipart = true;
        break;
      }
    }
    if (!victim) await sleep(100);
  }
  if (!victim) {
    const any = traffic.puts()[0];
    victim = (any && owner(any.clientPort)) || workers[1]!;
  }
  const mine = traffic.puts().filter((p) => owner(p.clientPort) === victim);
  const interrupted = [...new Set(mine.map((p) => p.jobId))];
  const bytesBefore = traffic.bytesOf(interrupted);
  const at = Date.now();
  await victim.kill();
  // What the worker knew at its death: its state files, and the storage's counts to compare with later.
  const saved = savedUploads(victim.userDir, traffic.jobOf);
  const storesBefore = saved.map((u) => u.parts.map((n) => traffic.partStores.get(u.uploadId)?.get(n) ?? 0));
  const uploadsBefore = new Map(saved.map((u) => [u.jobId, new Set(traffic.uploadsByJob.get(u.jobId) ?? [])]));
  return { worker: victim.name, at, interrupted, bytesBefore, multipart, saved, storesBefore, uploadsBefore };
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`scale: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.stdout.write('\n0 passed, 1 failed, 0 skipped\n');
    process.exit(1);
  },
);
