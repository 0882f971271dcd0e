/**
 * Shared helpers of the REST-side emulator tests: start a site, mint tokens, and call the API
 * over real HTTP with the right content types.
 */
import assert from 'node:assert/strict';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../emulator/index.js';

export const VENDOR_ARRAY = 'application/vnd+shotgun.api3_array+json';
export const VENDOR_HASH = 'application/vnd+shotgun.api3_hash+json';

/** A parsed answer. */
export interface Answer<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A started emulator with a script token. */
export interface TestSite {
  emu: Emulator;
  token: string;
  /** Calls the API with the bearer. */
  call<T = any>(method: string, path: string, init?: { body?: unknown; type?: string; headers?: Record<string, string>; token?: string | null }): Promise<Answer<T>>;
  search<T = any>(type: string, body: unknown, kind?: 'array' | 'hash', query?: string): Promise<Answer<T>>;
  close(): Promise<void>;
}

/** POSTs form credentials to the token endpoint. */
export async function tokenRequest(emu: Emulator, form: Record<string, string>, init: { type?: string | null; body?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (init.type !== null) headers['content-type'] = init.type ?? 'application/x-www-form-urlencoded';
  const text = init.body ?? new URLSearchParams(form).toString();
  // A Buffer body, so fetch adds no content-type of its own when the test omits it.
  const res = await fetch(`${emu.url}/api/v1/auth/access_token`, { method: 'POST', headers, body: Buffer.from(text) });
  return parse(res);
}

async function parse(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** A script token for the emulator. */
export async function scriptToken(emu: Emulator, extra: Record<string, string> = {}): Promise<string> {
  const { scriptName, scriptKey } = emu.credentials;
  const r = await tokenRequest(emu, { grant_type: 'client_credentials', client_id: scriptName, client_secret: scriptKey, ...extra });
  assert.equal(r.status, 200, r.text);
  return r.body.access_token as string;
}

/** Starts a site and returns a client for it. */
export async function openSite(options: EmulatorOptions = {}): Promise<TestSite> {
  const emu = await startEmulator(options);
  const token = await scriptToken(emu);
  const call = async (method: string, path: string, init: { body?: unknown; type?: string; headers?: Record<string, string>; token?: string | null } = {}): Promise<Answer> => {
    const headers: Record<string, string> = { ...init.headers };
    const bearer = init.token === undefined ? token : init.token;
    if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
    let body: string | undefined;
    if (init.body !== undefined) {
      body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
      headers['content-type'] = init.type ?? 'application/json';
    } else if (init.type) {
      headers['content-type'] = init.type;
    }
    const res = await fetch(`${emu.url}${path}`, { method, headers, body });
    return parse(res);
  };
  return {
    emu,
    token,
    call,
    search: (type, body, kind = 'array', query = '') => call('POST', `/api/v1/entity/${type}/_search${query}`, { body, type: kind === 'array' ? VENDOR_ARRAY : VENDOR_HASH }),
    close: () => emu.close(),
  };
}

/** Asserts the server's error envelope and returns its single error. */
export function assertError(r: Answer, status: number, code: number, title?: string | RegExp): any {
  assert.equal(r.status, status, r.text);
  assert.ok(r.body && Array.isArray(r.body.errors) && r.body.errors.length === 1, `error envelope expected: ${r.text}`);
  const e = r.body.errors[0];
  assert.match(e.id, /^[0-9a-f]{32}$/);
  assert.equal(e.status, status);
  assert.equal(e.code, code);
  assert.ok('source' in e && 'detail' in e, 'source and detail are present');
  assert.equal(e.meta, null);
  if (typeof title === 'string') assert.equal(e.title, title);
  else if (title) assert.match(e.title, title);
  return e;
}

/** Decodes a JWT's payload (never verified: that is the server's job). */
export function jwtPayload(token: string): any {
  const parts = token.split('.');
  assert.equal(parts.length, 3);
  return JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
}

/** Codes of a listing's rows. */
export function codes(r: Answer, field = 'code'): string[] {
  return (r.body.data as any[]).map((d) => d.attributes[field]);
}
