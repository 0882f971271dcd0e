/** Route-level errors shared by the router and the handlers. */
import { ApiError } from '../http/respond.js';
import type { Site } from './site.js';

/** 404 code 103 `Not Found`, as for any unknown route. */
export function notFound(): ApiError {
  return new ApiError(404, 103, 'Not Found', null);
}

/** Resolves an entity name or slug, or throws 404 naming it. */
export function entityType(site: Site, segment: string): string {
  const type = site.store.resolveType(segment);
  if (!type) throw new ApiError(404, 103, 'Not Found', null, `Entity type '${segment}' does not exist.`);
  return type;
}
