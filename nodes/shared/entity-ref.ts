/** Reading record references (`{type, id}`) from what users put in messages. */
import { ShotGridError } from '../../lib/index.js';
import { kindOf } from './properties.js';

/** A record reference. */
export interface EntityRef {
  type: string;
  id: number;
}

function asId(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * A reference from `{type, id}` (a whole record is fine), or from a bare id plus
 * `fallbackType`. Anything else is `SG_CONFIG`.
 */
export function toEntityRef(value: unknown, fallbackType: string | undefined, label: string): EntityRef {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const v = value as { type?: unknown; id?: unknown };
    const id = asId(v.id);
    const type = typeof v.type === 'string' && v.type !== '' ? v.type : fallbackType;
    if (id !== undefined && type) return { type, id };
    throw new ShotGridError('SG_CONFIG', `${label} must have a numeric id and an entity type`);
  }
  const id = asId(value);
  if (id !== undefined) {
    if (!fallbackType) throw new ShotGridError('SG_CONFIG', `${label} is a bare id; set the entity type too`);
    return { type: fallbackType, id };
  }
  throw new ShotGridError('SG_CONFIG', `${label} must be {type, id} or a record id (got ${kindOf(value)})`);
}

/** One reference or a list of them (a list may mix types). */
export function toEntityRefs(value: unknown, fallbackType: string | undefined, label: string): EntityRef[] {
  if (Array.isArray(value)) return value.map((v, i) => toEntityRef(v, fallbackType, `${label}[${i}]`));
  return [toEntityRef(value, fallbackType, label)];
}
