import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShotGridError, isShotGridError, redactUrl } from '../../lib/errors.js';

test('ShotGridError carries code and details as own enumerable properties', () => {
  const err = new ShotGridError('SG_AUTH', 'refused', { status: 400, method: 'POST', path: '/api/v1/auth/access_token', requestId: 'abc' });
  assert.equal(Object.prototype.propertyIsEnumerable.call(err, 'code'), true);
  assert.deepEqual(
    { code: err.code, status: err.status, method: err.method, path: err.path, requestId: err.requestId },
    { code: 'SG_AUTH', status: 400, method: 'POST', path: '/api/v1/auth/access_token', requestId: 'abc' },
  );
  assert.equal(err.name, 'ShotGridError');
  assert.ok(isShotGridError(err));
  assert.ok(!isShotGridError(new Error('x')));
  assert.equal(JSON.parse(JSON.stringify(err)).code, 'SG_AUTH');
});

test('redactUrl hides signatures and credentials but keeps the rest', () => {
  const s = redactUrl('https://bucket.s3.amazonaws.com/key?X-Amz-Signature=deadbeef&X-Amz-Credential=AKIA%2Fx&partNumber=3');
  assert.ok(!s.includes('deadbeef'));
  assert.ok(!s.includes('AKIA'));
  assert.ok(s.includes('partNumber=3'));
  assert.equal(redactUrl('/api/v1/entity/shots/1/_upload?signature=abc&filename=a.mov'), '/api/v1/entity/shots/1/_upload?signature=***&filename=a.mov');
});
