/**
 * Holds the requests for HTTP-in endpoints that arrive while Node-RED is starting or
 * redeploying its flows, instead of letting them fall through to Express's 404.
 *
 * Node-RED listens before its flows have started (and a deploy stops and restarts HTTP-in
 * nodes), so for a moment after every restart a farm's delivery for a configured endpoint is
 * answered `404 Cannot POST …`. A farm reads a 4xx as "this job is wrong, do not retry" (the
 * example flows answer 404 for an unknown shot), so a job interrupted by the restart was
 * dropped for good, its Version left without its movie (found by the soak's farm leg). Held,
 * the request goes on to the endpoint once the flows have started; a start that takes longer
 * than the hold is answered `503` with `Retry-After`, which farms retry.
 *
 * Only requests for an HTTP-in node of the flows being started are held (and, in the instant
 * before the flows file is read, every request); anything else goes straight on. A request the
 * flows were still handling when a full deploy (or a shutdown) stopped them is answered 503 too:
 * no node is left to answer it; so is one whose message a ShotGrid node dropped because a
 * partial deploy stopped that node ({@link answerCutOff}).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NodeAPI } from './red-types.js';

/** An HTTP-in endpoint of the flow configuration: its method and its path's segments. */
export interface Endpoint {
  method: string;
  segments: string[];
}

type Middleware = (req: IncomingMessage & { path?: string }, res: ServerResponse, next: () => void) => void;

/** The apps a hold is installed on (a runtime has one `httpNode`; the test helper makes one per load). */
const installed = new WeakSet<object>();

/**
 * Whether the flows are starting, followed on the runtime's events once per process (they are
 * one emitter however many apps there are), and the held requests' releases.
 */
const flows = {
  starting: true,
  waiting: new Set<() => void>(),
  watched: new WeakSet<object>(),
  /** The endpoints of the running flows (read when they start: a request does not walk the flows). */
  endpoints: [] as Endpoint[],
  /** Requests handed to an endpoint and not answered yet, by their response. */
  inFlight: new Map<ServerResponse, { method: string; path: string }>(),
  log: undefined as NodeAPI['log'],
};

/** Seconds a farm is told to wait when the flows did not start within the hold. */
const RETRY_AFTER_S = 5;

/** 503 with Retry-After: what farms retry. */
function answerRetryLater(res: ServerResponse, text: string): void {
  res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': String(RETRY_AFTER_S) });
  res.end(`${text}\n`);
}

/** Answers the cut-off requests 503 and says so in the log (method and path only). */
function answerCutOffRequests(cut: Array<[ServerResponse, { method: string; path: string }]>, why: string, text: string): void {
  const open = cut.filter(([res]) => !res.headersSent && !res.destroyed);
  for (const [res] of open) answerRetryLater(res, text);
  if (open.length > 0) flows.log?.warn(`${open.map(([, { method, path }]) => `${method} ${path}`).join(', ')}: answered 503 (Retry-After ${RETRY_AFTER_S} s), ${why}`);
}

/**
 * Answers 503 (Retry-After) the HTTP-in request that `msg` came from, for a node that drops the
 * message because it is being stopped. A partial deploy (modified nodes or flows) leaves the
 * flow's other nodes running but none of them will see this message again, so without an answer
 * the farm waits for its own timeout. Only a request this hold handed to an endpoint and still
 * unanswered is touched; a message from anywhere else is left alone.
 */
export function answerCutOff(msg: unknown): void {
  const res = (msg as { res?: { _res?: unknown } } | null | undefined)?.res?._res as ServerResponse | undefined;
  const entry = res && flows.inFlight.get(res);
  if (!res || !entry) return;
  flows.inFlight.delete(res);
  answerCutOffRequests([[res, entry]], 'the node handling it was stopped (a deploy)', 'The Node-RED node handling this request was stopped by a deploy; send it again.');
}

/** The HTTP-in endpoints of the loaded flow configuration; `undefined` before it is loaded. */
function configuredEndpoints(RED: NodeAPI): Endpoint[] | undefined {
  const found: Endpoint[] = [];
  try {
    RED.nodes.eachNode?.((n) => {
      if (n.type !== 'http in' || typeof n.url !== 'string') return;
      found.push(httpInEndpoint(n.url, String(n.method ?? 'get')));
    });
  } catch {
    // No flow configuration yet: the runtime reads the flows file after it starts listening.
    return undefined;
  }
  return found;
}

function pathSegments(path: string): string[] {
  return path.toLowerCase().split('/').filter((s) => s !== '');
}

/** An HTTP-in node's endpoint from its `url` and `method` properties. */
export function httpInEndpoint(url: string, method: string): Endpoint {
  return { method: method.toUpperCase(), segments: pathSegments(url) };
}

