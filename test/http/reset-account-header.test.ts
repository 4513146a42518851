// The gateway → relay reset-account header: what the relay accepts, and that anything malformed
// or hostile (a relay must never act on a guess) decodes to nothing.
import assert from 'node:assert/strict';
import { decodeResetAccount, encodeResetAccount } from '../../daemon/src/http/reset-account-header.js';
import { windowsAccountOf } from '../../daemon/src/directory/windows-account.js';
import { toEntraUser } from '../../daemon/src/directory/entra/entra-user.js';

const SID = 'S-1-5-21-1004336348-1177238915-682003330-1104';
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('reset account (SID, NetBIOS domain, account) from gateway to relay', () => {
  it('round-trips an AD account, also with a non-ASCII name', () => {
    for (const a of [{ sid: SID, domain: 'CORP', account: 'alice', dnsDomain: 'corp.example.com' }, { sid: SID, account: 'rené' }, { sid: SID }]) {
      assert.deepEqual(decodeResetAccount(encodeResetAccount(a)), a);
    }
  });

  it('decodes anything malformed to undefined', () => {
    for (const bad of [undefined, '', 'not base64!', ['x'], b64(null), b64('S-1-5-18'), b64({ sid: 'S-1-5-18' }), b64({ sid: 'S-1-5-21-1-2-3' }),
      b64({ sid: SID, domain: 'CORP\\X' }), b64({ sid: SID, domain: 'A'.repeat(16) }), b64({ sid: SID, account: 'a\u0000b' }), b64({ sid: SID, account: 'a\\b' }),
      b64({ sid: SID, account: '' }), b64({ sid: SID, dnsDomain: 'bad domain' }), 'A'.repeat(4000)]) {
      assert.equal(decodeResetAccount(bad), undefined, JSON.stringify(bad));
    }
  });

  it('a DirectoryUser has a Windows account only with a domain SID: AD users, Entra users synced from AD', () => {
    assert.deepEqual(windowsAccountOf({ id: 'CN=a,OU=People,DC=corp,DC=example', sid: SID, accountName: 'a', netbiosDomain: 'CORP', dnsDomain: 'corp.example' } as never),
      { sid: SID, domain: 'CORP', account: 'a', dnsDomain: 'corp.example' });
    assert.equal(windowsAccountOf({ id: 'x', sid: 'S-1-5-18' }), undefined, 'a well-known SID is nobody\'s tile');
    const synced = toEntraUser({ id: 'e1', userPrincipalName: 'a@corp.example', onPremisesSyncEnabled: true, onPremisesSamAccountName: 'a', onPremisesSecurityIdentifier: SID, onPremisesDistinguishedName: 'CN=a,DC=corp,DC=example', onPremisesDomainName: 'corp.example' });
    assert.deepEqual(windowsAccountOf(synced), { sid: SID, account: 'a', dnsDomain: 'corp.example' }, 'no NetBIOS domain from Graph: no cache refresh');
    assert.equal(windowsAccountOf(toEntraUser({ id: 'e2', userPrincipalName: 'c@corp.example' })), undefined, 'cloud-only');
  });
});
