// The kiosk user's ACEs are revoked again: the ACE editing behind GrantDesktopAccess /
// RevokeDesktopAccess (desktop_access.cc, linked into desktop-grant-revoke.exe), read back after
// each step. Wine keeps no security descriptor on window stations or desktops (WinSta0\Default
// reads back as "", and SetSecurityInfo on them is not kept), so the same code runs on a kernel
// object here; on the real WinSta0\Winlogon it is a manual Windows check (docs/native.md).
import assert from 'node:assert/strict';
import path from 'node:path';
import { buildNative, installFile, repoRoot, wine, winePrefix } from './support/wine.js';

describe('desktop ACE grant and revocation (Wine)', function () {
  this.timeout(240_000);

  it('grants the kiosk user an ACE, revokes every ACE naming it leaving the rest as it was, and a second revoke is a no-op', async () => {
    buildNative('addon');
    const prefix = await winePrefix();
    const exe = installFile(prefix, path.join(repoRoot, 'native/addon/build/desktop-grant-revoke.exe'));
    const r = await wine(prefix, [exe]);
    assert.equal(r.code, 0, r.stderr);
    const v = JSON.parse(r.stdout.trim()) as { ok: boolean; sid: string; before: string; granted: string; revoked: string; again: string; winsta0: { read: boolean; station: string; desktop: string } };
    assert.ok(v.ok, r.stdout);
    const names = (sddl: string): boolean => sddl.includes(`;;;${v.sid})`);
    assert.match(v.before, /^D:\(A;;[^;]+;;;SY\)\(A;;[^;]+;;;BA\)$/, r.stdout);
    assert.ok(names(v.granted), `granted: ${r.stdout}`);
    assert.ok(!names(v.revoked), `revoked: ${r.stdout}`);
    assert.equal(v.revoked, v.before);
    assert.equal(v.again, v.before);
    // Why the window objects themselves are not used here (if Wine ever keeps their DACLs, move
    // this test onto WinSta0\Default).
    assert.deepEqual(v.winsta0, { read: true, station: '', desktop: '' });
  });
});
