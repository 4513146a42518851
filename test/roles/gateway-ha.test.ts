// Two gateways sharing one PostgreSQL store (real server) behind one relay: a limit of 5 failures
// per user holds across both gateways together, and a recovery verified on gateway A finishes on
// gateway B after A is killed — kinit proves the reset. The gateways are real `keyhatch serve`
// processes, and A dies by SIGKILL (no clean-up, sockets cut by the kernel), as in a real outage.
// Nothing of a session or a gate lives only in one gateway's memory; the gateways share the store
// and (copied at set-up, as docs/deployment.md says) the secrets/ and gateway/ key directories.
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testDomain, type TestDomain } from '../support/global-domain.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { adConfig } from '../support/ad-env.js';
import { freshDir, rememberSecret } from '../support/run-dir.js';
import { startSmtpCatcher, type SmtpCatcher } from '../support/smtp-catcher.js';
import { httpsJson, kioskCall } from '../support/https-json.js';
import { testDatabaseUrl, stopTestPostgres } from '../support/postgres.js';
import { validateConfig } from '../../daemon/src/config/load.js';
import { openStore } from '../../daemon/src/store/open-store.js';
import type { Store } from '../../daemon/src/store/store.js';
import { startServeProcess, type ServeProcess } from '../support/serve-process.js';
import { startRelay, type RunningRelay } from '../../daemon/src/roles/relay.js';
import { initSiteCa, type SiteCaResult } from '../../daemon/src/gateway/site-ca.js';
import { createJoinToken } from '../../daemon/src/gateway/join-tokens.js';
import { joinGateway } from '../../daemon/src/relay/join.js';

