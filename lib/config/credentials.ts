/**
 * Validation of the `auth` option into one tagged credentials value. Messages name fields,
 * never their values.
 */
import { ShotGridError } from '../errors.js';

/** Validated credentials, tagged by kind. */
export type Credentials =
  | { kind: 'script'; scriptName: string; scriptKey: string }
  | { kind: 'user'; login: string; password: string }
  | { kind: 'session'; sessionToken: string };

const KINDS = [
  { kind: 'script', fields: ['scriptName', 'scriptKey'] },
  { kind: 'user', fields: ['login', 'password'] },
  { kind: 'session', fields: ['sessionToken'] },
] as const;

const ALL_FIELDS = new Set<string>(KINDS.flatMap((k) => [...k.fields]));
const SHAPES = '{scriptName, scriptKey}, {login, password} or {sessionToken}';

function configError(message: string): ShotGridError {
  return new ShotGridError('SG_CONFIG', message);
}

/** Checks `auth` and returns tagged credentials; throws `SG_CONFIG` on any problem. */
export function parseCredentials(auth: unknown): Credentials {
  if (typeof auth !== 'object' || auth === null || Array.isArray(auth)) {
    throw configError(`auth must be an object: ${SHAPES}`);
  }
  const given = Object.keys(auth).filter((k) => (auth as Record<string, unknown>)[k] !== undefined);
  const unknown = given.filter((k) => !ALL_FIELDS.has(k));
  if (unknown.length > 0) throw configError(`auth has unknown field(s) ${unknown.join(', ')}; expected ${SHAPES}`);
  const kinds = KINDS.filter((k) => k.fields.some((f) => given.includes(f)));
  if (kinds.length === 0) throw configError(`auth is empty; expected ${SHAPES}`);
  if (kinds.length > 1) throw configError(`auth mixes credential kinds (${given.join(', ')}); give exactly one of ${SHAPES}`);
  const kind = kinds[0]!;
  const values: Record<string, string> = {};
  for (const field of kind.fields) {
    const value = (auth as Record<string, unknown>)[field];
    if (value === undefined) throw configError(`auth.${field} is missing`);
    if (typeof value !== 'string' || value.trim() === '') throw configError(`auth.${field} must be a non-empty string`);
    values[field] = value;
  }
  switch (kind.kind) {
    case 'script':
      return { kind: 'script', scriptName: values.scriptName!, scriptKey: values.scriptKey! };
    case 'user':
      return { kind: 'user', login: values.login!, password: values.password! };
    default:
      return { kind: 'session', sessionToken: values.sessionToken! };
  }
}

/** The secret strings of some credentials (to scrub them from anything shown). */
export function secretsOf(credentials: Credentials): string[] {
  switch (credentials.kind) {
    case 'script':
      return [credentials.scriptKey];
    case 'user':
      return [credentials.password];
    default:
      return [credentials.sessionToken];
  }
}

/** A safe description of who authenticates: `script 'name'`, `user 'login'`, `session token`. */
export function describeCredentials(credentials: Credentials): string {
  switch (credentials.kind) {
    case 'script':
      return `script '${credentials.scriptName}'`;
    case 'user':
      return `user '${credentials.login}'`;
    default:
      return 'session token';
  }
}
