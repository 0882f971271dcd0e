/**
 * P3's uploading process: one upload through the client with defaults, then its peak RSS.
 * Run as a child so the figure is that of a process that only uploads (no emulator, no bench).
 * argv[2] is JSON `{site, scriptName, scriptKey, versionId, path}`; stdout gets one JSON line.
 */
import { ShotGridClient } from '../../lib/index.js';
import { peakRssMiB } from './peak-rss.js';

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as { site: string; scriptName: string; scriptKey: string; versionId: number; path: string };
  const sg = new ShotGridClient({ site: job.site, auth: { scriptName: job.scriptName, scriptKey: job.scriptKey }, logger: { warn: () => undefined } });
  const started = performance.now();
  const result = await sg.upload({ type: 'Version', id: job.versionId, field: 'sg_uploaded_movie' }, job.path);
  const ms = performance.now() - started;
  await sg.close();
  process.stdout.write(`${JSON.stringify({ peakRssMiB: peakRssMiB(), ms, bytes: result.bytes, parts: result.parts })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`upload child: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
