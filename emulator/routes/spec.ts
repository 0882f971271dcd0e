/**
 * The site's own OpenAPI 3.0.0 document (`GET /api/v1/spec.json`), derived from the route
 * table: one operation per API entry, with its path parameters, request body media type,
 * success status and the error envelope every operation can answer.
 */
import { openApiPath, patternParams } from './path-pattern.js';
import type { RouteEntry } from './table.js';

const MEDIA: Record<NonNullable<RouteEntry['body']>, string[]> = {
  json: ['application/json'],
  vendor: ['application/vnd+shotgun.api3_array+json', 'application/vnd+shotgun.api3_hash+json'],
  form: ['application/x-www-form-urlencoded'],
  bytes: ['application/octet-stream'],
};

const ERROR_RESPONSE = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } } };

function operation(entry: RouteEntry, method: string): Record<string, unknown> {
  const success = entry.success ?? 200;
  const op: Record<string, unknown> = {
    operationId: entry.methods.length > 1 ? `${entry.id}.${method.toLowerCase()}` : entry.id,
    summary: entry.summary,
    parameters: patternParams(entry.pattern).map((p) => ({ name: p.name, in: 'path', required: true, schema: { type: p.int ? 'integer' : 'string' } })),
    responses: {
      [String(success)]: success === 204 ? { description: 'No content' } : { description: 'Success', content: { 'application/json': { schema: { type: 'object' } } } },
      default: ERROR_RESPONSE,
    },
  };
  if (entry.body) {
    op.requestBody = { content: Object.fromEntries(MEDIA[entry.body].map((m) => [m, { schema: entry.body === 'bytes' ? { type: 'string', format: 'binary' } : { type: 'object' } }])) };
  }
  if (entry.auth === 'bearer') op.security = [{ bearer: [] }];
  else op.security = [];
  return op;
}

/** The OpenAPI document for the API entries of `routes`, served under `prefix` (`/api/v1`). */
export function specDocument(routes: readonly RouteEntry[], prefix: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const entry of routes) {
    if (entry.scope !== 'api') continue;
    const path = (paths[openApiPath(entry.pattern)] ??= {});
    for (const method of entry.methods) {
      if (method === '*' || method === 'HEAD') continue;
      path[method.toLowerCase()] = operation(entry, method);
    }
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Flow Production Tracking REST API ', version: '1.x', description: 'The local site (emulator): every operation it serves.' },
    servers: [{ url: prefix, description: 'This site' }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        ErrorResponse: {
          type: 'object',
          properties: {
            errors: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  id: { type: 'string' }, status: { type: 'integer' }, code: { type: 'integer' }, title: { type: 'string' },
                  source: { type: 'object', nullable: true }, detail: { type: 'string', nullable: true }, meta: { type: 'object', nullable: true },
                },
              },
            },
          },
        },
      },
    },
  };
}
