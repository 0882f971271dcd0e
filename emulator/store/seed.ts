/**
 * The seeded studio: users (incl. the demo login and accounts that refuse impersonation), tags,
 * three projects (one archived), sequences, shots, assets, tasks, versions in several statuses,
 * published files and notes. Deterministic apart from timestamps, which are recent so relative
 * date filters find them.
 */
import type { EmulatorCredentials } from '../types.js';
import { isoSeconds, type MemoryStore } from './memory-store.js';

const link = (type: string, id: number): { type: string; id: number } => ({ type, id });

/** Ids of seeded rows tests and docs can rely on. */
export const SEEDED = {
  apiUser: 1,
  /** The demo login (can be impersonated). */
  demoUser: 1,
  /** An active user with `can_impersonate_this_user` off. */
  noSudoUser: 3,
  /** An inactive user. */
  inactiveUser: 4,
  projects: { active: 1, second: 2, archived: 3 },
  /** The LocalStorage `primary` (roots /mnt/projects, /Volumes/projects, P:\projects). */
  localStorage: 1,
} as const;

interface ProjectPlan {
  name: string;
  code: string;
  archived: boolean;
  sequences: string[];
  shotsPerSequence: number;
  assets: Array<[string, string]>;
}

const PLANS: ProjectPlan[] = [
  { name: 'Big Buck Bunny', code: 'bbb', archived: false, sequences: ['010', '020'], shotsPerSequence: 6, assets: [['bunny', 'Character'], ['apple', 'Prop'], ['meadow', 'Environment']] },
  { name: 'Sintel', code: 'sgl', archived: false, sequences: ['010'], shotsPerSequence: 5, assets: [['sintel', 'Character'], ['dragon', 'Character']] },
  { name: 'Elephants Dream', code: 'ed', archived: true, sequences: ['010'], shotsPerSequence: 3, assets: [['proog', 'Character']] },
];

const SHOT_STATUSES = ['ip', 'wtg', 'rdy', 'rev', 'fin', 'hld'];
const VERSION_STATUSES = ['rev', 'apr', 'vwd', 'rej', 'ip', 'na'];

