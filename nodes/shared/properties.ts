/**
 * Reading TypedInput properties at run time: always through the callback form of
 * `RED.util.evaluateNodeProperty`, which is the only form that works for every type
 * (flow/global context stores and JSONata need the callback since Node-RED 4.0).
 */
import { isAbsolute, resolve, sep } from 'node:path';
import { ShotGridError } from '../../lib/index.js';
import type { NodeAPI, NodeMessage } from './red-types.js';

/** A TypedInput as saved by the editor: the value and, in a sibling property, its type. */
export interface TypedProperty {
  value: unknown;
  type: string;
}

/** A `msg` property that is one plain name (`entity`, `filename`): read directly, per message. */
const PLAIN_NAME = /^[A-Za-z_$][\w$]*$/;

/** Types whose empty value means "not set" instead of an empty string, zero or a JSON error. */
const LITERAL_TYPES = new Set(['str', 'num', 'json', 'jsonata', 'env', 'bin']);

/** Reads `config[name]` and `config[name + 'Type']` (the editor's `typeField` convention). */
export function typedProperty(config: Record<string, unknown>, name: string, fallbackType = 'str'): TypedProperty {
  const type = config[`${name}Type`];
  return { value: config[name] ?? '', type: typeof type === 'string' && type !== '' ? type : fallbackType };
}

/** A checkbox of the edit dialog: flows store it as a boolean, older exports as the string 'true'. */
export function checkbox(config: Record<string, unknown>, name: string): boolean {
  return config[name] === true || config[name] === 'true';
}

/**
 * Evaluates a TypedInput for one message. An empty literal gives `undefined` (the property was
 * left blank); anything the runtime refuses (bad JSON, JSONata syntax, missing context store)
 * rejects with `SG_CONFIG` naming the property.
 */
export function evaluateProperty(RED: NodeAPI, node: object, msg: NodeMessage, label: string, prop: TypedProperty): Promise<unknown> {
  if (isKnownWithoutRuntime(prop)) return Promise.resolve(readWithoutRuntime(msg, prop));
  return new Promise((resolvePromise, reject) => {
    const fail = (err: unknown): void => {
      const why = err instanceof Error ? err.message : String(err);
      reject(new ShotGridError('SG_CONFIG', `${label}: cannot evaluate the ${prop.type} value (${why})`, { cause: err }));
    };
    try {
      RED.util.evaluateNodeProperty(prop.value, prop.type, node, msg, (err, result) => (err ? fail(err) : resolvePromise(result)));
    } catch (err) {
      // str/num/json/bin are evaluated synchronously and throw before the callback is reached.
      fail(err);
    }
  });
}

/** Like {@link evaluateProperty}, but a missing value is an `SG_CONFIG` error. */
export async function requireProperty(RED: NodeAPI, node: object, msg: NodeMessage, label: string, prop: TypedProperty): Promise<unknown> {
  return checkSet(await evaluateProperty(RED, node, msg, label, prop), label, prop);
}

function checkSet(value: unknown, label: string, prop: TypedProperty): unknown {
  if (value === undefined || value === null || value === '') {
    throw new ShotGridError('SG_CONFIG', `${label} is not set (${describeSource(prop)})`);
  }
  return value;
}

/**
 * Whether the property's value per message is known without the runtime: a blank literal (not
 * set) or a plain `msg` name. Depends only on the node's configuration.
 */
function isKnownWithoutRuntime(prop: TypedProperty): boolean {
  if (isBlank(prop)) return true;
  if (prop.type === 'str') return typeof prop.value === 'string';
  return prop.type === 'msg' && typeof prop.value === 'string' && PLAIN_NAME.test(prop.value);
}

function isBlank(prop: TypedProperty): boolean {
  return LITERAL_TYPES.has(prop.type) && (prop.value === '' || prop.value === undefined || prop.value === null);
}

/** What the runtime's evaluation gives for a property {@link isKnownWithoutRuntime} accepts (a blank literal: not set). */
function readWithoutRuntime(msg: NodeMessage, prop: TypedProperty): unknown {
  if (isBlank(prop)) return undefined;
  return prop.type === 'msg' ? (msg as Record<string, unknown>)[prop.value as string] : prop.value;
}

/** One property a node reads per message, and what it makes of the value. */
export interface PropertyStep<T> {
  label: string;
  prop: TypedProperty;
  /** A missing value is an `SG_CONFIG` error (as {@link requireProperty}). */
  required?: boolean;
  /** Checks and converts the value (throws `SG_CONFIG`); runs before the next property is read. */
  as: (value: unknown) => T;
}

