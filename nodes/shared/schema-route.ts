/**
 * The editor's schema pickers: an admin route answering the site's entity types, or one type's
 * fields with their data types, so the find, write, upload, download and thumbnail-wait dialogs
 * can offer names and flag unknown ones before deploy. Same rules as Test connection:
 * - it needs `shotgrid-site.write`;
 * - for a deployed, unchanged site (the body names only its `id`), the deployed node's own client
 *   answers: its secrets only ever go to its deployed URL and proxy;
 * - for unsaved dialog values (the body carries them, as Test connection's does), a one-attempt,
 *   time-boxed client is built with {@link dialogClient}: a stored secret is used only with the
 *   deployed URL and proxy;
 * - the answer holds only names, display names and data types (short plain strings); failures
 *   are described from codes and statuses, never from the text of what answered.
 */
import type { SchemaEntity, SchemaField, ShotGridClient } from '../../lib/index.js';
import type { AdminHandler, NodeAPI } from './red-types.js';
import type { SiteHandle } from './site-client.js';
import { describeFailure, dialogClient, failureAnswer, storedLookups, TEST_PERMISSION, TEST_TIMEOUT_MS, type TestRequest } from './test-connection.js';

/** Admin path (editor code calls it relative: `shotgrid-site/schema`). */
export const SCHEMA_ROUTE = '/shotgrid-site/schema';
/** Most names one answer carries (a real site has a few hundred types, rarely more fields). */
const MAX_NAMES = 5000;
/** Longest a schema read through a deployed site may take (its client retries with backoff). */
const DEPLOYED_TIMEOUT_MS = 20_000;

/** One field as the pickers need it. */
export interface FieldInfo {
  /** Data type: `text`, `entity`, `url` (a file), `image`, `status_list`, … */
  type: string;
  /** Display name. */
  label: string;
}

/** The route's answer. */
export interface SchemaAnswer {
  ok: boolean;
  code?: string;
  message?: string;
  /** Entity type name → display name (visible types only). */
  types?: Record<string, string>;
  /** The type whose fields these are. */
  entityType?: string;
  /** Field name → data type and display name. */
  fields?: Record<string, FieldInfo>;
}

const NAME = /^[A-Za-z][A-Za-z0-9_]{0,99}$/;

/** A short plain string from a schema property, or `fallback`. */
function plain(value: unknown, fallback: string): string {
  const v = typeof value === 'object' && value !== null ? (value as { value?: unknown }).value : undefined;
  if (typeof v !== 'string') return fallback;
  const s = [...v].filter((c) => c >= ' ' && c !== '<' && c !== '>').join('').trim();
  return s === '' ? fallback : s.slice(0, 100);
}

/** Entity type name → display name, visible types only, sorted by name. */
export function typesOf(schema: Record<string, SchemaEntity>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(schema).filter((n) => NAME.test(n)).sort().slice(0, MAX_NAMES)) {
    if (schema[name]?.visible?.value === false) continue;
    out[name] = plain(schema[name]?.name, name);
  }
  return out;
}

/** Field name → data type and display name, sorted by name. */
export function fieldsOf(schema: Record<string, SchemaField>): Record<string, FieldInfo> {
  const out: Record<string, FieldInfo> = {};
  for (const name of Object.keys(schema).filter((n) => NAME.test(n)).sort().slice(0, MAX_NAMES)) {
    out[name] = { type: plain(schema[name]?.data_type, 'unknown'), label: plain(schema[name]?.name, name) };
  }
  return out;
}

/** Reads types, or one type's fields, with `client`. */
async function read(client: ShotGridClient, entityType: string, signal: AbortSignal): Promise<SchemaAnswer> {
  if (entityType === '') return { ok: true, types: typesOf(await client.schemaEntityRead({ signal })) };
  return { ok: true, entityType, fields: fieldsOf(await client.schemaFieldRead(entityType, undefined, { signal })) };
}

function str(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/** What the route needs besides the request body. */
export interface SchemaRequest extends Omit<TestRequest, 'body'> {
  body: unknown;
  /** The deployed site node `id`, when there is one. */
  deployed(id: string): SiteHandle | undefined;
}

/** Answers one schema request; never rejects. */
export async function readSchema(req: SchemaRequest): Promise<{ status: number; answer: SchemaAnswer }> {
  const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
  const entityType = str(body.entityType);
  if (entityType !== '' && !NAME.test(entityType)) {
    return { status: 200, answer: { ok: false, code: 'SG_CONFIG', message: `"${entityType.slice(0, 100)}" is not an entity type name.` } };
  }
  if (body.site === undefined) {
    // A deployed site the dialog has not changed: its own client, secrets and destination.
    const site = req.deployed(str(body.id));
    if (!site) return { status: 200, answer: { ok: false, code: 'SG_CONFIG', message: 'The site is not deployed yet: deploy it, or open it and test the connection.' } };
    const timeoutMs = req.timeoutMs ?? DEPLOYED_TIMEOUT_MS;
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      return { status: 200, answer: await site.useClient((client) => read(client, entityType, signal)) };
    } catch (err) {
      return { status: 200, answer: failureAnswer(err, { signal, timeoutMs, credentials: {} }) };
    }
  }
  const made = dialogClient({ ...req, timeoutMs: req.timeoutMs ?? TEST_TIMEOUT_MS });
  if ('refused' in made) return made.refused;
  try {
    return { status: 200, answer: await read(made.client, entityType, made.signal) };
  } catch (err) {
    return { status: 200, answer: failureAnswer(err, made) };
  } finally {
    await made.client.close().catch(() => undefined);
  }
}

/** Registers the route on the editor's admin app. */
export function registerSchemaRoute(RED: NodeAPI): void {
  const lookups = storedLookups(RED);
  const deployed = (id: string): SiteHandle | undefined => {
    const node = id !== '' ? (RED.nodes.getNode(id) as (SiteHandle & { type?: string }) | null) : null;
    return node?.type === 'shotgrid-site' && typeof node.useClient === 'function' ? node : undefined;
  };
  const handler: AdminHandler = (req, res) => {
    void readSchema({ body: req.body, deployed, ...lookups }).then(
      ({ status, answer }) => res.status(status).json(answer),
      (err: unknown) => res.status(500).json({ ok: false, ...describeFailure(err) }),
    );
  };
  RED.httpAdmin.post(SCHEMA_ROUTE, RED.auth.needsPermission(TEST_PERMISSION), handler);
}
