import assert from 'node:assert/strict';
import { KioskLauncher } from '../../daemon/src/platform/kiosk-launcher.js';
import { KioskLaunches } from '../../daemon/src/platform/kiosk-launches.js';
import type { KioskLaunchOptions, KioskProcess, WtsSession } from '../../daemon/src/platform/native-addon.js';
import { MemoryAudit } from '../../daemon/src/log/audit.js';
import { silentLogger } from '../../daemon/src/log/logger.js';
import { freshDir } from '../support/run-dir.js';

function fakeAddon(sessions: WtsSession[]) {
  const launches: KioskLaunchOptions[] = [];
  const killed: number[] = [];
  let pid = 100;
  const exits = new Map<number, (code: number) => void>();
  let failNext = false;
  return {
    launches, killed, exits, failNext: () => { failNext = true; },
    addon: {
      listSessions: async () => sessions,
      launchKiosk: async (o: KioskLaunchOptions): Promise<KioskProcess> => {
        launches.push(o);
        if (failNext) { failNext = false; throw new Error('CreateProcessAsUserW failed'); }
        const me = ++pid;
        const exited = new Promise<number>((resolve) => exits.set(me, resolve));
        return { id: me, pid: me, desktopAccessGranted: true, sid: `S-1-5-21-1-2-3-${1000 + me}`, wait: () => exited, terminate: () => { killed.push(me); }, describe: () => ({ limitFlags: null, activeProcessLimit: null, uiRestrictions: null, activeProcesses: null }) };
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
    const launches = new KioskLaunches();
    const launcher = new KioskLauncher({ addon: f.addon, origin: 'http://localhost:7788', launches, executable: 'C:\\k\\kiosk.exe', account: 'KeyhatchKiosk',
      dataDir: freshDir('launcher'), audit, log: silentLogger, available: async () => true });
    return { f, audit, launcher, launches };
  };

  it('launches into an attached session with the secret only in the environment, as the throwaway account', async () => {
    const { f, audit, launcher } = make();
    await launcher.launchKiosk({ v: 1, type: 'LaunchKiosk', sessionId: 1, scenario: 'unlock', action: 'unlock', user: 'CORP\\alice' });
    const o = f.launches[0]!;
    assert.equal(o.sessionId, 1);
    assert.equal(o.account, 'KeyhatchKiosk');
    assert.equal(o.env?.KEYHATCH_KIOSK_SECRET, o.secret);
    assert.ok(o.secret.length >= 43);
    assert.ok(!(o.args ?? []).join(' ').includes(o.secret) && !o.url.includes(o.secret));
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

  it('mints a secret per launch that dies when its kiosk exits, crashes or is replaced', async () => {
    const { f, launcher, launches } = make();
    await launcher.launchKiosk({ v: 1, type: 'LaunchKiosk', sessionId: 1, scenario: 'logon', action: 'reset' });
    const first = f.launches[0]!.secret;
    const firstLaunch = launches.identify(first);
    assert.ok(firstLaunch, 'the running kiosk is identified');
    await launcher.launchKiosk({ v: 1, type: 'LaunchKiosk', sessionId: 1, scenario: 'logon', action: 'reset' });
    const second = f.launches[1]!.secret;
    assert.notEqual(first, second);
    assert.equal(launches.identify(first), undefined, 'the replaced kiosk lost its secret');
    assert.notEqual(launches.identify(second)?.id, firstLaunch.id);
    f.exits.get(102)!(0xc0000005); // crash
    await new Promise((r) => setImmediate(r));
    assert.equal(launches.identify(second), undefined, 'a crashed kiosk lost its secret');
    assert.equal(launches.size, 0);
  });

  it('a launch that fails to start leaves no live secret', async () => {
    const { f, launcher, launches } = make();
    f.failNext();
    await assert.rejects(launcher.launchKiosk({ v: 1, type: 'LaunchKiosk', sessionId: 1, scenario: 'logon', action: 'reset' }));
    assert.equal(launches.identify(f.launches[0]!.secret), undefined);
    assert.equal(launches.size, 0);
  });

  it('stopAll voids every secret', async () => {
    const { f, launcher, launches } = make();
    await launcher.launchKiosk({ v: 1, type: 'LaunchKiosk', sessionId: 1, scenario: 'logon', action: 'reset' });
    launcher.stopAll();
    assert.equal(launches.identify(f.launches[0]!.secret), undefined);
  });
});
