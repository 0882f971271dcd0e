/**
 * The small part of Node-RED's runtime API the nodes use, typed here because the package ships
 * no `@types/node-red` (and must not pull one in). Only what is called is declared.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A message travelling through a flow. */
export interface NodeMessage {
  _msgid?: string;
  payload?: unknown;
  [property: string]: unknown;
}

/** `node.status()` argument; `{}` clears the status. */
export interface NodeStatus {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'ring' | 'dot';
  text?: string;
}

/** `send` as passed to an input handler: one message, or one entry per output (arrays fan out). */
export type NodeSend = (msg: NodeMessage | Array<NodeMessage | NodeMessage[] | null> | null) => void;

/** `done` as passed to an input handler. */
export type NodeDone = (err?: Error) => void;

/** The runtime's node object (what `this` is inside a node constructor). */
export interface RedNode {
  readonly id: string;
  readonly type: string;
  name?: string;
  z?: string;
  /** Credentials declared at registration; secret values are present at run time only. */
  credentials?: Record<string, string | undefined>;
  on(event: 'input', handler: (msg: NodeMessage, send: NodeSend, done: NodeDone) => void): void;
  on(event: 'close', handler: (removed: boolean, done: () => void) => void): void;
  status(status: NodeStatus): void;
  warn(message: unknown): void;
  log(message: unknown): void;
  debug(message: unknown): void;
  error(err: unknown, msg?: NodeMessage): void;
}

/** The editor's properties of a node, as saved in the flow file. */
export interface NodeDef {
  id: string;
  type: string;
  name?: string;
  z?: string;
  [property: string]: unknown;
}

/** Options of `RED.nodes.registerType`. */
export interface RegisterOptions {
  credentials?: Record<string, { type: 'text' | 'password' }>;
  settings?: Record<string, { value: unknown; exportable?: boolean }>;
}

/** An express-style request handler (admin routes). */
export type AdminHandler = (
  req: IncomingMessage & { body?: unknown; params?: Record<string, string> },
  res: ServerResponse & { status(code: number): { json(body: unknown): void }; json(body: unknown): void },
  next?: (err?: unknown) => void,
) => void;

/** The `RED` object handed to a node module. */
export interface NodeAPI {
  nodes: {
    createNode(node: object, def: NodeDef): void;
    // The constructor is called with `new` and its own `this`; any node shape is accepted.
    registerType(type: string, constructor: (this: never, def: never) => void, options?: RegisterOptions): void;
    getNode(id: string): object | null;
    getCredentials?(id: string): Record<string, string | undefined> | undefined;
    /** Every node of the loaded flow configuration; throws before the flows file is read. */
    eachNode?(callback: (node: NodeDef) => void): void;
  };
  util: {
    evaluateNodeProperty(value: unknown, type: string, node: object, msg: NodeMessage | undefined, callback: (err: Error | null | undefined, result?: unknown) => void): unknown;
    cloneMessage<T extends NodeMessage>(msg: T): T;
  };
  settings: Record<string, unknown>;
  httpAdmin: {
    post(path: string, ...handlers: AdminHandler[]): void;
  };
  /** The express app HTTP-in routes are added to (absent when `httpNodeRoot` is false). */
  httpNode?: {
    use(handler: (req: IncomingMessage & { path?: string }, res: ServerResponse, next: () => void) => void): void;
  };
  /** The runtime's log (what the console and log handlers get). */
  log?: {
    warn(message: string): void;
  };
  /** The runtime's events (`flows:stopping`, `flows:started`, …). */
  events?: {
    on(event: string, listener: (...args: unknown[]) => void): void;
  };
  auth: {
    needsPermission(permission: string): AdminHandler;
  };
  _(key: string, substitutions?: Record<string, string | number>): string;
}
