/**
 * Every measure of `npm run bench`, in run order: one line each (id and module), loaded only when
 * selected so a measure's peers (e.g. a devDependency client) load only for that measure.
 */
import type { Measure } from '../support/types.js';

/** One registered measure. */
export interface MeasureEntry {
  id: string;
  load(): Promise<Measure>;
}

export const REGISTRY: MeasureEntry[] = [
  { id: 'P1', load: async () => (await import('./p1-raw-put.js')).p1 },
  { id: 'P2', load: async () => (await import('./p2-shaped-python.js')).p2 },
  { id: 'P3', load: async () => (await import('./p3-rss.js')).p3 },
  { id: 'P4', load: async () => (await import('./p4-find.js')).p4 },
  { id: 'P5', load: async () => (await import('./p5-thumbnails.js')).p5 },
  { id: 'P6', load: async () => (await import('./p6-node-red.js')).p6 },
  { id: 'P8', load: async () => (await import('./p8-publish.js')).p8 },
  { id: 'P9', load: async () => (await import('./p9-emulator.js')).p9 },
  { id: 'P10', load: async () => (await import('./p10-s3-peers.js')).p10 },
  { id: 'P11', load: async () => (await import('./p11-remote-site.js')).p11 },
  { id: 'P12', load: async () => (await import('./p12-find-remote.js')).p12 },
  { id: 'P13', load: async () => (await import('./p13-upload-peer.js')).p13 },
];
