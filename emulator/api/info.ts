/** `GET /api/v1/`: server info, no authentication. */
import { sendJson } from '../http/respond.js';
import type { ApiRequest } from './site.js';

/** Version the emulator reports (a recent live site's). */
export const SHOTGUN_VERSION = '8.89.0.0';
const BUILD = 'emulator';

/** Answers the server-info document. */
export function handleInfo(r: ApiRequest): void {
  sendJson(r.res, 200, {
    data: {
      shotgun_version: `v${SHOTGUN_VERSION} (build ${BUILD})`,
      api_version: r.prefix.endsWith('v1.1') ? '1.1' : 'v1',
      shotgun_version_number: SHOTGUN_VERSION,
      shotgun_build_number: BUILD,
      portfolio_version: 'UNKNOWN',
      unified_login_flow_enabled: false,
      authentication_app_session_launcher_enabled: false,
      user_authentication_method: 'default',
      site_id: '1',
      site_name: 'sgflow local site',
      os: process.platform,
    },
  });
}
