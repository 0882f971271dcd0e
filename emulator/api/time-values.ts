/**
 * Dates and date-times as filters see them: `date` is `YYYY-MM-DD` (midnight UTC), `date_time`
 * is UTC ISO (a zoneless string is taken as UTC), and the relative relations (`in_last`,
 * `in_next`, `in_calendar_*`) become a half-open millisecond range.
 */
import { ApiError } from '../http/respond.js';
import { rubyInspect } from './ruby-inspect.js';

const DAY = 86_400_000;
const UNIT_MS: Record<string, number> = { HOUR: 3_600_000, DAY, WEEK: 7 * DAY };

/** Milliseconds of a stored or filter date/date-time value, or null. `dateOnly` truncates to the day. */
export function toMs(v: unknown, dateOnly: boolean): number | null {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v !== 'string') return null;
  let s = v.trim();
  const utcSuffix = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) UTC$/.exec(s);
  if (utcSuffix) s = `${utcSuffix[1]}T${utcSuffix[2]}Z`;
  else if (/^\d{4}-\d{2}-\d{2}$/.test(s)) s = `${s}T00:00:00Z`;
  else if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) s = `${s.replace(' ', 'T')}Z`;
  const ms = Date.parse(s);
  if (!Number.isFinite(ms)) return null;
  return dateOnly ? Math.floor(ms / DAY) * DAY : ms;
}

function startOfDay(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}

/** Adds calendar months (UTC). */
function addMonths(ms: number, n: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds());
}

function shift(ms: number, n: number, unit: string): number {
  if (unit === 'MONTH') return addMonths(ms, n);
  if (unit === 'YEAR') return addMonths(ms, 12 * n);
  return ms + n * UNIT_MS[unit]!;
}

function offsetOf(relation: string, value: unknown): number {
  const v = Array.isArray(value) && value.length === 1 ? value[0] : value;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw new ApiError(400, 103, `API read() '${relation}' 'relation' expects an Integer: ${rubyInspect(value)}`, {});
  }
  return n;
}

/** `[from, to)` in ms for a relative date relation (`not_` variants use the same range). */
export function dateRange(relation: string, value: unknown, dateOnly: boolean, now = Date.now()): [number, number] {
  const base = relation.replace(/^not_/, '');
  if (base === 'in_last' || base === 'in_next') {
    if (!Array.isArray(value) || value.length !== 2) {
      throw new ApiError(400, 103, `API read() '${relation}' 'relation' expects a 2-element array: ${rubyInspect(Array.isArray(value) ? value : [value])}`, {});
    }
    const n = Number(value[0]);
    const unit = String(value[1]).toUpperCase();
    if (!Number.isFinite(n) || !(unit in UNIT_MS || unit === 'MONTH' || unit === 'YEAR')) {
      throw new ApiError(400, 103, `API read() '${relation}' 'relation' expects [Integer, one of HOUR, DAY, WEEK, MONTH, YEAR]: ${rubyInspect(value)}`, {});
    }
    if (dateOnly) {
      const today = startOfDay(now);
      return base === 'in_last' ? [startOfDay(shift(now, -n, unit)), today + DAY] : [today, startOfDay(shift(now, n, unit)) + DAY];
    }
    return base === 'in_last' ? [shift(now, -n, unit), now + 1] : [now, shift(now, n, unit)];
  }
  const off = offsetOf(relation, value);
  const d = new Date(now);
  switch (base) {
    case 'in_calendar_day': {
      const from = startOfDay(now) + off * DAY;
      return [from, from + DAY];
    }
    case 'in_calendar_week': {
      const monday = startOfDay(now) - ((d.getUTCDay() + 6) % 7) * DAY + off * 7 * DAY;
      return [monday, monday + 7 * DAY];
    }
    case 'in_calendar_month': {
      const from = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + off, 1);
      return [from, Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + off + 1, 1)];
    }
    default: {
      const from = Date.UTC(d.getUTCFullYear() + off, 0, 1);
      return [from, Date.UTC(d.getUTCFullYear() + off + 1, 0, 1)];
    }
  }
}
