// Two domain controllers, and the preferred one dies during a recovery (real `keyhatch serve` child
// process, two real Samba AD DCs replicating with each other, real SIGKILL of DC1's whole process
// group, real SMTP). Whatever the moment — before verify, between verify and reset, between the two
// reset steps — the recovery completes on DC2 or fails with a clear catalogue error, the reset
// journal settles what was left half-done, the audit says what happened, and Kerberos (kinit against
// each DC) proves which password is valid. Nothing is lost once DC1 is back and has replicated.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Client } from 'ldapts';
import { SambaDomain, requireSambaTools } from '../support/samba-dc.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { seedDomain, SEED_PASSWORD, type SeedInfo } from '../support/seed.js';
import { freshDir, rememberSecret } from '../support/run-dir.js';
import { startSmtpCatcher, type SmtpCatcher } from '../support/smtp-catcher.js';
import { auditEvents, callApi, retryBusy, startRecovery, startServe, until, writeFaultConfig, type ServeProcess } from './faults-process.js';
import type { FaultPoint } from '../../daemon/src/platform/fault-points.js';

// Addresses of their own (never the defaults other tests pick from 127.0.0.11 up).
const [DC1_ADDRESS, DC2_ADDRESS] = (process.env.KEYHATCH_TEST_TWO_DC_ADDRESSES ?? '127.0.0.210,127.0.0.211').split(',') as [string, string];
/** Where the proxy in front of DC1 listens (same address, so DC1's certificate still matches). */
const PROXY_PORT = 1636;

