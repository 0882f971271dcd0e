/**
 * The request layer against a scripted local site: error mapping, bad responses, timeouts,
 * aborts, the idempotency rule and the concurrency limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShotGridClient, isShotGridError, type ShotGridError } from '../../lib/index.js';
import { resolveClientOptions } from '../../lib/config/resolve-options.js';
import { ApiClient } from '../../lib/http/api-client.js';
import { apiError, fakeClientOptions, json, startFakeSite, type FakeSite } from './fake-site.js';
import { MAX_API_ANSWER_BYTES } from '../../lib/http/transport.js';

const shot = { type: 'Shot', id: 1, attributes: { code: 'a' }, relationships: {} };

async function withSite(handler: FakeSite['handler'], fn: (site: FakeSite, client: ShotGridClient) => Promise<void>, extra: Record<string, unknown> = {}): Promise<void> {
  const site = await startFakeSite(handler);
  const client = new ShotGridClient(fakeClientOptions(site, extra));
  try {
    await fn(site, client);
  } finally {
    await client.close();
    await site.close();
  }
}

function sgError(code: string, check: (e: ShotGridError) => void = () => undefined) {
  return (err: unknown) => {
    assert.ok(isShotGridError(err), `expected a ShotGridError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    check(err);
    return true;
  };
}

test('statuses map to codes with status, errors[], request id, method and path (no query)', async () => {
  const cases: Array<[number, string]> = [[400, 'SG_BAD_REQUEST'], [403, 'SG_PERMISSION'], [404, 'SG_NOT_FOUND'], [415, 'SG_BAD_REQUEST']];
  for (const [status, code] of cases) {
    await withSite((_r, res) => apiError(res, status, `refused with ${status}`), async (site, client) => {
      await assert.rejects(
        client.schemaFieldRead('Shot', undefined, { project: 5 }),
        sgError(code, (e) => {
          assert.equal(e.status, status);
          assert.equal(e.requestId, 'req-42');
          assert.equal(e.method, 'GET');
          assert.equal(e.path, '/api/v1/schema/Shot/fields');
          assert.equal(e.errors?.[0]?.title, `refused with ${status}`);
          assert.match(e.message, new RegExp(`^refused with ${status} \\(GET /api/v1/schema/Shot/fields → ${status} `));
        }),
      );
      // 4xx are not retried.
      assert.equal(site.requests.length, 1);
      assert.equal(site.requests[0]!.url, '/api/v1/schema/Shot/fields?project_id=5');
    });
  }
});

test('an answer whose multi-byte characters are split between chunks is read whole', async () => {
  // 'ä' is two bytes, '日' three: each is cut between two writes that reach the client apart.
  const text = JSON.stringify({ data: [{ type: 'Shot', id: 1, attributes: { code: 'ä日ä' }, relationships: {} }] });
  const bytes = Buffer.from(text);
  const cuts = [bytes.indexOf(Buffer.from('ä')) + 1, bytes.indexOf(Buffer.from('日')) + 2, bytes.length];
  await withSite(async (_r, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(bytes.length) });
    let from = 0;
    for (const to of cuts) {
      res.write(bytes.subarray(from, to));
      from = to;
      await new Promise((r) => setTimeout(r, 20));
    }
    res.end();
  }, async (_site, client) => {
    assert.deepEqual(await client.find('Shot', [], { limit: 1 }), [{ type: 'Shot', id: 1, code: 'ä日ä' }]);
  });
});

test('an HTML 502 page is retried, then SG_BAD_RESPONSE with a short tag-free snippet', async () => {
  const page = `<!DOCTYPE html><html><head><title>502 Bad Gateway</title><style>body{color:red}</style></head><body><h1>502 Bad Gateway</h1>${'<p>nginx</p>'.repeat(200)}</body></html>`;
  await withSite((_r, res) => {
    res.writeHead(502, { 'content-type': 'text/html' });
    res.end(page);
  }, async (site, client) => {
    await assert.rejects(
      client.find('Shot', []),
      sgError('SG_BAD_RESPONSE', (e) => {
        assert.equal(e.status, 502);
        assert.match(e.message, /502 Bad Gateway/);
        assert.ok(!/[<>]/.test(e.message), e.message);
        assert.ok(e.message.length < 300, `message too long: ${e.message.length}`);
        assert.equal(e.attempts, 3);
      }),
    );
    assert.equal(site.requests.length, 3);
  });
});

test('invalid JSON in a 200 is SG_BAD_RESPONSE and not retried', async () => {
  await withSite((_r, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"data": [ {"id": 1, ');
  }, async (site, client) => {
    await assert.rejects(client.find('Shot', []), sgError('SG_BAD_RESPONSE', (e) => assert.match(e.message, /invalid JSON/)));
    assert.equal(site.requests.length, 1);
  });
});

test('an API answer beyond the size cap is SG_BAD_RESPONSE, not retried, and not read to its end', async () => {
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  let written = 0;
  await withSite(async (_r, res) => {
    // An endless 200 (a misrouted download, a proxy's runaway page): spaces, chunk after chunk.
    res.writeHead(200, { 'content-type': 'application/json' });
    while (!res.destroyed && written < MAX_API_ANSWER_BYTES * 2) {
      written += chunk.length;
      if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve).once('close', resolve));
    }
    res.end();
  }, async (site, client) => {
    await assert.rejects(client.find('Shot', []), sgError('SG_BAD_RESPONSE', (e) => assert.match(e.message, /larger than 67108864 bytes/)));
    assert.equal(site.requests.length, 1);
  });
  assert.ok(written < MAX_API_ANSWER_BYTES * 2, 'the client stopped reading');
});

test('503 then success: retried; the error of the last attempt carries attempts', async () => {
  await withSite((_r, res, i) => (i < 2 ? apiError(res, 503, 'busy') : json(res, 200, { data: [shot] })), async (site, client) => {
    const records = await client.find('Shot', [], { fields: ['code'] });
    assert.deepEqual(records, [{ type: 'Shot', id: 1, code: 'a' }]);
    assert.equal(site.requests.length, 3);
  });
  await withSite((_r, res) => apiError(res, 503, 'busy'), async (site, client) => {
    await assert.rejects(client.find('Shot', []), sgError('SG_SERVER', (e) => assert.equal(e.attempts, 3)));
    assert.equal(site.requests.length, 3);
  });
});

test('Retry-After on a 429 is waited for (at least), then the call succeeds', async () => {
  await withSite((_r, res, i) => (i === 0 ? apiError(res, 429, 'slow down', { 'retry-after': '1' }) : json(res, 200, { data: [] })), async (site, client) => {
    const started = performance.now();
    await client.find('Shot', []);
    assert.ok(performance.now() - started >= 990, 'did not wait for Retry-After');
    assert.equal(site.requests.length, 2);
  });
});

test('a header timeout is SG_TIMEOUT after the retries', async () => {
  await withSite(() => undefined /* never answers */, async (site, client) => {
    await assert.rejects(client.find('Shot', []), sgError('SG_TIMEOUT', (e) => assert.match(e.message, /response headers/)));
    assert.equal(site.requests.length, 2);
  }, { timeouts: { headers: 150 }, retry: { retries: 1, minTimeout: 10, maxTimeout: 20 } });
});

