/**
 * `seedRecords`: fills a site with N realistic production records fast, for scale tests and
 * benchmarks. Each block of ten records is one Shot and nine Versions of it (comp v001-v009,
 * statuses cycling as reviews do); 50 Shots make a Sequence; 50,000 records make a Project
 * ("Scale 001", "Scale 002", ...), so a project's pages read the same at any site size. Link
 * values and time stamps are shared objects/strings, which keeps memory per record low
 * (about 0.5 KB per Version, measured in the emulator README).
 */
import type { StoredRecord } from '../context.js';
import { isoSeconds, type MemoryStore } from './memory-store.js';

/** Records per seeded Project. */
export const RECORDS_PER_PROJECT = 50_000;
const VERSIONS_PER_SHOT = 9;
const SHOTS_PER_SEQUENCE = 50;
const SHOT_STATUSES = ['ip', 'wtg', 'rdy', 'rev', 'fin', 'hld'];
const VERSION_STATUSES = ['rev', 'apr', 'vwd', 'rej', 'ip', 'na'];

type Link = Readonly<{ type: string; id: number }>;
const link = (rec: StoredRecord): Link => ({ type: rec.type, id: rec.id });

/** What the seeded rows are attributed to. */
export interface SeedAuthors {
  /** `created_by`/`updated_by` of every row. */
  script: Link;
  /** `user` of the Versions. */
  artist: Link;
}

/** Seeds `count` Shots and Versions (in that 1:9 mix); returns how many of each. */
export function seedRecords(store: MemoryStore, count: number, authors: SeedAuthors): { shots: number; versions: number } {
  const by = { created_by: authors.script, updated_by: authors.script };
  // Spread over the last year, a few minutes apart, newest last (ids grow with time, as on a site).
  const start = Date.now() - 365 * 86_400_000;
  const step = Math.max(1, Math.floor((365 * 86_400_000) / Math.max(1, count)));
  let shots = 0;
  let versions = 0;
  let made = 0;
  for (let p = 1; made < count; p++) {
    const code = `scale${String(p).padStart(3, '0')}`;
    const project = link(store.insert('Project', {
      name: `Scale ${String(p).padStart(3, '0')}`, code, tank_name: code, sg_status: 'Active', archived: false, is_template: false, ...by,
    }));
    const inProject = Math.min(RECORDS_PER_PROJECT, count - made);
    let sequence: Link | undefined;
    let sequenceShots: Link[] = [];
    let seq = 0;
    for (let i = 0; i < inProject; ) {
      if (!sequence || sequenceShots.length === SHOTS_PER_SEQUENCE) {
        if (sequence) store.setFields('Sequence', sequence.id, { shots: sequenceShots });
        seq++;
        sequence = link(store.insert('Sequence', { code: `${code}_${String(seq * 10).padStart(3, '0')}`, project, sg_status_list: 'ip', ...by }));
        sequenceShots = [];
      }
      const at = isoSeconds(start + (made + i) * step);
      const shotCode = `${code}_${String(seq * 10).padStart(3, '0')}_${String((sequenceShots.length + 1) * 10).padStart(4, '0')}`;
      const cutOut = 1024 + (shots % 96);
      const shot = link(store.insert('Shot', {
        code: shotCode, project, sg_sequence: sequence, sg_status_list: SHOT_STATUSES[shots % SHOT_STATUSES.length],
        sg_cut_in: 1001, sg_cut_out: cutOut, sg_cut_duration: cutOut - 1000, created_at: at, updated_at: at, ...by,
      }));
      sequenceShots.push(shot);
      shots++;
      i++;
      for (let v = 1; v <= VERSIONS_PER_SHOT && i < inProject; v++, i++) {
        const vcode = `${shotCode}_comp_v${String(v).padStart(3, '0')}`;
        store.adopt('Version', {
          code: vcode, project, entity: shot, sg_status_list: VERSION_STATUSES[versions % VERSION_STATUSES.length],
          sg_path_to_movie: `/mnt/projects/${code}/${shotCode}/${vcode}.mov`, frame_count: cutOut - 1000, sg_first_frame: 1001, sg_last_frame: cutOut,
          user: authors.artist, created_at: at, updated_at: at, ...by,
        });
        versions++;
      }
    }
    if (sequence) store.setFields('Sequence', sequence.id, { shots: sequenceShots });
    made += inProject;
  }
  return { shots, versions };
}
