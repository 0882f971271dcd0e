// Lays out the demo's Node-RED user directory (.demo/ by default, ignored by git):
//   settings.js                    generated: 127.0.0.1, fixed demo credentialSecret, fileWorkingDirectory
//   node_modules/@sgflow/node-red-shotgrid/   this package "installed" (package.json + links to the
//                                  build output and examples), so Node-RED loads it like any
//                                  installed module and lists its examples under Import ▸ Examples
//   flows.json, flows_cred.json    the examples on tabs + one site config (credentials encrypted)
//   files/                         fileWorkingDirectory, with the sample media the examples read
// Every start rewrites all of this (the emulator starts empty each time), so a second start works.
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDemoFlows, declaredCredentialKeys, encryptCredentials, readExamples, siteCredentials, SITE_TYPE } from './flows.mjs';
import { referencedFiles, writeFixtures } from './fixtures.mjs';

/** Fixed on purpose: it only protects the demo's local emulator credentials in an ignored folder. */
export const DEMO_CREDENTIAL_SECRET = 'sgflow-demo-local-only';

/**
 * Writes the user directory for a demo run.
 * @param {{root: string, out: string, userDir: string, port: number, emulator: {url: string, credentials: Record<string,string>}}} o
 * @returns {{settingsFile: string, filesDir: string, siteId: string, tabs: Array<{id: string, label: string}>, injects: Array<{id: string, z: string, name: string}>, fixtures: string[], packageName: string}}
 */
export function prepareUserDir({ root, out, userDir, port, emulator }) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const nodes = pkg['node-red']?.nodes ?? {};
  const siteEntry = nodes[SITE_TYPE];
  if (!siteEntry) throw new Error(`demo: package.json registers no ${SITE_TYPE} node`);
  const missing = Object.entries(nodes).filter(([, entry]) => !existsSync(join(out, entry.replace(/^dist\//, ''))));
  if (missing.length) {
    throw new Error(`demo: node file(s) not built: ${missing.map(([t, e]) => `${t} (${e})`).join(', ')}`);
  }
  const examples = readExamples(join(root, 'examples'));
  if (examples.length === 0) throw new Error('demo: examples/ holds no flow (*.json) to deploy');

  mkdirSync(userDir, { recursive: true });
  const filesDir = join(userDir, 'files');
  mkdirSync(filesDir, { recursive: true });
  installPackage(root, out, userDir, pkg);

  const { flow, siteId } = buildDemoFlows(examples);
  const siteHtml = join(out, siteEntry.replace(/^dist\//, '').replace(/\.js$/, '.html'));
  const creds = siteCredentials(declaredCredentialKeys(siteHtml), emulator.credentials);
  writeFileSync(join(userDir, 'flows.json'), JSON.stringify(flow, null, 2) + '\n');
  writeFileSync(join(userDir, 'flows_cred.json'), JSON.stringify(encryptCredentials(DEMO_CREDENTIAL_SECRET, { [siteId]: creds }), null, 2) + '\n', { mode: 0o600 });
  // A key Node-RED generated in an earlier, differently configured run would be tried first.
  rmSync(join(userDir, '.config.runtime.json'), { force: true });
  const fixtures = writeFixtures(filesDir, referencedFiles(examples.flatMap((e) => e.nodes)));

  const settingsFile = join(userDir, 'settings.js');
  writeFileSync(settingsFile, settingsSource({ port, filesDir }));
  return {
    settingsFile,
    filesDir,
    siteId,
    tabs: flow.filter((n) => n.type === 'tab').map((n) => ({ id: n.id, label: n.label })),
    injects: flow.filter((n) => n.type === 'inject' && !n.d).map((n) => ({ id: n.id, z: n.z, name: n.name || n.id })),
    fixtures,
    packageName: pkg.name,
  };
}

/** Makes node_modules/<name> a folder with our package.json and links to what it ships. */
function installPackage(root, out, userDir, pkg) {
  const dir = join(userDir, 'node_modules', ...pkg.name.split('/'));
  if (existsSync(dir) || isLink(dir)) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  const tops = new Set((pkg.files ?? []).map((f) => f.split('/')[0]));
  tops.add('examples');
  for (const top of tops) {
    const target = top === 'dist' ? out : join(root, top);
    if (existsSync(target)) symlinkSync(target, join(dir, top));
  }
}

function isLink(p) {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

function settingsSource({ port, filesDir }) {
  const settings = {
    uiHost: '127.0.0.1',
    uiPort: port,
    flowFile: 'flows.json',
    flowFilePretty: true,
    credentialSecret: DEMO_CREDENTIAL_SECRET,
    fileWorkingDirectory: filesDir,
    // No first-run tour, no update-check prompt, no palette installs: the machine may be offline.
    telemetry: { enabled: false, updateNotification: false },
    diagnostics: { enabled: true, ui: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
    editorTheme: {
      tours: false,
      projects: { enabled: false },
      palette: { catalogues: [] },
      page: { title: 'Node-RED · ShotGrid demo' },
      header: { title: 'Node-RED · ShotGrid demo' },
    },
    logging: { console: { level: 'info', metrics: false, audit: false } },
    exportGlobalContextKeys: false,
  };
  return `// Generated by scripts/start.mjs for the local ShotGrid demo; rewritten on every start.\nmodule.exports = ${JSON.stringify(settings, null, 2)};\n`;
}
