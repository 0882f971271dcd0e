/** Error mapping, retry classes, Retry-After parsing, snippets, and retryable() as transfers use it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveClientOptions } from '../../lib/config/resolve-options.js';
import { ShotGridError, isShotGridError } from '../../lib/errors.js';
import { ApiClient } from '../../lib/http/api-client.js';
import { codeForStatus, httpError, parseRetryAfter, retryClassOf, transportError } from '../../lib/http/error-mapping.js';
import { sanitizeSnippet } from '../../lib/http/snippet.js';

const ctx = { method: 'GET', path: '/api/v1/entity/Shot/1' };

function netError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

test('statuses map to stable codes', () => {
  const table: Record<number, string> = { 400: 'SG_BAD_REQUEST', 401: 'SG_AUTH', 403: 'SG_PERMISSION', 404: 'SG_NOT_FOUND', 406: 'SG_BAD_REQUEST', 415: 'SG_BAD_REQUEST', 429: 'SG_RATE_LIMITED', 500: 'SG_SERVER', 502: 'SG_SERVER', 503: 'SG_SERVER', 504: 'SG_SERVER' };
  for (const [status, code] of Object.entries(table)) assert.equal(codeForStatus(Number(status)), code, status);
});

test('HTTP errors carry the envelope, the request id and their retry class', () => {
  const body = { errors: [{ id: 'x', status: 404, code: 104, title: 'Not Found', detail: 'Shot: 1 not found' }] };
  const err = httpError(404, body, { 'x-request-id': 'rid-1' }, ctx);
  assert.equal(err.code, 'SG_NOT_FOUND');
  // The reason leads (the Debug sidebar's preview shows it), the request follows.
  assert.equal(err.message, 'Shot: 1 not found (GET /api/v1/entity/Shot/1 → 404 Not Found)');
  assert.equal(httpError(502, undefined, {}, ctx).message, '502 Bad Gateway (GET /api/v1/entity/Shot/1)');
  assert.equal(err.requestId, 'rid-1');
  assert.deepEqual(err.errors, body.errors);
  assert.equal(retryClassOf(err), 'never');
  assert.equal(retryClassOf(httpError(503, undefined, {}, ctx)), 'always');
  assert.equal(retryClassOf(httpError(429, undefined, { 'retry-after': '3' }, ctx)), 'always');
  assert.equal(httpError(429, undefined, { 'retry-after': '3' }, ctx).retryAfterMs, 3000);
  assert.equal(retryClassOf(httpError(502, undefined, {}, ctx)), 'idempotent');
  assert.equal(retryClassOf(httpError(504, undefined, {}, ctx)), 'idempotent');
  // A 500 may come after the change was made: repeated only for harmless requests.
  assert.equal(retryClassOf(httpError(500, undefined, {}, ctx)), 'idempotent');
});

test('transport failures: connect errors are always safe to repeat, mid-exchange ones only for idempotent requests', () => {
  const cases: Array<[string, string, string]> = [
    ['ECONNREFUSED', 'SG_NETWORK', 'always'],
    ['ENOTFOUND', 'SG_NETWORK', 'always'],
    ['UND_ERR_CONNECT_TIMEOUT', 'SG_TIMEOUT', 'always'],
    ['ECONNRESET', 'SG_NETWORK', 'idempotent'],
    ['UND_ERR_SOCKET', 'SG_NETWORK', 'idempotent'],
    ['UND_ERR_HEADERS_TIMEOUT', 'SG_TIMEOUT', 'idempotent'],
    ['UND_ERR_BODY_TIMEOUT', 'SG_TIMEOUT', 'idempotent'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'SG_NETWORK', 'never'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'SG_NETWORK', 'never'],
    ['ERR_INVALID_ARG_TYPE', 'SG_NETWORK', 'never'],
  ];
  for (const [code, sgCode, retry] of cases) {
    const err = transportError(netError(code), ctx);
    assert.equal(err.code, sgCode, code);
    assert.equal(retryClassOf(err), retry, code);
    assert.equal(err.path, ctx.path);
  }
  // A code on the cause is found too (fetch-style wrapping).
  assert.equal(retryClassOf(transportError(Object.assign(new TypeError('fetch failed'), { cause: netError('ECONNREFUSED') }), ctx)), 'always');
  const proxy = transportError(Object.assign(new Error('Proxy response (407) !== 200 when HTTP Tunneling'), { code: 'UND_ERR_ABORTED' }), ctx);
  assert.equal(retryClassOf(proxy), 'never');
  assert.equal(retryClassOf(transportError(new Error('Proxy response (502) !== 200 when HTTP Tunneling'), ctx)), 'always');
});

test('errors made elsewhere (transfers, raw undici) are classified by status and code', () => {
  assert.equal(retryClassOf(new ShotGridError('SG_STORAGE', 'S3 500', { status: 500 })), 'idempotent');
  assert.equal(retryClassOf(new ShotGridError('SG_STORAGE', 'S3 403', { status: 403 })), 'never');
  assert.equal(retryClassOf(new ShotGridError('SG_TIMEOUT', 'stalled')), 'idempotent');
  assert.equal(retryClassOf(new ShotGridError('SG_ABORTED', 'x')), 'never');
  assert.equal(retryClassOf(new ShotGridError('SG_FILE', 'x')), 'never');
  assert.equal(retryClassOf(netError('EPIPE')), 'idempotent');
  assert.equal(retryClassOf(netError('EAI_AGAIN')), 'always');
  assert.equal(retryClassOf('string'), 'never');
});

test('Retry-After: seconds or an HTTP date, capped', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('2', now), 2000);
  assert.equal(parseRetryAfter('0.5', now), 500);
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now), 5000);
  assert.equal(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter('999999', now), 3600_000);
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
});

test('snippets are short, tag-free and hide tokens and signatures', () => {
  const html = `<html><script>var x=1</script><body><h1>Oops</h1> token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlMTIz and https://s3/x?X-Amz-Signature=deadbeef&a=1 Bearer abcdefghijklmnop ${'x'.repeat(500)}</body></html>`;
  const s = sanitizeSnippet(html, 120);
  assert.ok(s.length <= 120);
  assert.ok(!/[<>]/.test(s));
  assert.ok(!s.includes('var x'));
  assert.ok(!s.includes('eyJhbGciOiJIUzI1NiJ9'));
  assert.ok(!s.includes('deadbeef'));
  assert.ok(!s.includes('abcdefghijklmnop'));
  assert.match(s, /^Oops token \*\*\* and https:\/\/s3\/x\?X-Amz-Signature=\*\*\*&a=1 Bearer \*\*\*/);
});

