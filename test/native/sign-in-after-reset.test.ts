// "Sign in right after the reset", end to end as far as Linux + Wine go: a real Samba AD DC and a
// real gateway (Linux) and, under Wine in a Windows node.exe, the relay's HTTP front, gateway
// client, reset follow-up and launch pipe (fixtures/relay-daemon.ts), asked by the real credential
// provider DLL through cp-harness.exe (a stand-in for LogonUI). A reset through the relay → the
// user's Keyhatch credential — the one with the SID the DC holds — shows the password field with
// "Sign in with your new password"; another user's does not. LogonUI itself is the manual check.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { testDomain, type TestDomain } from '../support/global-domain.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { adConfig } from '../support/ad-env.js';
import { freshDir, rememberSecret } from '../support/run-dir.js';
import { startSmtpCatcher, type SmtpCatcher } from '../support/smtp-catcher.js';
import { kioskCall } from '../support/https-json.js';
import { validateConfig } from '../../daemon/src/config/load.js';
import { startGateway, type RunningGateway } from '../../daemon/src/roles/gateway.js';
import { initSiteCa } from '../../daemon/src/gateway/site-ca.js';
import { createJoinToken } from '../../daemon/src/gateway/join-tokens.js';
import { joinGateway } from '../../daemon/src/relay/join.js';
import { loadIdentity } from '../../daemon/src/relay/device-identity.js';
import { buildNative, bundleForWindowsNode, installFile, repoRoot, waitForFile, wine, wineBackground, winePrefix, windowsNodeExe, windowsPath, type WinePrefix } from './support/wine.js';

const TRUST_KEY = 'HKLM\\SOFTWARE\\Keyhatch\\CredentialProvider';
const CPFS_HIDDEN = 0;
const CPFS_DISPLAY_IN_SELECTED_TILE = 1;
const [STATUS, PASSWORD, SUBMIT] = [2, 6, 7];
const en = JSON.parse(fs.readFileSync(path.join(repoRoot, 'locales/en.json'), 'utf8')) as Record<string, string>;

interface Field { id: number; state: number; text: string }
interface Report { selfSid: string; credentials: Array<{ sid: string | null }>; fields?: Field[]; statusNotified: boolean }

