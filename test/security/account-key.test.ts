// The canonical form of a name that resolves to nobody: spellings a directory treats as one name
// must share one rate gate.
import assert from 'node:assert/strict';
import { canonicalName, domainsOfBaseDn, homeDomainsOf, isLoopback } from '../../daemon/src/recovery/account-key.js';
import { gate } from '../../daemon/src/recovery/rate-limiter.js';

describe('canonical names for rate gates', () => {
  const home = domainsOfBaseDn('OU=People,DC=keyhatch,DC=test');

  it('derives the home domain names from the base DN', () => {
    assert.deepEqual(home, ['keyhatch.test', 'keyhatch']);
  });

  it('folds every common variant of one name together', () => {
    const variants = ['sissi', ' SISSI ', 'KEYHATCH\\ sissi', 'keyhatch \\sissi', 'sissi @keyhatch.test', 'sissi@KEYHATCH.TEST', 'Sissi@keyhatch.test ',
      'ｓｉｓｓｉ', 'ＫＥＹＨＡＴＣＨ＼ｓｉｓｓｉ', 'ｓｉｓｓｉ＠keyhatch.test'];
    for (const v of variants) assert.equal(canonicalName(v, home), 'sissi', JSON.stringify(v));
    assert.equal(canonicalName('STRASSE', home), canonicalName('straße', home), 'full case folding');
    assert.equal(canonicalName('jo  smith', home), 'jo smith');
  });

  it('keeps foreign domains apart', () => {
    assert.equal(canonicalName('OTHER\\sissi', home), 'other\\sissi');
    assert.equal(canonicalName('sissi@other.example', home), 'sissi@other.example');
  });

  it('with several directories, every served domain is home: each one\'s spellings fold together', () => {
    const served = homeDomainsOf({
      directories: [
        { name: 'corp', upnSuffixes: ['corp.example.com'], ad: { baseDn: 'OU=People,DC=keyhatch,DC=test' } },
        { name: 'lab', netbios: 'LAB2', upnSuffixes: [], ad: { baseDn: 'DC=otherlab,DC=test' } },
      ],
      recovery: { domainAliases: ['alias.example'] },
    });
    for (const v of ['KEYHATCH\\ghost', 'keyhatch.test\\ghost', 'ghost@keyhatch.test', 'ghost@corp.example.com', 'LAB2\\ghost', 'otherlab.test\\ghost',
      'ghost@OTHERLAB.TEST', 'ghost@alias.example', 'ghost']) assert.equal(canonicalName(v, served), 'ghost', v);
    // A NetBIOS name the lab does not answer to (its default, replaced by LAB2) stays foreign.
    assert.equal(canonicalName('OTHERLAB\\ghost', served), 'otherlab\\ghost');
    assert.deepEqual(homeDomainsOf({ ad: { baseDn: 'OU=People,DC=keyhatch,DC=test' }, recovery: { domainAliases: [] } }), home);
  });

  it('hashes gate keys (no name in clear in the store)', () => {
    assert.match(gate('user', 'name:sissi'), /^user:[0-9a-f]{32}$/);
    assert.ok(!gate('user', 'name:sissi').includes('sissi'));
  });

  it('never treats a loopback address as an identity', () => {
    for (const a of ['127.0.0.1', '127.0.0.53', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopback(a), true, a);
    for (const a of ['10.0.0.5', '::ffff:10.0.0.5', '2001:db8::1']) assert.equal(isLoopback(a), false, a);
  });
});
