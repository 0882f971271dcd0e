/**
 * Minimal typings of node-red-node-test-helper 0.3.6 (the package ships none and no
 * @types package is installed): only what these tests call.
 */
import type { EventEmitter } from 'node:events';

/** A flow node as the tests write them. */
export interface FlowNode {
  id: string;
  type: string;
  z?: string;
  name?: string;
  wires?: string[][];
  [property: string]: unknown;
}

/** A runtime node as the helper returns it. */
export interface TestNode extends EventEmitter {
  id: string;
  type: string;
  credentials?: Record<string, string | undefined>;
  receive(msg: Record<string, unknown>): void;
  /** Sinon spy on `status` (the helper spies on Node.prototype). */
  status: { args: unknown[][]; callCount: number; resetHistory?(): void };
}

/** The answer of a supertest request. */
export interface TestResponse {
  status: number;
  body: unknown;
  text: string;
}

/** A supertest request being built. */
export interface TestRequest extends PromiseLike<TestResponse> {
  send(body: unknown): TestRequest;
  set(header: string, value: string): TestRequest;
}

/** The helper's public surface used here. */
export interface NodeTestHelper {
  init(runtimePath: string, userSettings?: Record<string, unknown>): void;
  settings(userSettings: Record<string, unknown>): Record<string, unknown>;
  load(nodes: unknown | unknown[], flow: FlowNode[], credentials?: Record<string, Record<string, string>>): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): TestNode;
  setFlows(flow: FlowNode[], type: 'full' | 'flows' | 'nodes', credentials?: Record<string, Record<string, string>>): Promise<void>;
  request(): { post(url: string): TestRequest; get(url: string): TestRequest };
  /** The express app behind `request()` (internal, used to inspect the route's middleware). */
  _httpAdmin: { _router?: { stack: Array<{ route?: { path: string; methods: Record<string, boolean>; stack: unknown[] } }> }; router?: { stack: Array<{ route?: { path: string; methods: Record<string, boolean>; stack: unknown[] } }> } };
}