/**
 * Whether a request for `path` would reach the endpoint, by Express's matching as far as HTTP-in
 * URLs use it: `:name` is one segment (`:name?` maybe none), `*` the rest; case and a trailing
 * slash do not count; HEAD reaches GET.
 */
export function endpointMatches(endpoint: Endpoint, method: string, path: string): boolean {
  return matches(endpoint, method.toUpperCase(), pathSegments(path));
}

function matches(endpoint: Endpoint, method: string, segments: string[]): boolean {
  if (endpoint.method !== method && !(endpoint.method === 'GET' && method === 'HEAD')) return false;
  for (let i = 0; i < endpoint.segments.length; i++) {
    const want = endpoint.segments[i]!;
    const got = segments[i];
    if (want.endsWith('*')) return (got ?? '').startsWith(want.slice(0, -1));
    if (got === undefined) return want.startsWith(':') && want.endsWith('?');
    if (!want.startsWith(':') && want !== got) return false;
  }
  return segments.length === endpoint.segments.length;
}

/**
 * Installs the hold on `RED.httpNode` once per runtime; `holdMs` 0 leaves HTTP-in as Node-RED
 * has it. Call from a node module's registration, which runs before the runtime listens.
 */
export function holdHttpWhileFlowsStart(RED: NodeAPI, holdMs: number): void {
  const app = RED.httpNode;
  const events = RED.events;
  if (!(holdMs > 0) || !app || !events || installed.has(app)) return;
  installed.add(app);

  if (!flows.watched.has(events)) {
    flows.watched.add(events);
    // Registered while the runtime starts, the flows are not loaded yet; installed from the
    // palette into a running Node-RED, they are running already.
    const loaded = configuredEndpoints(RED);
    flows.starting = loaded === undefined;
    flows.endpoints = loaded ?? [];
    events.on('flows:stopping', () => {
      flows.starting = true;
    });
    events.on('flows:started', () => {
      flows.starting = false;
      flows.endpoints = configuredEndpoints(RED) ?? [];
      for (const release of [...flows.waiting]) release();
    });
    // After a full stop (a full deploy, a shutdown) no node is left to answer a request the old
    // flows were handling: the farm would wait for its own timeout. Told 503, it sends the job
    // again at once, to the new flows (the upload resumes). A partial deploy leaves running
    // nodes that may still answer; a ShotGrid node it stops answers for its own messages
    // (answerCutOff).
    events.on('flows:stopped', (event: unknown) => {
      if ((event as { type?: unknown } | undefined)?.type !== 'full' || flows.inFlight.size === 0) return;
      const cut = [...flows.inFlight];
      flows.inFlight.clear();
      answerCutOffRequests(cut, 'the flows were stopped while handling them', 'Node-RED stopped its flows while handling this request; send it again.');
    });
  }
  flows.log = RED.log;
  const { waiting } = flows;

  /** Hands a request for an endpoint on to its route, followed until it is answered. */
  const handOn = (res: ServerResponse, method: string, path: string, next: () => void): void => {
    flows.inFlight.set(res, { method, path });
    res.once('close', () => flows.inFlight.delete(res));
    next();
  };

  const hold: Middleware = (req, res, next) => {
    // The path only: a query string may carry a token, and it is logged below.
    const path = req.path ?? new URL(req.url ?? '/', 'http://x').pathname;
    const segments = pathSegments(path);
    const method = (req.method ?? 'GET').toUpperCase();
    const isEndpoint = (endpoints: Endpoint[]): boolean => endpoints.some((e) => matches(e, method, segments));
    if (!flows.starting) return isEndpoint(flows.endpoints) ? handOn(res, method, path, next) : next();
    const endpoints = configuredEndpoints(RED);
    if (endpoints && !isEndpoint(endpoints)) return next();
    const release = (): void => {
      waiting.delete(release);
      clearTimeout(timer);
      res.off('close', gone);
      if (!flows.starting) return handOn(res, method, path, next);
      if (res.headersSent || res.destroyed) return;
      RED.log?.warn(`${method} ${path}: answered 503 (Retry-After ${RETRY_AFTER_S} s), the flows did not start within ${holdMs} ms (shotgridSiteHttpStartHold)`);
      answerRetryLater(res, 'Node-RED is starting its flows; try again shortly.');
    };
    // The caller gave up: nothing to answer.
    const gone = (): void => {
      waiting.delete(release);
      clearTimeout(timer);
    };
    const timer = setTimeout(release, holdMs);
    timer.unref();
    waiting.add(release);
    res.once('close', gone);
  };
  app.use(hold);
}
