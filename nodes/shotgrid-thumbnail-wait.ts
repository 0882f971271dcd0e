/**
 * `shotgrid-thumbnail-wait`: after an upload the site shows a "pending" placeholder until its
 * transcoder made the thumbnail. This node waits (polling with backoff, in the library) and
 * sends each entity to output 1 with the signed URL, or to output 2 with the reason.
 */
import { LIBRARY_DEFAULTS, type ThumbnailResult } from '../lib/index.js';
import { toEntityRefs, type EntityRef } from './shared/entity-ref.js';
import { handleMessages } from './shared/message-handler.js';
import { asString, evaluateProperty, numberSetting, requireProperty, typedProperty } from './shared/properties.js';
import type { NodeAPI, NodeDef, NodeMessage, RedNode } from './shared/red-types.js';
import { siteConnection, siteHandle } from './shared/site-client.js';


/** Groups references by entity type (one poll per type), keeping ids unique. */
function byType(refs: EntityRef[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (const ref of refs) {
    const ids = groups.get(ref.type) ?? [];
    if (!ids.includes(ref.id)) ids.push(ref.id);
    groups.set(ref.type, ids);
  }
  return groups;
}

const thumbnailWaitModule = function (RED: NodeAPI): void {
  function ShotGridThumbnailWaitNode(this: RedNode, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    setUp(this, def);
  }

  function setUp(node: RedNode, def: NodeDef): void {
    const entities = typedProperty(def, 'entities', 'msg');
    const field = typedProperty(def, 'field');
    const timeout = typedProperty(def, 'timeout', 'num');
    // The default `msg.entity` falls back to `msg.payload` (e.g. straight after a Find).
    const fallsBackToPayload = entities.type === 'msg' && entities.value === 'entity';
    const interval = numberSetting(RED, 'shotgridThumbnailWaitInterval', 0);
    // Checked: an empty field fails at once (the flow knows an upload happened, so a transcode that
    // failed before the first poll is not left to time out).
    const nullIsFailure = def.emptyIsFailure === true ? 'always' : 'after-transient';

    handleMessages(node, {
      texts: { busy: RED._('shotgrid-thumbnail-wait.status.waiting'), done: RED._('shotgrid-thumbnail-wait.status.ready') },
      connection: siteConnection(RED, def.site),
      async handle({ msg, send, signal }) {
        const value = fallsBackToPayload && msg.entity === undefined ? msg.payload : await requireProperty(RED, node, msg, 'entity', entities);
        const list = Array.isArray(value);
        const refs = toEntityRefs(value, undefined, 'entity');
        const fieldValue = await evaluateProperty(RED, node, msg, 'field', field);
        const fieldName = fieldValue === undefined || fieldValue === '' ? 'image' : asString(fieldValue, 'field');
        const seconds = await evaluateProperty(RED, node, msg, 'timeout', timeout);
        const timeoutMs = Math.round((seconds === undefined || seconds === '' || !(Number(seconds) > 0) ? LIBRARY_DEFAULTS.thumbnailWait.timeout / 1000 : Number(seconds)) * 1000);

        const results = new Map<string, ThumbnailResult>();
        await siteHandle(RED, def.site).useClient((client) =>
          Promise.all(
            [...byType(refs)].map(async ([type, ids]) => {
              const got = await client.waitForThumbnails(type, ids, { field: fieldName, timeout: timeoutMs, nullIsFailure, signal, ...(interval > 0 ? { interval, maxInterval: interval } : {}) });
              for (const r of got) results.set(`${type}:${r.id}`, r);
            }),
          ),
        );

        const ready: NodeMessage[] = [];
        const notReady: NodeMessage[] = [];
        for (const ref of refs) {
          const r = results.get(`${ref.type}:${ref.id}`);
          const out = list ? RED.util.cloneMessage(msg) : msg;
          out.entity = { type: ref.type, id: ref.id };
          if (r?.status === 'ready' && r.url) {
            out.payload = r.url;
            delete out.reason;
            ready.push(out);
          } else {
            out.payload = { type: ref.type, id: ref.id };
            out.reason = r?.status ?? 'failed';
            notReady.push(out);
          }
        }
        send([ready, notReady]);
        if (notReady.length === 0) return { text: RED._('shotgrid-thumbnail-wait.status.ready') };
        return { warning: true, text: RED._('shotgrid-thumbnail-wait.status.notReady', { count: notReady.length }) };
      },
    });
  }

  RED.nodes.registerType('shotgrid-thumbnail-wait', ShotGridThumbnailWaitNode, {
    settings: {
      shotgridThumbnailWaitInterval: { value: LIBRARY_DEFAULTS.thumbnailWait.interval, exportable: false },
    },
  });
};

export = thumbnailWaitModule;
