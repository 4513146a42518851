// The credential provider DLL under Wine, driven through COM by cp-harness.exe (a stand-in for
// LogonUI), talking to the real daemon-side LaunchPipeServer run by a Windows node.exe.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  buildNative,
  bundleForWindowsNode,
  installFile,
  regQuery,
  repoRoot,
  wine,
  wineBackground,
  winePrefix,
  waitForFile,
  windowsNodeExe,
  windowsPath,
  type WinePrefix,
} from './support/wine.js';

const CLSID = '{3473571D-253A-498A-ADA7-18B1924569EA}';
const PROVIDERS_KEY = 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Authentication\\Credential Providers';
const POLICY_KEY = 'HKLM\\SOFTWARE\\Policies\\Keyhatch\\CredentialProvider';
const E_NOTIMPL = 0x80004001 | 0;
const E_INVALIDARG = 0x80070057 | 0;
const E_POINTER = 0x80004003 | 0;
const CPFS_HIDDEN = 0;
const CPFS_DISPLAY_IN_SELECTED_TILE = 1;
const CPFT_COMMAND_LINK = 3;
const CPFT_TILE_IMAGE = 6;
const CPFT_PASSWORD_TEXT = 5;
const CPFT_SUBMIT_BUTTON = 9;
const [LABEL, TITLE, STATUS, FORGOT, UNLOCK, TILEIMAGE, PASSWORD, SUBMIT] = [0, 1, 2, 3, 4, 5, 6, 7];
const TRUST_KEY = 'HKLM\\SOFTWARE\\Keyhatch\\CredentialProvider';
const ALICE = 'S-1-5-21-1004336348-1177238915-682003330-1104';
const BOB = 'S-1-5-21-1004336348-1177238915-682003330-1105';
const USERS = `${ALICE}=CORP\\alice;${BOB}=CORP\\bob`;
// KERB_LOGON_SUBMIT_TYPE values (ntsecapi.h)
const KerbInteractiveLogon = 2;
const KerbWorkstationUnlockLogon = 7;

const en = JSON.parse(fs.readFileSync(path.join(repoRoot, 'locales/en.json'), 'utf8')) as Record<string, string>;
const de = JSON.parse(fs.readFileSync(path.join(repoRoot, 'locales/de.json'), 'utf8')) as Record<string, string>;

interface Field { id: number; stateHr: number; state: number; textHr: number; text: string }
interface HarnessReport {
  sessionId: number;
  selfSid: string;
  setUserArrayHr?: number;
  credentials: Array<{ v2Hr: number; sidHr: number; sid: string | null }>;
  submitHr?: number;
  submitAdjacentTo?: number;
  typeHr?: number;
  packedHr?: number;
  packedResponse?: number;
  packedPackage?: number;
  packedClsidOk?: boolean;
  packedHex?: string;
  changesAfterUnadvise: number;
  scenarios: Array<{ cpus: number; hr: number }>;
  createHr: number;
  setUsageScenarioHr: number;
  adviseHr: number;
  statusNotified: boolean;
  statusNotifyMs: number;
  adviseContext: number;
  descriptors: Array<{ hr: number; id: number; type: number; providerLabel: boolean; providerLogo: boolean; label: string }>;
  descriptorOutOfRangeHr: number;
  descriptorOutOfRangeNulled: boolean;
  credentialCount: number;
  defaultCredential: number;
  autoLogon: boolean;
  nullCountHr: number;
  autoLogonOnSelect?: boolean;
  fields?: Field[];
  badFieldHr?: number;
  badFieldNulled?: boolean;
  nullOutHr?: number;
  bitmapHr?: number;
  bitmapWidth?: number;
  bitmapHeight?: number;
  bitmapBits?: number;
  bitmapWrongFieldHr?: number;
  bitmapWrongFieldNulled?: boolean;
  serializationHr?: number;
  serializationResponse?: number;
  serializationBytes?: number;
  clickHr?: number;
  statusSetOnClick?: string;
  launchNotified?: boolean;
  launchNotifyMs?: number;
  fieldsAfterClick?: Field[];
  unadviseHr: number;
  eventsRefsAfterRelease: number;
  maxCallMs: number;
}

