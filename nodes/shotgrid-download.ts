/**
 * `shotgrid-download`: fetches a file field of a record, an attachment value or a URL, streamed
 * to a file (or into a Buffer when asked). Relative paths resolve against the runtime's
 * `fileWorkingDirectory`, as the core file nodes do.
 */
import { mkdir, rmdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LIBRARY_DEFAULTS, ShotGridError, type DownloadOptions } from '../lib/index.js';
import { formatBytes } from './shared/activity-status.js';
import { handleMessages } from './shared/message-handler.js';
import { toDownloadSource } from './shared/download-source.js';
import { asString, checkbox, evaluateProperty, numberSetting, requireProperty, resolveFilePath, typedProperty } from './shared/properties.js';
import type { NodeAPI, NodeDef, RedNode } from './shared/red-types.js';
import { siteConnection, siteHandle } from './shared/site-client.js';
import { withTimeout } from './shared/transfer-timeout.js';

/**
 * Like the core file node's "create directory": the destination folder appears when missing.
 * Returns the first folder it created (undefined when all existed), so a failed download can
 * take them away again.
 */
async function ensureFolder(folder: string): Promise<string | undefined> {
  try {
    return await mkdir(folder, { recursive: true });
  } catch (err) {
    const why = (err as { code?: unknown }).code ?? (err instanceof Error ? err.message : String(err));
    throw new ShotGridError('SG_FILE', `cannot create the folder ${folder} (${String(why)})`, { cause: err });
  }
}

/** Removes the folders {@link ensureFolder} created, deepest first, while they are empty. */
async function removeCreatedFolders(folder: string, firstCreated: string): Promise<void> {
  const top = resolve(firstCreated);
  for (let dir = resolve(folder); dir.length >= top.length; dir = dirname(dir)) {
    try {
      await rmdir(dir);
    } catch {
      return; // not empty (something else wrote there) or already gone: leave it
    }
    if (dir === top) return;
  }
}

/** The editor's "into a Buffer" destination type (no value). */
const BUFFER_TYPE = 'buffer';

const downloadModule = function (RED: NodeAPI): void {
  function ShotGridDownloadNode(this: RedNode, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    setUp(this, def);
  }

  function setUp(node: RedNode, def: NodeDef): void {
    const source = typedProperty(def, 'source', 'msg');
    const field = typedProperty(def, 'field');
    const destination = typedProperty(def, 'destination');
    const overwrite = checkbox(def, 'overwrite');
    const sha256 = checkbox(def, 'sha256');
    const maxConcurrent = Number(def.concurrent) > 0 ? Math.floor(Number(def.concurrent)) : 0;
    const maxBufferBytes = numberSetting(RED, 'shotgridDownloadMaxBufferBytes', 0);

    handleMessages(node, {
      texts: { busy: RED._('shotgrid-download.status.downloading'), done: RED._('shotgrid-download.status.done') },
      connection: siteConnection(RED, def.site),
      maxConcurrent,
      async handle({ msg, send, signal, status }) {
        const fieldValue = await evaluateProperty(RED, node, msg, 'field', field);
        const fieldName = fieldValue === undefined || fieldValue === '' ? undefined : asString(fieldValue, 'field');
        const from = toDownloadSource(await requireProperty(RED, node, msg, 'source', source), fieldName);
        const toBuffer = destination.type === BUFFER_TYPE;
        const dest = toBuffer ? 'buffer' : resolveFilePath(RED, asString(await requireProperty(RED, node, msg, 'destination', destination), 'destination'));
        const options: DownloadOptions = {
          signal,
          ...withTimeout(def.timeout),
          overwrite,
          ...(sha256 ? { sha256 } : {}),
          onProgress: (p) => status.progress(p),
          ...(maxBufferBytes > 0 ? { maxBufferBytes } : {}),
        };
        const folder = dest === 'buffer' ? undefined : /[\\/]$/.test(dest) ? dest : dirname(dest);
        const created = folder === undefined ? undefined : await ensureFolder(folder);
        let result;
        try {
          result = await siteHandle(RED, def.site).useClient((client) => client.download(from, dest, options));
        } catch (err) {
          // A failed download leaves nothing behind, not even the folder made for it.
          if (folder !== undefined && created !== undefined) await removeCreatedFolders(folder, created);
          throw err;
        }
        // The checksums are of the bytes received, computed as they arrived (no second read).
        const { verified, checksums } = result;
        if (toBuffer) {
          msg.payload = result.buffer;
          if (result.contentType) msg.contentType = result.contentType;
          msg.checksums = checksums;
          msg.verified = verified;
        } else {
          msg.filename = result.path;
          msg.payload = { path: result.path, bytes: result.bytes, contentType: result.contentType, attempts: result.attempts, verified, checksums };
        }
        send(msg);
        return { text: RED._('shotgrid-download.status.downloaded', { size: formatBytes(result.bytes) }) };
      },
    });
  }

  RED.nodes.registerType('shotgrid-download', ShotGridDownloadNode, {
    settings: {
      shotgridDownloadMaxBufferBytes: { value: LIBRARY_DEFAULTS.download.maxBufferBytes, exportable: false },
    },
  });
};

export = downloadModule;
