import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShotGridClient, isShotGridError, type ShotGridClientOptions } from '../../lib/index.js';

const SECRET = 'very-secret-key-9f8e7d';
const script = { scriptName: 'pipeline', scriptKey: SECRET };

function configError(options: unknown, pattern: RegExp): void {
  assert.throws(
    () => new ShotGridClient(options as ShotGridClientOptions),
    (err: unknown) => {
      assert.ok(isShotGridError(err), `not a ShotGridError: ${String(err)}`);
      assert.equal(err.code, 'SG_CONFIG');
      assert.match(err.message, pattern);
      assert.ok(!err.message.includes(SECRET), 'the message echoes the secret');
      assert.ok(!JSON.stringify(err).includes(SECRET), 'a property echoes the secret');
      return true;
    },
  );
}

test('auth: exactly one complete kind of credentials', () => {
  const site = 'https://studio.example.com';
  configError({ site }, /auth must be an object/);
  configError({ site, auth: {} }, /auth is empty/);
  configError({ site, auth: { scriptName: 'pipeline' } }, /auth\.scriptKey is missing/);
  configError({ site, auth: { scriptName: 'pipeline', scriptKey: '' } }, /auth\.scriptKey must be a non-empty string/);
  configError({ site, auth: { scriptName: 'pipeline', scriptKey: SECRET, password: SECRET } }, /mixes credential kinds/);
  configError({ site, auth: { login: 'a', password: SECRET, sessionToken: SECRET } }, /mixes/);
  configError({ site, auth: { scriptName: 'pipeline', apiKey: SECRET } }, /unknown field\(s\) apiKey/);
  configError({ site, auth: { login: 'a', password: 42 } }, /auth\.password must be a non-empty string/);
  configError({ site, auth: { sessionToken: '   ' } }, /sessionToken/);
});

test('site: absolute http(s) root URL without credentials', () => {
  configError({ site: '', auth: script }, /site must be an absolute/);
  configError({ site: 'studio.example.com', auth: script }, /site must be an absolute/);
  configError({ site: 'ftp://studio.example.com', auth: script }, /site must be an absolute/);
  configError({ site: `https://user:${SECRET}@studio.example.com`, auth: script }, /must not contain credentials/);
  configError({ site: 'https://studio.example.com/shotgrid', auth: script }, /site root/);
  configError({ site: 'https://studio.example.com/?x=1', auth: script }, /query/);
});

test('other options are checked', () => {
  const base = { site: 'https://studio.example.com', auth: script };
  configError({ ...base, timeouts: { connect: 0 } }, /timeouts\.connect/);
  configError({ ...base, timeouts: { read: 5 } }, /timeouts\.read is not an option/);
  configError({ ...base, retry: { retries: 1.5 } }, /retry\.retries must be an integer/);
  configError({ ...base, retry: { minTimeout: 100, maxTimeout: 10 } }, /maxTimeout/);
  configError({ ...base, maxConnections: 0 }, /maxConnections/);
  configError({ ...base, ca: 'not a pem' }, /ca must be PEM/);
  configError({ ...base, proxy: 'socks://proxy:1080' }, /proxy must be an http/);
  configError({ ...base, userAgent: 'a\r\nx-evil: 1' }, /userAgent/);
  configError({ ...base, sudoAsLogin: '' }, /sudoAsLogin/);
  configError({ ...base, logger: {} }, /logger/);
});

test('valid options construct without any request; /api/v1 suffix and trailing slash are accepted', async () => {
  for (const site of ['https://studio.example.com', 'https://studio.example.com/', 'https://studio.example.com/api/v1/', new URL('https://studio.example.com')]) {
    const client = new ShotGridClient({ site, auth: script, sudoAsLogin: 'jdoe', timeouts: { connect: 500 }, retry: { retries: 0 }, maxConnections: 3 });
    assert.equal(client.siteUrl.href, 'https://studio.example.com/');
    await client.close();
  }
  for (const auth of [{ login: 'a', password: 'b' }, { sessionToken: 'abc' }]) {
    await new ShotGridClient({ site: 'https://studio.example.com', auth }).close();
  }
});

test('plain http warns unless the host is loopback', async () => {
  const warnings: string[] = [];
  const logger = { warn: (m: string) => warnings.push(m) };
  await new ShotGridClient({ site: 'http://127.0.0.1:8080', auth: script, logger }).close();
  await new ShotGridClient({ site: 'http://localhost:8080', auth: script, logger }).close();
  await new ShotGridClient({ site: 'http://[::1]:8080', auth: script, logger }).close();
  assert.equal(warnings.length, 0);
  await new ShotGridClient({ site: 'http://shotgrid.studio.lan', auth: script, logger }).close();
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /plain http/);
  assert.ok(!warnings[0]!.includes(SECRET));
});

test('a closed client refuses calls with SG_CONFIG', async () => {
  const client = new ShotGridClient({ site: 'https://studio.example.com', auth: script });
  await client.close();
  await assert.rejects(client.info(), (e: unknown) => isShotGridError(e) && e.code === 'SG_CONFIG' && /closed/.test(e.message));
});

test('call arguments are checked before any request (SG_CONFIG)', async () => {
  const client = new ShotGridClient({ site: 'http://127.0.0.1:9', auth: script, retry: { retries: 0 } });
  const isConfig = (e: unknown) => isShotGridError(e) && e.code === 'SG_CONFIG';
  await assert.rejects(client.find('Shot', [['code', 'is']]), isConfig);
  await assert.rejects(client.find('Shot', [], { limit: -1 }), isConfig);
  await assert.rejects(client.find('Shot', [], { pageSize: 5001 }), isConfig);
  await assert.rejects(client.find('Shot', [], { fields: 'code' as never }), isConfig);
  await assert.rejects(client.find('../x', []), isConfig);
  await assert.rejects(client.update('Shot', -1, {}), isConfig);
  await assert.rejects(client.summarize('Shot', [], []), isConfig);
  await assert.rejects(client.batch([{ request_type: 'upsert' } as never]), isConfig);
  assert.deepEqual(await client.batch([]), []);
  await client.close();
});
