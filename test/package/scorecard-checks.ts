/**
 * An offline mirror of the Node-RED scorecard (`node-red-dev validate`, P01–P07, N02, D01) plus
 * the file-layout rules its HTML parser depends on. Each check returns the problems it found
 * (empty = pass), so the test can assert on real packages and on broken fixtures alike.
 * semver and acorn come from node_modules (via node-red and eslint); no extra dependency.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

interface SemverApi {
  satisfies(version: string, range: string): boolean;
  validRange(range: string): string | null;
}
interface AcornNode {
  type: string;
  [key: string]: unknown;
}
interface AcornApi {
  parse(code: string, options: { ecmaVersion: 'latest'; sourceType: 'script' }): AcornNode;
}

const requireFromHere = createRequire(__filename);
/** semver ships with node-red (a devDependency). */
export const semver = requireFromHere('semver') as SemverApi;
const acorn = requireFromHere('acorn') as AcornApi;

/** The package.json fields the checks read. */
export interface PackageJson {
  name?: string;
  license?: string;
  repository?: string | { url?: string };
  bugs?: string | { url?: string };
  keywords?: string[];
  engines?: { node?: string };
  files?: string[];
  dependencies?: Record<string, string>;
  'node-red'?: { version?: string; nodes?: Record<string, string> };
}

/** P01, P03, P04, P05: licence, repository, scoped name, keyword. */
export function checkMetadata(pkg: PackageJson, root: string): string[] {
  const problems: string[] = [];
  if (!pkg.license || !/^[A-Za-z0-9.+-]+$/.test(pkg.license)) problems.push('P01: no SPDX "license" in package.json');
  if (!existsSync(join(root, 'LICENSE'))) problems.push('P01: no LICENSE file');
  const url = (v: PackageJson['repository']): string => (typeof v === 'string' ? v : (v?.url ?? ''));
  if (!url(pkg.repository) && !url(pkg.bugs)) problems.push('P03: neither "repository" nor "bugs" is set');
  if (!/^@[a-z0-9][a-z0-9._~-]*\/[a-z0-9][a-z0-9._~-]*$/.test(pkg.name ?? '')) problems.push(`P04: name ${pkg.name} is not scoped`);
  if (!pkg.keywords?.includes('node-red')) problems.push('P05: keywords lack "node-red"');
  return problems;
}

/** P06 and P07: the ranges admit the given Node-RED and Node.js versions. */
export function checkVersions(pkg: PackageJson, nodeRedVersions: string[], nodeVersions: string[]): string[] {
  const problems: string[] = [];
  const nrRange = pkg['node-red']?.version;
  if (!nrRange || !semver.validRange(nrRange)) problems.push(`P06: node-red.version ${nrRange} is not a valid range`);
  else for (const v of nodeRedVersions) if (!semver.satisfies(v, nrRange)) problems.push(`P06: node-red.version ${nrRange} does not admit Node-RED ${v}`);
  const nodeRange = pkg.engines?.node;
  if (!nodeRange || !semver.validRange(nodeRange)) problems.push(`P07: engines.node ${nodeRange} is not a valid range`);
  else for (const v of nodeVersions) if (!semver.satisfies(v, nodeRange)) problems.push(`P07: engines.node ${nodeRange} does not admit Node.js ${v}`);
  return problems;
}

/** D01: at most `max` runtime dependencies, and never node-red itself. */
export function checkDependencies(pkg: PackageJson, max = 6): string[] {
  const deps = Object.keys(pkg.dependencies ?? {});
  const problems: string[] = [];
  if (deps.length > max) problems.push(`D01: ${deps.length} runtime dependencies (${deps.join(', ')}), at most ${max}`);
  if (deps.includes('node-red')) problems.push('D01: node-red must not be a runtime dependency');
  return problems;
}

/** What the HTML parser found for one node type. */
export interface ParsedNodeHtml {
  type: string;
  category: string | null;
  /** Top-level property names of the inline definition object. */
  properties: string[];
}

/**
 * Finds `RED.nodes.registerType('<literal>', { ...inline object... })` in the
 * `<script type="text/javascript">` blocks, the way the scorecard's parser does; throws on a
 * syntax error.
 */
export function parseRegisterTypes(html: string): ParsedNodeHtml[] {
  const found: ParsedNodeHtml[] = [];
  const blocks = html.matchAll(/<script\s+type=["']text\/javascript["'][^>]*>([\s\S]*?)<\/script>/gi);
  for (const [, code] of blocks) {
    walk(acorn.parse(code ?? '', { ecmaVersion: 'latest', sourceType: 'script' }), (node) => {
      if (node.type !== 'CallExpression') return;
      const callee = node.callee as AcornNode;
      const prop = callee.type === 'MemberExpression' ? (callee.property as AcornNode) : null;
      if (!prop || prop.name !== 'registerType') return;
      const [first, second] = node.arguments as AcornNode[];
      if (first?.type !== 'Literal' || typeof first.value !== 'string' || second?.type !== 'ObjectExpression') return;
      const props = (second.properties as AcornNode[]).filter((p) => p.type === 'Property');
      const keyName = (p: AcornNode): string => {
        const key = p.key as AcornNode;
        return String(key.type === 'Identifier' ? key.name : key.value);
      };
      const categoryProp = props.find((p) => keyName(p) === 'category');
      const categoryValue = categoryProp?.value as AcornNode | undefined;
      found.push({
        type: first.value,
        category: categoryValue?.type === 'Literal' && typeof categoryValue.value === 'string' ? categoryValue.value : null,
        properties: props.map(keyName),
      });
    });
  }
  return found;
}

function walk(node: unknown, visit: (n: AcornNode) => void): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, visit);
    return;
  }
  if (!node || typeof node !== 'object' || typeof (node as AcornNode).type !== 'string') return;
  visit(node as AcornNode);
  for (const [key, value] of Object.entries(node)) {
    if (key !== 'type' && value && typeof value === 'object') walk(value, visit);
  }
}