describe('sign in right after a reset: Samba + gateway → relay under Wine → credential provider', function () {
  this.timeout(600_000);
  let d: TestDomain;
  let admin: DomainAdmin;
  let smtp: SmtpCatcher;
  let gw: RunningGateway;
  let prefix: WinePrefix;
  let harness: string;
  let relay: ChildProcess | undefined;
  let relayUrl = '';
  const kioskSecret = `kiosk-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  const user = { name: 'tiler2', password: 'Tiler-Two-Start-7!', mail: 'tiler2@mail.keyhatch.test', sid: '' };
  let otherSid = '';

  const runHarness = async (users: string): Promise<Report> => {
    const r = await wine(prefix, [harness, 'logon', 'none', '20000'], { timeoutMs: 120_000, env: { KH_HARNESS_USERS: users } });
    assert.equal(r.code, 0, `cp-harness exited ${r.code}: ${r.stdout}${r.stderr}`);
    return JSON.parse(r.stdout) as Report;
  };
  const field = (r: Report, id: number): Field => {
    const f = r.fields?.find((x) => x.id === id);
    assert.ok(f, `field ${id} missing`);
    return f;
  };

  before(async () => {
    buildNative('credential-provider');
    d = await testDomain();
    admin = await DomainAdmin.connect(d.dc);
    rememberSecret(user.password, kioskSecret);
    const dn = await admin.addUser({ name: user.name, password: user.password, displayName: 'Tom Tiler', mail: user.mail }, d.seed.peopleOu);
    user.sid = await admin.sidOf(dn);
    otherSid = await admin.sidOf(d.seed.users.bob.dn);
    smtp = await startSmtpCatcher();
    const gwDir = freshDir('gateway');
    const site = await initSiteCa(path.join(gwDir, 'tls'), ['localhost', '127.0.0.1']);
    const base = JSON.parse(JSON.stringify(adConfig(d, {}, gwDir)));
    gw = await startGateway(validateConfig({ ...base, role: 'gateway', listen: '127.0.0.1:0', smtp: smtp.config, recovery: { preEnrollFromDirectory: true }, tls: { certFile: site.certFile, keyFile: site.keyFile } }));
    const joined = freshDir('relay-join');
    const token = await createJoinToken(gw.services.store.joinTokens, { uses: 1, ttlMs: 600_000, createdBy: 'test', now: Date.now() });
    rememberSecret(token.token);
    await joinGateway({ url: gw.url, token: token.token, pin: site.caPin, dataDir: joined, name: 'wine-pc' });
    const identity = await loadIdentity(joined);
    assert.ok(identity);

    prefix = await winePrefix();
    const dll = installFile(prefix, path.join(repoRoot, 'native/credential-provider/build/KeyhatchCredentialProvider.dll'));
    harness = installFile(prefix, path.join(repoRoot, 'native/credential-provider/build/cp-harness.exe'));
    assert.equal((await wine(prefix, ['regsvr32', '/s', dll])).code, 0);
    // Every Wine process runs as the one Wine user: trust it as the pipe server (docs/native.md, "Who answers the pipe").
    const probe = await runHarness('');
    assert.match(probe.selfSid, /^S-1-5-/);
    await wine(prefix, ['reg', 'add', TRUST_KEY, '/v', 'TrustedPipeServerSid', '/t', 'REG_SZ', '/d', probe.selfSid, '/f']);

    const dir = path.join(prefix.driveC, 'keyhatch');
    const setupFile = path.join(dir, 'relay-setup.json');
    fs.writeFileSync(setupFile, JSON.stringify({ identity, url: gw.url, pin: site.caPin, kioskSecret, dataDir: windowsPath(prefix, path.join(dir, 'relay-data')) }));
    const bundle = path.join(dir, 'relay-daemon.cjs');
    await bundleForWindowsNode(path.join(repoRoot, 'test/native/fixtures/relay-daemon.ts'), bundle);
    const node = installFile(prefix, windowsNodeExe());
    const started = wineBackground(prefix, [node, windowsPath(prefix, bundle), windowsPath(prefix, setupFile)]);
    relay = started.child;
    const out = await waitForFile(started.stdoutFile, (t) => /listening|failed/.test(t), 120_000);
    const m = /relay (http:\/\/127\.0\.0\.1:\d+) listening \\\\.\\pipe\\Keyhatch.Launch/.exec(out);
    assert.ok(m, out + fs.readFileSync(started.stderrFile, 'utf8'));
    relayUrl = m[1] as string;
  });
  after(async () => {
    // A relay that never started has exited already: waiting for its exit would hang the run.
    if (relay && relay.exitCode === null && relay.signalCode === null) {
      const exited = new Promise((r) => relay!.once('exit', r));
      relay.kill('SIGTERM');
      await exited;
      await wine(prefix, ['taskkill', '/f', '/im', 'node.exe']);
    }
    await gw?.close();
    // The Wine prefix is shared by the native tests: trust of this run's pipe server must not outlive it.
    if (prefix) await wine(prefix, ['reg', 'delete', TRUST_KEY, '/v', 'TrustedPipeServerSid', '/f']);
    await smtp?.close();
    await admin?.close();
  });

  it('before any reset the user\'s credential has no password field', async () => {
    const r = await runHarness(`${user.sid}=${d.dc.netbios}\\${user.name}`);
    assert.equal(r.credentials[0]?.sid, user.sid);
    assert.equal(field(r, PASSWORD).state, CPFS_HIDDEN);
  });

  it('a reset through the relay (kiosk API, e-mail code, new password) → that user\'s credential offers "Sign in with your new password"; another user\'s does not', async () => {
    const start = await kioskCall(relayUrl, kioskSecret, 'POST', '/api/v1/recovery', { username: user.name });
    assert.equal(start.status, 201, JSON.stringify(start.body));
    const email = (start.body.factors as Array<{ id: string; type: string }>).find((f) => f.type === 'email');
    assert.ok(email);
    const id = start.body.recoveryId as string;
    assert.equal((await kioskCall(relayUrl, kioskSecret, 'POST', `/api/v1/recovery/${id}/challenge`, { factor: email.id, contact: user.mail })).status, 200);
    const { match } = await smtp.waitFor(user.mail, /code is (\d{6})/, 30_000);
    rememberSecret(match[1] as string);
    assert.equal((await kioskCall(relayUrl, kioskSecret, 'POST', `/api/v1/recovery/${id}/verify`, { factor: email.id, response: match[1] })).status, 200);
    const fresh = 'Tile-Wine-Reset-44!';
    rememberSecret(fresh);
    const reset = await kioskCall(relayUrl, kioskSecret, 'POST', `/api/v1/recovery/${id}/reset`, { newPassword: fresh });
    assert.deepEqual([reset.status, reset.body], [200, { reset: true, unlocked: false }]);
    assert.equal((await d.dc.kinit(user.name, fresh)).ok, true);

    const r = await runHarness(`${user.sid}=${d.dc.netbios}\\${user.name};${otherSid}=${d.dc.netbios}\\bob`);
    assert.deepEqual(r.credentials.map((c) => c.sid), [user.sid, otherSid, null]);
    assert.equal(field(r, PASSWORD).state, CPFS_DISPLAY_IN_SELECTED_TILE);
    assert.equal(field(r, SUBMIT).state, CPFS_DISPLAY_IN_SELECTED_TILE);
    assert.equal(field(r, STATUS).text, en['logon.signInNewPassword']);
    const bob = await runHarness(`${otherSid}=${d.dc.netbios}\\bob`);
    assert.equal(field(bob, PASSWORD).state, CPFS_HIDDEN, 'bob was not reset');
  });
});
