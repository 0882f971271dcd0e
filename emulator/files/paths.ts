/** The files routes and the record (and field) a files path names; the route table builds them. */

/** A record (and field) named in an API path, not yet resolved against the schema. */
export interface PathTarget {
  /** `/api/v1` or `/api/v1.1`, echoed in links. */
  prefix: string;
  entity: string;
  id: number;
  field?: string;
}

/** A files route. */
export type FileRoute =
  | ({ kind: 'init' | 'complete' | 'sg_put' | 'part_link' | 'abort' } & PathTarget)
  | ({ kind: 'download'; field: string } & PathTarget)
  | { kind: 'storage'; key: string }
  | { kind: 'placeholder' };