/** The scorecard's view of a node set's files (entry, HTML, locales). */
export function checkNodeFiles(type: string, entry: string, outRoot: string, configTypes: Set<string>): string[] {
  const problems: string[] = [];
  if (!/\.js$/.test(entry)) return [`${type}: entry ${entry} must end in .js (the scorecard pairs only .js with .html)`];
  if (!entry.startsWith('dist/')) return [`${type}: entry ${entry} is not under dist/`];
  const js = join(outRoot, entry.slice('dist/'.length));
  const htmlPath = js.replace(/\.js$/, '.html');
  if (!existsSync(js)) problems.push(`${type}: ${entry} was not built`);
  if (!existsSync(htmlPath)) return [...problems, `${type}: no ${basename(htmlPath)} beside ${entry}`];
  const html = readFileSync(htmlPath, 'utf8');
  let parsed: ParsedNodeHtml[];
  try {
    parsed = parseRegisterTypes(html);
  } catch (err) {
    return [...problems, `${type}: editor script does not parse: ${(err as Error).message}`];
  }
  const def = parsed.find((p) => p.type === type);
  if (!def) problems.push(`${type}: no inline literal registerType('${type}', {...}) in ${basename(htmlPath)}`);
  else {
    for (const required of ['category', 'defaults']) if (!def.properties.includes(required)) problems.push(`${type}: registerType has no inline ${required}`);
    const wanted = configTypes.has(type) ? 'config' : 'ShotGrid';
    if (def.category !== wanted) problems.push(`${type}: category ${def.category} (expected ${wanted})`);
  }
  if (!html.includes(`data-template-name="${type}"`)) problems.push(`${type}: no edit template (data-template-name="${type}")`);
  const localeDir = join(dirname(js), 'locales', 'en-US');
  const base = basename(js, '.js');
  const catalogue = join(localeDir, `${base}.json`);
  if (!existsSync(catalogue)) problems.push(`${type}: no message catalogue locales/en-US/${base}.json`);
  else {
    try {
      JSON.parse(readFileSync(catalogue, 'utf8'));
    } catch {
      problems.push(`${type}: locales/en-US/${base}.json is not JSON`);
    }
  }
  const localeHelp = join(localeDir, `${base}.html`);
  const helpMarker = new RegExp(`data-help-name=["']${type}["']`);
  const hasHelp = helpMarker.test(html) || (existsSync(localeHelp) && helpMarker.test(readFileSync(localeHelp, 'utf8')));
  if (!hasHelp) problems.push(`${type}: no help (data-help-name="${type}") in ${basename(htmlPath)} or locales/en-US/${base}.html`);
  return problems;
}

/** One example flow file. */
export interface ExampleFlow {
  file: string;
  nodes: Array<Record<string, unknown>>;
}

/** Reads every `examples/**\/*.json` (each must be a flow array). */
export function readExamples(dir: string): ExampleFlow[] {
  if (!existsSync(dir)) return [];
  const flows: ExampleFlow[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) flows.push(...readExamples(p));
    else if (name.endsWith('.json')) {
      const nodes: unknown = JSON.parse(readFileSync(p, 'utf8'));
      if (!Array.isArray(nodes)) throw new Error(`${p} is not a flow (an array of nodes)`);
      flows.push({ file: p, nodes: nodes as Array<Record<string, unknown>> });
    }
  }
  return flows;
}

/** N02 (every non-config type in some example), core-and-ours-only, and no credentials shipped. */
export function checkExamples(examples: ExampleFlow[], ourTypes: string[], configTypes: Set<string>, coreTypes: Set<string>): string[] {
  const problems: string[] = [];
  if (examples.length === 0) return ['N02: no examples/*.json'];
  const used = new Set(examples.flatMap((e) => e.nodes.map((n) => String(n.type))));
  for (const type of ourTypes) if (!configTypes.has(type) && !used.has(type)) problems.push(`N02: node type ${type} appears in no example`);
  const structural = new Set(['tab', 'group', 'junction', 'subflow']);
  for (const { file, nodes } of examples) {
    for (const n of nodes) {
      const type = String(n.type);
      if (!ourTypes.includes(type) && !coreTypes.has(type) && !structural.has(type) && !type.startsWith('subflow:')) {
        problems.push(`${basename(file)}: node ${String(n.id)} has type ${type}, neither ours nor a core node`);
      }
      const creds = n.credentials;
      if (creds && typeof creds === 'object' && Object.values(creds).some((v) => v !== '' && v != null)) {
        problems.push(`${basename(file)}: node ${String(n.id)} carries credentials`);
      }
    }
  }
  return problems;
}

/** The node types Node-RED's core package registers (read from its editor files). */
export function coreNodeTypes(nodeRedNodesDir: string): Set<string> {
  const types = new Set<string>();
  const visit = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (name !== 'locales' && name !== 'node_modules') visit(p);
      } else if (name.endsWith('.html')) {
        for (const m of readFileSync(p, 'utf8').matchAll(/registerType\(\s*['"]([^'"]+)['"]/g)) types.add(m[1]!);
      }
    }
  };
  visit(nodeRedNodesDir);
  return types;
}
