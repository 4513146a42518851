// The MSI: its tables (msiinfo export), then a real install, policy, upgrade, downgrade and
// uninstall under Wine (msiexec /qn). What Wine cannot show is listed in docs/windows-deployment.md.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { bundleForWindowsNode, regQuery, repoRoot, waitForFile, wine, wineBackground, winePrefix, type WinePrefix } from '../native/support/wine.js';
import { buildMsi, msiTable } from './support/msi.js';

const CLSID = '{3473571D-253A-498A-ADA7-18B1924569EA}';
const PROVIDER_KEY = `HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Authentication\\Credential Providers\\${CLSID}`;

describe('MSI tables (msiinfo export)', function () {
  this.timeout(300_000);
  let msi = '';
  let output = '';
  before(() => ({ msi, output } = buildMsi('0.1.0')));

  it('the build says plainly what it lacks (no Electron runtime here)', () => {
    assert.match(output, /NOT the Electron runtime/);
  });

  it('installs the service Keyhatch: own process, automatic start, LocalSystem, started at install, stopped and removed at uninstall', () => {
    const [svc] = msiTable(msi, 'ServiceInstall');
    assert.equal(svc?.Name, 'Keyhatch');
    assert.equal(svc?.ServiceType, '16');
    assert.equal(svc?.StartType, '2');
    assert.equal(svc?.StartName, 'LocalSystem');
    const controls = msiTable(msi, 'ServiceControl');
    const events = controls.reduce((acc, c) => acc | Number(c.Event), 0);
    // 0x1 start on install, 0x2|0x20 stop on install and uninstall, 0x80 delete on uninstall
    assert.equal(events & 0xa3, 0xa3, `ServiceControl events ${events.toString(16)}`);
  });

  it('ships the runtime, daemon, addon, session helper, provider, kiosk pages and all five ADML languages', () => {
    const files = new Set(msiTable(msi, 'File').map((f) => f.FileName?.split('|').pop()));
    for (const f of ['keyhatch-service.exe', 'node.exe', 'keyhatch.cjs', 'keyhatch-cli.cjs', 'keyhatch.cmd', 'keyhatch_native.node', 'keyhatch-session-helper.exe', 'KeyhatchCredentialProvider.dll', 'Keyhatch.admx', 'Keyhatch.adml', 'index.html', 'kiosk.main.mjs']) {
      assert.ok(files.has(f), `File table lacks ${f}`);
    }
    assert.equal(msiTable(msi, 'File').filter((f) => f.FileName?.endsWith('Keyhatch.adml')).length, 5);
  });

  it('registers the provider and its class in the DLL\'s own component, and the Event Log source', () => {
    // wixl writes keys with a trailing backslash, which the registry ignores.
    const reg = msiTable(msi, 'Registry').map((r): Record<string, string | undefined> => ({ ...r, Key: r.Key?.replace(/\\$/, '') }));
    const dllComponent = msiTable(msi, 'File').find((f) => f.FileName?.endsWith('KeyhatchCredentialProvider.dll'))?.Component_;
    const provider = reg.find((r) => r.Key === `SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Authentication\\Credential Providers\\${CLSID}`);
    const inproc = reg.find((r) => r.Key === `SOFTWARE\\Classes\\CLSID\\${CLSID}\\InprocServer32` && !r.Name);
    assert.equal(provider?.Component_, dllComponent);
    assert.equal(inproc?.Component_, dllComponent);
    assert.equal(inproc?.Value, '[#ProviderDll]');
    assert.ok(reg.some((r) => r.Key === 'SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\Keyhatch' && r.Name === 'EventMessageFile'));
  });

  it('sequence: old version out before the new goes in; provider registration removed before its DLL; deferred actions inside the script', () => {
    const seq = new Map(msiTable(msi, 'InstallExecuteSequence').map((r) => [r.Action as string, Number(r.Sequence)]));
    const at = (a: string): number => { const n = seq.get(a); assert.ok(n !== undefined, `no ${a}`); return n; };
    assert.ok(at('RemoveExistingProducts') > at('InstallValidate') && at('RemoveExistingProducts') < at('InstallInitialize'));
    assert.ok(at('StopServices') < at('RemoveRegistryValues') && at('RemoveRegistryValues') < at('RemoveFiles'));
    for (const a of ['ConfigureService', 'JoinGateway', 'Preflight']) assert.ok(at(a) > at('InstallInitialize') && at(a) < at('InstallFinalize'), a);
    assert.ok(at('InstallServices') < at('ConfigureService') && at('JoinGateway') < at('StartServices') && at('Preflight') > at('StartServices'));
  });

  it('workstations: the kiosk account is ensured (created disabled) after InstallServices and before StartServices, disabled on rollback and at uninstall', () => {
    const seq = new Map(msiTable(msi, 'InstallExecuteSequence').map((r) => [r.Action as string, r]));
    const at = (a: string): number => { const n = seq.get(a)?.Sequence; assert.ok(n !== undefined, `no ${a}`); return Number(n); };
    const ca = new Map(msiTable(msi, 'CustomAction').map((r) => [r.Action as string, r]));
    // msidbCustomActionType: 18 = EXE from an installed file; 0x40 continue on failure; 0x100 rollback; 0x400 in script; 0x800 no impersonation
    const type = (a: string): number => Number(ca.get(a)?.Type);
    for (const [a, cmd, rollback] of [['KioskAccountEnsure', 'ensure', false], ['KioskAccountRollback', 'disable', true], ['KioskAccountDisable', 'disable', false]] as const) {
      assert.equal(type(a) & 0x3f, 18, `${a}: EXE from an installed file`);
      assert.equal(ca.get(a)?.Source, 'NodeExe');
      assert.match(ca.get(a)?.Target ?? '', new RegExp(`^"\\[INSTALLDIR\\]keyhatch\\.cjs" kiosk-account ${cmd}$`));
      assert.ok(type(a) & 0x400 && type(a) & 0x800, `${a}: deferred (in script) as SYSTEM`);
      assert.equal(Boolean(type(a) & 0x100), rollback, `${a}: rollback flag`);
      assert.ok(type(a) & 0x40, `${a}: a kiosk-account step never fails a mass deployment or an uninstall`);
    }
    assert.ok(at('InstallServices') < at('KioskAccountRollback') && at('KioskAccountRollback') < at('KioskAccountEnsure') && at('KioskAccountEnsure') < at('StartServices'),
      'rollback scheduled right before ensure, both between InstallServices and StartServices');
    assert.match(seq.get('KioskAccountEnsure')?.Condition ?? '', /NOT REMOVE AND ROLE<>"gateway"/);
    assert.match(seq.get('KioskAccountRollback')?.Condition ?? '', /NOT REMOVE AND ROLE<>"gateway"/);
    assert.ok(at('KioskAccountDisable') > at('StopServices') && at('KioskAccountDisable') < at('RemoveFiles'), 'uninstall disables while node.exe and the bundle are still there');
    assert.equal(seq.get('KioskAccountDisable')?.Condition, 'REMOVE="ALL" AND NOT UPGRADINGPRODUCTCODE');
  });

  it('the join token is hidden from the log and never a command line; downgrades are detected', () => {
    const ca = new Map(msiTable(msi, 'CustomAction').map((r) => [r.Action as string, r]));
    const HIDE_TARGET = 0x2000;
    assert.ok(Number(ca.get('JoinGateway')?.Type) & HIDE_TARGET);
    assert.ok(Number(ca.get('SetJoinData')?.Type) & HIDE_TARGET);
    assert.equal(ca.get('JoinGateway')?.Source, 'KeyhatchCa');
    for (const [name, row] of ca) if (name !== 'SetJoinData') assert.doesNotMatch(row.Target ?? '', /JOINTOKEN/, `${name} puts the token on a command line`);
    const props = new Map(msiTable(msi, 'Property').map((r) => [r.Property as string, r.Value as string]));
    assert.match(props.get('MsiHiddenProperties') ?? '', /(^|;)JOINTOKEN(;|$)/);
    for (const p of ['ROLE', 'GATEWAYURL', 'GATEWAYPIN', 'JOINTOKEN', 'CONFIGFILE']) assert.match(props.get('SecureCustomProperties') ?? '', new RegExp(`(^|;)${p}(;|$)`));
    assert.ok(msiTable(msi, 'Upgrade').some((u) => u.ActionProperty === 'WIX_DOWNGRADE_DETECTED'));
    assert.ok(msiTable(msi, 'LaunchCondition').some((c) => /WIX_DOWNGRADE_DETECTED/.test(c.Condition ?? '')));
  });
});

