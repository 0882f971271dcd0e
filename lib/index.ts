/**
 * `@sgflow/node-red-shotgrid/lib`: a typed client for the ShotGrid (Flow Production Tracking)
 * REST API, usable on its own (no Node-RED imports).
 *
 * @example
 * ```ts
 * import { ShotGridClient, isShotGridError } from '@sgflow/node-red-shotgrid/lib';
 * ```
 * @packageDocumentation
 */
export { ShotGridClient } from './client.js';
export { ShotGridError, isShotGridError, redactUrl } from './errors.js';
export type { ShotGridErrorCode, ShotGridErrorDetails, ShotGridServerError } from './errors.js';
export { ERROR_REASONS, NODE_ERROR_CODES, UNEXPECTED_CODE, errorReason, errorStatusText } from './error-codes.js';
export type { NodeErrorCode } from './error-codes.js';
export { LIBRARY_DEFAULTS } from './defaults.js';
export { pauseReason, reportRetries, type RetryListener } from './http/abort.js';
export { isSignedUrl, isTransientImageUrl } from './transfers/index.js';
export { FIND_OR_CREATE_DEFAULT_KEY, RACE_DUPLICATE_WINDOW_MS } from './entities/find-or-create.js';
export { MAX_PAGE_SIZE, READ_ALL_PAGE_SIZE } from './entities/find.js';
export type * from './transfers/types.js';
export type * from './options.js';
export type * from './entities/types.js';
export type {
  ActivityStream, ActivityStreamOptions, ActivityUpdate, FollowerRef, HierarchyChild, HierarchyHit, HierarchyNode, HierarchyRef, SchemaFieldProperties, TextSearchHit,
  TextSearchOptions, ThreadEntry,
} from './entities/site-extras.js';
export type { Filters, FilterList, FilterCondition, FilterGroup, HashFilterGroup, FilterRelation } from './entities/filters.js';
export type { ResolvedTimeouts } from './api-caller.js';
