/**
 * The Node-RED leg: the same files through the `shotgrid-upload` node in a real Node-RED
 * runtime (node-red-node-test-helper, with the package's site and upload nodes), the node
 * allowed `concurrency` uploads at once and this driver keeping that many messages in flight
 * (so only those files exist on disk). Success is the node's output; failure reaches a Catch node.
 */
import { rm } from 'node:fs/promises';
import siteNode from '../../nodes/shotgrid-site.js';
import uploadNode from '../../nodes/shotgrid-upload.js';
import { caughtError, catchNodes, flowWith, helper, scriptCredentials, type Msg } from '../nodes/harness.js';
import type { SoakOptions } from './options.js';
import { describeError, type UploadOutcome } from './outcome.js';
import { writeSoakFile, type SoakFile } from './plan.js';
import { eachLimited } from './pool.js';
import type { SoakSite } from './site.js';

/** Longest one upload may take before the soak gives up on it. */
const UPLOAD_TIMEOUT_MS = 15 * 60_000;

/** Uploads every file through the node; returns one outcome per file, by index. Faults are left on. */
export async function uploadWithNodeRed(site: SoakSite, files: readonly SoakFile[], o: SoakOptions, dir: string): Promise<UploadOutcome[]> {
  helper.settings({ fileWorkingDirectory: dir, shotgridUploadPartSize: o.partSize, shotgridUploadMultipartThreshold: o.multipartThreshold });
  const flow = flowWith(site.emu, [
    { id: 'upload', type: 'shotgrid-upload', site: 'site1', target: 'entity', targetType: 'msg', field: 'field', fieldType: 'msg', filename: 'filename', filenameType: 'msg', displayName: '', displayNameType: 'str', tags: '', tagsType: 'json', concurrent: o.concurrency, wires: [['out']] },
    { id: 'out', type: 'helper' },
    ...catchNodes(),
  ]);
  await helper.load([siteNode, uploadNode], flow, scriptCredentials(site.emu));
  const waiting = new Map<number, (error?: string) => void>();
  const settle = (msg: Msg, error?: string): void => {
    const index = msg.soakIndex as number;
    waiting.get(index)?.(error);
    waiting.delete(index);
  };
  helper.getNode('out').on('input', (msg: Msg) => settle(msg));
  helper.getNode('caught').on('input', (msg: Msg) => {
    const e = caughtError(msg);
    settle(msg, `${e.code ?? 'error'}: ${e.message}`);
  });

  const outcomes: UploadOutcome[] = [];
  site.faults(true);
  try {
    await eachLimited(files, o.concurrency, async (file) => {
      let written: { path: string; sha256: string } | undefined;
      let timer: NodeJS.Timeout | undefined;
      try {
        written = await writeSoakFile(dir, o.seed, file);
        const error = await new Promise<string | undefined>((resolve) => {
          waiting.set(file.index, resolve);
          timer = setTimeout(() => resolve(`no answer from the node within ${UPLOAD_TIMEOUT_MS / 1000} s`), UPLOAD_TIMEOUT_MS);
          helper.getNode('upload').receive({ entity: { type: 'Version', id: site.records[file.index]! }, field: file.field ?? 'attachment', filename: written!.path, soakIndex: file.index });
        });
        outcomes[file.index] = { file, sha256: written.sha256, ok: error === undefined, ...(error === undefined ? {} : { error }) };
      } catch (err) {
        outcomes[file.index] = { file, sha256: written?.sha256, ok: false, error: describeError(err) };
      } finally {
        clearTimeout(timer);
        waiting.delete(file.index);
        if (written) await rm(written.path, { force: true });
      }
    });
  } finally {
    await helper.unload();
  }
  return outcomes;
}
