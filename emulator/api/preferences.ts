/** `GET /preferences[?prefs=a,b]`: the site preferences a client reads; unknown names are simply absent. */
import { ApiError, readBody, sendJson } from '../http/respond.js';
import type { ApiRequest } from './site.js';

/** The local site's preferences (a live site has many more). */
export const PREFERENCES: Readonly<Record<string, unknown>> = Object.freeze({
  duration_units: 'days',
  hours_per_day: 8.0,
  format_date_fields: '08/04/22 OR 04/08/22 (depending on locale)',
  date_component_order: 'month_day',
  format_time_hour_fields: '12 hour',
  support_local_storage: true,
  enable_timelog: false,
  view_master_settings: JSON.stringify({ status_groups: [] }),
});

/** Answers the preferences, all or the names in `prefs`. */
export function handlePreferences(r: ApiRequest): void {
  const wanted = r.url.searchParams.get('prefs');
  const names = wanted === null ? Object.keys(PREFERENCES) : wanted.split(',').map((n) => n.trim()).filter((n) => n in PREFERENCES);
  sendJson(r.res, 200, { data: Object.fromEntries(names.map((n) => [n, PREFERENCES[n]])), links: { self: r.req.url ?? r.url.pathname } });
}

/**
 * `PUT /preferences/update` (enables a custom entity slot): every body, valid or not, was refused
 * on the recorded site with 400 code 111 before any validation, so this site refuses it the same way.
 */
export async function handlePreferencesUpdate(r: ApiRequest): Promise<void> {
  await readBody(r.req);
  throw new ApiError(400, 111, 'Updating the preferences is not available', null);
}
