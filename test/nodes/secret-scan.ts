/**
 * The leak scanner of the secrets tests: what counts as a secret (the credentials given to the
 * site nodes, and every token and storage signature the emulator handed out), every surface a
 * flow can emit or store in the test helper's runtime (sent messages — Catch and Status nodes'
 * included —, status texts, warnings, errors, debug and log lines, the deployed flow config),
 * rendered deeply (own properties, error causes and stacks), and the search.
 */
import { inspect } from 'node:util';
import type { Emulator } from '../../emulator/index.js';
import type { NodeTestHelper } from './helper-types.js';

/** A secret to look for. */
export interface Secret {
  /** What it is ("script key", "access token #3"); never the value. */
  what: string;
  value: string;
}

/** Something a flow emitted or stored, as text. */
export interface Surface {
  where: string;
  text: string;
}

/** A secret found on a surface. */
export interface Leak {
  what: string;
  where: string;
  /** The text around it, the secret itself masked. */
  excerpt: string;
}

/** Deep text of any value: `util.inspect` (own and inherited-enumerable props, errors with causes) plus JSON. */
export function render(value: unknown): string {
  const deep = inspect(value, { depth: 12, maxArrayLength: null, maxStringLength: null, breakLength: Infinity, showHidden: false, getters: true });
  let json = '';
  try {
    json = JSON.stringify(value) ?? '';
  } catch {
    // Circular: inspect already covered it.
  }
  return `${deep}\n${json}`;
}

/** The forms a secret may take in text: as is, URL-encoded, and a JWT's signature alone. */
export function variants(value: string): string[] {
  const out = new Set([value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]);
  const jwt = value.split('.');
  if (jwt.length === 3 && jwt[2]!.length >= 16) out.add(jwt[2]!);
  return [...out].filter((v) => v.length >= 8);
}

/** Every occurrence of every secret (in any of its {@link variants}) on every surface. */
export function findLeaks(surfaces: Surface[], secrets: Secret[]): Leak[] {
  const leaks: Leak[] = [];
  for (const secret of secrets) {
    for (const form of variants(secret.value)) {
      for (const surface of surfaces) {
        const at = surface.text.indexOf(form);
        if (at < 0) continue;
        const excerpt = surface.text.slice(Math.max(0, at - 80), at + form.length + 40).split(form).join('<SECRET>');
        leaks.push({ what: secret.what, where: surface.where, excerpt });
      }
    }
  }
  return leaks;
}

/** The static credentials plus everything the emulator issued so far. */
export function secretsOf(emulator: Emulator, extra: Secret[] = []): Secret[] {
  const issued = emulator.issued();
  return [
    { what: 'script key', value: emulator.credentials.scriptKey },
    { what: 'user password', value: emulator.credentials.password },
    ...extra,
    ...issued.accessTokens.map((value, i) => ({ what: `access token #${i + 1}`, value })),
    ...issued.refreshTokens.map((value, i) => ({ what: `refresh token #${i + 1}`, value })),
    ...issued.signatures.map((value, i) => ({ what: `signed URL signature #${i + 1}`, value })),
  ];
}

/** One spied method of Node.prototype, as the helper exposes it. */
interface MethodSpy {
  args: unknown[][];
  thisValues: Array<{ id?: string; type?: string }>;
}

const NODE_METHODS = ['send', 'status', 'warn', 'error', 'log', 'debug', 'trace'] as const;

/**
 * Options of {@link harvest}: `allowed` removes a sanctioned value from one node's sent message
 * before scanning (e.g. the signed thumbnail URL thumbnail-wait exists to send), returning what
 * it removed so the caller can check that the scanner would have seen it.
 */
export interface HarvestOptions {
  allowed?: (node: { id?: string; type?: string }, msg: unknown, output: number) => { msg: unknown; removed?: string } | undefined;
}

/** Everything the helper's runtime saw since `helper.load` (call before `helper.unload`). */
export function harvest(helper: NodeTestHelper, options: HarvestOptions = {}): { surfaces: Surface[]; removed: string[] } {
  const internals = helper as unknown as {
    _NodePrototype: Record<string, MethodSpy>;
    _redNodes: { getFlows(): unknown };
    log(): { args: unknown[][] };
  };
  const surfaces: Surface[] = [];
  const removed: string[] = [];
  for (const method of NODE_METHODS) {
    const spy = internals._NodePrototype[method]!;
    spy.args.forEach((args, i) => {
      const node = spy.thisValues[i] ?? {};
      const where = `${method}() of ${node.type ?? '?'} ${node.id ?? '?'}`;
      if (method === 'send' && options.allowed) {
        // send(msg) or send([out1, out2, …]) where each output is a msg or an array of msgs.
        const outputs = Array.isArray(args[0]) ? (args[0] as unknown[]) : [args[0]];
        const cleaned = outputs.map((out, output) => {
          const list = Array.isArray(out) ? out : [out];
          const kept = list.map((msg) => {
            const allowed = options.allowed!(node, msg, output);
            if (allowed?.removed) removed.push(allowed.removed);
            return allowed ? allowed.msg : msg;
          });
          return Array.isArray(out) ? kept : kept[0];
        });
        surfaces.push({ where, text: render(cleaned) });
        return;
      }
      surfaces.push({ where, text: render(args) });
    });
  }
  internals.log().args.forEach((args, i) => surfaces.push({ where: `runtime log record ${i + 1}`, text: render(args) }));
  surfaces.push({ where: 'deployed flow config (RED.nodes.getFlows)', text: render(internals._redNodes.getFlows()) });
  return { surfaces, removed };
}