describe('MSI under Wine: install, policy, preflight, upgrade, uninstall', function () {
  this.timeout(900_000);
  let prefix: WinePrefix;
  const programFiles = (): string => path.join(prefix.driveC, 'Program Files', 'Keyhatch');
  const dataDir = (): string => path.join(prefix.driveC, 'ProgramData', 'Keyhatch');
  const msiexec = async (args: string[]): Promise<{ code: number | null; log: string }> => {
    const logFile = path.join(prefix.driveC, `msi-${Date.now()}.log`);
    const r = await wine(prefix, ['msiexec', ...args, '/qn', '/l*v', `C:\\${path.basename(logFile)}`], { timeoutMs: 400_000 });
    return { code: r.code, log: fs.existsSync(logFile) ? fs.readFileSync(logFile, 'latin1') : '' };
  };
  const copyIn = (msi: string, name: string): string => { fs.copyFileSync(msi, path.join(prefix.driveC, name)); return `C:\\${name}`; };
  let probe = '';
  /** The kiosk-account custom actions' notes (<data dir>\\logs\\installer.log). */
  const installerLog = (): Array<Record<string, unknown>> => {
    const f = path.join(dataDir(), 'logs', 'installer.log');
    return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : [];
  };

  before(async () => {
    prefix = await winePrefix();
    buildMsi('0.1.0');
    buildMsi('0.1.1');
    const out = path.join(prefix.driveC, 'probe', 'policy-probe.cjs');
    await bundleForWindowsNode(path.join(repoRoot, 'test/installer/fixtures/policy-probe.ts'), out);
    probe = 'C:\\probe\\policy-probe.cjs';
  });

  it('msiexec /i /qn ROLE=relay installs the files, the provider, the service and the Event Log source; the token never reaches the log', async () => {
    const token = `kh-join-${Math.random().toString(36).slice(2)}`;
    // A join against a gateway that does not exist must fail the install and roll it back.
    const failed = await msiexec(['/i', copyIn(buildMsi('0.1.0').msi, 'k010.msi'), 'ROLE=relay', 'GATEWAYURL=https://127.0.0.1:9', `JOINTOKEN=${token}`]);
    assert.notEqual(failed.code, 0, 'a failed join must fail the install');
    assert.ok(failed.log.length > 0, 'no MSI log');
    // Wine's msiexec ignores MsiHiddenProperties and HideTarget in its closing property dump
    // (Windows leaves these three out — the table test asserts they are hidden); anywhere else
    // the token must not appear.
    const leaks = failed.log.split(/\r?\n/).filter((l) => l.includes(token) && !/^Property\([SC]\): (JOINTOKEN|JoinGateway|CustomActionData) = /.test(l));
    assert.deepEqual(leaks, [], 'the join token appears in the MSI log');
    assert.ok(!fs.existsSync(path.join(programFiles(), 'keyhatch.cjs')), 'the failed install left files behind');

    const r = await msiexec(['/i', 'C:\\k010.msi', 'ROLE=relay']);
    assert.equal(r.code, 0, `install failed:\n${r.log.slice(-3000)}`);
    for (const f of ['keyhatch-service.exe', 'node.exe', 'keyhatch.cjs', 'keyhatch-cli.cjs', 'keyhatch_native.node', 'keyhatch-session-helper.exe', 'KeyhatchCredentialProvider.dll', 'kiosk-ui/dist/kiosk/index.html', 'PolicyDefinitions/nl-NL/Keyhatch.adml']) {
      assert.ok(fs.existsSync(path.join(programFiles(), f)), `${f} not installed`);
    }
    assert.match(await regQuery(prefix, PROVIDER_KEY) ?? '', /Keyhatch Credential Provider/);
    assert.match(await regQuery(prefix, `HKLM\\SOFTWARE\\Classes\\CLSID\\${CLSID}\\InprocServer32`) ?? '', /KeyhatchCredentialProvider\.dll/i);
    assert.match(await regQuery(prefix, 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\Keyhatch') ?? '', /keyhatch-service\.exe/i);
    const svc = await regQuery(prefix, 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\Keyhatch');
    assert.match(svc ?? '', /keyhatch-service\.exe/i);
    assert.match(svc ?? '', /Start\s+REG_DWORD\s+0x2/);
    assert.match(await regQuery(prefix, 'HKLM\\SOFTWARE\\Keyhatch') ?? '', /Role\s+REG_SZ\s+relay/);
    // The kiosk account step ran as the installed node.exe + bundle (its note in installer.log).
    assert.match(r.log, /Action (start|started)[^\n]*KioskAccountEnsure/);
    const ensure = installerLog().filter((l) => l.action === 'kiosk-account.ensure');
    assert.equal(ensure.length, 1, `${JSON.stringify(installerLog())}\n${r.log.split('\n').filter((l) => /KioskAccount|CustomAction|return value 3|Error/i.test(l)).slice(0, 20).join('\n')}`);
    assert.equal(ensure[0]?.account, 'KeyhatchKiosk');
    // Windows: {result: success, exists: true, disabled: true}. Wine's NetUserAdd keeps no SAM account,
    // so the addon's look-up right after creating it fails with ERROR_NONE_MAPPED (1332).
    if (ensure[0]?.result === 'success') assert.deepEqual([ensure[0].exists, ensure[0].disabled], [true, true]);
    else assert.deepEqual([ensure[0]?.result, ensure[0]?.code], ['failure', 'WIN32_1332']);
  });

  /** The SCM's view of the service (sc query). */
  const serviceState = async (): Promise<{ state: string; checkpoint: number; raw: string }> => {
    const q = await wine(prefix, ['sc', 'query', 'Keyhatch']);
    const m = /STATE\s+:\s+\d+\s+(\w+)[\s\S]*CHECKPOINT\s+:\s+0x([0-9a-f]+)/i.exec(q.stdout);
    assert.ok(m, q.stdout);
    return { state: m[1] as string, checkpoint: parseInt(m[2] as string, 16), raw: q.stdout };
  };
  /**
   * The daemon's console as the host writes it. The host puts it under %ProgramData%, which Wine
   * 8's services.exe sets to C:\users\Public (msiexec and cmd see C:\ProgramData): look in both.
   */
  const serviceConsole = (): string => [path.join(prefix.driveC, 'users', 'Public'), path.join(prefix.driveC, 'ProgramData')]
    .map((d) => path.join(d, 'Keyhatch', 'logs', 'service-console.log')).filter((f) => fs.existsSync(f))
    .map((f) => `${f}:\n${fs.readFileSync(f, 'utf8').slice(-3000)}`).join('\n') || '(no service-console.log)';
  /** Polls sc query until `want` or a generous deadline (the machine is shared; no timing is asserted). */
  const waitForState = async (want: RegExp, deadlineMs = 300_000): Promise<string> => {
    const deadline = Date.now() + deadlineMs;
    let last = '';
    while (Date.now() < deadline) {
      const s = await serviceState();
      last = s.raw;
      if (want.test(s.state)) return s.state;
      await new Promise((r) => setTimeout(r, 1000));
    }
    assert.fail(`the service did not reach ${want} within ${deadlineMs / 1000} s; sc query:\n${last}\n${serviceConsole()}`);
  };
  let pipeProbe = '';
  const pipeStatus = async (): Promise<Record<string, unknown>> => {
    const r = await wine(prefix, ['C:\\Program Files\\Keyhatch\\node.exe', pipeProbe, 'status']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    return JSON.parse(r.stdout.trim().split(/\r?\n/).pop() as string) as Record<string, unknown>;
  };

  it('a workstation install (ROLE=relay, no config file) runs the relay: the service reports RUNNING, the daemon answers health and the launch pipe', async () => {
    const out = path.join(prefix.driveC, 'probe', 'launch-pipe-probe.cjs');
    await bundleForWindowsNode(path.join(repoRoot, 'test/installer/fixtures/launch-pipe-probe.ts'), out);
    pipeProbe = 'C:\\probe\\launch-pipe-probe.cjs';
    // The host reports RUNNING only once the daemon has created its ready file (it does so once it serves).
    await waitForState(/^RUNNING$/);
    // Not joined to any gateway (the install had no JOINTOKEN): the relay still serves and says so.
    const res = await fetch('http://127.0.0.1:7788/api/v1/health');
    assert.equal(res.status, 200);
    const health = await res.json() as { status: string; role: string; gateway: { state: string } };
    assert.deepEqual([health.role, health.status, health.gateway.state], ['relay', 'unavailable', 'not-joined'], JSON.stringify(health));
    // What the credential provider asks before it shows its links: answered, and "not available" (no gateway).
    assert.deepEqual(await pipeStatus(), { v: 1, ok: true, available: false });
  });

  it('a daemon that cannot get ready keeps the service START_PENDING with progress, never RUNNING; the next ready start is RUNNING', async () => {
    // Group Policy makes this machine standalone, which needs a directory (and the embedded store,
    // whose native module has no Windows build yet): that daemon exits at start, over and over.
    assert.equal((await wine(prefix, ['sc', 'stop', 'Keyhatch'])).code, 0);
    await waitForState(/^STOPPED$/);
    const policyKey = 'HKLM\\SOFTWARE\\Policies\\Keyhatch';
    assert.equal((await wine(prefix, ['reg', 'add', policyKey, '/v', 'Role', '/t', 'REG_SZ', '/d', 'standalone', '/f'])).code, 0);
    try {
      assert.equal((await wine(prefix, ['sc', 'start', 'Keyhatch'])).code, 0);
      const first = await serviceState();
      assert.equal(first.state, 'START_PENDING', serviceConsole());
      // The checkpoint moves while the host is alive and pending (a heartbeat thread, whatever the
      // host waits on); it starts again at 1 when the host itself is restarted (its failure actions),
      // so "moved" — not "grew" — is the sign of life. Sampled until it has moved and the daemon has
      // failed at least once (a loaded machine may take a while), and never RUNNING meanwhile.
      const daemonFailed = /role standalone|no directory configured/;
      const samples = [first];
      const until = Date.now() + 90_000;
      const done = () => samples.some((s) => s.checkpoint !== first.checkpoint) && daemonFailed.test(serviceConsole());
      while (!done() && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 1000));
        samples.push(await serviceState());
      }
      samples.push(await serviceState());  // once more after the failure: still pending
      const trace = JSON.stringify(samples.map((s) => [s.state, s.checkpoint]));
      assert.ok(samples.every((s) => s.state === 'START_PENDING'), `a daemon that cannot get ready must keep the service pending: ${trace}\n${serviceConsole()}`);
      assert.ok(samples.some((s) => s.checkpoint !== first.checkpoint), `the host stopped reporting progress: ${trace}`);
      assert.match(serviceConsole(), daemonFailed);
    } finally {
      await wine(prefix, ['reg', 'delete', policyKey, '/v', 'Role', '/f']);
    }
    // Stop is accepted while pending; the relay then starts as before.
    await wine(prefix, ['sc', 'stop', 'Keyhatch']);
    await waitForState(/^STOPPED$/);
    assert.equal((await wine(prefix, ['sc', 'start', 'Keyhatch'])).code, 0);
    await waitForState(/^RUNNING$/);
    assert.equal((await pipeStatus()).ok, true);
  });

  it('Group Policy written with reg add changes the effective config, with provenance, and the watch fires', async () => {
    const node = `C:\\Program Files\\Keyhatch\\node.exe`;
    const env = { KEYHATCH_NATIVE_ADDON: 'C:\\Program Files\\Keyhatch\\keyhatch_native.node' };
    const before = await wine(prefix, [node, probe, 'config'], { env });
    assert.equal(before.code, 0, before.stderr);
    assert.equal(JSON.parse(before.stdout).logLevel, 'info');
    assert.equal(JSON.parse(before.stdout).role, 'relay', 'the role the MSI recorded (HKLM\\SOFTWARE\\Keyhatch\\Role)');
    const watcher = wineBackground(prefix, [node, probe, 'watch'], env);
    try {
      await waitForFile(watcher.stdoutFile, (t) => t.includes('watching'), 60_000);
      for (const [key, name, type, data] of [
        ['HKLM\\SOFTWARE\\Policies\\Keyhatch', 'LogLevel', 'REG_SZ', 'debug'],
        ['HKLM\\SOFTWARE\\Policies\\Keyhatch\\Kiosk', 'IdleSeconds', 'REG_DWORD', '90'],
        ['HKLM\\SOFTWARE\\Policies\\Keyhatch\\Relay', 'GatewayUrls', 'REG_SZ', 'https://gw1.corp.example,https://gw2.corp.example'],
      ] as const) {
        const r = await wine(prefix, ['reg', 'add', key, '/v', name, '/t', type, '/d', data, '/f']);
        assert.equal(r.code, 0, r.stderr);
      }
      await waitForFile(watcher.stdoutFile, (t) => t.includes('changed'), 60_000);
    } finally { watcher.child.kill(); }
    const after = await wine(prefix, [node, probe, 'config'], { env });
    const c = JSON.parse(after.stdout) as { logLevel: string; idleSeconds: number; gatewayUrls: string[]; fromPolicy: Array<{ path: string; where: string }> };
    assert.equal(c.logLevel, 'debug');
    assert.equal(c.idleSeconds, 90);
    assert.deepEqual(c.gatewayUrls, ['https://gw1.corp.example', 'https://gw2.corp.example']);
    assert.deepEqual(c.fromPolicy.map((o) => o.path).sort(), ['gateway.urls', 'kiosk.idleSeconds', 'log.level']);
    assert.ok(c.fromPolicy.some((o) => o.where === 'HKLM\\SOFTWARE\\Policies\\Keyhatch\\LogLevel'));
  });

  it('the logon-link preflight reads the real registry: each documented setting is found with its fix', async () => {
    const node = `C:\\Program Files\\Keyhatch\\node.exe`;
    const env = { KEYHATCH_NATIVE_ADDON: 'C:\\Program Files\\Keyhatch\\keyhatch_native.node' };
    const sys = 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System';
    const settings: Array<[string, string, string, string]> = [
      [sys, 'DontDisplayLastUserName', 'REG_DWORD', '1'], [sys, 'HideFastUserSwitching', 'REG_DWORD', '1'],
      ['HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\Personalization', 'NoLockScreen', 'REG_DWORD', '1'],
      ['HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\System', 'DisableLockScreenAppNotifications', 'REG_DWORD', '1'],
      [sys, 'scforceoption', 'REG_DWORD', '1'], ['HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon', 'Shell', 'REG_SZ', 'C:\\kiosk\\shell.exe'],
      [sys, 'EnableLUA', 'REG_DWORD', '0'], ['HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\System', 'ExcludedCredentialProviders', 'REG_SZ', CLSID],
      ['HKCU\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings', 'ProxyEnable', 'REG_DWORD', '1'], [sys, 'DelayedDesktopSwitchTimeout', 'REG_DWORD', '0'],
    ];
    const clean = await wine(prefix, [node, probe, 'preflight'], { env });
    const originalShell = /Shell\s+REG_SZ\s+(.*)/.exec(await regQuery(prefix, 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon') ?? '')?.[1]?.trim();
    for (const [key, name, type, data] of settings) assert.equal((await wine(prefix, ['reg', 'add', key, '/v', name, '/t', type, '/d', data, '/f'])).code, 0);
    try {
      const bad = await wine(prefix, [node, probe, 'preflight'], { env });
      assert.equal(bad.code, 1, bad.stdout + bad.stderr);
      for (const id of ['DontDisplayLastUserName', 'HideFastUserSwitching', 'NoLockScreen', 'DisableLockScreenAppNotifications', 'scforceoption', 'CustomShell', 'EnableLUA', 'ExcludedCredentialProviders', 'PerUserProxy', 'DelayedDesktopSwitchTimeout']) {
        assert.match(bad.stdout, new RegExp(`FAIL  logon link: ${id}: .+ — breaks: .+; fix: .+`), `${id} not reported:\n${bad.stdout}`);
      }
    } finally {
      for (const [key, name] of settings) if (name !== 'Shell') await wine(prefix, ['reg', 'delete', key, '/v', name, '/f']);
      await wine(prefix, ['reg', 'add', 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon', '/v', 'Shell', '/t', 'REG_SZ', '/d', originalShell ?? 'explorer.exe', '/f']);
    }
    assert.doesNotMatch(clean.stdout, /FAIL {2}logon link: (?!EnableLUA)/, `a fresh Wine prefix should pass (apart from Wine's own settings):\n${clean.stdout}`);
  });

  it('upgrade to a newer build keeps the data directory; a downgrade is refused', async () => {
    fs.mkdirSync(dataDir(), { recursive: true });
    fs.writeFileSync(path.join(dataDir(), 'device-identity.keep'), 'kept');
    const up = await msiexec(['/i', copyIn(buildMsi('0.1.1').msi, 'k011.msi')]);
    assert.equal(up.code, 0, up.log.slice(-3000));
    assert.equal(fs.readFileSync(path.join(dataDir(), 'device-identity.keep'), 'utf8'), 'kept');
    assert.ok(fs.existsSync(path.join(programFiles(), 'keyhatch.cjs')));
    assert.match(fs.readFileSync(path.join(programFiles(), 'package.json'), 'utf8'), /"0\.1\.1"/);
    assert.match(await regQuery(prefix, 'HKLM\\SOFTWARE\\Keyhatch') ?? '', /Role\s+REG_SZ\s+relay/, 'the role was not kept across the upgrade');
    assert.equal(installerLog().at(-1)?.action, 'kiosk-account.ensure', 'after an upgrade the new version has ensured the account last');
    const down = await msiexec(['/i', 'C:\\k010.msi']);
    assert.notEqual(down.code, 0, 'a downgrade must be refused');
    assert.match(fs.readFileSync(path.join(programFiles(), 'package.json'), 'utf8'), /"0\.1\.1"/);
  });

  it('msiexec /x removes the service, the provider (before its DLL), the files and the Event Log source', async () => {
    // Windows' StopServices waits (up to 30 s) until the service has stopped before files are removed;
    // Wine's returns at once, so the host may still hold its .exe at RemoveFiles. Stop it and wait here,
    // as Windows would; the order of the uninstall's own actions is asserted below.
    await wine(prefix, ['sc', 'stop', 'Keyhatch']);
    for (let i = 0; i < 60 && !/STOPPED/.test((await wine(prefix, ['sc', 'query', 'Keyhatch'])).stdout); i++) await new Promise((res) => setTimeout(res, 500));
    const r = await msiexec(['/x', 'C:\\k011.msi']);
    assert.equal(r.code, 0, r.log.slice(-3000));
    const order = ['StopServices', 'DeleteServices', 'RemoveRegistryValues', 'RemoveFiles'].map((a) => r.log.indexOf(`Action start`) >= 0 ? r.log.search(new RegExp(`Action start [^:]+:\\d+:\\d+: ${a}\\.`)) : -1);
    assert.ok(order.every((i) => i >= 0) && order.every((i, n) => n === 0 || i > (order[n - 1] as number)), `uninstall order: ${order.join(',')}`);
    assert.equal(await regQuery(prefix, PROVIDER_KEY), undefined);
    assert.equal(await regQuery(prefix, `HKLM\\SOFTWARE\\Classes\\CLSID\\${CLSID}`), undefined);
    assert.equal(await regQuery(prefix, 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\Keyhatch'), undefined);
    assert.equal(await regQuery(prefix, 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\Keyhatch'), undefined);
    // node.exe is left out: under Wine it was once still in use (the host had just restarted the
    // daemon) and stayed behind; open point, see docs/windows-deployment.md.
    for (const f of ['KeyhatchCredentialProvider.dll', 'keyhatch.cjs', 'keyhatch-cli.cjs', 'keyhatch_native.node', 'keyhatch-service.exe']) assert.ok(!fs.existsSync(path.join(programFiles(), f)), `${f} left behind`);
    assert.ok(fs.existsSync(path.join(dataDir(), 'device-identity.keep')), 'uninstall keeps the data directory (documented; remove it by hand to wipe keys)');
    // Install ensures, the upgrade ensures again, the uninstall disables. Between them, Wine's
    // RemoveExistingProducts removes the old version without UPGRADINGPRODUCTCODE (Windows sets it,
    // and KioskAccountDisable then does not run), so under Wine the upgrade also disables first —
    // harmless, the new version's ensure follows (asserted in the upgrade test).
    const steps = installerLog().map((l) => l.action);
    assert.deepEqual(steps.filter((a) => a === 'kiosk-account.ensure').length, 2, steps.join());
    assert.equal(steps.at(-1), 'kiosk-account.disable', steps.join());
    assert.ok(steps.length === 3 || (steps.length === 4 && steps[1] === 'kiosk-account.disable'), steps.join());
    assert.ok(order.every((i) => i >= 0) && r.log.search(/Action (start|started)[^\n]*KioskAccountDisable/) > order[0]!, 'disable ran after StopServices');
  });
});
