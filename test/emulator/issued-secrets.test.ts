/**
 * `emulator.issued()`: every access and refresh token the token endpoint hands out, and every
 * signature of a signed storage URL (S3-style `X-Amz-Signature`, and the `sg` storage's own upload
 * links), so leak tests can look for the real values.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../emulator/index.js';
import { ShotGridClient } from '../../lib/index.js';

let emulator: Emulator;
let dir: string;
before(async () => {
  emulator = await startEmulator({ transcodeDelay: 50 });
  dir = mkdtempSync(join(tmpdir(), 'sg-issued-'));
  writeFileSync(join(dir, 'clip.mov'), Buffer.alloc(1024, 'c'));
});
after(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

async function grant(body: Record<string, string>): Promise<{ access_token: string; refresh_token: string }> {
  const res = await fetch(`${emulator.url}/api/v1/auth/access_token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body) });
  assert.equal(res.status, 200);
  return (await res.json()) as { access_token: string; refresh_token: string };
}

test('token grants: the access and refresh tokens are listed', async () => {
  const first = await grant({ grant_type: 'client_credentials', client_id: emulator.credentials.scriptName, client_secret: emulator.credentials.scriptKey });
  const renewed = await grant({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
  const issued = emulator.issued();
  for (const t of [first, renewed]) {
    assert.ok(issued.accessTokens.includes(t.access_token));
    assert.ok(issued.refreshTokens.includes(t.refresh_token));
  }
  assert.ok(!issued.accessTokens.includes(emulator.credentials.scriptKey));
});

test('signed URLs: upload links and field URLs of both storage modes are listed by signature', async () => {
  const sg = new ShotGridClient({ site: emulator.url, auth: { scriptName: emulator.credentials.scriptName, scriptKey: emulator.credentials.scriptKey } });
  try {
    const [project] = await sg.find('Project', null, { limit: 1 });
    for (const storage of ['s3', 'sg'] as const) {
      emulator.configure({ storage });
      const before = emulator.issued().signatures.length;
      const version = await sg.create('Version', { code: `issued_${storage}`, project: { type: 'Project', id: project!.id } });
      await sg.upload({ type: 'Version', id: version.id, field: 'sg_uploaded_movie' }, join(dir, 'clip.mov'));
      assert.ok(emulator.issued().signatures.length > before, `${storage}: the upload link's signature is not listed`);
      const read = await sg.findOne('Version', [['id', 'is', version.id]], { fields: ['sg_uploaded_movie'] });
      const url = new URL((read!.sg_uploaded_movie as { url: string }).url);
      const signature = url.searchParams.get('X-Amz-Signature') ?? url.searchParams.get('signature');
      assert.ok(signature, `${storage}: the field URL is not signed: ${url.pathname}`);
      assert.ok(emulator.issued().signatures.includes(signature), `${storage}: the field URL's signature is not listed`);
    }
  } finally {
    emulator.configure({ storage: 's3' });
    await sg.close();
  }
});
