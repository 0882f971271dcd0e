/**
 * `shotgrid-upload`: streams a file from disk to a record's field (movie, thumbnail, filmstrip)
 * or as an Attachment. Only the path travels in `msg`; the bytes go straight from disk to the
 * storage (multipart for large files, aborted on the storage if the node closes; resumed after a
 * crash, from state kept under the userDir).
 */
import { join } from 'node:path';
import { LIBRARY_DEFAULTS, ShotGridError, type UploadOptions, type UploadTarget } from '../lib/index.js';
import { formatBytes } from './shared/activity-status.js';
import { toEntityRef } from './shared/entity-ref.js';
import { handleMessages } from './shared/message-handler.js';
import { asString, checkbox, kindOf, numberSetting, parseIfJson, readProperties, resolveFilePath, typedProperty } from './shared/properties.js';
import type { NodeAPI, NodeDef, RedNode } from './shared/red-types.js';
import { withoutSignedUrls } from './shared/signed-urls.js';
import { siteConnection, siteHandle } from './shared/site-client.js';
import { withTimeout } from './shared/transfer-timeout.js';

/** The editor's field picker type; its value `attachment` means "no field: a record Attachment". */
const FIELD_PICKER = 'sgfield';
const NO_FIELD = 'attachment';

function asTags(value: unknown): UploadOptions['tags'] {
  const parsed = parseIfJson(value, 'tags');
  if (parsed === undefined || parsed === null || parsed === '') return undefined;
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.map((t) => {
    const id = typeof t === 'object' && t !== null ? (t as { id?: unknown }).id : t;
    const n = typeof id === 'string' ? Number(id) : id;
    if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) throw new ShotGridError('SG_CONFIG', `tags must be Tag ids or {type: "Tag", id} (got ${kindOf(t)})`);
    return { type: 'Tag' as const, id: n };
  });
}

/**
 * Where multipart uploads keep their resume state: `shotgridUploadResumeDir` from settings.js
 * (`false` or '' turns resuming off), else `shotgrid-uploads` under Node-RED's userDir. After a
 * crash or a hard stop, the same upload resumes with only the parts not stored yet.
 */
function resumeDirOf(RED: NodeAPI): string | undefined {
  let configured: unknown;
  let userDir: unknown;
  try {
    configured = RED.settings.shotgridUploadResumeDir;
    userDir = RED.settings.userDir;
  } catch {
    // The runtime's settings object throws for keys it does not know in some versions.
  }
  if (configured === false || configured === '') return undefined;
  if (typeof configured === 'string') return resolveFilePath(RED, configured);
  return typeof userDir === 'string' && userDir !== '' ? join(userDir, 'shotgrid-uploads') : undefined;
}

const uploadModule = function (RED: NodeAPI): void {
  function ShotGridUploadNode(this: RedNode, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    setUp(this, def);
  }

  function setUp(node: RedNode, def: NodeDef): void {
    const field = typedProperty(def, 'field', FIELD_PICKER);
    // Read per message, in this order; checked before the next is read.
    const steps = [
      { label: 'target record', prop: typedProperty(def, 'target', 'msg'), required: true, as: (v: unknown) => toEntityRef(v, undefined, 'target record') },
      // The picker's choice is a plain name, read as a string literal.
      { label: 'field', prop: field.type === FIELD_PICKER ? { value: field.value, type: 'str' } : field, as: (v: unknown) => (v === undefined || v === null ? '' : asString(v, 'field')) },
      { label: 'file path', prop: typedProperty(def, 'filename', 'msg'), required: true, as: (v: unknown) => resolveFilePath(RED, asString(v, 'file path')) },
      { label: 'display name', prop: typedProperty(def, 'displayName'), as: (v: unknown) => v },
      { label: 'tags', prop: typedProperty(def, 'tags', 'json'), as: asTags },
    ] as const;
    const skipIfSame = checkbox(def, 'skipIfSame');
    const sha256 = checkbox(def, 'sha256');
    const resumeDir = resumeDirOf(RED);
    const maxConcurrent = Number(def.concurrent) > 0 ? Math.floor(Number(def.concurrent)) : 0;
    // Read once, not per message; a bad value still fails each message with its SG_CONFIG.
    let timeout: { timeout?: number } | undefined;
    let timeoutError: unknown;
    try {
      timeout = withTimeout(def.timeout);
    } catch (err) {
      timeoutError = err;
    }
    const transfer = {
      concurrency: numberSetting(RED, 'shotgridUploadConcurrency', 0),
      partSize: numberSetting(RED, 'shotgridUploadPartSize', 0),
      multipartThreshold: numberSetting(RED, 'shotgridUploadMultipartThreshold', 0),
    };
    // The options every message shares, built once.
    const sharedOptions: UploadOptions = {
      ...timeout,
      onProgress: (p) => status.progress(p),
      ...(skipIfSame ? { skipIfSame } : {}),
      ...(sha256 ? { sha256 } : {}),
      ...(resumeDir ? { resumeDir } : {}),
      ...(transfer.concurrency > 0 ? { concurrency: transfer.concurrency } : {}),
      ...(transfer.partSize > 0 ? { partSize: transfer.partSize } : {}),
      ...(transfer.multipartThreshold > 0 ? { multipartThreshold: transfer.multipartThreshold } : {}),
    };

    const status = handleMessages(node, {
      texts: { busy: RED._('shotgrid-upload.status.uploading'), done: RED._('shotgrid-upload.status.done') },
      connection: siteConnection(RED, def.site),
      maxConcurrent,
      async handle({ msg, send, signal }) {
        if (timeoutError !== undefined) throw timeoutError;
        const read = readProperties(RED, node, msg, steps);
        const [ref, fieldName, path, name, tagList] = read instanceof Promise ? await read : read;
        const destination: UploadTarget = fieldName === '' || fieldName === NO_FIELD ? ref : { ...ref, field: fieldName };
        const displayName = name !== undefined && name !== '' ? asString(name, 'display name') : undefined;
        const options: UploadOptions = { ...sharedOptions, signal, ...(displayName !== undefined ? { displayName } : {}), ...(tagList ? { tags: tagList } : {}) };
        const result = await siteHandle(RED, def.site).useClient((client) => client.upload(destination, path, options));
        // The read-back field value holds a signed download URL (a temporary credential): left out.
        msg.payload = { ...result, value: withoutSignedUrls(result.value) };
        send(msg);
        // Translated only if shown: while other messages run, the status shows the busy count.
        return { text: () => (result.skipped ? RED._('shotgrid-upload.status.skipped') : RED._('shotgrid-upload.status.uploaded', { size: formatBytes(result.bytes) })) };
      },
    });
  }

  RED.nodes.registerType('shotgrid-upload', ShotGridUploadNode, {
    settings: {
      shotgridUploadConcurrency: { value: LIBRARY_DEFAULTS.upload.concurrency, exportable: false },
      shotgridUploadPartSize: { value: LIBRARY_DEFAULTS.upload.partSize, exportable: false },
      shotgridUploadMultipartThreshold: { value: LIBRARY_DEFAULTS.upload.multipartThreshold, exportable: false },
    },
  });
};

export = uploadModule;