describe('two gateways sharing PostgreSQL (Samba AD DC, SMTP, mutual TLS on loopback)', function () {
  this.timeout(300_000);
  let d: TestDomain;
  let admin: DomainAdmin;
  let smtp: SmtpCatcher;
  let site: SiteCaResult;
  let ca: string;
  let a: ServeProcess | undefined;
  let b: ServeProcess;
  /** The shared database, as `keyhatch device token create` on any gateway would use it. */
  let store: Store;
  const relays: RunningRelay[] = [];
  let restartA: () => Promise<ServeProcess>;
  const crowd = Array.from({ length: 8 }, (_, i) => ({ name: `hacrowd${i}`, password: `Ha-Crowd-Start-${i}!`, mail: `hacrowd${i}@mail.keyhatch.test` }));
  const users = {
    blocked: { name: 'hablock1', password: 'Ha-Block-Start-7!', mail: 'hablock1@mail.keyhatch.test' },
    moved: { name: 'hamove1', password: 'Ha-Move-Start-7!', mail: 'hamove1@mail.keyhatch.test' },
  };

  async function enroll(gw: ServeProcess, u: typeof users.blocked): Promise<void> {
    const login = await httpsJson('POST', `${gw.url}/api/v1/enrollment/login`, { username: u.name, password: u.password }, { ca });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    rememberSecret(login.body.token);
    const auth = { authorization: `Bearer ${login.body.token as string}` };
    const before = smtp.messages().length;
    const add = await httpsJson('POST', `${gw.url}/api/v1/enrollment/factors/email`, { address: u.mail }, { ca }, auth);
    assert.equal(add.status, 201, JSON.stringify(add.body));
    const { match } = await smtp.waitFor(u.mail, /code is (\d{6})/, 10_000, before);
    rememberSecret(match[1] as string);
    assert.equal((await httpsJson('POST', `${gw.url}/api/v1/enrollment/factors/${add.body.factorId}/confirm`, { code: match[1] }, { ca }, auth)).status, 200);
  }

  async function relayFor(urls: string[]): Promise<RunningRelay> {
    const dir = freshDir('ha-relay');
    const t = await createJoinToken(store.joinTokens, { uses: 1, ttlMs: 600_000, createdBy: 'test', now: Date.now() });
    rememberSecret(t.token);
    await joinGateway({ url: urls[0] as string, token: t.token, pin: site.caPin, dataDir: dir, name: `ha-pc-${relays.length + 1}` });
    const relay = await startRelay(validateConfig({ role: 'relay', dataDir: dir, listen: '127.0.0.1:0', gateway: { urls, pin: site.caPin } }), { pingSeconds: 1 });
    rememberSecret(relay.kioskSecret);
    relays.push(relay);
    return relay;
  }

  /** Start and send the e-mail code through a relay; returns the session and the e-mail factor id. */
  async function startWithCode(relay: RunningRelay, u: typeof users.blocked): Promise<{ id: string; factor: string; code: string }> {
    const start = await kioskCall(relay.url, relay.kioskSecret, 'POST', '/api/v1/recovery', { username: u.name });
    assert.equal(start.status, 201, JSON.stringify(start.body));
    const factor = (start.body.factors as Array<{ id: string; type: string }>).find((f) => f.type === 'email')?.id as string;
    const id = start.body.recoveryId as string;
    const before = smtp.messages().length;
    assert.equal((await kioskCall(relay.url, relay.kioskSecret, 'POST', `/api/v1/recovery/${id}/challenge`, { factor, contact: u.mail })).status, 200);
    const { match } = await smtp.waitFor(u.mail, /code is (\d{6})/, 10_000, before);
    rememberSecret(match[1] as string);
    return { id, factor, code: match[1] as string };
  }

  const wrong = (code: string) => (code === '000000' ? '000001' : '000000');

  before(async () => {
    d = await testDomain();
    admin = await DomainAdmin.connect(d.dc);
    for (const u of [...Object.values(users), ...crowd]) {
      rememberSecret(u.password);
      await admin.addUser({ name: u.name, password: u.password, displayName: `Ha ${u.name}`, mail: u.mail }, d.seed.peopleOu);
    }
    smtp = await startSmtpCatcher();
    const databaseUrl = await testDatabaseUrl('ha');
    const dirA = freshDir('gateway-a');
    const dirB = freshDir('gateway-b');
    site = await initSiteCa(join(dirA, 'tls'), ['localhost', '127.0.0.1']);
    ca = readFileSync(site.caFile, 'utf8');
    // The database URL and the service password reach the gateways through the environment.
    const secretEnv = { KEYHATCH_DATABASE_URL: databaseUrl, KEYHATCH_AD_BIND_PASSWORD: d.seed.service.password };
    const config = (dir: string): Record<string, unknown> => {
      const base = JSON.parse(JSON.stringify(adConfig(d, {}, dir))) as { ad: Record<string, unknown> };
      const raw = { ...base, ad: { ...base.ad, bindPassword: undefined }, role: 'gateway', listen: '127.0.0.1:0', smtp: smtp.config, tls: { certFile: site.certFile, keyFile: site.keyFile } };
      validateConfig({ ...raw, databaseUrl }); // fail here, with the key named, rather than in a child's stderr
      return raw;
    };
    a = await startServeProcess(dirA, config(dirA), secretEnv);
    restartA = () => startServeProcess(dirA, config(dirA), secretEnv);
    // The second gateway gets the first one's keys (code MAC, TOTP seal, decoys, device CA), as an
    // admin copies them when adding a gateway; everything else comes from the shared database.
    for (const sub of ['secrets', 'gateway']) cpSync(join(dirA, sub), join(dirB, sub), { recursive: true });
    b = await startServeProcess(dirB, config(dirB), secretEnv);
    store = await openStore({ dataDir: freshDir('ha-cli'), databaseUrl });
    await enroll(a, users.blocked);
    await enroll(a, users.moved);
    for (const u of crowd) await enroll(a, u);
  });
  after(async () => {
    for (const r of relays) await r.close();
    await a?.kill('SIGTERM');
    await b?.kill('SIGTERM');
    await store?.close();
    await smtp?.close();
    await admin?.close();
    await stopTestPostgres();
  });

  it('5 failures split across both gateways block the user on both, even with the right code', async () => {
    const viaA = await relayFor([a!.url]);
    const viaB = await relayFor([b.url]);
    // Two wrong codes per session (a session's own budget is 3 tries), alternating gateways: A, B, A.
    const fail = async (relay: RunningRelay, count: number): Promise<number[]> => {
      const s = await startWithCode(relay, users.blocked);
      const statuses: number[] = [];
      for (let i = 0; i < count; i++) statuses.push((await kioskCall(relay.url, relay.kioskSecret, 'POST', `/api/v1/recovery/${s.id}/verify`, { factor: s.factor, response: wrong(s.code) })).status);
      return statuses;
    };
    assert.deepEqual(await fail(viaA, 2), [401, 401]);
    assert.deepEqual(await fail(viaB, 2), [401, 401]);
    // The fifth failure, judged on A, fills the user's gate that B's failures also counted in.
    assert.deepEqual(await fail(viaA, 1), [429], 'the fifth failure across both gateways blocks the user');
    // Five failures in all: a fresh session on either gateway cannot verify even the right code.
    for (const relay of [viaA, viaB]) {
      const start = await kioskCall(relay.url, relay.kioskSecret, 'POST', '/api/v1/recovery', { username: users.blocked.name });
      if (start.status === 429) continue; // refused at the start already (a made-up name's gate blocks alike)
      assert.equal(start.status, 201, JSON.stringify(start.body));
      const factor = (start.body.factors as Array<{ id: string; type: string }>).find((f) => f.type === 'email')?.id as string;
      const id = start.body.recoveryId as string;
      const ch = await kioskCall(relay.url, relay.kioskSecret, 'POST', `/api/v1/recovery/${id}/challenge`, { factor, contact: users.blocked.mail });
      const code = ch.status === 200 ? (await smtp.waitFor(users.blocked.mail, /code is (\d{6})/, 3_000, smtp.messages().length - 1).catch(() => undefined))?.match[1] : undefined;
      const v = await kioskCall(relay.url, relay.kioskSecret, 'POST', `/api/v1/recovery/${id}/verify`, { factor, response: code ?? '123456' });
      assert.ok(ch.status === 429 || v.status === 429, `blocked on ${relay === viaA ? 'A' : 'B'}: challenge ${ch.status}, verify ${v.status} ${JSON.stringify(v.body)}`);
      assert.notEqual(v.status, 200);
    }
  });

  it('gateway A is SIGKILLed while 8 verified resets are in flight through 4 relays: each one lands (on A before it died, or on B when the kiosk repeats it); never a 500, kinit proves every password', async () => {
    const viaRelays = await Promise.all(Array.from({ length: 4 }, () => relayFor([a!.url, b.url])));
    const sessions = await Promise.all(crowd.map(async (u, i) => {
      const relay = viaRelays[i % viaRelays.length] as RunningRelay;
      const s = await startWithCode(relay, u);
      const v = await kioskCall(relay.url, relay.kioskSecret, 'POST', `/api/v1/recovery/${s.id}/verify`, { factor: s.factor, response: s.code });
      assert.equal(v.status, 200, JSON.stringify(v.body));
      return { u, relay, id: s.id, fresh: `Ha-Crowd-Fresh-${i}-9!x` };
    }));
    for (const s of sessions) rememberSecret(s.fresh);
    // All resets go out at once; A dies as soon as the first of them is answered, the rest in flight.
    const resets = sessions.map((s) => kioskCall(s.relay.url, s.relay.kioskSecret, 'POST', `/api/v1/recovery/${s.id}/reset`, { newPassword: s.fresh, unlock: true }));
    await Promise.race(resets);
    assert.equal(await a!.kill('SIGKILL'), 'SIGKILL');
    a = undefined;
    const first = await Promise.all(resets);
    const outcomes: string[] = [];
    for (const [i, r] of first.entries()) {
      const s = sessions[i] as (typeof sessions)[number];
      assert.ok(r.status < 500 || ['GATEWAY_UNAVAILABLE', 'DIRECTORY_UNAVAILABLE', 'SESSION_BUSY'].includes(r.body?.error?.code), `${s.u.name}: ${r.status} ${JSON.stringify(r.body)}`);
      if (r.status === 200) { outcomes.push('landed'); continue; }
      // The kiosk repeats a call the gateway may never have answered; the relay is on B now. A session
      // A died working on stays leased to A for up to 30 s: B says SESSION_BUSY and the kiosk waits.
      let again = await kioskCall(s.relay.url, s.relay.kioskSecret, 'POST', `/api/v1/recovery/${s.id}/reset`, { newPassword: s.fresh, unlock: true });
      for (let n = 0; n < 12 && again.status === 503 && again.body.error.code === 'SESSION_BUSY'; n++) {
        await new Promise((r) => setTimeout(r, 5_000));
        again = await kioskCall(s.relay.url, s.relay.kioskSecret, 'POST', `/api/v1/recovery/${s.id}/reset`, { newPassword: s.fresh, unlock: true });
      }
      // 409 RESET_ALREADY_DONE: A had reset it and closed the session before it died; 422 (history):
      // A had set it but died before closing the session. Either way the user is told, and the
      // password is the one they chose (kinit below).
      const code = again.body?.error?.code;
      assert.ok(again.status === 200 || (again.status === 409 && code === 'RESET_ALREADY_DONE') || (again.status === 422 && code === 'PASSWORD_POLICY'), `${s.u.name} repeated on B: ${again.status} ${JSON.stringify(again.body)}`);
      outcomes.push(again.status === 200 ? 'repeated on B' : `had landed on A (${code})`);
    }
    if (process.env.KEYHATCH_TEST_VERBOSE) console.log(`      · ${outcomes.join(', ')}`);
    for (const s of sessions) assert.equal((await d.dc.kinit(s.u.name, s.fresh)).ok, true, `${s.u.name}: new password works (${outcomes.join(', ')})`);
    a = await restartA(); // the next test starts with both gateways again
  });

  it('a recovery verified on gateway A finishes on gateway B once A is gone; kinit proves the new password', async () => {
    const relay = await relayFor([a!.url, b.url]);
    const s = await startWithCode(relay, users.moved);
    const v = await kioskCall(relay.url, relay.kioskSecret, 'POST', `/api/v1/recovery/${s.id}/verify`, { factor: s.factor, response: s.code });
    assert.equal(v.status, 200, JSON.stringify(v.body));
    // Gateway A dies mid-recovery: SIGKILL, no shutdown code runs; the relay's kept-alive socket to A
    // is cut by the kernel. The relay fails over to B for the next call.
    assert.equal(await a!.kill('SIGKILL'), 'SIGKILL');
    a = undefined;
    const fresh = 'Ha-Moved-Fresh-9!x';
    rememberSecret(fresh);
    const r = await kioskCall(relay.url, relay.kioskSecret, 'POST', `/api/v1/recovery/${s.id}/reset`, { newPassword: fresh, unlock: true });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal((await d.dc.kinit(users.moved.name, fresh)).ok, true, 'new password works');
    assert.equal((await d.dc.kinit(users.moved.name, users.moved.password)).ok, false, 'old password does not');
  });
});
