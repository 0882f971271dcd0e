/**
 * Shared set-up of the node tests: the test helper bound to the Node-RED runtime under test
 * (`SG_NODE_RED_PATH` picks another one, e.g. Node-RED 5 for the second leg), the emulator,
 * a flow tab with a site config node, and small waiting helpers.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../emulator/index.js';
import type { FlowNode, NodeTestHelper, TestNode } from './helper-types.js';

const load = createRequire(__filename);
/** The Node-RED runtime the tests run on. */
export const runtimePath = process.env.SG_NODE_RED_PATH ?? load.resolve('node-red');
/** The test helper (the second leg brings its own copy beside its Node-RED). */
export const helper = load(process.env.SG_NODE_RED_TEST_HELPER_PATH ?? 'node-red-node-test-helper') as NodeTestHelper;
helper.init(runtimePath);

// Helper 0.3.6 loads the core Catch module once per Catch node of a flow, so a flow with two
// Catch nodes fails with "catch already registered": load it once per `helper.load` instead.
const internals = helper as unknown as { _nodeModules?: Record<string, (red: object) => unknown> };
for (const type of ['catch', 'status', 'complete']) {
  const loadModule = internals._nodeModules?.[type];
  if (!loadModule) continue;
  let loadedFor: object | undefined;
  internals._nodeModules![type] = (red: object) => {
    if (loadedFor === red) return undefined;
    loadedFor = red;
    return loadModule(red);
  };
}

/** A core node module of the runtime under test, e.g. `sequence/17-split.js`. */
export function coreNodeModule(file: string): unknown {
  return load(load.resolve(`@node-red/nodes/core/${file}`, { paths: [dirname(runtimePath)] }));
}

/** The id every test flow's nodes live on (Catch and Status nodes need a tab). */
export const TAB = 'tab1';
/** The site config node's id in every test flow. */
export const SITE = 'site1';

/** Starts an emulator with a short transcode delay unless told otherwise. */
export function startSite(options: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({ transcodeDelay: 200, ...options });
}

/** A tab, the site config node and the given nodes (all put on the tab). */
export function flowWith(emulator: Emulator, nodes: FlowNode[], site: Partial<FlowNode> = {}): FlowNode[] {
  return [
    { id: TAB, type: 'tab', label: 'test' },
    { id: SITE, type: 'shotgrid-site', name: 'emulator', site: emulator.url, authType: 'script', ...site },
    ...nodes.map((n) => ({ z: TAB, ...n })),
  ];
}

/** The site node's credentials, keyed by node id as the helper takes them. */
export function scriptCredentials(emulator: Emulator, overrides: Record<string, string> = {}): Record<string, Record<string, string>> {
  return { [SITE]: { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey, ...overrides } };
}

/** A Catch node on the tab wired to a helper node `caught`. */
export function catchNodes(): FlowNode[] {
  return [
    { id: 'catch1', type: 'catch', z: TAB, scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: TAB },
  ];
}

/** A message that reached a node. */
export type Msg = Record<string, unknown>;

/** Resolves with the next message `node` receives; rejects after `ms`. */
export function nextInput(node: TestNode, ms = 10_000, what = `a message at ${node.id}`): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      node.removeListener('input', onInput);
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const onInput = (msg: Msg): void => {
      clearTimeout(timer);
      resolve(msg);
    };
    node.once('input', onInput);
  });
}

/** Resolves with the next `count` messages `node` receives. */
export function inputs(node: TestNode, count: number, ms = 10_000): Promise<Msg[]> {
  return new Promise((resolve, reject) => {
    const got: Msg[] = [];
    const timer = setTimeout(() => {
      node.removeListener('input', onInput);
      reject(new Error(`timed out after ${ms} ms with ${got.length} of ${count} messages at ${node.id}`));
    }, ms);
    const onInput = (msg: Msg): void => {
      got.push(msg);
      if (got.length === count) {
        clearTimeout(timer);
        node.removeListener('input', onInput);
        resolve(got);
      }
    };
    node.on('input', onInput);
  });
}

/** Fails if `node` receives anything during `ms`. */
export async function expectSilence(node: TestNode, ms: number): Promise<void> {
  let got: Msg | undefined;
  const onInput = (msg: Msg): void => {
    got ??= msg;
  };
  node.on('input', onInput);
  await delay(ms);
  node.removeListener('input', onInput);
  if (got) throw new Error(`${node.id} unexpectedly received a message`);
}

/** The `msg.error` a Catch node passes on. */
export function caughtError(msg: Msg): { message: string; code?: string; source?: { id: string; type: string } } {
  return msg.error as { message: string; code?: string; source?: { id: string; type: string } };
}

/** Every status the node showed, in order (the helper spies on Node.prototype.status). */
export function statuses(node: TestNode): Array<{ fill?: string; shape?: string; text?: string }> {
  return node.status.args.filter((a, i) => (node.status as unknown as { thisValues: unknown[] }).thisValues[i] === node).map((a) => a[0] as { fill?: string; shape?: string; text?: string });
}

/** Resolves after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true; rejects after `ms`. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms = 10_000, what = 'a condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await delay(20);
  }
}

/**
 * Removes the helper's sinon spies, which record every call and so retain every message sent
 * (for memory measurements). A node copies `Node.prototype.send` onto itself when it is wired,
 * so the nodes named in `ids` get the restored `send` back too.
 */
export function withoutSpies(...ids: string[]): void {
  (helper as unknown as { _sandbox: { restore(): void } })._sandbox.restore();
  for (const id of ids) {
    const node = helper.getNode(id) as unknown as { send: unknown };
    if (Object.prototype.hasOwnProperty.call(node, 'send')) node.send = (Object.getPrototypeOf(node) as { send: unknown }).send;
  }
}