describe('faults: the preferred DC dies during a recovery (two replicating Samba AD DCs + SMTP)', function () {
  this.timeout(600_000);
  let dc1: SambaDomain;
  let dc2: SambaDomain;
  let seed: SeedInfo;
  let admin1: DomainAdmin | undefined;
  let admin2: DomainAdmin;
  let smtp: SmtpCatcher;
  let running: ServeProcess | undefined;
  let n = 0;

  before(async function () {
    this.timeout(1_800_000);
    await requireSambaTools();
    dc1 = await SambaDomain.create({ address: DC1_ADDRESS, replication: true });
    rememberSecret(dc1.adminPassword, SEED_PASSWORD);
    seed = await seedDomain(dc1);
    rememberSecret(seed.service.password);
    // Joined after seeding: the join itself replicates the seed (service account, delegation, policy).
    dc2 = await dc1.joinDc({ address: DC2_ADDRESS });
    admin1 = await DomainAdmin.connect(dc1);
    admin2 = await DomainAdmin.connect(dc2);
    smtp = await startSmtpCatcher();
  });
  afterEach(async function () {
    this.timeout(600_000);
    await running?.kill('SIGTERM');
    running = undefined;
    await dc1UpAgain();
  });
  after(async () => {
    await smtp?.close();
    await admin1?.close().catch(() => undefined);
    await admin2?.close().catch(() => undefined);
    await dc2?.destroy();
    await dc1?.destroy();
  });

  /** DC1 back (if a scenario killed it), holding what DC2 got meanwhile. */
  async function dc1UpAgain(): Promise<void> {
    if (admin1) return;
    await dc1.restart();
    await dc1.replicateFrom(dc2);
    admin1 = await DomainAdmin.connect(dc1);
  }

  async function killDc1(): Promise<void> {
    await admin1?.close().catch(() => undefined);
    admin1 = undefined;
    await dc1.kill();
  }

  const pwdLastSet = async (admin: DomainAdmin, dn: string) => String((await admin.read(dn, ['pwdLastSet'])).pwdLastSet ?? '');

  /** Waits until DC2 holds DC1's version of the user's password (automatic replication). */
  async function replicatedToDc2(dn: string): Promise<void> {
    const want = await pwdLastSet(admin1!, dn);
    await until(`DC2 to replicate ${dn}`, async () => (await pwdLastSet(admin2, dn).catch(() => '')) === want || undefined, 300_000);
  }

  /** A fresh user (made on DC1 and replicated to DC2), a data directory and a config naming both DCs, DC1 first. */
  async function scenario(tag: string, dc1Url = dc1.ldapsUrl) {
    n += 1;
    const name = `twodc${tag.replace(/[^a-z]/g, '').slice(0, 8)}${n}`;
    const user = { name, password: `TwoDc-Start-${n}-Pw!`, mail: `${name}@mail.keyhatch.test`, dn: '' };
    rememberSecret(user.password);
    user.dn = await admin1!.addUser({ name, password: user.password, displayName: 'Failover Person', mail: user.mail }, seed.peopleOu);
    await replicatedToDc2(user.dn);
    const dataDir = freshDir(`twodc-${tag}`);
    const configFile = writeFaultConfig(dataDir, {
      listen: '127.0.0.1:0',
      log: { level: 'debug' },
      kiosk: { requireSecret: false },
      recovery: { preEnrollFromDirectory: true },
      smtp: smtp.config,
      ad: { urls: [dc1Url, dc2.ldapsUrl], baseDn: seed.peopleOu, bindDn: seed.service.upn, caFile: dc1.caFile, resetStrategy: 'two-step' },
    });
    return { user, dataDir, configFile };
  }

  const serve = (configFile: string, fault?: FaultPoint) =>
    startServe(configFile, { ...(fault ? { fault } : {}), env: { KEYHATCH_AD_BIND_PASSWORD: seed.service.password } });


  const verify = (p: ServeProcess, r: { id: string; factor: string; code: string }) =>
    callApi(p.url, 'POST', `/api/v1/recovery/${r.id}/verify`, { factor: r.factor, response: r.code });


  const journalFiles = (dataDir: string) => (existsSync(join(dataDir, 'reset-journal')) ? readdirSync(join(dataDir, 'reset-journal')).filter((f) => f.endsWith('.json')) : []);

  /** The password is proven on DC2 (Kerberos), and on DC1 too once it is back and has pulled from DC2. */
  async function provenEverywhere(user: { name: string; password: string }, pw: string): Promise<void> {
    assert.equal((await dc2.kinit(user.name, pw)).ok, true, 'the new password works on DC2');
    assert.equal((await dc2.kinit(user.name, user.password)).ok, false, 'the old password no longer works on DC2');
    await dc1UpAgain();
    assert.equal((await dc1.kinit(user.name, pw)).ok, true, 'DC1, back and replicated, holds the new password too (nothing lost)');
  }

  it('replication runs by itself: a user created on DC1 appears on DC2', async () => {
    const name = `twodcrepl${Date.now() % 100000}`;
    const password = 'TwoDc-Repl-Pw-1!';
    rememberSecret(password);
    const started = Date.now();
    const dn = await admin1!.addUser({ name, password, displayName: 'Replicated Person' }, seed.peopleOu);
    await replicatedToDc2(dn);
    console.log(`      (DC1 → DC2 replication of a new user took ${Date.now() - started} ms)`);
    assert.equal((await dc2.kinit(name, password)).ok, true, 'DC2 knows the password set on DC1');
  });

  it('DC1 killed before verify: the recovery completes on DC2', async () => {
    const { user, dataDir, configFile } = await scenario('beforeverify');
    running = await serve(configFile);
    const r = await startRecovery(running.url, smtp, user);
    await killDc1();
    const v = await verify(running, r);
    assert.equal(v.status, 200, JSON.stringify(v.body));
    const pw = `TwoDc-Before-${n}-New!`;
    rememberSecret(pw);
    const reset = await callApi(running.url, 'POST', `/api/v1/recovery/${r.id}/reset`, { newPassword: pw });
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    assert.deepEqual(journalFiles(dataDir), []);
    assert.ok(auditEvents(dataDir).some((e) => e.action === 'recovery.reset' && e.result === 'success' && e.target === user.name));
    assert.match(running.stderr(), /domain controller unreachable, trying the next one/);
    await provenEverywhere(user, pw);
  });

  it('DC1 killed between verify and reset: the reset completes on DC2 (or fails clearly and a retry completes it)', async () => {
    const { user, dataDir, configFile } = await scenario('betweenverifyreset');
    running = await serve(configFile);
    const r = await startRecovery(running.url, smtp, user);
    assert.equal((await verify(running, r)).status, 200);
    await killDc1();
    const pw = `TwoDc-Between-${n}-New!`;
    rememberSecret(pw);
    let reset = await callApi(running.url, 'POST', `/api/v1/recovery/${r.id}/reset`, { newPassword: pw });
    if (reset.status !== 200) {
      assert.match(String(reset.body?.error?.code), /^(DIRECTORY_UNAVAILABLE|RESET_INCOMPLETE)$/, JSON.stringify(reset.body));
      assert.ok(String(reset.body.error.message).length > 10);
      reset = await callApi(running.url, 'POST', `/api/v1/recovery/${r.id}/reset`, { newPassword: pw });
    }
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    assert.deepEqual(journalFiles(dataDir), []);
    await provenEverywhere(user, pw);
  });

  it('DC1 dies between the two reset steps (daemon alive): step 2 lands on DC2 or the user is told, and a retry settles it', async () => {
    const proxy = await stopBetweenSteps();
    try {
      const { user, dataDir, configFile } = await scenario('livesteps', `ldaps://${DC1_ADDRESS}:${PROXY_PORT}`);
      running = await serve(configFile);
      const r = await startRecovery(running.url, smtp, user);
      assert.equal((await verify(running, r)).status, 200);
      const pw = `TwoDc-Steps-${n}-New!`;
      rememberSecret(pw);
      proxy.arm(user.dn);
      let reset = await callApi(running.url, 'POST', `/api/v1/recovery/${r.id}/reset`, { newPassword: pw });
      assert.equal(proxy.fired(), true, 'DC1 was killed after step 1 and before step 2 reached it');
      await admin1?.close().catch(() => undefined);
      admin1 = undefined;
      if (reset.status !== 200) {
        // The user is told plainly, and the session can finish the reset.
        assert.match(String(reset.body?.error?.code), /^(DIRECTORY_UNAVAILABLE|RESET_INCOMPLETE)$/, JSON.stringify(reset.body));
        assert.ok(journalFiles(dataDir).length === 1, 'the half-done reset is journaled');
        reset = await callApi(running.url, 'POST', `/api/v1/recovery/${r.id}/reset`, { newPassword: pw });
      }
      assert.equal(reset.status, 200, JSON.stringify(reset.body));
      assert.deepEqual(journalFiles(dataDir), [], 'the finished reset settles the journal');
      const events = auditEvents(dataDir).filter((e) => e.target === user.name);
      assert.ok(events.some((e) => e.action === 'recovery.reset' && e.result === 'success'), 'the audit has the successful reset');
      await smtp.waitFor(user.mail, /was reset/, 120_000);
      await provenEverywhere(user, pw);
    } finally {
      await proxy.close();
    }
  });

  it('DC1 and the daemon die between the steps after step 1 reached DC2: the restart reports it, the user is told, a new reset settles it', async () => {
    const { user, dataDir, configFile } = await scenario('stepreplicated');
    running = await serve(configFile, 'between-reset-steps');
    const r = await startRecovery(running.url, smtp, user);
    assert.equal((await verify(running, r)).status, 200);
    const lost = `TwoDc-Lost-${n}-Pw!`;
    rememberSecret(lost);
    const mailsBefore = smtp.messages().length;
    const killed = running;
    running = undefined;
    const pending = callApi(killed.url, 'POST', `/api/v1/recovery/${r.id}/reset`, { newPassword: lost }).then(() => 'answered', () => 'connection lost');
    assert.equal(await Promise.race([killed.faultReached, pending]), 'between-reset-steps');
    await until('step 1 (pwdLastSet=0) to replicate to DC2', async () => (await pwdLastSet(admin2, user.dn)) === '0' || undefined, 300_000);
    await killDc1();
    assert.equal(await killed.kill('SIGKILL'), 'SIGKILL');
    assert.equal(await pending, 'connection lost');
    assert.equal(journalFiles(dataDir).length, 1);

    running = await serve(configFile);
    const { mail } = await smtp.waitFor(user.mail, /did not finish/, 120_000, mailsBefore);
    assert.equal(mail.subject, 'Your password reset did not finish');
    const interrupted = await until('the audit of the interrupted reset', () => auditEvents(dataDir).find((e) => e.action === 'reset.interrupted' && e.target === user.name));
    assert.equal(interrupted.reason, 'RESET_INCOMPLETE');
    assert.equal((await dc2.kinit(user.name, user.password)).ok, false, 'the old password is gone (DC2 has the temporary one)');

    const pw = `TwoDc-Settled-${n}-Pw!`;
    rememberSecret(pw);
    const reset = await retryBusy(() => callApi(running!.url, 'POST', `/api/v1/recovery/${r.id}/reset`, { newPassword: pw }));
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    assert.deepEqual(journalFiles(dataDir), [], 'the successful reset settles the reported entry');
    await provenEverywhere(user, pw);
  });

  it('DC1 and the daemon die between the steps before step 1 reached DC2: the journal is not settled from DC2 alone, and the user is told once DC1 is back', async () => {
    const { user, dataDir, configFile } = await scenario('stepunreplicated');
    running = await serve(configFile, 'between-reset-steps');
    const r = await startRecovery(running.url, smtp, user);
    assert.equal((await verify(running, r)).status, 200);
    const lost = `TwoDc-Unrepl-${n}-Pw!`;
    rememberSecret(lost);
    const mailsBefore = smtp.messages().length;
    const killed = running;
    running = undefined;
    // DC2 frozen while step 1 lands on DC1, so the change cannot reach it before DC1 dies.
    dc2.freeze(true);
    try {
      const pending = callApi(killed.url, 'POST', `/api/v1/recovery/${r.id}/reset`, { newPassword: lost }).then(() => 'answered', () => 'connection lost');
      assert.equal(await Promise.race([killed.faultReached, pending]), 'between-reset-steps');
      await killDc1();
      assert.equal(await killed.kill('SIGKILL'), 'SIGKILL');
    } finally {
      dc2.freeze(false);
    }
    assert.notEqual(await pwdLastSet(admin2, user.dn), '0', 'DC2 never saw step 1');
    assert.equal((await dc2.kinit(user.name, user.password)).ok, true, 'on DC2 the old password still works');

    // The restart checks the journal before it listens. DC2 alone cannot tell "step 1 never happened"
    // from "step 1 has not reached me yet": the entry must stay open.
    running = await serve(configFile);
    assert.equal(journalFiles(dataDir).length, 1, 'the entry stays while the DC that took step 1 is away');
    assert.equal(auditEvents(dataDir).some((e) => e.target === user.name && /^reset\.(not-applied|recovered|settled)$/.test(String(e.action))), false,
      'nothing was settled from a DC that had not seen step 1');

    // DC1 comes back with the temporary password, which then replicates: the user must be told.
    await dc1.restart();
    admin1 = await DomainAdmin.connect(dc1);
    const { mail } = await smtp.waitFor(user.mail, /did not finish/, 300_000, mailsBefore);
    assert.equal(mail.subject, 'Your password reset did not finish');
    await until('the audit of the interrupted reset', () => auditEvents(dataDir).find((e) => e.action === 'reset.interrupted' && e.target === user.name), 120_000);

    const pw = `TwoDc-After-${n}-Pw!`;
    rememberSecret(pw);
    const reset = await retryBusy(() => callApi(running!.url, 'POST', `/api/v1/recovery/${r.id}/reset`, { newPassword: pw }));
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    assert.deepEqual(journalFiles(dataDir), []);
    await dc2.replicateFrom(dc1);
    await dc1.replicateFrom(dc2);
    assert.equal((await dc1.kinit(user.name, pw)).ok, true, 'DC1 holds the new password');
    assert.equal((await dc2.kinit(user.name, pw)).ok, true, 'DC2 holds the new password');
  });

  /**
   * A TCP proxy in front of DC1's LDAPS that kills DC1 at the first bytes the daemon sends after step 1
   * has landed (the user's pwdLastSet on DC1 turned 0): step 2 never reaches DC1, whatever the timing.
   */
  async function stopBetweenSteps(): Promise<{ arm(dn: string): void; fired(): boolean; close(): Promise<void> }> {
    let armedDn: string | undefined;
    let fired = false;
    let probe: Client | undefined;
    const sockets = new Set<Socket>();
    const step1Landed = async (): Promise<boolean> => {
      if (!armedDn) return false;
      probe ??= new Client({ url: dc1.ldapsUrl, tlsOptions: { ca: [readFileSync(dc1.caFile)], servername: dc1.hostFqdn }, timeout: 20_000 });
      if (!probe.isConnected) await probe.bind(dc1.adminUpn, dc1.adminPassword);
      const { searchEntries } = await probe.search(armedDn, { scope: 'base', attributes: ['pwdLastSet'] });
      return String(searchEntries[0]?.pwdLastSet) === '0';
    };
    const server: Server = createServer((client) => {
      const upstream = connect({ host: DC1_ADDRESS, port: 636 });
      sockets.add(client); sockets.add(upstream);
      let chain = Promise.resolve();
      client.on('data', (chunk: Buffer) => {
        chain = chain.then(async () => {
          if (fired) return;
          if (await step1Landed()) {
            fired = true;
            await probe?.unbind().catch(() => undefined);
            await dc1.kill();
            for (const s of sockets) s.destroy();
            return;
          }
          upstream.write(chunk);
        }).catch(() => { client.destroy(); upstream.destroy(); });
      });
      upstream.on('data', (chunk: Buffer) => client.write(chunk));
      const end = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
      client.on('error', end); upstream.on('error', end); client.on('close', end); upstream.on('close', end);
    });
    await new Promise<void>((resolve) => server.listen(PROXY_PORT, DC1_ADDRESS, resolve));
    return {
      arm(dn) { armedDn = dn; },
      fired: () => fired,
      async close() {
        for (const s of sockets) s.destroy();
        await probe?.unbind().catch(() => undefined);
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }
});
