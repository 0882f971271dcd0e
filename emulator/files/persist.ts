/**
 * Stored bytes of a persistent site (`--data DIR`): objects and parts stay as files under
 * `DIR/storage/`, and their metadata (sizes, ETags, types, which parts an upload has) and the
 * multipart sessions are lines of `DIR/files.jsonl`, replayed at the next start. So an upload
 * left open when the emulator stopped — or was killed — carries on after it: parts already
 * stored are kept, new parts are accepted, the completion assembles them, an abort drops them.
 *
 * Each line is written before the request it records is answered (see `journal.ts` for the
 * durability this gives). A part whose file was renamed into place but whose line never made it
 * (a kill in between) was never answered: the client sends it again, over the same file.
 */
import { join } from 'node:path';
import type { Counters } from '../context.js';
import { openJournal, type Journal } from '../journal.js';
import { MultipartRegistry, type SessionChange } from './multipart.js';
import { ObjectStore, type ObjectChange } from './object-store.js';

/** The files journal's name in the data folder. */
export const FILES_JOURNAL = 'files.jsonl';
/** The folder of stored bytes in the data folder (the same at every start). */
export const STORAGE_FOLDER = 'storage';

type FilesLine = ObjectChange | SessionChange;

/** The files side's state, read back from a data folder. */
export interface PersistentFiles {
  objects: ObjectStore;
  multipart: MultipartRegistry;
  /** `sg`-storage uploads: `upload_id` → object key. */
  sgUploads: Map<string, string>;
  /** Closes the journal (fsync); the bytes stay. */
  journal: Journal;
}

/** `sg/<upload_id>/<name>`: the key an `sg` PUT stores under (`sg-put.ts`). */
const SG_KEY = /^sg\/([^/]+)\//;

/** Replays the folder's files journal; every later change is journalled. */
export function openPersistentFiles(dataDir: string, counters: Counters): PersistentFiles {
  // Called only after the replay below (replaying journals nothing), when `journal` is set.
  const write = (change: FilesLine): void => journal.append(change);
  const objects = new ObjectStore(join(dataDir, STORAGE_FOLDER), write);
  const multipart = new MultipartRegistry(write);
  const sgUploads = new Map<string, string>();
  const journal = openJournal<FilesLine>(join(dataDir, FILES_JOURNAL), (line) => {
    if (line.op === 'mp_open' || line.op === 'mp_close') {
      multipart.replay(line);
      return;
    }
    objects.replay(line);
    if (line.op === 'parts_done') multipart.closeAtReplay(line.uploadId, 'completed');
    const sg = line.op === 'object' ? SG_KEY.exec(line.key) : null;
    if (sg) sgUploads.set(sg[1]!, (line as { key: string }).key);
  });
  // The open-upload counter counts what a client could still complete or abort.
  for (const _ of multipart.openSessions()) counters.multipartOpened();
  return { objects, multipart, sgUploads, journal };
}