test('an abort ends a call in flight and a call waiting between retries with SG_ABORTED', async () => {
  await withSite(() => undefined, async (_site, client) => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(client.find('Shot', [], { signal: controller.signal }), sgError('SG_ABORTED'));
  });
  await withSite((_r, res) => apiError(res, 503, 'busy'), async (site, client) => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = performance.now();
    await assert.rejects(client.find('Shot', [], { signal: controller.signal }), sgError('SG_ABORTED'));
    assert.ok(performance.now() - started < 5000);
    assert.equal(site.requests.length, 1);
  }, { retry: { retries: 3, minTimeout: 10_000, maxTimeout: 10_000 } });
  await withSite((_r, res) => json(res, 200, { data: [] }), async (site, client) => {
    await assert.rejects(client.find('Shot', [], { signal: AbortSignal.abort() }), sgError('SG_ABORTED'));
    assert.equal(site.requests.length, 0);
  });
});

test('a create whose connection dies after the body was sent is SG_OUTCOME_UNKNOWN, sent once', async () => {
  await withSite((_r, res) => void res.socket?.destroy(), async (site, client) => {
    await assert.rejects(client.create('Shot', { code: 'x' }), sgError('SG_OUTCOME_UNKNOWN', (e) => assert.match(e.message, /not repeated/)));
    assert.equal(site.requests.length, 1);
    assert.equal(JSON.parse(site.requests[0]!.body).code, 'x');
  });
});