// No call on LogonUI's thread may wait on the daemon; 50 ms leaves room for Wine on a busy CI box.
// Below the ~100 ms a call waiting on the daemon's pipe would take (the provider's give-up time), so it
// still tells "waits on the daemon" from "does not"; the idle-machine figure belongs in a benchmark.
const MAX_UI_CALL_MS = 90;

describe('credential provider under Wine', function () {
  this.timeout(240_000);
  let prefix: WinePrefix;
  let dll: string;
  let harness: string;
  let daemon: ChildProcess | undefined;
  let requestsLog: string;

  const runHarness = async (scenario: 'logon' | 'unlock', click: 'none' | 'forgot' | 'unlock', env: NodeJS.ProcessEnv = {}): Promise<HarnessReport> => {
    // The harness waits up to 20 s for CredentialsChanged: long enough for a busy machine, and a provider
    // that never reports still fails (statusNotified/launchNotified false).
    const result = await wine(prefix, [harness, scenario, click, '20000'], { timeoutMs: 120_000, env });
    assert.equal(result.code, 0, `cp-harness exited ${result.code}: ${result.stdout}${result.stderr}`);
    return JSON.parse(result.stdout) as HarnessReport;
  };
  const field = (fields: Field[] | undefined, id: number): Field => {
    const f = fields?.find((x) => x.id === id);
    assert.ok(f, `field ${id} missing`);
    return f;
  };
  const statusRequests = (): number => (fs.existsSync(`${requestsLog}.status`) ? fs.readFileSync(`${requestsLog}.status`, 'utf8').split('\n').filter(Boolean).length : 0);
  const requests = (): Array<Record<string, unknown>> =>
    fs.existsSync(requestsLog) ? fs.readFileSync(requestsLog, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];

  const startDaemon = async (env: NodeJS.ProcessEnv = {}): Promise<void> => {
    const bundle = path.join(prefix.driveC, 'keyhatch', 'launch-daemon.cjs');
    fs.mkdirSync(path.dirname(bundle), { recursive: true });
    await bundleForWindowsNode(path.join(repoRoot, 'test/native/fixtures/launch-daemon.ts'), bundle);
    const node = installFile(prefix, windowsNodeExe());
    const started = wineBackground(prefix, [node, windowsPath(prefix, bundle), windowsPath(prefix, requestsLog)], env);
    daemon = started.child;
    await waitForFile(started.stdoutFile, (t) => /listening|failed/.test(t), 30_000).then((t) => assert.match(t, /listening \\\\.\\pipe\\Keyhatch.Launch/));
  };
  const stopDaemon = async (): Promise<void> => {
    if (!daemon) return;
    if (daemon.exitCode === null && daemon.signalCode === null) { // one that failed to start has exited already
      const exited = new Promise((r) => daemon!.once('exit', r));
      daemon.kill('SIGTERM');
      await exited;
    }
    daemon = undefined;
    await wine(prefix, ['taskkill', '/f', '/im', 'node.exe']);
  };

  before(async () => {
    const buildMs = buildNative('credential-provider');
    console.log(`      native build: ${buildMs} ms`);
    const bootStarted = Date.now();
    prefix = await winePrefix();
    console.log(`      wine prefix ready: ${Date.now() - bootStarted} ms`);
    dll = installFile(prefix, path.join(repoRoot, 'native/credential-provider/build/KeyhatchCredentialProvider.dll'));
    harness = installFile(prefix, path.join(repoRoot, 'native/credential-provider/build/cp-harness.exe'));
    requestsLog = path.join(prefix.driveC, 'keyhatch', 'requests.jsonl');
  });
  after(async () => {
    await stopDaemon();
  });

  it('registers with regsvr32 under its own CLSID as a credential provider', async () => {
    const result = await wine(prefix, ['regsvr32', '/s', dll]);
    assert.equal(result.code, 0);
    const provider = await regQuery(prefix, `${PROVIDERS_KEY}\\${CLSID}`);
    assert.match(provider ?? '', /\(Default\)\s+REG_SZ\s+Keyhatch/);
    const inproc = await regQuery(prefix, `HKCR\\CLSID\\${CLSID}\\InprocServer32`);
    assert.match(inproc ?? '', /KeyhatchCredentialProvider\.dll/i);
    assert.match(inproc ?? '', /ThreadingModel\s+REG_SZ\s+Apartment/);
  });

  it('supports logon and unlock only, and hides the links with a clear text while the daemon is down', async () => {
    const r = await runHarness('logon', 'none');
    assert.deepEqual(r.scenarios.map((s) => s.hr), [0, 0, E_NOTIMPL, E_NOTIMPL, E_NOTIMPL]);
    assert.equal(r.setUsageScenarioHr, 0);
    assert.equal(r.statusNotified, true, 'the background status check must report through CredentialsChanged');
    assert.equal(r.adviseContext, 0x4b48);
    assert.equal(r.credentialCount, 1);
    assert.equal(r.defaultCredential, -1, 'never the default tile');
    assert.equal(r.autoLogon, false);
    assert.equal(field(r.fields, FORGOT).state, CPFS_HIDDEN);
    assert.equal(field(r.fields, UNLOCK).state, CPFS_HIDDEN);
    assert.equal(field(r.fields, STATUS).state, CPFS_DISPLAY_IN_SELECTED_TILE);
    assert.equal(field(r.fields, STATUS).text, en['logon.unavailable']);
    assert.equal(r.eventsRefsAfterRelease, 1, 'the provider must release the events sink');
    assert.ok(r.maxCallMs < MAX_UI_CALL_MS, `a COM call held LogonUI's thread for ${r.maxCallMs} ms`);
  });

  it('describes its fields in CoTaskMem and answers bad calls with errors, not crashes', async () => {
    const r = await runHarness('unlock', 'none');
    assert.deepEqual(r.descriptors.map((d) => [d.id, d.type]),
      [[0, 2], [1, 1], [2, 2], [3, CPFT_COMMAND_LINK], [4, CPFT_COMMAND_LINK], [5, CPFT_TILE_IMAGE], [PASSWORD, CPFT_PASSWORD_TEXT], [SUBMIT, CPFT_SUBMIT_BUTTON]]);
    assert.equal(r.descriptors[PASSWORD]?.label, en['logon.signInNewPassword'], 'the password box hint is localized');
    assert.equal(field(r.fields, PASSWORD).state, CPFS_HIDDEN, 'no password field without a reset');
    assert.equal(field(r.fields, SUBMIT).state, CPFS_HIDDEN);
    assert.equal(r.descriptors[LABEL]?.providerLabel, true);
    assert.equal(r.descriptors[TILEIMAGE]?.providerLogo, true);
    assert.deepEqual([r.bitmapHr, r.bitmapWidth, r.bitmapHeight, r.bitmapBits], [0, 128, 128, 24], 'the tile logo is the 128x128 bitmap resource');
    assert.equal(r.bitmapWrongFieldHr, E_INVALIDARG);
    assert.equal(r.bitmapWrongFieldNulled, true);
    assert.equal(r.descriptorOutOfRangeHr, E_INVALIDARG);
    assert.equal(r.descriptorOutOfRangeNulled, true);
    assert.equal(r.nullCountHr, E_POINTER);
    assert.equal(r.badFieldHr, E_INVALIDARG);
    assert.equal(r.badFieldNulled, true);
    assert.equal(r.nullOutHr, E_POINTER);
    assert.equal(r.serializationHr, 0);
    assert.equal(r.serializationResponse, 0, 'CPGSR_NO_CREDENTIAL_NOT_FINISHED: this tile never submits a credential');
    assert.equal(r.serializationBytes, 0);
    assert.equal(r.autoLogonOnSelect, false);
    assert.equal(field(r.fields, TITLE).text, 'Keyhatch');
  });

  it('refuses a pipe server that is not SYSTEM or the Keyhatch service: a squatter gets no byte', async () => {
    fs.rmSync(`${requestsLog}.status`, { force: true });
    fs.rmSync(requestsLog, { force: true });
    // The Wine prefix is shared by the native tests: no trust another test left behind.
    await wine(prefix, ['reg', 'delete', TRUST_KEY, '/v', 'TrustedPipeServerSid', '/f']);
    await startDaemon(); // runs as the Wine user, like a process squatting the name before the service
    const r = await runHarness('logon', 'forgot');
    assert.equal(statusRequests(), 0, 'the provider sent a Status request to an untrusted server');
    assert.deepEqual(requests(), []);
    assert.equal(field(r.fields, FORGOT).state, CPFS_HIDDEN);
    assert.equal(field(r.fields, STATUS).text, en['logon.unavailable']);
    assert.match(r.selfSid, /^S-1-5-/);
    // Trust that account (admin-only key; on Windows the service is SYSTEM and needs no entry).
    await wine(prefix, ['reg', 'add', TRUST_KEY, '/v', 'TrustedPipeServerSid', '/t', 'REG_SZ', '/d', r.selfSid, '/f']);
    await stopDaemon();
  });

  it('shows both links once the daemon answers, and Forgot password sends LaunchKiosk for this session', async () => {
    await startDaemon();
    const r = await runHarness('logon', 'forgot');
    assert.ok(statusRequests() > 0, 'a trusted server gets the Status request');
    assert.equal(field(r.fields, FORGOT).state, CPFS_DISPLAY_IN_SELECTED_TILE);
    assert.equal(field(r.fields, UNLOCK).state, CPFS_DISPLAY_IN_SELECTED_TILE);
    assert.equal(field(r.fields, FORGOT).text, en['logon.forgotPassword']);
    assert.equal(field(r.fields, UNLOCK).text, en['logon.unlockAccount']);
    assert.equal(field(r.fields, STATUS).text, '');
    assert.equal(r.clickHr, 0);
    assert.equal(r.statusSetOnClick, en['logon.starting']);
    assert.equal(r.launchNotified, true);
    assert.equal(field(r.fieldsAfterClick, STATUS).text, en['logon.starting']);
    assert.deepEqual(requests(), [{ v: 1, type: 'LaunchKiosk', sessionId: r.sessionId, scenario: 'logon', action: 'reset' }]);
    assert.equal(r.changesAfterUnadvise, 0, 'no CredentialsChanged after UnAdvise');
  });

  it('V2: one credential per user in LogonUI\'s array, grouped by GetUserSid, plus one for Other user; never the default', async () => {
    const r = await runHarness('logon', 'none', { KH_HARNESS_USERS: USERS });
    assert.equal(r.setUserArrayHr, 0);
    assert.equal(r.credentialCount, 3);
    assert.equal(r.defaultCredential, -1);
    assert.equal(r.autoLogon, false);
    assert.deepEqual(r.credentials.map((c) => [c.v2Hr, c.sidHr, c.sid]), [[0, 0, ALICE], [0, 0, BOB], [0, 1, null]], 'S_FALSE + no SID = Other user');
    assert.equal(field(r.fields, FORGOT).state, CPFS_DISPLAY_IN_SELECTED_TILE, 'the link sits under the user\'s own tile');
    assert.ok(r.maxCallMs < MAX_UI_CALL_MS, `a COM call held LogonUI's thread for ${r.maxCallMs} ms`);
  });

  it('V2 unlock: only the locked user\'s credential, and Unlock account names that user', async () => {
    fs.rmSync(requestsLog, { force: true });
    const r = await runHarness('unlock', 'unlock', { KH_HARNESS_USERS: `${BOB}=CORP\\bob` });
    assert.equal(r.credentialCount, 1);
    assert.deepEqual(r.credentials.map((c) => c.sid), [BOB]);
    assert.equal(r.clickHr, 0);
    assert.deepEqual(requests(), [{ v: 1, type: 'LaunchKiosk', sessionId: r.sessionId, scenario: 'unlock', action: 'unlock', user: 'CORP\\bob' }]);
  });

  it('after a reset the user\'s credential offers "Sign in with your new password"; without LSA (Wine) it submits nothing', async () => {
    await stopDaemon();
    await startDaemon({ KH_FIXTURE_RESET_SIDS: ALICE });
    const r = await runHarness('logon', 'none', { KH_HARNESS_USERS: `${ALICE}=CORP\\alice;${BOB}=CORP\\bob`, KH_HARNESS_PASSWORD: 'Neu-Pässwort 7!' });
    assert.equal(r.credentials[0]?.sid, ALICE);
    assert.equal(field(r.fields, PASSWORD).state, CPFS_DISPLAY_IN_SELECTED_TILE);
    assert.equal(field(r.fields, SUBMIT).state, CPFS_DISPLAY_IN_SELECTED_TILE);
    assert.equal(field(r.fields, STATUS).text, en['logon.signInNewPassword']);
    assert.equal(r.serializationResponse, 0, 'nothing is submitted before the user types');
    assert.deepEqual([r.submitHr, r.submitAdjacentTo, r.typeHr], [0, PASSWORD, 0]);
    // Wine has no LSA Negotiate package to name in ulAuthenticationPackage: GetSerialization must
    // fail closed (an error, no bytes) rather than hand LogonUI a half-made credential. The bytes
    // themselves are checked below with the DLL's own packer; the Windows sign-in is manual.
    assert.ok(r.packedHr !== undefined && r.packedHr < 0, `expected an LSA error under Wine, got ${r.packedHr}`);
    assert.equal(r.packedResponse, 0);
    assert.equal(r.packedHex, '');
    assert.ok(r.maxCallMs < MAX_UI_CALL_MS, `a COM call held LogonUI's thread for ${r.maxCallMs} ms`);
  });

  const decodeKiul = (hex: string): { type: number; domain: string; user: string; password: string; logonId: bigint; size: number; offsets: number[] } => {
    const b = Buffer.from(hex, 'hex');
    const str = (at: number): { text: string; offset: number } => {
      const len = b.readUInt16LE(at);
      assert.equal(b.readUInt16LE(at + 2), len, 'MaximumLength = Length');
      const offset = Number(b.readBigUInt64LE(at + 8)); // packed: an offset from the block start
      return { text: b.subarray(offset, offset + len).toString('utf16le'), offset };
    };
    const d = str(8), u = str(24), p = str(40);
    return { type: b.readUInt32LE(0), domain: d.text, user: u.text, password: p.text, logonId: b.readBigUInt64LE(56), size: b.length, offsets: [d.offset, u.offset, p.offset] };
  };

  for (const scenario of ['logon', 'unlock'] as const) {
    it(`packs KERB_INTERACTIVE_UNLOCK_LOGON as Microsoft's sample does (${scenario})`, async () => {
      const exe = installFile(prefix, path.join(repoRoot, 'native/credential-provider/build/serialization-test.exe'));
      const out = await wine(prefix, [exe, scenario, 'CORP\\alice', 'Neu-Pässwort 7!']);
      const r = JSON.parse(out.stdout) as { hr: number; hex: string };
      assert.equal(r.hr, 0);
      const k = decodeKiul(r.hex);
      assert.equal(k.type, scenario === 'unlock' ? KerbWorkstationUnlockLogon : KerbInteractiveLogon);
      assert.deepEqual([k.domain, k.user, k.password], ['CORP', 'alice', 'Neu-Pässwort 7!']);
      assert.equal(k.logonId, 0n);
      assert.deepEqual(k.offsets, [64, 64 + 8, 64 + 8 + 10], 'domain, user, password follow the 64-byte structure');
      assert.equal(k.size, 64 + 8 + 10 + 30, 'no slack');
    });
  }

  it('a user the daemon did not report gets no password field and submits nothing', async () => {
    const r = await runHarness('logon', 'none', { KH_HARNESS_USERS: `${BOB}=CORP\\bob`, KH_HARNESS_PASSWORD: 'guess' });
    assert.equal(field(r.fields, PASSWORD).state, CPFS_HIDDEN);
    assert.equal(r.packedResponse, 0);
    assert.equal(r.packedHex, '');
    await stopDaemon();
    await startDaemon();
  });

  it('Unlock account on the unlock screen without a user array sends scenario unlock, action unlock, no user', async () => {
    fs.rmSync(requestsLog, { force: true });
    const r = await runHarness('unlock', 'unlock');
    assert.equal(r.clickHr, 0);
    assert.deepEqual(requests(), [{ v: 1, type: 'LaunchKiosk', sessionId: r.sessionId, scenario: 'unlock', action: 'unlock' }]);
  });

  it('follows Group Policy: hidden link, custom text, language; a rejected launch says not available', async () => {
    fs.rmSync(requestsLog, { force: true });
    await wine(prefix, ['reg', 'add', POLICY_KEY, '/v', 'ShowForgotPassword', '/t', 'REG_DWORD', '/d', '0', '/f']);
    await wine(prefix, ['reg', 'add', POLICY_KEY, '/v', 'UnlockAccountText', '/t', 'REG_SZ', '/d', 'Konto freischalten (Keyhatch)', '/f']);
    await wine(prefix, ['reg', 'add', POLICY_KEY, '/v', 'Language', '/t', 'REG_SZ', '/d', 'de-AT', '/f']);
    await stopDaemon();
    await startDaemon({ KH_FIXTURE_REJECT: 'logon/unlock' });
    const r = await runHarness('logon', 'unlock');
    assert.equal(field(r.fields, FORGOT).state, CPFS_HIDDEN);
    assert.equal(field(r.fields, FORGOT).text, de['logon.forgotPassword']);
    assert.equal(field(r.fields, UNLOCK).state, CPFS_DISPLAY_IN_SELECTED_TILE);
    assert.equal(field(r.fields, UNLOCK).text, 'Konto freischalten (Keyhatch)');
    assert.equal(r.statusSetOnClick, de['logon.starting']);
    assert.equal(r.launchNotified, true);
    assert.equal(field(r.fieldsAfterClick, STATUS).text, de['logon.unavailable']);
    assert.equal(requests().length, 1, 'the daemon saw the request and rejected it');
  });

  it('shows no tile at all when policy hides both links', async () => {
    await wine(prefix, ['reg', 'add', POLICY_KEY, '/v', 'ShowUnlockAccount', '/t', 'REG_DWORD', '/d', '0', '/f']);
    const r = await runHarness('unlock', 'none');
    assert.equal(r.credentialCount, 0);
    await wine(prefix, ['reg', 'delete', 'HKLM\\SOFTWARE\\Policies\\Keyhatch', '/f']);
  });

  it('a hung daemon costs LogonUI nothing: the status check gives up after ~100 ms and the links stay hidden', async () => {
    await stopDaemon();
    await startDaemon({ KH_FIXTURE_HANG: 'status' });
    const r = await runHarness('logon', 'none');
    assert.equal(r.statusNotified, true);
    assert.ok(r.statusNotifyMs >= 90, `status settled after ${r.statusNotifyMs} ms, before the ~100 ms give-up`);
    assert.equal(field(r.fields, FORGOT).state, CPFS_HIDDEN);
    assert.equal(field(r.fields, UNLOCK).state, CPFS_HIDDEN);
    assert.equal(field(r.fields, STATUS).text, en['logon.unavailable']);
    assert.ok(r.maxCallMs < MAX_UI_CALL_MS, `a COM call held LogonUI's thread for ${r.maxCallMs} ms`);
  });

  it('a launch the daemon received but did not answer in 100 ms keeps "Opening…" and never blocks the click', async () => {
    fs.rmSync(requestsLog, { force: true });
    await stopDaemon();
    await startDaemon({ KH_FIXTURE_HANG: 'launch' });
    const r = await runHarness('logon', 'forgot');
    assert.equal(r.clickHr, 0);
    assert.equal(r.launchNotified, true);
    assert.ok(r.launchNotifyMs! >= 90, `launch settled after ${r.launchNotifyMs} ms, before the ~100 ms give-up`);
    assert.equal(field(r.fieldsAfterClick, STATUS).text, en['logon.starting']);
    assert.equal(requests().length, 1);
    assert.ok(r.maxCallMs < MAX_UI_CALL_MS, `a COM call held LogonUI's thread for ${r.maxCallMs} ms`);
  });

  it('unregisters with regsvr32 /u and leaves no key behind', async () => {
    await stopDaemon();
    const result = await wine(prefix, ['regsvr32', '/s', '/u', dll]);
    assert.equal(result.code, 0);
    assert.equal(await regQuery(prefix, `${PROVIDERS_KEY}\\${CLSID}`), undefined);
    assert.equal(await regQuery(prefix, `HKCR\\CLSID\\${CLSID}`), undefined);
  });
});
