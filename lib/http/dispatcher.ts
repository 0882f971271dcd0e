/**
 * The shared undici dispatcher: keep-alive pools per origin, connect/headers/body timeouts,
 * proxies (explicit option, else HTTP_PROXY/HTTPS_PROXY/NO_PROXY) and extra CAs. TLS
 * verification is never switched off.
 */
import { rootCertificates } from 'node:tls';
import type { Dispatcher, EnvHttpProxyAgent, ProxyAgent } from 'undici';
import type { ResolvedTimeouts } from '../api-caller.js';

/** The two agent classes this client builds its dispatchers from. */
interface AgentClasses {
  EnvHttpProxyAgent: typeof EnvHttpProxyAgent;
  ProxyAgent: typeof ProxyAgent;
}

let agentClasses: AgentClasses | undefined;

/**
 * undici's agents, loaded from their own modules on first use: undici's entry point also loads
 * fetch, WebSocket, EventSource, the cache and the mock layers, which this client never uses and
 * which cost every process that loads it ~8.6 MiB of memory (measured on Node 20; bench P3).
 * These are the very modules the entry point exports (same files, same classes); what the entry
 * point adds to them, the `request`/`connect`/… methods of every dispatcher, is added here the
 * same way. Should a later undici 7 move them, the entry point is loaded instead.
 */
function agents(): AgentClasses {
  if (agentClasses) return agentClasses;
  /* eslint-disable @typescript-eslint/no-require-imports -- deep paths, loaded on demand (see above) */
  try {
    const api = require('undici/lib/api/index.js') as object;
    const base = require('undici/lib/dispatcher/dispatcher.js') as { prototype: object };
    const classes: AgentClasses = {
      EnvHttpProxyAgent: require('undici/lib/dispatcher/env-http-proxy-agent.js') as typeof EnvHttpProxyAgent,
      ProxyAgent: require('undici/lib/dispatcher/proxy-agent.js') as typeof ProxyAgent,
    };
    // As undici's index.js does (`Object.assign(Dispatcher.prototype, api)`); idempotent.
    Object.assign(base.prototype, api);
    agentClasses = classes;
  } catch {
    agentClasses = require('undici') as AgentClasses;
  }
  /* eslint-enable @typescript-eslint/no-require-imports */
  return agentClasses;
}

/** What the dispatcher is built from. */
export interface DispatcherSettings {
  timeouts: ResolvedTimeouts;
  /** Connections per origin. */
  maxConnections: number;
  /** Explicit proxy URL; undefined → environment variables. */
  proxy?: string;
  /** Extra CA certificates (PEM), trusted in addition to Node's bundled roots. */
  ca?: Array<string | Buffer>;
}

/** Idle keep-alive sockets are dropped after this long unless the server says less. */
const KEEP_ALIVE_MS = 10_000;

/** Creates the dispatcher. The caller owns it and closes it with `close()`. */
export function createDispatcher(settings: DispatcherSettings): Dispatcher {
  // A custom CA is added to, not substituted for, the public roots: storage (S3) keeps working
  // when only the site itself uses a private CA.
  const tls = settings.ca ? { ca: [...rootCertificates, ...settings.ca.map(String)] } : {};
  const connect = { timeout: settings.timeouts.connect, ...tls };
  const common = {
    connections: settings.maxConnections,
    keepAliveTimeout: KEEP_ALIVE_MS,
    keepAliveMaxTimeout: 60_000,
    headersTimeout: settings.timeouts.headers,
    bodyTimeout: settings.timeouts.body,
    connect,
    // Through a proxy the Agent's `connect` is replaced: these carry the TLS settings and the
    // connect timeout to the tunnelled and the proxy connections.
    requestTls: connect,
    proxyTls: connect,
  };
  const { EnvHttpProxyAgent, ProxyAgent } = agents();
  if (settings.proxy) return new ProxyAgent({ ...common, uri: settings.proxy });
  return new EnvHttpProxyAgent(common);
}