test('a create that gets a 502 or a header timeout is not repeated either', async () => {
  await withSite((_r, res) => apiError(res, 502, 'bad gateway'), async (site, client) => {
    await assert.rejects(client.create('Shot', { code: 'x' }), sgError('SG_OUTCOME_UNKNOWN', (e) => assert.equal(e.status, 502)));
    assert.equal(site.requests.length, 1);
  });
  await withSite(() => undefined, async (site, client) => {
    await assert.rejects(client.batch([{ request_type: 'create', entity_type: 'Shot', data: { code: 'x' } }]), sgError('SG_OUTCOME_UNKNOWN'));
    assert.equal(site.requests.length, 1);
  }, { timeouts: { headers: 150 } });
});

test('a 500 on a read is retried (it is transient on ShotGrid), then SG_SERVER with the attempt count', async () => {
  await withSite((_r, res, i) => (i < 2 ? apiError(res, 500, 'worker restarting') : json(res, 200, { data: [shot] })), async (site, client) => {
    assert.equal((await client.find('Shot', [])).length, 1);
    assert.equal(site.requests.length, 3);
  });
  await withSite((_r, res) => apiError(res, 500, 'still down'), async (site, client) => {
    await assert.rejects(client.schemaFieldRead('Shot'), sgError('SG_SERVER', (e) => {
      assert.equal(e.status, 500);
      assert.equal(e.attempts, 3);
    }));
    assert.equal(site.requests.length, 3);
  });
});

test('a create answered 500 may have been applied: SG_OUTCOME_UNKNOWN, sent once', async () => {
  await withSite((_r, res) => apiError(res, 500, 'boom'), async (site, client) => {
    await assert.rejects(client.create('Shot', { code: 'x' }), sgError('SG_OUTCOME_UNKNOWN', (e) => assert.equal(e.status, 500)));
    assert.equal(site.requests.length, 1);
  });
});

test('a create answered 503 or 429 was not processed, so it is retried', async () => {
  await withSite((_r, res, i) => (i === 0 ? apiError(res, 503, 'busy') : i === 1 ? apiError(res, 429, 'slow', { 'retry-after': '0' }) : json(res, 201, { data: shot })), async (site, client) => {
    const created = await client.create('Shot', { code: 'a' });
    assert.equal(created.id, 1);
    assert.equal(site.requests.length, 3);
  });
});

test('a create that cannot connect is retried (nothing was sent), then SG_NETWORK', async () => {
  const site = await startFakeSite();
  const url = site.url;
  await site.close();
  const api = new ApiClient(resolveClientOptions({ site: url, auth: { scriptName: 'a', scriptKey: 'b' }, retry: { retries: 2, minTimeout: 10, maxTimeout: 20 } }));
  const attempts: number[] = [];
  const create = api.request({ method: 'POST', path: '/entity/Shot', json: { code: 'x' }, idempotent: false, anonymous: true });
  await assert.rejects(create, sgError('SG_NETWORK', (e) => {
    assert.match(e.message, /could not connect/);
    assert.equal(e.attempts, 3);
  }));
  // retryable() (used by transfers) applies the same classification and reports each retry.
  await assert.rejects(
    api.retryable(() => api.request({ method: 'GET', path: '/', idempotent: true, anonymous: true }), { retries: 1, onFailedAttempt: (_e, n) => attempts.push(n) }),
    sgError('SG_NETWORK'),
  );
  assert.deepEqual(attempts, [1]);
  await api.close();
});

