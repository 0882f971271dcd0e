/**
 * The fault engine: scripted faults (consumed in the order they were queued) first, then random
 * rates drawn from seeded per-route streams, so the n-th request of a route meets the same fault
 * on every run with the same seed, however other routes interleave.
 *
 * A random `token_expire` behaves as a real expiry: the bearer stays expired for every later
 * request (not only the one that drew it), and a bearer is never drawn expired within its first
 * second (a token just granted cannot have run out), so a client that renews and replays once
 * gets through. A scripted `token_expire` stays a one-request refusal, whatever the bearer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Counters, FaultEngine } from '../context.js';
import type { FaultKind, FaultRates, RouteClass, ScriptedFault } from '../types.js';
import { answerHtmlPage, answerHttpFault, isStorageRequest, resetAfterRequestBytes, stall, type FaultStatus } from './actions.js';
import { canExpectStall } from './counters.js';
import { setHandlerFault } from './decisions.js';
import { hashString, seededRandom } from './prng.js';

type Decision = Awaited<ReturnType<FaultEngine['intercept']>>;

/** Fixed order in which random rates are laid on the [0,1) line: the draw picks one kind. */
// New kinds go at the end, so that existing rate tables keep their sequences.
const KIND_ORDER: readonly FaultKind[] = ['http500', 'http502', 'http503', 'http429', 'reset', 'stall', 'token_expire', 'url_expire', 'corrupt_transit', 'corrupt_at_rest', 'etag_mismatch', 'http504', 'http400', 'http403', 'http404', 'bad_answer'];
/** Kinds the storage handlers carry out on the bytes (PUT bodies, download answers). */
const BYTE_KINDS: ReadonlySet<FaultKind> = new Set(['corrupt_transit', 'corrupt_at_rest', 'etag_mismatch']);
const DEFAULT_RATE_ROUTES: readonly RouteClass[] = ['token', 'api', 'upload_init', 'part_link', 'complete', 'abort', 'storage_put', 'download'];
const DEFAULT_STALL_MS = 30_000;
const DEFAULT_RETRY_AFTER = 1;

/** A fault about to be applied, whichever way it was chosen. */
interface FaultPlan {
  kind: FaultKind;
  retryAfter?: number;
  stallMs?: number;
  resetAfterBytes?: number;
  afterHandler?: boolean;
  corruptAt?: number;
  /** Drawn from the rates (not scripted). */
  random?: boolean;
}

interface QueuedFault {
  fault: ScriptedFault;
  left: number;
}

/** Routes on which a bearer can be refused as expired. */
function bearerRoute(route: RouteClass, req: IncomingMessage): boolean {
  return !['token', 'info', 'web', 'storage_put'].includes(route) && !isStorageRequest(req);
}

