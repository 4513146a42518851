// "Sign in right after the reset" and the offline-laptop refresh, end to end on Linux: a real
// Samba AD DC, a real gateway + relay (mutual TLS) and a standalone daemon. After a reset the SID
// the DC holds for the user is noted for the credential provider's Status answer (RecentResets);
// on the relay it comes from the gateway's answer header, which the kiosk never sees; with no DC
// reachable the relay hands the account and the new password in transit to the MSV1_0 call.
// (The provider's side — the password field for a reported SID — runs under Wine in
// test/native/credential-provider.test.ts; LogonUI and the LSA call are the manual Windows check.)
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { testDomain, type TestDomain } from '../support/global-domain.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { adConfig } from '../support/ad-env.js';
import { filesContainingSecrets, freshDir, rememberSecret } from '../support/run-dir.js';
import { startSmtpCatcher, type SmtpCatcher } from '../support/smtp-catcher.js';
import { kioskCall } from '../support/https-json.js';
import { validateConfig } from '../../daemon/src/config/load.js';
import { startGateway, type RunningGateway } from '../../daemon/src/roles/gateway.js';
import { startRelay, type RunningRelay } from '../../daemon/src/roles/relay.js';
import { startStandalone, type RunningStandalone } from '../../daemon/src/roles/standalone.js';
import { initSiteCa, type SiteCaResult } from '../../daemon/src/gateway/site-ca.js';
import { createJoinToken } from '../../daemon/src/gateway/join-tokens.js';
import { joinGateway } from '../../daemon/src/relay/join.js';
import { dcProbe } from '../../daemon/src/relay/cached-credential-refresh.js';
import type { WindowsAccount } from '../../daemon/src/directory/windows-account.js';

/** A loopback port nobody listens on (a DC that does not answer). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Waits (without a time assertion) for a relay log line about the cache refresh with this result. */
async function relayLogLine(dir: string, result: string): Promise<Record<string, unknown>> {
  const file = join(dir, 'logs', 'keyhatch.log');
  for (let i = 0; i < 600; i++) {
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : [];
    const hit = lines.filter((l) => l.action === 'relay.cached-credential' && l.result === result).pop();
    if (hit) return hit;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`no relay.cached-credential ${result} line in ${file}`);
}

