/**
 * Shape of `/web/state.json`, the read-only feed the browser page renders. It carries only what
 * the page shows: names, statuses, display strings and same-site links. Never tokens, credentials
 * or signed storage URLs (file links go through `/web/file/...`, which redirects to a fresh one).
 */

/** The whole feed. */
export interface WebFeed {
  site: SiteInfo;
  counts: { projects: number; shots: number; versions: number; attachments: number };
  /** Projects, the one with the newest activity first. */
  projects: ProjectView[];
}

/** About the emulator the page views. */
export interface SiteInfo {
  /** Always `local-emulator`: the page is a view of the local emulator, never of a real site. */
  kind: 'local-emulator';
  /** Base URL of the emulator. */
  url: string;
  /** `s3` or `sg`. */
  storage: string;
  /** How long thumbnails stay pending after an upload, ms. */
  transcodeDelayMs: number;
}

/** A project and its shots. */
export interface ProjectView {
  /** `Project:<id>`, or `Project:none` for versions without a project. */
  key: string;
  id: number | null;
  name: string;
  status: string | null;
  /** Shots that have versions, the one with the newest version first. */
  shots: ShotView[];
  /** Versions linked to something other than a Shot (or to nothing), newest first. */
  otherVersions: VersionView[];
  /** How many of those were left out. */
  moreOtherVersions: number;
  /** Codes of shots without versions (at most {@link IDLE_SHOT_LIMIT}). */
  idleShots: string[];
  /** How many shots without versions were left out. */
  moreIdleShots: number;
}

/** A shot and its versions. */
export interface ShotView {
  key: string;
  id: number;
  code: string;
  sequence: string | null;
  status: string | null;
  description: string | null;
  attachments: FileView[];
  /** Newest first, at most {@link VERSION_LIMIT}. */
  versions: VersionView[];
  moreVersions: number;
}

/** The thumbnail of a record as the page shows it. */
export interface ThumbnailView {
  /** `none`: no image (never uploaded, or generation failed); `pending`: transient placeholder; `ready`: real image. */
  state: 'none' | 'pending' | 'ready';
  /** Image source (root-relative when on this site). */
  src: string | null;
}

/** A downloadable (or linked) file. */
export interface FileView {
  /** What it is: the field name (`sg_uploaded_movie`) or `attachment`. */
  role: string;
  attachmentId: number | null;
  name: string;
  contentType: string | null;
  /** `upload` (bytes on the site), `web` (an external link) or `local` (a path, no link). */
  linkType: string;
  /** Link that works without a bearer: `/web/file/...` for uploads, the URL for web links, null for local. */
  href: string | null;
}

/** One field's value as display text. */
export interface FieldView {
  name: string;
  dataType: string;
  text: string;
}

/** A version. */
export interface VersionView {
  key: string;
  id: number;
  code: string;
  status: string | null;
  description: string | null;
  /** ISO date-time or null. */
  createdAt: string | null;
  createdBy: string | null;
  /** What the version belongs to (`Shot SH010`). */
  entity: string | null;
  thumbnail: ThumbnailView;
  /** File fields (movie) then attachments. */
  files: FileView[];
  /** Remaining fields with a value, by name. */
  fields: FieldView[];
}

/** Versions listed per shot (and per project for other versions). */
export const VERSION_LIMIT = 30;
/** Shots without versions listed per project. */
export const IDLE_SHOT_LIMIT = 60;
