import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../daemon/src/log/logger.js';
import { createAuditLog } from '../../daemon/src/log/audit.js';
import { redact } from '../../daemon/src/log/redact.js';
import { freshDir, filesContainingSecrets } from '../support/run-dir.js';

describe('logs never carry secrets', () => {
  it('redacts secret-looking fields at any depth in diagnostic and audit logs, at debug level', async () => {
    const dir = freshDir('redact');
    const secret = 'Hunter2-Very-Secret!';
    const log = createLogger({ dir, level: 'debug', console: false });
    log.debug('binding', { bindPassword: secret, nested: { newPassword: secret, otp: secret, answers: [secret] }, clientSecret: secret, code: 'PASSWORD_POLICY' });
    const audit = createAuditLog(dir);
    audit.write({ action: 'x', actor: 'a', result: 'info', correlationId: 'c', details: { token: secret, password: secret } });
    await log.close();
    await audit.close();
    assert.deepEqual(filesContainingSecrets(dir, [secret]), []);
    const text = readFileSync(join(dir, 'keyhatch.log'), 'utf8');
    assert.match(text, /"code":"PASSWORD_POLICY"/, 'error codes are not secrets');
    assert.match(text, /\[redacted\]/);
  });
  it('keeps ordinary fields', () => {
    assert.deepEqual(redact({ user: 'alice', reasonCode: 'X', list: [{ pwd: 'p' }] }), { user: 'alice', reasonCode: 'X', list: [{ pwd: '[redacted]' }] });
  });
  it('the grep itself finds a secret written as UTF-8, UTF-16LE or base64 (so the run-wide check can fail)', () => {
    const dir = freshDir('grep');
    const secret = 'Planted-Secret-123';
    writeFileSync(join(dir, 'a.log'), `{"msg":"${secret}"}`);
    writeFileSync(join(dir, 'b.log'), Buffer.from(`"${secret}"`, 'utf16le'));
    writeFileSync(join(dir, 'c.log'), Buffer.from(secret).toString('base64'));
    writeFileSync(join(dir, 'd.log'), 'nothing here');
    assert.equal(filesContainingSecrets(dir, [secret]).length, 3);
  });
});