/** The bearer token of a request, if any. */
function bearerOf(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/** Most bearers remembered (first seen / expired); beyond it the memory starts again. */
const MAX_BEARERS = 10_000;
/** A bearer younger than this (since its first request) is never drawn expired. */
const MIN_EXPIRE_AGE_MS = 1000;

/** Routes on which a random fault of a kind means something (a bearer, a signed URL). */
function randomKindApplies(kind: FaultKind, route: RouteClass, req: IncomingMessage, bearerFresh: boolean): boolean {
  if (kind === 'token_expire') return bearerRoute(route, req) && !bearerFresh;
  if (kind === 'url_expire') return ['storage_put', 'download', 'upload_init', 'part_link'].includes(route);
  if (kind === 'corrupt_transit') return isStorageRequest(req) && (route === 'storage_put' || route === 'download');
  if (BYTE_KINDS.has(kind)) return isStorageRequest(req) && route === 'storage_put';
  if (kind === 'bad_answer') return !isStorageRequest(req);
  return true;
}

function matches(f: ScriptedFault, route: RouteClass, req: IncomingMessage, partNumber: number | undefined): boolean {
  if (f.route !== route) return false;
  if (f.partNumber !== undefined && f.partNumber !== partNumber) return false;
  if (f.method !== undefined && f.method.toUpperCase() !== (req.method ?? 'GET').toUpperCase()) return false;
  if (f.pathIncludes !== undefined && !(req.url ?? '').includes(f.pathIncludes)) return false;
  if (f.pathEndsWith !== undefined && !(req.url ?? '').split('?')[0]!.endsWith(f.pathEndsWith)) return false;
  return true;
}

function contentLength(req: IncomingMessage): number {
  const n = Number(req.headers['content-length']);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** Creates the engine; `initialRates` are active from the start. */
export function createFaultEngine(seed: number, counters: Counters, initialRates?: FaultRates): FaultEngine {
  const queue: QueuedFault[] = [];
  let rates: FaultRates | null = null;
  let streams = new Map<RouteClass, () => number>();
  // When each bearer was first seen (a young one is never drawn expired), and the bearers a
  // random fault expired.
  const seenBearers = new Map<string, number>();
  const expiredBearers = new Set<string>();
  const remember = (set: Set<string>, bearer: string): void => {
    if (set.size >= MAX_BEARERS) set.clear();
    set.add(bearer);
  };

  const setRates = (next: FaultRates | null): void => {
    rates = next && Object.values(next.rates).some((r) => (r ?? 0) > 0) ? structuredClone(next) : null;
    // A new rate table restarts every stream: the same seed and requests give the same faults.
    streams = new Map();
  };

  const takeScripted = (route: RouteClass, req: IncomingMessage, partNumber: number | undefined): FaultPlan | undefined => {
    const i = queue.findIndex((q) => matches(q.fault, route, req, partNumber));
    if (i < 0) return undefined;
    const q = queue[i]!;
    if (--q.left <= 0) queue.splice(i, 1);
    return q.fault;
  };

  const drawRandom = (route: RouteClass, req: IncomingMessage, bearerFresh: boolean): FaultPlan | undefined => {
    if (!rates || !(rates.routes ?? DEFAULT_RATE_ROUTES).includes(route)) return undefined;
    let next = streams.get(route);
    if (!next) streams.set(route, (next = seededRandom((seed ^ hashString(route)) >>> 0)));
    const draw = next();
    const rateOf = (kind: FaultKind): number => Math.max(0, rates!.rates[kind] ?? 0);
    // `spread`: the kinds that can happen here share the whole rate, so every route sees it.
    let scale = 1;
    if (rates.spread) {
      const possible = KIND_ORDER.filter((k) => randomKindApplies(k, route, req, bearerFresh)).reduce((sum, k) => sum + rateOf(k), 0);
      const total = KIND_ORDER.reduce((sum, k) => sum + rateOf(k), 0);
      if (possible > 0) scale = total / possible;
    }
    let edge = 0;
    for (const kind of KIND_ORDER) {
      if (rates.spread && !randomKindApplies(kind, route, req, bearerFresh)) continue;
      edge += rateOf(kind) * scale;
      if (draw < edge) {
        if (!randomKindApplies(kind, route, req, bearerFresh)) return undefined;
        // Writes only: a GET with a side effect (a multipart init opens an S3 upload) whose answer
        // is lost leaves something no client can know of, let alone clean up. Drawn only when
        // asked for, so existing rate tables keep their sequences.
        const write = !['GET', 'HEAD'].includes((req.method ?? 'GET').toUpperCase());
        const afterHandler = kind === 'reset' && (rates.afterHandler ?? 0) > 0 && write && !isStorageRequest(req) && next() < rates.afterHandler!;
        return { kind, retryAfter: rates.retryAfter, stallMs: rates.stallMs, random: true, ...(afterHandler ? { afterHandler } : {}) };
      }
    }
    return undefined;
  };

  const apply = async (plan: FaultPlan, route: RouteClass, req: IncomingMessage, res: ServerResponse): Promise<Decision> => {
    switch (plan.kind) {
      case 'http500': case 'http502': case 'http503': case 'http504': case 'http429': case 'http400': case 'http403': case 'http404':
        await answerHttpFault(req, res, Number(plan.kind.slice(4)) as FaultStatus, plan.retryAfter ?? DEFAULT_RETRY_AFTER);
        return 'handled';
      case 'bad_answer':
        await answerHtmlPage(req, res);
        return 'handled';
      case 'token_expire':
        return 'token_expire';
      case 'url_expire':
        setHandlerFault(req, { kind: 'url_expire' });
        return 'url_expire';
      case 'corrupt_transit': case 'corrupt_at_rest':
        setHandlerFault(req, { kind: plan.kind, at: plan.corruptAt });
        return 'none';
      case 'etag_mismatch':
        setHandlerFault(req, { kind: 'etag_mismatch' });
        return 'none';
      case 'stall':
        if (canExpectStall(counters)) counters.expectStall(route);
        await stall(req, plan.stallMs ?? DEFAULT_STALL_MS);
        return 'handled';
      case 'reset':
        // A download from storage is cut part-way through its answer: its handler does that.
        if (route === 'download' && isStorageRequest(req)) {
          setHandlerFault(req, { kind: 'reset', afterBytes: plan.resetAfterBytes });
          return 'none';
        }
        if (plan.afterHandler && !isStorageRequest(req)) return 'reset_after_handler';
        await resetAfterRequestBytes(req, plan.resetAfterBytes ?? Math.floor(contentLength(req) / 2));
        return 'handled';
    }
  };

  if (initialRates) setRates(initialRates);
  return {
    script(fault) {
      queue.push({ fault: { ...fault }, left: Math.max(1, fault.count ?? 1) });
    },
    setRates,
    clear() {
      queue.splice(0);
      setRates(null);
      expiredBearers.clear();
    },
    pending: () => queue.map((q) => ({ ...q.fault, count: q.left })),
    async intercept(route, req, res, info) {
      const bearer = bearerOf(req);
      // An expired token stays expired: refused again, not counted as a new fault.
      if (bearer !== undefined && expiredBearers.has(bearer) && bearerRoute(route, req)) return 'token_expire';
      let bearerFresh = false;
      if (bearer !== undefined) {
        if (!seenBearers.has(bearer)) {
          if (seenBearers.size >= MAX_BEARERS) seenBearers.clear();
          seenBearers.set(bearer, Date.now());
        }
        bearerFresh = Date.now() - seenBearers.get(bearer)! < MIN_EXPIRE_AGE_MS;
      }
      const plan = takeScripted(route, req, info.partNumber) ?? drawRandom(route, req, bearerFresh);
      if (!plan) return 'none';
      if (plan.kind === 'token_expire' && plan.random && bearer !== undefined) remember(expiredBearers, bearer);
      counters.fault(plan.kind);
      return apply(plan, route, req, res);
    },
  };
}