type StepValues<S extends readonly PropertyStep<unknown>[]> = { -readonly [K in keyof S]: S[K] extends PropertyStep<infer T> ? T : never };

/**
 * Reads a node's properties for one message, one after another, each checked before the next is
 * read (so the first fault is the one reported). When every property is known without the runtime
 * (plain `msg` names, blank literals: the usual configuration), the values come back at once, not
 * as a promise: no promise or event-loop turn per property per message (bench P6). From the first
 * property that needs the runtime on, the rest are evaluated as {@link evaluateProperty} does.
 */
export function readProperties<const S extends readonly PropertyStep<unknown>[]>(RED: NodeAPI, node: object, msg: NodeMessage, steps: S): StepValues<S> | Promise<StepValues<S>> {
  const values: unknown[] = [];
  const take = (step: PropertyStep<unknown>, value: unknown): void => {
    values.push(step.as(step.required ? checkSet(value, step.label, step.prop) : value));
  };
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    if (!isKnownWithoutRuntime(step.prop)) {
      return (async () => {
        for (const rest of steps.slice(i)) take(rest, await evaluateProperty(RED, node, msg, rest.label, rest.prop));
        return values as StepValues<S>;
      })();
    }
    take(step, readWithoutRuntime(msg, step.prop));
  }
  return values as StepValues<S>;
}

/** Where a property is read from, for error messages: `msg.entity`, `flow.x`, `a string`. */
export function describeSource(prop: TypedProperty): string {
  if (prop.type === 'msg' || prop.type === 'flow' || prop.type === 'global') return `${prop.type}.${String(prop.value)}`;
  if (prop.type === 'env') return `env ${String(prop.value)}`;
  return `a ${prop.type} value`;
}

/** A string value, trimmed; numbers are accepted. Anything else is an `SG_CONFIG` error. */
export function asString(value: unknown, label: string): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') throw new ShotGridError('SG_CONFIG', `${label} must be a string (got ${kindOf(value)})`);
  return value.trim();
}

/** A positive whole number from a number or a numeric string. */
export function asPositiveInteger(value: unknown, label: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) {
    throw new ShotGridError('SG_CONFIG', `${label} must be a positive whole number (got ${kindOf(value)})`);
  }
  return n;
}

/** A JSON string is parsed; other values are returned as they are. */
export function parseIfJson(value: unknown, label: string): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (!/^[[{]/.test(text)) return value;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ShotGridError('SG_CONFIG', `${label} is not valid JSON`, { cause: err });
  }
}

/**
 * A list of names from an array or a comma-separated string (`"code, sg_status_list"`).
 * `undefined` stays `undefined`.
 */
export function asNameList(value: unknown, label: string): string[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const parsed = parseIfJson(value, label);
  const items = typeof parsed === 'string' ? parsed.split(',') : parsed;
  if (!Array.isArray(items) || !items.every((f) => typeof f === 'string')) {
    throw new ShotGridError('SG_CONFIG', `${label} must be a list of names or a comma-separated string`);
  }
  return items.map((f) => f.trim()).filter((f) => f !== '');
}

/** A short description of a value's kind for error messages (never the value itself). */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (Buffer.isBuffer(value)) return 'a Buffer';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/**
 * Resolves a file path the way Node-RED's file nodes do: relative paths against
 * `RED.settings.fileWorkingDirectory`, or the process's working directory. A trailing
 * separator (meaning "into this directory") is kept.
 */
export function resolveFilePath(RED: NodeAPI, path: string): string {
  if (path === '') throw new ShotGridError('SG_CONFIG', 'the file path is empty');
  const base = typeof RED.settings.fileWorkingDirectory === 'string' && RED.settings.fileWorkingDirectory !== '' ? RED.settings.fileWorkingDirectory : process.cwd();
  const full = isAbsolute(path) ? resolve(path) : resolve(base, path);
  return /[\\/]$/.test(path) && !full.endsWith(sep) ? full + sep : full;
}

/** A numeric setting from `settings.js` (`<camelCasedType><Setting>`), or its default. */
export function numberSetting(RED: NodeAPI, name: string, fallback: number): number {
  let value: unknown;
  try {
    value = RED.settings[name];
  } catch {
    // The runtime's settings object throws for keys it does not know in some versions.
    value = undefined;
  }
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}
