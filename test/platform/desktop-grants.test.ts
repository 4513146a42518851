import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DesktopGrants } from '../../daemon/src/platform/desktop-grants.js';
import { KioskLauncher } from '../../daemon/src/platform/kiosk-launcher.js';
import { KioskLaunches } from '../../daemon/src/platform/kiosk-launches.js';
import type { KioskProcess } from '../../daemon/src/platform/native-addon.js';
import { MemoryAudit } from '../../daemon/src/log/audit.js';
import { silentLogger } from '../../daemon/src/log/logger.js';
import { freshDir } from '../support/run-dir.js';

// The Win32 side (ACEs really removed from the DACLs) is test/native/addon.security.test.ts.
function revoker() {
  const calls: Array<[string, number]> = [];
  let failing = false;
  return {
    calls,
    fail: (on: boolean) => { failing = on; },
    addon: {
      revokeDesktopAccess: async (sid: string, sessionId: number) => {
        calls.push([sid, sessionId]);
        if (failing) throw new Error('OpenWindowStationW failed: 2');
      },
    },
  };
}

describe('kiosk desktop grants (revoked on exit, crash and at service start)', () => {
  it('records each granted launch, revokes it when the kiosk exits or crashes, and forgets it', async () => {
    const dataDir = freshDir('grants');
    const r = revoker();
    const grants = new DesktopGrants(dataDir, r.addon);
    const exits = new Map<number, (code: number) => void>();
    let pid = 500;
    const launcher = new KioskLauncher({
      addon: {
        listSessions: async () => [{ sessionId: 1, state: 'active', winStation: 'Console', current: false }, { sessionId: 2, state: 'active', winStation: 'RDP', current: false }],
        launchKiosk: async (): Promise<KioskProcess> => {
          const me = ++pid;
          const exited = new Promise<number>((resolve) => exits.set(me, resolve));
          return { id: me, pid: me, desktopAccessGranted: true, sid: 'S-1-5-21-7-8-9-1001', wait: () => exited, terminate: () => undefined,
            describe: () => ({ limitFlags: null, activeProcessLimit: null, uiRestrictions: null, activeProcesses: null }) };
        },
      },
      origin: 'http://localhost:1', launches: new KioskLaunches(), executable: 'k.exe', account: 'KeyhatchKiosk', dataDir,
      audit: new MemoryAudit(), log: silentLogger, available: async () => true, grants,
    });
    await launcher.launchKiosk({ v: 1, type: 'LaunchKiosk', sessionId: 1, scenario: 'unlock', action: 'unlock' });
    await launcher.launchKiosk({ v: 1, type: 'LaunchKiosk', sessionId: 2, scenario: 'logon', action: 'reset' });
    assert.deepEqual(grants.pending(), [{ sid: 'S-1-5-21-7-8-9-1001', sessionId: 1 }, { sid: 'S-1-5-21-7-8-9-1001', sessionId: 2 }]);
    assert.deepEqual(r.calls, []);
    exits.get(501)!(0);
    exits.get(502)!(0xc0000005); // crash
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(r.calls, [['S-1-5-21-7-8-9-1001', 1], ['S-1-5-21-7-8-9-1001', 2]]);
    assert.deepEqual(grants.pending(), []);
  });

  it('does not revoke the ACEs a newer kiosk in the same session holds (a second click replaces the first)', async () => {
    const dataDir = freshDir('grants-replace');
    const r = revoker();
    const grants = new DesktopGrants(dataDir, r.addon);
    const exits = new Map<number, (code: number) => void>();
    let pid = 700;
    const launcher = new KioskLauncher({
      addon: {
        listSessions: async () => [{ sessionId: 1, state: 'active', winStation: 'Console', current: false }],
        launchKiosk: async (): Promise<KioskProcess> => {
          const me = ++pid;
          const exited = new Promise<number>((resolve) => exits.set(me, resolve));
          // The job kills the replaced kiosk: its wait() resolves once it is terminated.
          return { id: me, pid: me, desktopAccessGranted: true, sid: 'S-1-5-21-7-8-9-1001', wait: () => exited, terminate: () => exits.get(me)!(1),
            describe: () => ({ limitFlags: null, activeProcessLimit: null, uiRestrictions: null, activeProcesses: null }) };
        },
      },
      origin: 'http://localhost:1', launches: new KioskLaunches(), executable: 'k.exe', account: 'KeyhatchKiosk', dataDir,
      audit: new MemoryAudit(), log: silentLogger, available: async () => true, grants,
    });
    await launcher.launchKiosk({ v: 1, type: 'LaunchKiosk', sessionId: 1, scenario: 'unlock', action: 'unlock' });
    await launcher.launchKiosk({ v: 1, type: 'LaunchKiosk', sessionId: 1, scenario: 'unlock', action: 'unlock' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(r.calls, [], 'the first kiosk\'s end must not strip the second kiosk\'s ACEs');
    assert.deepEqual(grants.pending(), [{ sid: 'S-1-5-21-7-8-9-1001', sessionId: 1 }]);
    exits.get(702)!(0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(r.calls, [['S-1-5-21-7-8-9-1001', 1]]);
    assert.deepEqual(grants.pending(), []);
  });

  it('keeps a grant whose revocation failed and revokes it at the next service start', async () => {
    const dataDir = freshDir('grants-left');
    const first = revoker();
    const grants = new DesktopGrants(dataDir, first.addon);
    grants.record({ sid: 'S-1-5-21-7-8-9-1001', sessionId: 3 });
    first.fail(true);
    await assert.rejects(grants.revoke({ sid: 'S-1-5-21-7-8-9-1001', sessionId: 3 }), /OpenWindowStationW/);
    assert.ok(fs.existsSync(path.join(dataDir, 'kiosk-desktop-grants.json')));
    // Next run (a new process, the same data dir).
    const second = revoker();
    const again = new DesktopGrants(dataDir, second.addon);
    assert.deepEqual(await again.revokeLeftovers(), []);
    assert.deepEqual(second.calls, [['S-1-5-21-7-8-9-1001', 3]]);
    assert.deepEqual(again.pending(), []);
  });

  it('reports leftovers it could not revoke (their session is gone) and does not retry them forever', async () => {
    const dataDir = freshDir('grants-gone');
    const r = revoker();
    const grants = new DesktopGrants(dataDir, r.addon);
    grants.record({ sid: 'S-1-5-21-7-8-9-1001', sessionId: 4 });
    r.fail(true);
    const failed = await grants.revokeLeftovers();
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.sessionId, 4);
    assert.deepEqual(grants.pending(), []);
  });
});