test('retryable() waits at least an error\'s retryAfterMs, repeats by failure kind up to retries, and reports attempts', async () => {
  const api = new ApiClient(resolveClientOptions({ site: 'http://127.0.0.1:9', auth: { scriptName: 'a', scriptKey: 'b' }, retry: { retries: 3, minTimeout: 1, maxTimeout: 5 } }));
  try {
    const t0 = performance.now();
    const value = await api.retryable(async (attempt) => {
      if (attempt === 1) throw Object.assign(new ShotGridError('SG_STORAGE', 'slow down', { status: 503 }), { retryAfterMs: 300 });
      return attempt;
    });
    assert.equal(value, 2);
    assert.ok(performance.now() - t0 >= 295, 'retryAfterMs was not honoured');

    let calls = 0;
    await assert.rejects(
      api.retryable(async () => {
        calls++;
        throw new ShotGridError('SG_STORAGE', 'forbidden', { status: 403 });
      }),
      (e: unknown) => isShotGridError(e) && e.attempts === 1,
    );
    assert.equal(calls, 1);

    // An unclassified error is never repeated; a reset is, up to `retries`.
    calls = 0;
    await assert.rejects(
      api.retryable(async () => {
        calls++;
        throw new Error('custom');
      }),
      /custom/,
    );
    assert.equal(calls, 1);
    calls = 0;
    const seen: number[] = [];
    await assert.rejects(
      api.retryable(
        async () => {
          calls++;
          throw transportError(netError('ECONNRESET'), ctx);
        },
        { retries: 2, onFailedAttempt: (_e, n) => seen.push(n) },
      ),
      { code: 'SG_NETWORK' },
    );
    assert.equal(calls, 3);
    assert.deepEqual(seen, [1, 2]);

    const controller = new AbortController();
    const pending = api.retryable(async () => {
      throw Object.assign(new ShotGridError('SG_STORAGE', 'busy', { status: 503 }), { retryAfterMs: 60_000 });
    }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(pending, (e: unknown) => isShotGridError(e) && e.code === 'SG_ABORTED');
  } finally {
    await api.close();
  }
});

test('the CommonJS output loads the ESM-only p-retry with a real import(), not require()', () => {
  const compiled = readFileSync(join(__dirname, '..', '..', 'lib', 'http', 'retry.js'), 'utf8');
  assert.match(compiled, /\bimport\('p-retry'\)/);
  assert.doesNotMatch(compiled, /require\('p-retry'\)\s*[;)]/);
  assert.match(compiled, /exports\./, 'the output is not CommonJS');
});
