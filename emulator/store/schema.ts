/**
 * The site's schema: entity types, their REST slugs, display-name fields and typed fields.
 * Only what the emulator serves; every type also gets the system fields (`id`, `created_at`, ...).
 */
import type { DataType, FieldDef } from '../context.js';

/** One entity type. */
export interface TypeDef {
  name: string;
  /** Plural snake-case slug used in links (`human_users`). */
  slug: string;
  /** Field whose value is the `name` in entity hashes (`code`, `content`, ...). */
  nameField: string;
  /** Whether creating a row needs `project` (API create() missing 'project' attribute). */
  projectScoped: boolean;
  fields: Map<string, FieldDef>;
}

type FieldSpec = [DataType, Partial<Omit<FieldDef, 'name' | 'dataType'>>?];

const LINKABLE = ['Project', 'Sequence', 'Shot', 'Asset', 'Task', 'Version', 'PublishedFile', 'Note', 'HumanUser'];
const USERS = ['HumanUser', 'ApiUser'];
const TASK_STATUS = ['wtg', 'rdy', 'ip', 'rev', 'fin', 'hld', 'omt'];
const SHOT_STATUS = ['wtg', 'rdy', 'ip', 'rev', 'fin', 'hld', 'omt', 'na'];
const VERSION_STATUS = ['na', 'rev', 'vwd', 'apr', 'rej', 'ip', 'wtg', 'pndng'];

/** Fields every type has; not editable through the API. */
const SYSTEM: Record<string, FieldSpec> = {
  id: ['number', { editable: false }],
  created_at: ['date_time', { editable: false }],
  updated_at: ['date_time', { editable: false }],
  created_by: ['entity', { editable: false, validTypes: USERS }],
  updated_by: ['entity', { editable: false, validTypes: USERS }],
  cached_display_name: ['text', { editable: false }],
};