test('a 401 renews the token once and replays the call once', async () => {
  await withSite((r, res) => (r.headers.authorization === 'Bearer token-1' ? apiError(res, 401, 'Unauthorized') : json(res, 200, { data: [shot] })), async (site, client) => {
    assert.equal((await client.find('Shot', [])).length, 1);
    assert.deepEqual(site.requests.map((r) => r.headers.authorization), ['Bearer token-1', 'Bearer token-2']);
    assert.deepEqual(site.tokenRequests.map((r) => new URLSearchParams(r.body).get('grant_type')), ['client_credentials', 'refresh_token']);
  });
  await withSite((_r, res) => apiError(res, 401, 'Unauthorized'), async (site, client) => {
    await assert.rejects(client.find('Shot', []), sgError('SG_AUTH', (e) => assert.equal(e.status, 401)));
    assert.equal(site.requests.length, 2);
  });
});

test('a 401 for a token another request already replaced is replayed with the current one; that one still gets its own renewal', async () => {
  // token-1 is refused; token-2 works for its first request only (then "expires"); token-3 works.
  const used = new Map<string, number>();
  await withSite(async (r, res) => {
    const auth = r.headers.authorization ?? '';
    const uses = (used.get(auth) ?? 0) + 1;
    used.set(auth, uses);
    // The Asset search holds token-1 while the Shot search renews to token-2 and uses it up.
    if (r.url.includes('/Asset/') && auth === 'Bearer token-1') await new Promise((resolve) => setTimeout(resolve, 300));
    if (auth === 'Bearer token-1' || (auth === 'Bearer token-2' && uses > 1)) return apiError(res, 401, 'Token Expired');
    json(res, 200, { data: [shot] });
  }, async (site, client) => {
    const [shots, assets] = await Promise.all([client.find('Shot', []), client.find('Asset', [])]);
    assert.equal(shots.length, 1);
    assert.equal(assets.length, 1);
    const assetAuth = site.requests.filter((q) => q.url.includes('/Asset/')).map((q) => q.headers.authorization);
    assert.deepEqual(assetAuth, ['Bearer token-1', 'Bearer token-2', 'Bearer token-3']);
  });
});

test('maxConnections bounds the requests in flight', async () => {
  await withSite(async (_r, res) => {
    await new Promise((r) => setTimeout(r, 30));
    json(res, 200, { data: [] });
  }, async (site, client) => {
    await Promise.all(Array.from({ length: 12 }, () => client.find('Shot', [])));
    assert.equal(site.requests.length, 12);
    assert.ok(site.inFlight.max <= 3, `max in flight ${site.inFlight.max}`);
    assert.ok(site.inFlight.max >= 2, 'requests were not concurrent at all');
  }, { maxConnections: 3 });
});

test('requests carry the user agent, JSON accept and the vendor type on _search', async () => {
  await withSite((_r, res) => json(res, 200, { data: [] }), async (site, client) => {
    await client.find('Shot', [['code', 'is', 'a']], { fields: ['code'], sort: '-id', pageSize: 10, limit: 5 });
    const req = site.requests[0]!;
    assert.equal(req.method, 'POST');
    assert.equal(req.url, '/api/v1/entity/Shot/_search');
    assert.equal(req.headers['content-type'], 'application/vnd+shotgun.api3_hash+json');
    assert.equal(req.headers['user-agent'], 'unit-test-agent/1');
    assert.deepEqual(JSON.parse(req.body), {
      filters: { logical_operator: 'and', conditions: [['code', 'is', 'a']] },
      fields: ['code'],
      options: { return_only: 'active', include_archived_projects: true },
      sort: '-id',
      page: { size: 5, number: 1 },
    });
    const token = site.tokenRequests[0]!;
    assert.equal(token.headers['content-type'], 'application/x-www-form-urlencoded');
  }, { userAgent: 'unit-test-agent/1' });
});
