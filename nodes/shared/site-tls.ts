/**
 * A `shotgrid-site`'s optional TLS configuration: the id of a core `tls-config` node whose CA
 * certificate is added to the trusted roots (a site behind a private or self-signed CA).
 * Certificate verification always stays on: the library has no switch to turn it off.
 */
import { ShotGridError } from '../../lib/index.js';
import type { NodeAPI } from './red-types.js';

/** What a deployed core `tls-config` node offers (Node-RED's 05-tls.js). */
interface TlsConfigNode {
  type: string;
  valid?: boolean;
  verifyservercert?: boolean;
  addTLSOptions(opts: Record<string, unknown>): Record<string, unknown>;
}

function isTlsConfigNode(value: unknown): value is TlsConfigNode {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'tls-config'
    && typeof (value as { addTLSOptions?: unknown }).addTLSOptions === 'function';
}

/**
 * The CA certificate(s) of the `tls-config` node `tlsId`; undefined when no TLS node is chosen
 * or it names no CA. A chosen node that is missing or could not read its files is `SG_CONFIG`
 * (falling back to the public roots would only fail later with a less useful message).
 * `warn` hears about settings of the TLS node that the site does not use.
 */
export function tlsCa(RED: NodeAPI, tlsId: unknown, warn?: (message: string) => void): string | Buffer | undefined {
  const id = typeof tlsId === 'string' ? tlsId.trim() : '';
  if (id === '') return undefined;
  const node = RED.nodes.getNode(id);
  if (!isTlsConfigNode(node)) {
    throw new ShotGridError('SG_CONFIG', 'the TLS configuration of this ShotGrid site is not deployed (deploy it, or clear the site\'s TLS field)');
  }
  if (node.valid === false) {
    throw new ShotGridError('SG_CONFIG', 'the TLS configuration of this ShotGrid site could not read its certificate files (see its error in the log)');
  }
  const opts = node.addTLSOptions({});
  if (warn) {
    if (opts.cert !== undefined || opts.key !== undefined) warn('the TLS configuration has a client certificate; the ShotGrid site does not send one (only its CA is used)');
    if (node.verifyservercert === false) warn('the TLS configuration turns certificate checks off; the ShotGrid site always verifies the server certificate (only its CA is used)');
  }
  const ca = opts.ca;
  return typeof ca === 'string' || Buffer.isBuffer(ca) ? ca : undefined;
}