/** Fills the store; `scale` multiplies shots per sequence. */
export function seedStudio(store: MemoryStore, creds: EmulatorCredentials, scale = 1): void {
  const start = Date.now() - 30 * 86_400_000;
  let tick = 0;
  const stamp = (): Record<string, unknown> => {
    const at = isoSeconds(start + tick++ * 600_000);
    return { created_at: at, updated_at: at };
  };
  const script = link('ApiUser', store.insert('ApiUser', { ...stamp(), firstname: creds.scriptName, description: 'The emulator script user' }).id);
  const by = { created_by: script, updated_by: script };

  const people: Array<[string, string, string, boolean, string]> = [
    [creds.login, 'Demo', 'Artist', true, 'act'],
    ['dana.lead', 'Dana', 'Lead', true, 'act'],
    ['pat.private', 'Pat', 'Private', false, 'act'],
    ['old.timer', 'Old', 'Timer', true, 'dis'],
  ];
  const users = people.map(([login, first, last, sudo, status]) => link('HumanUser', store.insert('HumanUser', {
    ...stamp(), ...by, login, firstname: first, lastname: last, name: `${first} ${last}`, email: `${login}@example.com`,
    sg_status_list: status, can_impersonate_this_user: sudo, department: 'Animation', projects: [],
  }).id));
  const tags = ['hero', 'review', 'client', 'temp'].map((name) => link('Tag', store.insert('Tag', { ...stamp(), ...by, name }).id));
  const artist = users[0]!;
  const lead = users[1]!;

  let shotCount = 0;
  PLANS.forEach((plan, pi) => {
    const project = link('Project', store.insert('Project', {
      ...stamp(), ...by, name: plan.name, code: plan.code, tank_name: plan.code, sg_status: plan.archived ? 'Lost' : 'Active',
      archived: plan.archived, is_template: false, start_date: `2026-0${pi + 1}-05`, end_date: `2026-1${pi}-20`, users: [artist, lead],
      sg_description: `${plan.name} (seeded)`,
    }).id);
    const assets = plan.assets.map(([code, kind], ai) => link('Asset', store.insert('Asset', {
      ...stamp(), ...by, code, project, sg_asset_type: kind, sg_status_list: SHOT_STATUSES[ai % SHOT_STATUSES.length],
      description: `${kind} ${code}`, shots: [], tasks: [], tags: ai === 0 ? [tags[0]] : [], tag_list: ai === 0 ? ['hero'] : [],
    }).id));
    for (const asset of assets) {
      const task = link('Task', store.insert('Task', {
        ...stamp(), ...by, content: 'Model', project, entity: asset, sg_status_list: 'ip', task_assignees: [artist],
        start_date: '2026-02-02', due_date: '2026-02-20', duration: 4800,
      }).id);
      store.setFields('Asset', asset.id, { tasks: [task] });
    }
    for (const seqCode of plan.sequences) {
      const seqName = `${plan.code}_${seqCode}`;
      const sequence = link('Sequence', store.insert('Sequence', { ...stamp(), ...by, code: seqName, project, sg_status_list: 'ip', description: `Sequence ${seqName}`, shots: [], tags: [] }).id);
      const shots: Array<{ type: string; id: number }> = [];
      for (let n = 1; n <= plan.shotsPerSequence * scale; n++) {
        const code = `${seqName}_${String(n * 10).padStart(4, '0')}`;
        const cutIn = 1001;
        const cutOut = 1000 + 24 + ((shotCount * 7) % 96);
        const shot = link('Shot', store.insert('Shot', {
          ...stamp(), ...by, code, project, sg_sequence: sequence, sg_status_list: SHOT_STATUSES[shotCount % SHOT_STATUSES.length],
          description: `Shot ${code}`, sg_cut_in: cutIn, sg_cut_out: cutOut, sg_cut_duration: cutOut - cutIn + 1, sg_frame_rate: 24.0,
          sg_turnover_date: `2026-03-${String((shotCount % 28) + 1).padStart(2, '0')}`, sg_shot_type: n === 1 ? 'Hero' : 'Standard',
          assets: assets.length ? [assets[shotCount % assets.length]] : [], tasks: [], tags: n === 1 ? [tags[0]] : [],
          tag_list: n === 1 ? ['hero'] : [], sg_vfx_bid: 480 * (1 + (shotCount % 3)), sg_completion: (shotCount * 13) % 101,
        }).id);
        shots.push(shot);
        const tasks = ['Anim', 'Comp'].map((content, ti) => link('Task', store.insert('Task', {
          ...stamp(), ...by, content, project, entity: shot, sg_status_list: SHOT_STATUSES[(shotCount + ti) % SHOT_STATUSES.length],
          task_assignees: [ti === 0 ? artist : lead], start_date: '2026-03-02', due_date: '2026-03-27', duration: 2400,
        }).id));
        store.setFields('Shot', shot.id, { tasks });
        const versions = shotCount % 3 === 2 ? 0 : 1 + (shotCount % 2);
        for (let v = 1; v <= versions; v++) {
          const vcode = `${code}_comp_v${String(v).padStart(3, '0')}`;
          const version = store.insert('Version', {
            ...stamp(), created_by: link('HumanUser', artist.id), updated_by: link('HumanUser', artist.id), code: vcode, project, entity: shot,
            sg_status_list: VERSION_STATUSES[(shotCount + v) % VERSION_STATUSES.length], description: `Comp ${vcode}`,
            sg_path_to_movie: `/mnt/projects/${plan.code}/${code}/${vcode}.mov`, sg_path_to_frames: `/mnt/projects/${plan.code}/${code}/${vcode}.####.exr`,
            frame_count: cutOut - cutIn + 1, sg_first_frame: cutIn, sg_last_frame: cutOut, frame_range: `${cutIn}-${cutOut}`,
            user: artist, sg_task: tasks[1], client_approved: v === 2, sg_movie_aspect_ratio: 1.778, notes: [], published_files: [],
            tags: v === 2 ? [tags[1]] : [], image: null, filmstrip_image: null, sg_uploaded_movie: null,
          });
          if (v === 1) {
            const pf = store.insert('PublishedFile', {
              ...stamp(), ...by, code: `${vcode}.exr`, name: vcode, project, entity: shot, task: tasks[1], version: link('Version', version.id),
              version_number: v, description: 'Rendered frames', sg_status_list: 'cmpt', tags: [], path: null, image: null,
            });
            store.setFields('Version', version.id, { published_files: [link('PublishedFile', pf.id)] });
          }
          if (shotCount % 4 === 0) {
            const note = store.insert('Note', {
              ...stamp(), created_by: lead, updated_by: lead, subject: `Notes on ${vcode}`, content: 'Tighten the timing on the second half.',
              project, note_links: [link('Version', version.id), shot], addressings_to: [artist], user: lead, sg_status_list: 'opn',
              sg_note_type: 'Internal', attachments: [], tags: [],
            });
            store.setFields('Version', version.id, { notes: [link('Note', note.id)] });
          }
        }
        shotCount++;
      }
      store.setFields('Sequence', sequence.id, { shots });
    }
  });
  // The studio's project storage: the roots the seeded `sg_path_to_*` paths sit under.
  store.insert('LocalStorage', { ...stamp(), ...by, code: 'primary', description: 'Project storage', linux_path: '/mnt/projects', mac_path: '/Volumes/projects', windows_path: 'P:\\projects' });
}
