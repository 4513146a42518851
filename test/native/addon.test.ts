// The Node-API addon in a Windows node.exe under Wine, through the real TypeScript wrapper
// (daemon/src/platform/native-addon.ts). fixtures/addon-checks.ts runs the calls; this file
// judges what they returned.
import assert from 'node:assert/strict';
import path from 'node:path';
import { buildNative, bundleForWindowsNode, installFile, repoRoot, wine, winePrefix, windowsNodeExe, windowsPath } from './support/wine.js';

type Outcome = { ok: true; value: any } | { ok: false; error: string; code?: string; name?: string };

// winnt.h values the job must carry.
const JOB_OBJECT_LIMIT_ACTIVE_PROCESS = 0x8;
const JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION = 0x400;
const JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x2000;
const UI_LIMITS_ALL = 0xff; // HANDLES|READ/WRITECLIPBOARD|SYSTEMPARAMETERS|DISPLAYSETTINGS|GLOBALATOMS|DESKTOP|EXITWINDOWS

describe('native addon under Wine (Windows node.exe)', function () {
  this.timeout(240_000);
  let results: Record<string, Outcome>;
  let wineTrace: string;
  const SECRET = 'k1osk-secret-Zq8wT3vN5pL0';

  const ok = (name: string): any => {
    const r = results[name];
    assert.ok(r, `no result for ${name}`);
    assert.ok(r.ok, `${name} failed: ${!r.ok ? `${r.code} ${r.error}` : ''}`);
    return r.value;
  };
  const failed = (name: string): { error: string; code?: string; name?: string } => {
    const r = results[name];
    assert.ok(r, `no result for ${name}`);
    assert.ok(!r.ok, `${name} should have failed but returned ${JSON.stringify(r.ok && r.value)}`);
    return r;
  };

  before(async () => {
    const buildMs = buildNative('addon');
    console.log(`      native build: ${buildMs} ms`);
    const prefix = await winePrefix();
    const addon = installFile(prefix, path.join(repoRoot, 'native/addon/build/keyhatch_native.node'));
    installFile(prefix, path.join(repoRoot, 'native/addon/build/kiosk-probe.exe'));
    installFile(prefix, path.join(repoRoot, 'native/addon/build/keyhatch-session-helper.exe'));
    const node = installFile(prefix, windowsNodeExe());
    const bundle = path.join(prefix.driveC, 'keyhatch', 'addon-checks.cjs');
    await bundleForWindowsNode(path.join(repoRoot, 'test/native/fixtures/addon-checks.ts'), bundle);
    const started = Date.now();
    // +eventlog: Wine has no Event Viewer; its ReportEventW traces each message on this channel.
    const result = await wine(prefix, [node, windowsPath(prefix, bundle), 'C:\\keyhatch'], {
      timeoutMs: 120_000,
      env: { KEYHATCH_NATIVE_ADDON: addon, WINEDEBUG: '-all,+eventlog' },
    });
    console.log(`      addon checks under Wine: ${Date.now() - started} ms`);
    assert.equal(result.code, 0, `addon-checks exited ${result.code}:\n${result.stdout}\n${result.stderr.slice(-3000)}`);
    results = JSON.parse(result.stdout.trim().split('\n').pop()!) as Record<string, Outcome>;
    wineTrace = result.stderr;
  });

  it('loads in Windows node.exe through the delay-load hook', () => {
    assert.equal(ok('available'), true);
  });

  it('DPAPI round-trips in machine and user scope without leaving plaintext in the blob', () => {
    for (const scope of ['machine', 'user']) {
      const v = ok(`dpapi.${scope}`);
      assert.equal(v.roundTrip, true);
      assert.equal(v.back, `directory password for ${scope} ✓`);
      assert.equal(v.containsPlain, false);
      assert.ok(v.blobHex.length > 100);
    }
    assert.equal(ok('dpapi.entropyRoundTrip'), 'with pepper');
  });

  it('DPAPI refuses a tampered blob and a blob without its entropy, with a Win32 code', () => {
    assert.equal(failed('dpapi.tampered').code, 'ERROR_INVALID_DATA');
    assert.equal(failed('dpapi.entropyRequired').code, 'ERROR_INVALID_DATA');
  });

  it('the secret store keeps DPAPI machine-scope blobs bound to Keyhatch\'s entropy', () => {
    const v = ok('secretStore');
    assert.deepEqual(v, { kind: 'dpapi', back: 'S3rvice!pass', onDiskContainsPlain: false, plainUnprotect: 'ERROR_INVALID_DATA' });
  });

  it('validates arguments with errors that name the argument', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['args.dataNotBuffer', 'TypeError', /^data must be a Buffer/],
      ['args.badScope', 'RangeError', /^scope must be one of 'machine', 'user'/],
      ['args.eventIdRange', 'RangeError', /^eventId must be an integer/],
      ['args.badLevel', 'RangeError', /^level must be one of/],
      ['args.pipePath', 'RangeError', /^path must be a local pipe path/],
      ['args.sessionId', 'RangeError', /^options\.sessionId must be an integer/],
      ['args.account', 'RangeError', /^options\.account must be a plain local user name/],
    ];
    for (const [name, type, message] of cases) {
      const r = failed(name);
      assert.equal(r.name, type, name);
      assert.match(r.error, message, name);
    }
  });

  it('refuses to put the launch secret on a command line', () => {
    assert.match(failed('args.secretOnCommandLine').error, /secret must never appear on the command line/);
  });

  it('writes to the Event Log under source Keyhatch (seen in Wine\'s eventlog trace)', () => {
    ok('eventLog');
    assert.match(wineTrace, /warn:eventlog:ReportEventW L"keyhatch-eventlog-marker unlock refused"/);
  });

  it('lists WTS sessions as an array (Wine reports none; see docs/native.md)', () => {
    const sessions = ok('sessions');
    assert.ok(Array.isArray(sessions));
    for (const s of sessions) assert.equal(typeof s.sessionId, 'number');
  });

  it('restricts the launch pipe to SYSTEM after listen, and the server keeps serving', () => {
    const v = ok('pipe');
    // Wine drops the P (protected) flag when reading back; Windows shows D:P(A;;FA;;;SY).
    assert.match(v.sddl, /^D:P?\(A;;FA;;;SY\)$/);
    assert.deepEqual(v.status, { v: 1, ok: true, available: true });
  });

  const assertLaunched = (name: string): void => {
    const v = ok(name);
    assert.equal(v.seen.pid, v.kiosk.pid, 'the pid reported is the kiosk\'s');
    assert.deepEqual(v.seen.argv, [`C:\\keyhatch\\${name}.json`, 'two words', 'quote"inside', 'trailing\\']);
    assert.equal(v.seen.secretPresent, true);
    assert.equal(v.seen.secret, SECRET);
    assert.ok(!v.seen.commandLine.includes(SECRET), 'secret on the command line');
    assert.equal(v.seen.pathInherited, false, 'the daemon\'s environment must not leak into the kiosk');
    assert.equal(v.seen.inJob, true);
    assert.equal(v.seen.desktop, 'Default');
    assert.equal(v.aliveBefore, true);
    assert.equal(v.exitCode, 1, 'terminate() ends the job with exit code 1');
    assert.equal(v.aliveAfter, false);
    assert.equal(v.job.activeProcesses, 1);
  };

  it('launches the kiosk suspended-into-a-job, secret in the environment only, arguments intact', () => {
    assertLaunched('launch');
  });

  it('launches through keyhatch-session-helper.exe (the service\'s way into another session) with the same guarantees', () => {
    assertLaunched('launch.viaHelper');
    assert.equal(ok('launch.viaHelper').kiosk.desktopAccessGranted, true);
  });

  it('reports the session helper\'s failure with its Win32 code', () => {
    const r = failed('launch.helperReportsFailure');
    assert.equal(r.code, 'ERROR_FILE_NOT_FOUND');
    assert.match(r.error, /^keyhatch-session-helper failed/);
  });

  it('sets kill-on-close, die-on-exception, a process cap and every UI limit on the job (where Wine reports them)', () => {
    const { job } = ok('launch');
    // Wine accepts these limits but reports zeros/unsupported when asked; on Windows the
    // values are read back from the kernel. Assert whatever the platform does report.
    if (job.limitFlags !== 0) {
      const want = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION | JOB_OBJECT_LIMIT_ACTIVE_PROCESS;
      assert.equal(job.limitFlags & want, want);
      assert.equal(job.activeProcessLimit, 16);
    }
    if (job.uiRestrictions !== null) assert.equal(job.uiRestrictions & UI_LIMITS_ALL, UI_LIMITS_ALL);
    assert.ok(job.limitFlags !== 0 || job.uiRestrictions === null, 'Windows must report the limits it was given');
  });

  it('the kiosk dies with the daemon (kill-on-close job); a job-less control process survives', () => {
    const v = ok('launch.diesWithDaemon');
    assert.equal(v.aliveAfterDaemonExit, false);
    assert.equal(v.controlAliveAfterDaemonExit, true);
  });

  it('fails cleanly where Wine cannot follow: no Winlogon desktop, no real LogonUser token', () => {
    // Both are Windows-only behaviours listed for the manual check in docs/native.md; here the
    // point is that they surface as coded errors instead of crashing node.exe.
    const desktop = failed('launch.winlogonDesktop');
    assert.equal(desktop.code, 'ERROR_FILE_NOT_FOUND');
    assert.match(desktop.error, /^OpenDesktopW failed/);
    const account = failed('launch.account');
    assert.match(String(account.code), /^(WIN32_\d+|ERROR_[A-Z_]+)$/);
  });
});
