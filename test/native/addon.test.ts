// The Node-API addon in a Windows node.exe under Wine, through the real TypeScript wrapper
// (daemon/src/platform/native-addon.ts). fixtures/addon-checks.ts runs the calls; this file
// judges what they returned.
import assert from 'node:assert/strict';
import { addonChecks, outcomes, type AddonChecks } from './support/addon-checks.js';


describe('native addon under Wine (Windows node.exe)', function () {
  this.timeout(240_000);
  let checks: AddonChecks;
  const { ok, failed } = outcomes(() => checks);

  before(async () => {
    checks = await addonChecks();
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

  it('writes to the Event Log under source Keyhatch (seen in Wine\'s eventlog trace)', () => {
    ok('eventLog');
    assert.match(checks.wineTrace, /warn:eventlog:ReportEventW L"keyhatch-eventlog-marker unlock refused"/);
  });

  it('lists WTS sessions as an array (Wine reports none; see docs/native.md)', () => {
    const sessions = ok('sessions');
    assert.ok(Array.isArray(sessions));
    for (const s of sessions) assert.equal(typeof s.sessionId, 'number');
  });

  it('reports the session helper\'s failure with its Win32 code', () => {
    const r = failed('launch.helperReportsFailure');
    assert.equal(r.code, 'ERROR_FILE_NOT_FOUND');
    assert.match(r.error, /^keyhatch-session-helper failed/);
  });

  it('fails cleanly where Wine cannot follow: no Winlogon desktop', () => {
    // A Windows-only behaviour listed for the manual check in docs/native.md; here the point is
    // that it surfaces as a coded error instead of crashing node.exe. (The account mode is not run
    // here: it enables/disables the account with NetUserSetInfo, which Wine lacks and aborts on.)
    const desktop = failed('launch.winlogonDesktop');
    assert.equal(desktop.code, 'ERROR_FILE_NOT_FOUND');
    assert.match(desktop.error, /^OpenDesktopW failed/);
  });
});
