/** Entity routes beyond plain reads, gathered so the router stays a dispatcher. */
import { handleBatch } from './batch.js';
import { handleRelationship } from './relationship.js';
import type { ApiRequest, Site } from './site.js';
import { handleSummarize } from './summarize.js';
import { handleCreate, handleDelete, handleRevive, handleUpdate } from './write.js';

/** Handlers of create/update/delete/revive/batch/summarize/relationships. */
export const entityRoutes = {
  create: handleCreate,
  update: handleUpdate,
  remove: handleDelete,
  revive: handleRevive,
  batch: handleBatch,
  summarize: handleSummarize,
  relationship: async (site: Site, r: ApiRequest, type: string, id: number, field: string): Promise<void> => handleRelationship(site, r, type, id, field),
};