const TYPES: Record<string, { slug?: string; nameField: string; projectScoped?: boolean; fields: Record<string, FieldSpec> }> = {
  Project: {
    nameField: 'name',
    fields: {
      name: ['text', { mandatory: true }],
      code: ['text'],
      sg_status: ['list', { validValues: ['Active', 'Bidding', 'Demo', 'Lost'] }],
      sg_description: ['text'],
      archived: ['checkbox'],
      is_template: ['checkbox'],
      start_date: ['date'],
      end_date: ['date'],
      image: ['image'],
      users: ['multi_entity', { validTypes: ['HumanUser'] }],
      tank_name: ['text'],
    },
  },
  Sequence: {
    nameField: 'code',
    projectScoped: true,
    fields: {
      code: ['text', { mandatory: true }],
      project: ['entity', { validTypes: ['Project'] }],
      description: ['text'],
      sg_status_list: ['status_list', { validValues: ['wtg', 'ip', 'fin', 'hld'] }],
      shots: ['multi_entity', { validTypes: ['Shot'] }],
      image: ['image'],
      tags: ['multi_entity', { validTypes: ['Tag'] }],
    },
  },
  Shot: {
    nameField: 'code',
    projectScoped: true,
    fields: {
      code: ['text', { mandatory: true }],
      project: ['entity', { validTypes: ['Project'] }],
      sg_sequence: ['entity', { validTypes: ['Sequence'] }],
      sg_status_list: ['status_list', { validValues: SHOT_STATUS }],
      description: ['text'],
      sg_cut_in: ['number'],
      sg_cut_out: ['number'],
      sg_cut_duration: ['number'],
      sg_frame_rate: ['float'],
      sg_turnover_date: ['date'],
      sg_shot_type: ['list', { validValues: ['Hero', 'Standard', 'Insert'] }],
      image: ['image'],
      filmstrip_image: ['image'],
      assets: ['multi_entity', { validTypes: ['Asset'] }],
      tasks: ['multi_entity', { validTypes: ['Task'] }],
      tags: ['multi_entity', { validTypes: ['Tag'] }],
      tag_list: ['tag_list'],
      sg_vfx_bid: ['duration'],
      sg_completion: ['percent'],
    },
  },
  Asset: {
    nameField: 'code',
    projectScoped: true,
    fields: {
      code: ['text', { mandatory: true }],
      project: ['entity', { validTypes: ['Project'] }],
      sg_asset_type: ['list', { validValues: ['Character', 'Prop', 'Environment', 'Vehicle', 'FX'] }],
      sg_status_list: ['status_list', { validValues: SHOT_STATUS }],
      description: ['text'],
      image: ['image'],
      shots: ['multi_entity', { validTypes: ['Shot'] }],
      tasks: ['multi_entity', { validTypes: ['Task'] }],
      tags: ['multi_entity', { validTypes: ['Tag'] }],
      tag_list: ['tag_list'],
    },
  },
  Task: {
    nameField: 'content',
    projectScoped: true,
    fields: {
      content: ['text', { mandatory: true }],
      project: ['entity', { validTypes: ['Project'] }],
      entity: ['entity', { validTypes: ['Shot', 'Asset', 'Sequence', 'Project'] }],
      sg_status_list: ['status_list', { validValues: TASK_STATUS }],
      task_assignees: ['multi_entity', { validTypes: ['HumanUser'] }],
      start_date: ['date'],
      due_date: ['date'],
      duration: ['duration'],
      sg_description: ['text'],
      image: ['image'],
    },
  },
  Version: {
    nameField: 'code',
    projectScoped: true,
    fields: {
      code: ['text', { mandatory: true }],
      project: ['entity', { validTypes: ['Project'] }],
      entity: ['entity', { validTypes: ['Shot', 'Asset', 'Sequence', 'Project'] }],
      sg_status_list: ['status_list', { validValues: VERSION_STATUS }],
      description: ['text'],
      sg_uploaded_movie: ['url'],
      image: ['image'],
      filmstrip_image: ['image'],
      sg_path_to_movie: ['text'],
      sg_path_to_frames: ['text'],
      frame_count: ['number'],
      sg_first_frame: ['number'],
      sg_last_frame: ['number'],
      frame_range: ['text'],
      user: ['entity', { validTypes: ['HumanUser', 'ApiUser'] }],
      sg_task: ['entity', { validTypes: ['Task'] }],
      client_approved: ['checkbox'],
      sg_movie_aspect_ratio: ['float'],
      notes: ['multi_entity', { validTypes: ['Note'] }],
      published_files: ['multi_entity', { validTypes: ['PublishedFile'] }],
      tags: ['multi_entity', { validTypes: ['Tag'] }],
    },
  },
  PublishedFile: {
    nameField: 'code',
    projectScoped: true,
    fields: {
      code: ['text', { mandatory: true }],
      name: ['text'],
      project: ['entity', { validTypes: ['Project'] }],
      entity: ['entity', { validTypes: ['Shot', 'Asset', 'Sequence', 'Project'] }],
      task: ['entity', { validTypes: ['Task'] }],
      version: ['entity', { validTypes: ['Version'] }],
      path: ['url'],
      // Set by the site from a local `path` (the storage it matched); `path_cache` stays null on REST creates.
      path_cache: ['text', { editable: false }],
      path_cache_storage: ['entity', { editable: false, validTypes: ['LocalStorage'] }],
      version_number: ['number'],
      description: ['text'],
      sg_status_list: ['status_list', { validValues: ['wtg', 'ip', 'cmpt'] }],
      image: ['image'],
      tags: ['multi_entity', { validTypes: ['Tag'] }],
    },
  },
  LocalStorage: {
    nameField: 'code',
    fields: {
      code: ['text', { mandatory: true }],
      description: ['text'],
      mac_path: ['text'],
      linux_path: ['text'],
      windows_path: ['text'],
    },
  },
  Attachment: {
    nameField: 'display_name',
    fields: {
      this_file: ['url'],
      attachment_links: ['multi_entity', { validTypes: LINKABLE }],
      display_name: ['text'],
      filename: ['text'],
      original_fname: ['text'],
      tags: ['multi_entity', { validTypes: ['Tag'] }],
      processing_status: ['text'],
      description: ['text'],
      project: ['entity', { validTypes: ['Project'] }],
      file_size: ['number'],
      file_extension: ['text'],
      image: ['image'],
    },
  },
  Note: {
    nameField: 'subject',
    projectScoped: true,
    fields: {
      subject: ['text'],
      content: ['text'],
      project: ['entity', { validTypes: ['Project'] }],
      note_links: ['multi_entity', { validTypes: LINKABLE }],
      addressings_to: ['multi_entity', { validTypes: ['HumanUser'] }],
      user: ['entity', { validTypes: USERS }],
      sg_status_list: ['status_list', { validValues: ['opn', 'ip', 'clsd'] }],
      sg_note_type: ['list', { validValues: ['Client', 'Internal', 'Director'] }],
      attachments: ['multi_entity', { validTypes: ['Attachment'] }],
      tags: ['multi_entity', { validTypes: ['Tag'] }],
    },
  },
  Tag: {
    nameField: 'name',
    fields: {
      name: ['text', { mandatory: true }],
      description: ['text'],
    },
  },
  HumanUser: {
    nameField: 'name',
    fields: {
      name: ['text', { editable: false }],
      firstname: ['text'],
      lastname: ['text'],
      login: ['text', { mandatory: true }],
      email: ['text'],
      sg_status_list: ['status_list', { validValues: ['act', 'dis'] }],
      can_impersonate_this_user: ['checkbox', { editable: false }],
      projects: ['multi_entity', { validTypes: ['Project'] }],
      image: ['image'],
      department: ['text'],
    },
  },
  ApiUser: {
    nameField: 'firstname',
    fields: {
      firstname: ['text', { mandatory: true }],
      lastname: ['text'],
      description: ['text'],
      email: ['text'],
      projects: ['multi_entity', { validTypes: ['Project'] }],
      image: ['image'],
    },
  },
};

/** Plural snake-case slug of a type name: `HumanUser` → `human_users`. */
export function slugOf(type: string): string {
  return `${type.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()}s`;
}

function buildField(name: string, [dataType, opts = {}]: FieldSpec): FieldDef {
  return { name, dataType, editable: opts.editable ?? true, ...opts };
}

/** Builds the schema (fresh maps: each emulator may add fields without touching another's). */
export function buildSchema(): Map<string, TypeDef> {
  const types = new Map<string, TypeDef>();
  for (const [name, spec] of Object.entries(TYPES)) {
    const fields = new Map<string, FieldDef>();
    for (const [f, s] of Object.entries(SYSTEM)) fields.set(f, buildField(f, s));
    for (const [f, s] of Object.entries(spec.fields)) fields.set(f, buildField(f, s));
    types.set(name, { name, slug: spec.slug ?? slugOf(name), nameField: spec.nameField, projectScoped: spec.projectScoped ?? false, fields });
  }
  return types;
}
