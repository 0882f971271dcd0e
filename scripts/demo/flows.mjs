// Builds the demo's flows from examples/*.json: each example on its own tab, all of them sharing
// one shotgrid-site config node that points at the local site, whose credentials go into
// flows_cred.json encrypted exactly as Node-RED does it (aes-256-ctr, key = sha256(credentialSecret)).
// Nothing here writes a secret anywhere but that encrypted file.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

/** The config node type every example's ShotGrid nodes point at. */
export const SITE_TYPE = 'shotgrid-site';
/** Keys in a flow node that hold node ids (wiring, groups, link and catch/status/complete scopes). */
const ID_KEYS = new Set(['wires', 'z', 'g', 'links', 'scope', 'nodes']);

/** Reads examples/*.json (sorted by name) as `{ name, nodes }`. */
export function readExamples(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const nodes = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      if (!Array.isArray(nodes)) throw new Error(`demo: examples/${f} is not a flow (an array of nodes)`);
      return { name: basename(f, '.json'), nodes };
    });
}

/** A readable tab label from an example's file name ("01-farm-job-finished" → "01 farm job finished"). */
function tabLabel(name) {
  return name.replace(/[-_]+/g, ' ');
}

function shortId(text) {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * Returns the demo's flow (tabs + nodes) and the id of its one site config node.
 * Node ids are kept unless two examples share one; the site node keeps the first example's id
 * so importing an example from the editor reuses it instead of adding a second, key-less site.
 */
export function buildDemoFlows(examples) {
  const sites = examples.flatMap((e) => e.nodes.filter((n) => n.type === SITE_TYPE));
  if (sites.length === 0) throw new Error(`demo: no ${SITE_TYPE} config node in examples/*.json; the examples cannot reach a site`);
  const siteTemplate = sites[0];
  const siteId = siteTemplate.id;
  const flow = [];
  const usedIds = new Set([siteId]);

  examples.forEach((example, index) => {
    const ownTab = example.nodes.find((n) => n.type === 'tab');
    const idMap = new Map();
    for (const n of example.nodes) {
      if (n.type === SITE_TYPE) idMap.set(n.id, siteId);
      else if (usedIds.has(n.id)) idMap.set(n.id, shortId(`${example.name}:${n.id}`));
      else idMap.set(n.id, n.id);
      usedIds.add(idMap.get(n.id));
    }
    // Config nodes: no wires and no tab of their own.
    const configIds = new Set(example.nodes.filter((n) => n.wires === undefined && !n.z && n.type !== 'tab').map((n) => n.id));
    const tabId = ownTab ? idMap.get(ownTab.id) : shortId(`demo-tab:${example.name}`);
    if (!ownTab) {
      // An example fed by an MQTT broker (example 4) waits on a disabled tab: the demo starts no
      // broker, and an enabled one would retry its connection every few seconds in the log.
      const needsBroker = example.nodes.some((n) => n.type === 'mqtt in' && !n.d);
      const info = `Example ${index + 1} (examples/${example.name}.json), deployed by npm start.`
        + (needsBroker ? ' Disabled in the demo: it needs an MQTT broker (npm run mqtt:start) and FARM_MQTT_HOST, FARM_MQTT_PORT and FARM_WORKER_ID in the environment; see docs/scaling.md.' : '');
      flow.push({ id: tabId, type: 'tab', label: tabLabel(example.name), disabled: needsBroker, info });
    }
    for (const n of example.nodes) {
      if (n.type === SITE_TYPE) continue;
      const copy = remapIds(n, idMap, configIds);
      if (n.type === 'tab') copy.label = copy.label || tabLabel(example.name);
      else if (n.z !== undefined || n.wires !== undefined) copy.z = n.z && idMap.has(n.z) ? idMap.get(n.z) : tabId;
      flow.push(copy);
    }
  });

  const { credentials: _ignored, ...site } = siteTemplate;
  flow.push({ ...site, id: siteId });
  return { flow, siteId, siteNode: { ...site, id: siteId } };
}

/**
 * Copies a node, replacing ids in the wiring keys, and in other properties only where the value
 * names a config node (a `site` or `broker` reference); `type`, `name` etc. are never touched.
 */
function remapIds(node, idMap, configIds) {
  const swap = (v) => (typeof v === 'string' && idMap.has(v) ? idMap.get(v) : v);
  const deep = (v) => (Array.isArray(v) ? v.map(deep) : swap(v));
  const copy = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'id') copy.id = swap(value);
    else if (ID_KEYS.has(key)) copy[key] = deep(value);
    else if (key !== 'type' && typeof value === 'string' && configIds.has(value)) copy[key] = swap(value);
    else copy[key] = value;
  }
  return copy;
}

/**
 * The credential property names a node type declares, read from its editor file's
 * `credentials: { name: {type: ...}, ... }` block.
 */
export function declaredCredentialKeys(htmlPath) {
  const html = readFileSync(htmlPath, 'utf8');
  const start = html.search(/\bcredentials\s*:\s*\{/);
  if (start < 0) return [];
  const open = html.indexOf('{', start);
  // Walk to the matching brace, collecting the keys one level deep.
  const keys = [];
  let depth = 0;
  for (let i = open; i < html.length; i++) {
    const c = html[i];
    if (c === '{') {
      if (depth === 1) {
        const key = html.slice(0, i).match(/["']?([A-Za-z_$][\w$]*)["']?\s*:\s*$/);
        if (key) keys.push(key[1]);
      }
      depth++;
    } else if (c === '}' && --depth === 0) break;
  }
  return keys;
}

/**
 * Maps the emulator's credentials onto the site node's declared credential keys
 * (same names: scriptName, scriptKey, login, password). Throws when none fit.
 */
export function siteCredentials(declared, emulatorCredentials) {
  const creds = {};
  for (const key of declared) if (typeof emulatorCredentials[key] === 'string') creds[key] = emulatorCredentials[key];
  const script = creds.scriptName && creds.scriptKey;
  const user = creds.login && creds.password;
  if (!script && !user) {
    throw new Error(`demo: ${SITE_TYPE} declares credentials [${declared.join(', ')}]; expected scriptName+scriptKey or login+password`);
  }
  return creds;
}

/** Encrypts a credentials map the way Node-RED's runtime does for a user-provided credentialSecret. */
export function encryptCredentials(secret, credentials) {
  const key = createHash('sha256').update(secret).digest();
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  return { $: iv.toString('hex') + cipher.update(JSON.stringify(credentials), 'utf8', 'base64') + cipher.final('base64') };
}

/** The inverse of {@link encryptCredentials} (tests read the demo's store with it). */
export function decryptCredentials(secret, file) {
  const key = createHash('sha256').update(secret).digest();
  const iv = Buffer.from(file.$.slice(0, 32), 'hex');
  const decipher = createDecipheriv('aes-256-ctr', key, iv);
  return JSON.parse(decipher.update(file.$.slice(32), 'base64', 'utf8') + decipher.final('utf8'));
}
