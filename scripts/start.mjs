#!/usr/bin/env node
// `npm start`: the local ShotGrid site and Node-RED (127.0.0.1:1880) with our nodes and the
// examples deployed against that site, ready to click. Ctrl-C stops both.
//   node scripts/start.mjs [--port 1880] [--emulator-port 3300] [--user-dir .demo]
//                          [--transcode-delay 4000] [--json]
// A busy port moves to the next free one (0 = any free port). --json prints one JSON line
// {"editor","emulator","userDir",...} on stdout when ready and sends the logs to stderr
// (the browser test uses it). Needs a build first (npm start runs scripts/build.mjs).
import { parseArgs } from 'node:util';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemo } from './demo/run.mjs';

const usage = `usage: node scripts/start.mjs [--port 1880] [--emulator-port 3300] [--user-dir .demo]
                              [--transcode-delay 4000] [--json]`;
let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string', default: '1880' },
      'emulator-port': { type: 'string', default: '3300' },
      'user-dir': { type: 'string' },
      'transcode-delay': { type: 'string', default: '4000' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (err) {
  console.error(`${err.message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
for (const opt of ['port', 'emulator-port', 'transcode-delay']) {
  if (!/^\d+$/.test(values[opt])) {
    console.error(`--${opt} must be a whole number (got ${values[opt]})\n${usage}`);
    process.exit(2);
  }
}
const json = values.json;
const log = json ? (line) => process.stderr.write(line + '\n') : (line) => console.log(line);

// One demo per user directory: a second start would rewrite the flows under a running Node-RED.
const userDir = resolve(values['user-dir'] ?? join(dirname(fileURLToPath(import.meta.url)), '..', '.demo'));
const lockFile = join(userDir, 'demo.pid');
if (existsSync(lockFile)) {
  const pid = Number(readFileSync(lockFile, 'utf8'));
  if (pid && pid !== process.pid && isAlive(pid)) {
    console.error(`A demo is already running from ${userDir} (process ${pid}); stop it (Ctrl-C there) first.`);
    process.exit(1);
  }
}
mkdirSync(userDir, { recursive: true });
writeFileSync(lockFile, String(process.pid));
process.on('exit', () => rmSync(lockFile, { force: true }));

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

// Handlers first: a Ctrl-C during the start (or right after the ready line) still cleans up.
let stopping = false;
let demo;
async function shutdown(signal) {
  if (stopping) {
    log(`${signal} again: exiting without waiting.`);
    process.exit(130);
  }
  stopping = true;
  log(`\n${signal}: stopping Node-RED and the local site…`);
  if (!demo) return; // still starting: stopped as soon as the start returns (below)
  await demo.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

try {
  demo = await startDemo({
    port: Number(values.port),
    emulatorPort: Number(values['emulator-port']),
    transcodeDelay: Number(values['transcode-delay']),
    userDir,
    log,
  });
} catch (err) {
  console.error(`\n${err instanceof Error ? err.message : String(err)}\n\nThe demo did not start.`);
  process.exit(1);
}
// Signalled while starting: startDemo has finished, so everything it started can be stopped now.
if (stopping) {
  await demo.close();
  process.exit(0);
}

if (json) {
  console.log(JSON.stringify({ editor: demo.editorUrl, emulator: demo.emulatorUrl, userDir: demo.userDir, siteId: demo.siteId, tabs: demo.tabs, injects: demo.injects }));
} else {
  const first = demo.tabs[0];
  const inject = demo.injects.find((i) => i.z === first?.id);
  console.log(
    [
      '',
      '  ShotGrid demo is running',
      `    Node-RED editor      ${demo.editorUrl}`,
      `    local ShotGrid site  ${demo.emulatorUrl}   (the emulator; its web page shows what the flows did)`,
      '',
      `  The examples are deployed, one tab each: ${demo.tabs.map((t) => `"${t.label}"`).join(', ')}.`,
      '  They share the config node "shotgrid-site" pointing at the local site (its credentials are',
      `  in the demo's encrypted credential store, ${demo.userDir}/flows_cred.json).`,
      '',
      inject
        ? `  Try it: on the tab "${first.label}", click the button on the left of the Inject node "${inject.name}".`
        : `  Try it: open the tab "${first?.label}" and trigger its flow.`,
      '  A Version is created, its movie uploaded, and the thumbnail goes from pending to ready;',
      '  watch the Debug sidebar (and the local site\'s page).',
      '',
      '  The same flow answers the farm over HTTP (after one click, so the sample movie exists):',
      `    curl -X POST -H 'Content-Type: application/json' -d '{"shot":"bbb_010_0010","movie":"media/bbb_010_0010_comp_v101.mov","frames":"1001-1024"}' ${new URL('farm/job-finished', demo.editorUrl).href}`,
      '',
      '  Ctrl-C stops Node-RED and the local site. npm start again resets the demo.',
      '',
    ].join('\n'),
  );
}

demo.nodeRedExited.then(async ({ code, signal }) => {
  if (stopping) return;
  stopping = true;
  console.error(`Node-RED exited (${signal ?? `code ${code}`}); stopping the local site.`);
  await demo.close();
  process.exit(code === 0 || signal === 'SIGINT' ? 0 : 1);
});
