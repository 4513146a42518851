// AD single sign-on set-up: the keytab and the service principal are checked when the gateway starts
// (and by doctor), each refusal a CONFIG_INVALID that names the key; `adminConsole.negotiate` in the schema.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig } from '../../../../daemon/src/config/load.js';
import { adSingleSignOn } from '../../../../daemon/src/directory/ad/kerberos/single-sign-on.js';
import { isKeyhatchError } from '../../../../daemon/src/errors/catalogue.js';
import { freshDir } from '../../../support/run-dir.js';
import { apReq, keytab, krb5Token, spnegoToken } from './token-builder.js';

const KEY = Buffer.alloc(32, 0x42);
const replay = { claim: async () => true };
const now = () => Date.now();

function keytabFile(entries: Parameters<typeof keytab>[0], mode = 0o600): string {
  const file = join(freshDir('keytab-unit'), 'http.keytab');
  writeFileSync(file, keytab(entries), { mode });
  return file;
}
const aes = [{ principal: ['HTTP', 'gw.keyhatch.test'], realm: 'KEYHATCH.TEST', etype: 18, key: KEY, kvno: 3 }];
const configError = (re: RegExp) => (err: unknown) => isKeyhatchError(err, 'CONFIG_INVALID') && re.test(err.message);

describe('AD single sign-on set-up (keytab, service principal)', () => {
  it('accepts a ticket and names the account as REALM\\name for findUser', async () => {
    const sso = adSingleSignOn({ keytabFile: keytabFile(aes), servicePrincipal: 'HTTP/gw.keyhatch.test@KEYHATCH.TEST' }, 'keyhatch.test', replay, now);
    assert.equal(sso.describe, 'HTTP/gw.keyhatch.test@KEYHATCH.TEST: etype 18 kvno 3');
    const token = spnegoToken(krb5Token(apReq({ serviceKey: KEY, kvno: 3, cname: 'kim' }))).toString('base64');
    assert.deepEqual(await sso.accept(token), { username: 'KEYHATCH.TEST\\kim', principal: 'kim@KEYHATCH.TEST' });
  });

  it('refuses a keytab group or others may read (POSIX), an unreadable or broken one', function () {
    if (process.platform === 'win32') this.skip();
    const spn = 'HTTP/gw.keyhatch.test@KEYHATCH.TEST';
    assert.throws(() => adSingleSignOn({ keytabFile: keytabFile(aes, 0o644), servicePrincipal: spn }, 'keyhatch.test', replay, now), configError(/adminConsole\.negotiate\.keytabFile: .* may be read by other users/));
    assert.throws(() => adSingleSignOn({ keytabFile: keytabFile(aes, 0o640), servicePrincipal: spn }, 'keyhatch.test', replay, now), configError(/read by other users/));
    assert.throws(() => adSingleSignOn({ keytabFile: '/nonexistent/http.keytab', servicePrincipal: spn }, 'keyhatch.test', replay, now), configError(/cannot read .*ENOENT/));
    const broken = join(freshDir('keytab-unit'), 'broken.keytab');
    writeFileSync(broken, Buffer.from([5, 2, 0, 0, 0, 50, 1]), { mode: 0o600 });
    assert.throws(() => adSingleSignOn({ keytabFile: broken, servicePrincipal: spn }, 'keyhatch.test', replay, now), configError(/past the end/));
  });

  it('refuses a keytab without an AES key for the principal, and a principal of another realm', () => {
    const rc4 = keytabFile([{ principal: ['HTTP', 'gw.keyhatch.test'], realm: 'KEYHATCH.TEST', etype: 23, key: Buffer.alloc(16), kvno: 2 }]);
    assert.throws(() => adSingleSignOn({ keytabFile: rc4, servicePrincipal: 'HTTP/gw.keyhatch.test@KEYHATCH.TEST' }, 'keyhatch.test', replay, now), configError(/no AES key .* msDS-SupportedEncryptionTypes=24/));
    assert.throws(() => adSingleSignOn({ keytabFile: keytabFile(aes), servicePrincipal: 'HTTP/other.keyhatch.test@KEYHATCH.TEST' }, 'keyhatch.test', replay, now), configError(/no AES key/));
    assert.throws(() => adSingleSignOn({ keytabFile: keytabFile(aes), servicePrincipal: 'HTTP/gw.keyhatch.test@OTHER.TEST' }, 'keyhatch.test', replay, now), configError(/realm OTHER\.TEST is not the directory's \(KEYHATCH\.TEST\)/));
  });

  it('validates adminConsole.negotiate in the configuration schema', () => {
    const base = { role: 'standalone', dataDir: freshDir('sso-config'), ad: { urls: ['ldaps://dc.keyhatch.test'], baseDn: 'DC=keyhatch,DC=test', bindDn: 'CN=svc,DC=keyhatch,DC=test', bindPassword: 'x' } };
    const ok = validateConfig({ ...base, adminConsole: { negotiate: { keytabFile: '/etc/keyhatch/http.keytab', servicePrincipal: 'HTTP/gw.keyhatch.test@KEYHATCH.TEST' } } });
    assert.equal(ok.adminConsole.negotiate?.servicePrincipal, 'HTTP/gw.keyhatch.test@KEYHATCH.TEST');
    assert.throws(() => validateConfig({ ...base, adminConsole: { negotiate: { keytabFile: '/k', servicePrincipal: 'gw.keyhatch.test' } } }), /adminConsole\.negotiate\.servicePrincipal.*HTTP\/host\.example\.com@REALM/);
    assert.throws(() => validateConfig({ ...base, adminConsole: { negotiate: { servicePrincipal: 'HTTP/gw@R' } } }), /adminConsole\.negotiate\.keytabFile/);
  });
});
