import assert from 'node:assert/strict';
import { KioskLauncher } from '../../daemon/src/platform/kiosk-launcher.js';
import type { KioskLaunchOptions, KioskProcess, WtsSession } from '../../daemon/src/platform/native-addon.js';
import { MemoryAudit } from '../../daemon/src/log/audit.js';
import { silentLogger } from '../../daemon/src/log/logger.js';
import { freshDir } from '../support/run-dir.js';

function fakeAddon(sessions: WtsSession[]) {
  const launches: KioskLaunchOptions[] = [];
  const killed: number[] = [];
  let pid = 100;
  return {
    launches, killed,
    addon: {
      listSessions: async () => sessions,
      launchKiosk: async (o: KioskLaunchOptions): Promise<KioskProcess> => {
        launches.push(o);
        const me = ++pid;
        return { id: me, pid: me, desktopAccessGranted: true, wait: () => new Promise(() => undefined), terminate: () => { killed.push(me); }, describe: () => ({ limitFlags: null, activeProcessLimit: null, uiRestrictions: null, activeProcesses: null }) };
      },
    },
  };
}

describe('kiosk launcher (pipe handler)', () => {
  const sessions: WtsSession[] = [
    { sessionId: 0, state: 'disconnected', winStation: 'Services', current: true },
    { sessionId: 1, state: 'active', winStation: 'Console', current: false },
    { sessionId: 2, state: 'listen', winStation: 'RDP-Tcp', current: false },
  ];
  const make = () => {
    const f = fakeAddon(sessions);
    const audit = new MemoryAudit();
    const launcher = new KioskLauncher({ addon: f.addon, origin: 'http://localhost:7788', secret: 'per-launch-secret-abc', executable: 'C:\\k\\kiosk.exe', account: 'KeyhatchKiosk',
      dataDir: freshDir('launcher'), audit, log: silentLogger, available: async () => true });
    return { f, audit, launcher };
  };

  it('launches into an attached session with the secret only in the environment, as the throwaway account', async () => {
    const { f, audit, launcher } = make();
    await launcher.launchKiosk({ v: 1, type: 'LaunchKiosk', sessionId: 1, scenario: 'unlock', action: 'unlock', user: 'CORP\\alice' });
    const o = f.launches[0]!;
    assert.equal(o.sessionId, 1);
    assert.equal(o.account, 'KeyhatchKiosk');
    assert.equal(o.secret, 'per-launch-secret-abc');
    assert.ok(!(o.args ?? []).join(' ').includes('per-launch-secret-abc') && !o.url.includes('per-launch-secret-abc'));
    assert.equal(o.url, 'http://localhost:7788/kiosk/?action=unlock&scenario=unlock&user=CORP%5Calice');
    // What the Electron shell reads (parseLaunch in kiosk-ui/src/electron/policy.ts).
    const { parseLaunch } = await import('../../kiosk-ui/src/electron/policy.js');
    const launch = parseLaunch(['kiosk.exe', ...(o.args ?? [])], o.env ?? {});
    assert.equal(launch.origin, 'http://localhost:7788');
    assert.match(o.env?.APPDATA ?? '', /kiosk[/\\]1[/\\]AppData$/);
    assert.equal(audit.events[0]?.action, 'kiosk.launch');
    assert.equal(audit.events[0]?.result, 'success');
  });

  it('refuses session 0, listening and unknown sessions', async () => {
    const { f, audit, launcher } = make();
    for (const sessionId of [0, 2, 9]) {
      await assert.rejects(launcher.launchKiosk({ v: 1, type: 'LaunchKiosk', sessionId, scenario: 'logon', action: 'reset' }));
    }
    assert.equal(f.launches.length, 0);
    assert.equal(audit.events.filter((e) => e.result === 'refused').length, 3);
  });

  it('keeps one kiosk per session: a second click replaces the first', async () => {
    const { f, launcher } = make();
    await launcher.launchKiosk({ v: 1, type: 'LaunchKiosk', sessionId: 1, scenario: 'logon', action: 'reset' });
    await launcher.launchKiosk({ v: 1, type: 'LaunchKiosk', sessionId: 1, scenario: 'logon', action: 'reset' });
    assert.deepEqual(f.killed, [101]);
    launcher.stopAll();
    assert.deepEqual(f.killed, [101, 102]);
  });
});
