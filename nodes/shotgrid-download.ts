/**
 * `shotgrid-download`: fetches a file field of a record, an attachment value or a URL, streamed
 * to a file (or into a Buffer when asked). Relative paths resolve against the runtime's
 * `fileWorkingDirectory`, as the core file nodes do.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ShotGridError, type DownloadOptions } from '../lib/index.js';
import { formatBytes } from './shared/activity-status.js';
import { handleMessages } from './shared/message-handler.js';
import { toDownloadSource } from './shared/download-source.js';
import { asString, evaluateProperty, numberSetting, requireProperty, resolveFilePath, typedProperty } from './shared/properties.js';
import type { NodeAPI, NodeDef, RedNode } from './shared/red-types.js';
import { siteHandle } from './shared/site-client.js';

/** Like the core file node's "create directory": the destination folder appears when missing. */
async function ensureFolder(folder: string): Promise<void> {
  try {
    await mkdir(folder, { recursive: true });
  } catch (err) {
    const why = (err as { code?: unknown }).code ?? (err instanceof Error ? err.message : String(err));
    throw new ShotGridError('SG_FILE', `cannot create the folder ${folder} (${String(why)})`, { cause: err });
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
    const overwrite = def.overwrite === true || def.overwrite === 'true';
    const maxConcurrent = Number(def.concurrent) > 0 ? Math.floor(Number(def.concurrent)) : 0;
    const maxBufferBytes = numberSetting(RED, 'shotgridDownloadMaxBufferBytes', 0);

    handleMessages(node, {
      texts: { busy: RED._('shotgrid-download.status.downloading'), done: RED._('shotgrid-download.status.done') },
      maxConcurrent,
      async handle({ msg, send, signal, status }) {
        const fieldValue = await evaluateProperty(RED, node, msg, 'field', field);
        const fieldName = fieldValue === undefined || fieldValue === '' ? undefined : asString(fieldValue, 'field');
        const from = toDownloadSource(await requireProperty(RED, node, msg, 'source', source), fieldName);
        const toBuffer = destination.type === BUFFER_TYPE;
        const dest = toBuffer ? 'buffer' : resolveFilePath(RED, asString(await requireProperty(RED, node, msg, 'destination', destination), 'destination'));
        const options: DownloadOptions = {
          signal,
          overwrite,
          onProgress: (p) => status.progress(p),
          ...(maxBufferBytes > 0 ? { maxBufferBytes } : {}),
        };
        if (dest !== 'buffer') await ensureFolder(/[\\/]$/.test(dest) ? dest : dirname(dest));
        const result = await siteHandle(RED, def.site).useClient((client) => client.download(from, dest, options));
        if (toBuffer) {
          msg.payload = result.buffer;
          if (result.contentType) msg.contentType = result.contentType;
        } else {
          msg.filename = result.path;
          msg.payload = { path: result.path, bytes: result.bytes, contentType: result.contentType, attempts: result.attempts };
        }
        send(msg);
        return { text: RED._('shotgrid-download.status.downloaded', { size: formatBytes(result.bytes) }) };
      },
    });
  }

  RED.nodes.registerType('shotgrid-download', ShotGridDownloadNode, {
    settings: {
      shotgridDownloadMaxBufferBytes: { value: 64 * 1024 * 1024, exportable: false },
    },
  });
};

export = downloadModule;