async function rawReset(url: string, secret: string, id: string, newPassword: string): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${url}/api/v1/recovery/${id}/reset`, {
    method: 'POST', headers: { 'x-keyhatch-kiosk': secret, 'content-type': 'application/json' }, body: JSON.stringify({ newPassword }),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('after a reset: the logon tile and the offline cache learn whose password changed (Samba AD DC)', function () {
  this.timeout(300_000);
  let d: TestDomain;
  let admin: DomainAdmin;
  let smtp: SmtpCatcher;
  let site: SiteCaResult;
  let gw: RunningGateway;
  let relay: RunningRelay;
  let relayDir: string;
  let gwDir: string;
  let standaloneDir: string;
  let standalone: RunningStandalone;
  const noted: WindowsAccount[] = [];
  const lsaCalls: string[][] = [];
  const user = { name: 'tiler1', password: 'Tiler-Start-7!', mail: 'tiler1@mail.keyhatch.test', dn: '', sid: '' };
  let dcUp = false;

  async function verified(url: string, secret: string): Promise<string> {
    const start = await kioskCall(url, secret, 'POST', '/api/v1/recovery', { username: user.name });
    assert.equal(start.status, 201, JSON.stringify(start.body));
    const email = (start.body.factors as Array<{ id: string; type: string }>).find((f) => f.type === 'email');
    assert.ok(email);
    const id = start.body.recoveryId as string;
    const before = smtp.messages().length;
    assert.equal((await kioskCall(url, secret, 'POST', `/api/v1/recovery/${id}/challenge`, { factor: email.id, contact: user.mail })).status, 200);
    const { match } = await smtp.waitFor(user.mail, /code is (\d{6})/, 10_000, before);
    rememberSecret(match[1] as string);
    const v = await kioskCall(url, secret, 'POST', `/api/v1/recovery/${id}/verify`, { factor: email.id, response: match[1] });
    assert.equal(v.status, 200, JSON.stringify(v.body));
    return id;
  }

  before(async () => {
    d = await testDomain();
    admin = await DomainAdmin.connect(d.dc);
    rememberSecret(user.password);
    user.dn = await admin.addUser({ name: user.name, password: user.password, displayName: 'Tia Tiler', mail: user.mail }, d.seed.peopleOu);
    user.sid = await admin.sidOf(user.dn);
    smtp = await startSmtpCatcher();
    gwDir = freshDir('gateway');
    site = await initSiteCa(join(gwDir, 'tls'), ['localhost', '127.0.0.1']);
    const base = JSON.parse(JSON.stringify(adConfig(d, {}, gwDir)));
    const recovery = { preEnrollFromDirectory: true };
    gw = await startGateway(validateConfig({ ...base, role: 'gateway', listen: '127.0.0.1:0', smtp: smtp.config, recovery, tls: { certFile: site.certFile, keyFile: site.keyFile } }));
    relayDir = freshDir('relay');
    const token = await createJoinToken(gw.services.store.joinTokens, { uses: 1, ttlMs: 600_000, createdBy: 'test', now: Date.now() });
    rememberSecret(token.token);
    await joinGateway({ url: gw.url, token: token.token, pin: site.caPin, dataDir: relayDir, name: 'laptop-7' });
    // The DC probe the relay uses (SRV lookup, then a TCP connect), with the SRV answer pointed at the
    // real DC's LDAP port or at a port nobody listens on.
    const dead = await closedPort();
    const ldapPort = Number(new URL(d.dc.ldapsUrl).port || 636);
    const probe = dcProbe({ resolveSrv: async () => [{ name: new URL(d.dc.ldapsUrl).hostname, port: dcUp ? ldapPort : dead, priority: 0, weight: 0 }] });
    relay = await startRelay(validateConfig({ role: 'relay', dataDir: relayDir, listen: '127.0.0.1:0', log: { level: 'debug' } }), {
      pingSeconds: 1, cachedCredentials: { probe, addon: { changeCachedPassword: async (domain, account, pw) => { lsaCalls.push([domain, account, pw]); } } },
    });
    rememberSecret(relay.kioskSecret);
    standaloneDir = freshDir('standalone');
    standalone = await startStandalone(validateConfig({ ...base, dataDir: standaloneDir, listen: '127.0.0.1:0', smtp: smtp.config, recovery }), { onReset: (a) => noted.push(a) });
    rememberSecret(standalone.kioskSecret);
  });
  after(async () => {
    await relay?.close();
    await gw?.close();
    await standalone?.close();
    await smtp?.close();
    await admin?.close();
  });

  it('standalone: the reset notes the SID the DC holds, with NetBIOS domain and account; the kiosk answer carries none of it', async () => {
    const id = await verified(standalone.url, standalone.kioskSecret);
    const fresh = 'Tile-Standalone-41!';
    rememberSecret(fresh);
    const r = await rawReset(standalone.url, standalone.kioskSecret, id, fresh);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(JSON.parse(r.text), { reset: true, unlocked: false });
    assert.equal(r.headers.get('x-keyhatch-reset-account'), null);
    assert.ok(!r.text.includes(user.sid));
    assert.deepEqual(noted, [{ sid: user.sid, domain: d.dc.netbios, account: user.name, dnsDomain: d.dc.dnsDomain }]);
    assert.equal((await d.dc.kinit(user.name, fresh)).ok, true);
    user.password = fresh;
  });

  it('relay, laptop away from the office: the SID is listed for the provider, the kiosk sees no account, and with no DC reachable the cache refresh gets DOMAIN, account and the new password', async () => {
    dcUp = false;
    const id = await verified(relay.url, relay.kioskSecret);
    const fresh = 'Tile-Offline-42!';
    rememberSecret(fresh);
    const r = await rawReset(relay.url, relay.kioskSecret, id, fresh);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(JSON.parse(r.text), { reset: true, unlocked: false });
    assert.equal(r.headers.get('x-keyhatch-reset-account'), null, 'the gateway header stops at the relay');
    assert.ok(!r.text.includes(user.sid));
    assert.deepEqual(relay.recentResets.list(), [user.sid]);
    const line = await relayLogLine(relayDir, 'success');
    assert.deepEqual([line.target, line.domain, line.sid], [user.name, d.dc.netbios, user.sid]);
    assert.deepEqual(lsaCalls, [[d.dc.netbios, user.name, fresh]]);
    assert.equal((await d.dc.kinit(user.name, fresh)).ok, true);
    user.password = fresh;
  });

  it('relay in the office (a DC answers): the SID is listed, the cache is left to Windows', async () => {
    dcUp = true;
    const id = await verified(relay.url, relay.kioskSecret);
    const fresh = 'Tile-Office-43!';
    rememberSecret(fresh);
    assert.equal((await rawReset(relay.url, relay.kioskSecret, id, fresh)).status, 200);
    user.password = fresh;
    assert.deepEqual(relay.recentResets.list(), [user.sid]);
    assert.equal((await relayLogLine(relayDir, 'skipped')).reason, 'DC_REACHABLE');
    assert.equal(lsaCalls.length, 1, 'no second MSV1_0 call');
  });

  it('no password, recovery id or kiosk secret in any log the relay, gateway or standalone wrote', async () => {
    await relay.close();
    const secrets = ['Tile-Standalone-41!', 'Tile-Offline-42!', 'Tile-Office-43!', 'Tiler-Start-7!', relay.kioskSecret, standalone.kioskSecret];
    for (const dir of [relayDir, gwDir, standaloneDir]) assert.deepEqual(filesContainingSecrets(dir, secrets), [], dir);
  });
});
