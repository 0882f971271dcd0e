/**
 * The shared undici dispatcher: keep-alive pools per origin, connect/headers/body timeouts,
 * proxies (explicit option, else HTTP_PROXY/HTTPS_PROXY/NO_PROXY) and extra CAs. TLS
 * verification is never switched off.
 */
import { rootCertificates } from 'node:tls';
import { EnvHttpProxyAgent, ProxyAgent, type Dispatcher } from 'undici';
import type { ResolvedTimeouts } from '../api-caller.js';

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
  if (settings.proxy) return new ProxyAgent({ ...common, uri: settings.proxy });
  return new EnvHttpProxyAgent(common);
}
