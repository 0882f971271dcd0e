/**
 * `shotgrid-site`: the config node holding a site URL and its credentials. It owns one
 * `ShotGridClient` (created on first use, so a site nobody uses never connects) and closes it
 * on redeploy/shutdown once the calls still in flight have settled. Once after deploy, when the
 * first node starts watching it, it checks the credentials (one token request, retried like any
 * call) and every node using it shows the outcome. Also registers the dialog's Test connection
 * admin route.
 */
import { errorStatusText, LIBRARY_DEFAULTS, reportRetries, ShotGridClient, ShotGridError } from '../lib/index.js';
import { ConnectionState, retryStatusText, type ConnectionSource } from './shared/connection-state.js';
import { toCatchableError } from './shared/message-handler.js';
import { numberSetting } from './shared/properties.js';
import type { NodeAPI, NodeDef, RedNode } from './shared/red-types.js';
import { ClientLeases, type SiteHandle } from './shared/site-client.js';
import { buildClientOptions, proxyHasUserInfo, SITE_CREDENTIALS, type SiteConfig, type SiteCredentials } from './shared/site-options.js';
import { registerSchemaRoute } from './shared/schema-route.js';
import { holdHttpWhileFlowsStart } from './shared/http-start-hold.js';
import { registerTestRoute, type StoredSite } from './shared/test-connection.js';
import { tlsCa } from './shared/site-tls.js';

/** Said when an old flow keeps the proxy's user and password in its URL (never the values). */
const PROXY_USER_INFO_WARNING =
  'The proxy URL of this site carries a user name and password, which are saved in the flow. Open the site node in the editor, click Done and deploy: they move into the credential store.';

/** Longest a closing site waits for calls in flight (their own close aborts them first). */
const CLOSE_WAIT_MS = LIBRARY_DEFAULTS.node.siteCloseWait;

type SiteNode = RedNode & SiteHandle & ConnectionSource & {
  /** Where this node sends its stored secrets; the Test connection route uses them only there. */
  savedDestination: StoredSite;
};

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

const siteModule = function (RED: NodeAPI): void {
  function ShotGridSiteNode(this: SiteNode, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    setUp(this, def);
  }

  function setUp(node: SiteNode, def: NodeDef): void {
    const leases = new ClientLeases();
    let client: ShotGridClient | undefined;
    let closed = false;
    node.savedDestination = { site: text(def.site), proxy: text(def.proxy) };
    const check = new AbortController();
    // A flow saved before the proxy user and password became credentials: still used, but said
    // out loud (never the values) until the dialog moves them out of the flow.
    if (proxyHasUserInfo(def.proxy)) node.warn(PROXY_USER_INFO_WARNING);

    const clientNow = (): ShotGridClient => {
      if (client) return client;
      const retries = numberSetting(RED, 'shotgridSiteRetries', -1);
      const options = buildClientOptions(def as SiteConfig, (node.credentials ?? {}) as SiteCredentials, {
        requestTimeoutMs: numberSetting(RED, 'shotgridSiteRequestTimeout', 0) || undefined,
        retries: retries >= 0 ? retries : undefined,
        maxConnections: numberSetting(RED, 'shotgridSiteMaxConnections', 0) || undefined,
      }, {
        warn: (message) => node.warn(message),
        debug: (message) => node.debug(message),
      });
      const ca = tlsCa(RED, def.tls, (message) => node.warn(message));
      if (ca !== undefined) options.ca = ca;
      client = new ShotGridClient(options);
      return client;
    };

    node.useClient = <T>(fn: (c: ShotGridClient) => Promise<T>): Promise<T> =>
      leases.run(() => {
        // Checked inside the lease so the caller sees a catchable error, not a closed pool (the
        // lease turns a throw here into a rejection).
        if (closed) {
          throw new ShotGridError('SG_ABORTED', 'the ShotGrid site node was stopped (redeploy or shutdown)');
        }
        return fn(clientNow());
      });

    // The texts live in this node's catalogue (the other nodes' cannot see it). A message's call
    // that retries shows it on its own node's status (see handleMessages), the deploy check here.
    node.retryText = (event) => retryStatusText((key, subs) => RED._(key, subs), event);
    const connection = new ConnectionState(() => {
      connection.set({ fill: 'grey', shape: 'ring', text: RED._('shotgrid-site.status.connecting') });
      reportRetries(check.signal, (event) => connection.set({ fill: 'yellow', shape: 'ring', text: node.retryText(event) }));
      void node
        .useClient((c) => c.authenticate({ signal: check.signal }))
        .then(
          () => connection.set({ fill: 'green', shape: 'ring', text: RED._('shotgrid-site.status.connected') }),
          (err: unknown) => {
            if (!closed) connection.set({ fill: 'red', shape: 'ring', text: errorStatusText(toCatchableError(err).code) });
          },
        );
    });
    node.watchConnection = (listener) => connection.watchConnection(listener);

    node.on('close', (_removed, done) => {
      closed = true;
      check.abort(new ShotGridError('SG_ABORTED', 'the ShotGrid site node was stopped'));
      connection.clear();
      void leases.idle(CLOSE_WAIT_MS).then(async () => {
        const c = client;
        client = undefined;
        await c?.close().catch(() => undefined);
        done();
      });
    });
  }

  RED.nodes.registerType('shotgrid-site', ShotGridSiteNode, {
    credentials: SITE_CREDENTIALS,
    settings: {
      shotgridSiteRequestTimeout: { value: LIBRARY_DEFAULTS.timeouts.headers, exportable: false },
      shotgridSiteMaxConnections: { value: LIBRARY_DEFAULTS.maxConnections, exportable: false },
      shotgridSiteHttpStartHold: { value: LIBRARY_DEFAULTS.node.httpStartHold, exportable: false },
    },
  });
  // Here, at registration, the runtime is not listening yet: the hold is in place before the
  // first request can arrive.
  holdHttpWhileFlowsStart(RED, numberSetting(RED, 'shotgridSiteHttpStartHold', LIBRARY_DEFAULTS.node.httpStartHold));
  registerTestRoute(RED);
  registerSchemaRoute(RED);
};

export = siteModule;
