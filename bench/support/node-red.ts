/**
 * A Node-RED runtime for P6: node-red-node-test-helper bound to the installed `node-red` — the
 * real @node-red/runtime flow engine, with the helper's in-memory flow storage (no editor, no
 * disk). The helper wraps `Node.prototype` methods in sinon spies that record every call (and
 * each node copies its spied `send` when it is wired); a production runtime has none, so
 * {@link Helper.withoutSpies} removes them once the flow is loaded.
 */
import { createRequire } from 'node:module';

const load = createRequire(__filename);

/** The parts of the helper P6 calls. */
export interface Helper {
  init(runtimePath: string, userSettings?: Record<string, unknown>): void;
  settings(userSettings: Record<string, unknown>): Record<string, unknown>;
  load(nodes: unknown[], flow: Array<Record<string, unknown>>, credentials?: Record<string, Record<string, string>>): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): { receive(msg: Record<string, unknown>): void; on(event: 'input', fn: (msg: Record<string, unknown>) => void): void };
  /** Restores the `Node.prototype` methods the helper spied on, and `send` on these nodes (bench-only addition). */
  withoutSpies(...ids: string[]): void;
}

let helper: Helper | undefined;

/** The helper, initialised once with the installed runtime. */
export function nodeRedHelper(): Helper {
  if (!helper) {
    const loaded = load('node-red-node-test-helper') as Helper & { _sandbox: { restore(): void } };
    loaded.init(load.resolve('node-red'));
    loaded.withoutSpies = (...ids: string[]) => {
      loaded._sandbox.restore();
      // A node wired while the spy was in place holds it as its own `send`.
      for (const id of ids) {
        const node = loaded.getNode(id) as unknown as { send: unknown };
        if (Object.prototype.hasOwnProperty.call(node, 'send')) node.send = (Object.getPrototypeOf(node) as { send: unknown }).send;
      }
    };
    helper = loaded;
  }
  return helper;
}
