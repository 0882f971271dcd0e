/**
 * What the site holds after the run: one live Version per job, each with its movie byte-exact
 * (downloaded and hashed), none without a movie, no multipart upload left open.
 */
import { createHash } from 'node:crypto';
import type { ShotGridClient } from '../../lib/index.js';
import type { Movie } from './movies.js';

/** The site's side of the outcome. */
export interface SiteOutcome {
  versions: number;
  jobsWithVersion: number;
  duplicateVersions: number;
  movieLess: number;
  byteExact: number;
  notByteExact: string[];
}

/** Reads every Version whose code starts with `prefix` and checks it against the jobs' movies. */
export async function verifySite(sg: ShotGridClient, prefix: string, movies: Map<string, Movie>): Promise<SiteOutcome> {
  const versions = await sg.find('Version', [['code', 'starts_with', prefix]], { fields: ['code', 'sg_uploaded_movie'] });
  const byCode = new Map<string, Array<(typeof versions)[number]>>();
  for (const v of versions) byCode.set(String(v.code), [...(byCode.get(String(v.code)) ?? []), v]);
  const withMovie = versions.filter((v) => v.sg_uploaded_movie !== null && v.sg_uploaded_movie !== undefined);
  const notByteExact: string[] = [];
  let byteExact = 0;
  // Four downloads at a time: the shaping is off by now, the machine has two cores.
  const queue = [...withMovie];
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (let v = queue.shift(); v; v = queue.shift()) {
      const code = String(v.code);
      const movie = movies.get(code);
      // Into memory (the largest movie is ~60 MiB): no second pass over the disk.
      const { buffer } = await sg.download(v.sg_uploaded_movie as { url: string }, 'buffer', { maxBufferBytes: 128 * 1024 * 1024 });
      if (movie && buffer && createHash('sha256').update(buffer).digest('hex') === movie.sha256) byteExact++;
      else notByteExact.push(code);
    }
  }));
  return {
    versions: versions.length,
    jobsWithVersion: [...byCode.keys()].filter((c) => movies.has(c)).length,
    duplicateVersions: versions.length - byCode.size,
    movieLess: versions.length - withMovie.length,
    byteExact,
    notByteExact,
  };
}
