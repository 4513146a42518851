// The `directories` form of the configuration: validation names the key, the single-directory
// form keeps working, and cross-entry clashes (names, domains, suffixes) are refused.
import assert from 'node:assert/strict';
import { validateConfig, loadConfig } from '../../daemon/src/config/load.js';
import { KeyhatchError } from '../../daemon/src/errors/catalogue.js';
import { directoryNames } from '../../daemon/src/config/directory-names.js';
import { freshDir } from '../support/run-dir.js';

const adA = { urls: ['ldaps://dc1.corp.example.com'], baseDn: 'OU=People,DC=corp,DC=example,DC=com', bindDn: 'svc@corp.example.com' };
const adB = { urls: ['ldaps://dc1.lab.example.net'], baseDn: 'DC=lab,DC=example,DC=net', bindDn: 'svc@lab.example.net' };
const entra = { tenantId: 't', clientId: 'c', clientSecret: 's' };

function rejects(raw: Record<string, unknown>, re: RegExp): void {
  assert.throws(() => validateConfig({ dataDir: freshDir('cfg'), ...raw }), (e: KeyhatchError) => {
    assert.equal(e.code, 'CONFIG_INVALID');
    assert.match(e.message, re);
    return true;
  });
}

describe('configuration: several directories', () => {
  it('accepts AD, Entra and hybrid entries with routing defaults', () => {
    const c = validateConfig({ dataDir: freshDir('cfg'), directories: [
      { name: 'corp', ad: adA, upnSuffixes: ['Example.COM'] },
      { name: 'lab', netbios: 'labnet', ad: adB, entra },
      { name: 'cloud', entra, upnSuffixes: ['cloud.example.org'] },
    ] });
    assert.equal(c.directoryRouting.ambiguous, 'refuse', 'fail closed by default');
    assert.equal(c.directories?.[0]?.ad?.resetStrategy, 'auto', 'entries get the usual ad defaults');
    assert.deepEqual(directoryNames(c.directories![0]!), { name: 'corp', prefixes: ['CORP', 'CORP.EXAMPLE.COM'], upnSuffixes: ['corp.example.com', 'example.com'] });
    assert.deepEqual(directoryNames(c.directories![1]!).prefixes, ['LABNET', 'LAB.EXAMPLE.NET']);
    assert.deepEqual(directoryNames(c.directories![2]!), { name: 'cloud', prefixes: [], upnSuffixes: ['cloud.example.org'] });
  });

  it('names the key of every problem', () => {
    rejects({ directories: [{ name: 'corp', ad: adA }, { name: 'lab', ad: { ...adB, baseDn: '' } }] }, /directories\.1\.ad\.baseDn: /);
    rejects({ directories: [{ name: 'corp', ad: { ...adA, urls: ['http://dc'] } }] }, /directories\.0\.ad\.urls\.0: must be ldaps:/);
    rejects({ directories: [{ name: 'Corp!', ad: adA }] }, /directories\.0\.name: must be 1-32 lower-case/);
    rejects({ directories: [{ name: 'corp' }] }, /directories\.0: needs ad, entra or both/);
    rejects({ directories: [{ name: 'cloud', entra }] }, /directories\.0\.upnSuffixes: an Entra-only directory needs/);
    rejects({ directories: [{ name: 'corp', ad: adA, upnSuffixes: ['not a domain'] }] }, /directories\.0\.upnSuffixes\.0: must be a DNS domain name/);
    rejects({ directories: [{ name: 'corp', ad: adA, bindPassword: 'x' }] }, /directories\.0: unknown key\(s\) "bindPassword"/);
    rejects({ directories: [] }, /directories: needs at least one directory/);
    rejects({ directories: [{ name: 'corp', ad: adA }], directoryRouting: { ambiguous: 'ask' } }, /directoryRouting\.ambiguous: /);
  });

  it('refuses two directories claiming one name, domain or UPN suffix', () => {
    rejects({ directories: [{ name: 'corp', ad: adA }, { name: 'corp', ad: adB }] }, /directories\.1\.name: "corp" is already the name of directories\.0/);
    rejects({ directories: [{ name: 'corp', ad: adA }, { name: 'lab', ad: adB, netbios: 'CORP' }] }, /directories\.1\.netbios: domain name "CORP" is already routed to directory "corp"/);
    rejects({ directories: [{ name: 'corp', ad: adA }, { name: 'lab', ad: adB, upnSuffixes: ['corp.example.com'] }] }, /directories\.1\.upnSuffixes\.0: UPN suffix "corp.example.com" is already routed to directory "corp"/);
    rejects({ directories: [{ name: 'corp', ad: adA }, { name: 'corp2', ad: { ...adA, baseDn: 'OU=Staff,DC=corp,DC=example,DC=com' } }] }, /directories\.1\.ad\.baseDn: domain name "CORP" is already routed/);
  });

  it('keeps the single-directory form (file and KEYHATCH_AD_* variables) and refuses mixing the two forms', async () => {
    const legacy = await loadConfig({ env: { KEYHATCH_AD_URL: 'ldaps://dc', KEYHATCH_AD_BASE_DN: 'DC=x', KEYHATCH_AD_BIND_DN: 'svc@x', KEYHATCH_DATA_DIR: freshDir('cfg') } });
    assert.equal(legacy.directories, undefined);
    assert.equal(legacy.ad?.baseDn, 'DC=x');
    rejects({ ad: adA, directories: [{ name: 'lab', ad: adB }] }, /ad: cannot be combined with "directories"/);
  });
});
