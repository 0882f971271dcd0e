/**
 * The client loads only the parts of undici it uses (its agents), not undici's entry point with
 * fetch, WebSocket, the cache and mock layers: ~8.6 MiB less in every process (bench P3). Checked
 * in a fresh process, which then talks to the site through those agents.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startEmulator, type Emulator } from '../../emulator/index.js';

let emu: Emulator;
before(async () => {
  emu = await startEmulator();
});
after(async () => {
  await emu.close();
});

const child = `
const { ShotGridClient } = require(process.argv[1]);
const [site, scriptName, scriptKey] = process.argv.slice(2);
(async () => {
  const sg = new ShotGridClient({ site, auth: { scriptName, scriptKey } });
  const projects = await sg.find('Project', null, { limit: 1 });
  const undiciFiles = Object.keys(require.cache).filter((f) => f.includes('/node_modules/undici/'));
  await sg.close();
  console.log(JSON.stringify({
    found: projects.length,
    entryLoaded: undiciFiles.some((f) => f.endsWith('/undici/index.js')),
    fetchLoaded: undiciFiles.some((f) => f.includes('/lib/web/fetch/')),
    agentLoaded: undiciFiles.some((f) => f.endsWith('/lib/dispatcher/env-http-proxy-agent.js')),
  }));
})().catch((err) => { console.error(err); process.exit(1); });
`;

const lib = join(__dirname, '..', '..', 'lib', 'index.js');
const run = async (preamble = ''): Promise<unknown> => {
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', preamble + child, lib, emu.url, emu.credentials.scriptName, emu.credentials.scriptKey]);
  return JSON.parse(stdout);
};

test("a process using the client loads undici's agents, not its entry point", async () => {
  assert.deepEqual(await run(), { found: 1, entryLoaded: false, fetchLoaded: false, agentLoaded: true });
});

test("an undici whose inner modules moved: the client loads undici's entry point and works", async () => {
  // Resolving any path inside undici fails, as it would if a later undici 7 moved its files.
  const moved = `
const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request.startsWith('undici/lib/')) throw Object.assign(new Error('moved: ' + request), { code: 'MODULE_NOT_FOUND' });
  return resolve.call(this, request, ...rest);
};
`;
  assert.deepEqual(await run(moved), { found: 1, entryLoaded: true, fetchLoaded: true, agentLoaded: true });
});
