// Crash of the daemon at each injected point of a recovery (real `keyhatch serve` child process,
// real SIGKILL, real Samba DC and SMTP server): on restart the reset journal recovers or reports,
// the audit log says what happened, the user is told, and Kerberos proves which password is valid.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FAULT_MARKER, type FaultPoint } from '../../daemon/src/platform/fault-points.js';
import { DOMAIN_SETUP_TIMEOUT_MS, testDomain, type TestDomain } from '../support/global-domain.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { freshDir, rememberSecret } from '../support/run-dir.js';
import { startSmtpCatcher, type SmtpCatcher } from '../support/smtp-catcher.js';
import { auditEvents, callApi, retryBusy, startRecovery, startServe, until, writeFaultConfig, type ServeProcess } from './faults-process.js';

describe('faults: SIGKILL of keyhatch serve between the steps of a recovery (Samba AD DC + SMTP)', function () {
  this.timeout(300_000);
  let d: TestDomain;
  let admin: DomainAdmin;
  let smtp: SmtpCatcher;
  let running: ServeProcess | undefined;
  let n = 0;

  before(async function () {
    this.timeout(DOMAIN_SETUP_TIMEOUT_MS);
    d = await testDomain();
    admin = await DomainAdmin.connect(d.dc);
    smtp = await startSmtpCatcher();
  });
  afterEach(async () => { await running?.kill('SIGTERM'); running = undefined; });
  after(async () => { await smtp?.close(); await admin?.close(); });

  /** The service account's password reaches the daemon through its environment, as on a server. */
  const serve = (configFile: string, o: { fault?: FaultPoint; env?: Record<string, string> } = {}) =>
    startServe(configFile, { ...o, env: { KEYHATCH_AD_BIND_PASSWORD: d.seed.service.password, ...o.env } });

  /** A fresh user with a directory e-mail, and a data directory whose config allows fault injection. */
  async function scenario(tag: string) {
    n += 1;
    const name = `crash${tag.replace(/[^a-z]/g, '').slice(0, 8)}${n}`;
    const user = { name, password: `Crash-Start-${n}-Pw!`, mail: `${name}@mail.keyhatch.test`, dn: '' };
    rememberSecret(user.password);
    user.dn = await admin.addUser({ name, password: user.password, displayName: 'Fault Person', mail: user.mail }, d.seed.peopleOu);
    const dataDir = freshDir(`fault-${tag}`);
    rememberSecret(d.seed.service.password);
    const configFile = writeFaultConfig(dataDir, {
      listen: '127.0.0.1:0',
      log: { level: 'debug' },
      kiosk: { requireSecret: false },
      recovery: { preEnrollFromDirectory: true },
      smtp: smtp.config,
      ad: { urls: [d.dc.ldapsUrl], baseDn: d.seed.peopleOu, bindDn: d.seed.service.upn, caFile: d.dc.caFile, resetStrategy: 'two-step' },
    });
    return { user, dataDir, configFile };
  }



  /** Runs `request` (which the armed daemon never answers), SIGKILLs the daemon at the point, restarts it. */
  async function crashAt(point: FaultPoint, configFile: string, p: ServeProcess, request: () => Promise<unknown>): Promise<ServeProcess> {
    const pending = request().then((r) => `answered ${JSON.stringify(r)}`, () => 'connection lost');
    assert.equal(await Promise.race([p.faultReached, pending]), point, 'the daemon stops at the armed point');
    assert.equal(await p.kill('SIGKILL'), 'SIGKILL');
    assert.equal(await pending, 'connection lost', 'the request in flight dies with the process');
    return serve(configFile);
  }

  const journalFiles = (dataDir: string) => (existsSync(join(dataDir, 'reset-journal')) ? readdirSync(join(dataDir, 'reset-journal')).filter((f) => f.endsWith('.json')) : []);

  it('before-verify: the reserved attempt does not lock the user out; the same code verifies after the restart', async () => {
    const { user, dataDir, configFile } = await scenario('beforeverify');
    running = await serve(configFile, { fault: 'before-verify' });
    const r = await startRecovery(running.url, smtp, user);
    running = await crashAt('before-verify', configFile, running, () => callApi(running!.url, 'POST', `/api/v1/recovery/${r.id}/verify`, { factor: r.factor, response: r.code }));
    const v = await retryBusy(() => callApi(running!.url, 'POST', `/api/v1/recovery/${r.id}/verify`, { factor: r.factor, response: r.code }));
    assert.equal(v.status, 200, JSON.stringify(v.body));
    const pw = `After-Verify-${n}-New!`;
    rememberSecret(pw);
    const reset = await callApi(running.url, 'POST', `/api/v1/recovery/${r.id}/reset`, { newPassword: pw });
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    assert.equal((await d.dc.kinit(user.name, pw)).ok, true);
    assert.equal((await d.dc.kinit(user.name, user.password)).ok, false);
    assert.deepEqual(journalFiles(dataDir), []);
  });

  it('after-verify: the verified session survives the crash and the reset completes after the restart', async () => {
    const { user, dataDir, configFile } = await scenario('afterverify');
    running = await serve(configFile, { fault: 'after-verify' });
    const r = await startRecovery(running.url, smtp, user);
    running = await crashAt('after-verify', configFile, running, () => callApi(running!.url, 'POST', `/api/v1/recovery/${r.id}/verify`, { factor: r.factor, response: r.code }));
    const st = await callApi(running.url, 'GET', `/api/v1/recovery/${r.id}`);
    assert.equal(st.status, 200);
    assert.equal(st.body.verified, true, 'the verification was stored before the crash');
    assert.equal((await d.dc.kinit(user.name, user.password)).ok, true, 'nothing was changed in AD yet');
    const pw = `After-Verify-${n}-New!`;
    rememberSecret(pw);
    const reset = await retryBusy(() => callApi(running!.url, 'POST', `/api/v1/recovery/${r.id}/reset`, { newPassword: pw }));
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    assert.equal((await d.dc.kinit(user.name, pw)).ok, true);
    assert.deepEqual(journalFiles(dataDir), []);
  });

  it('between-reset-steps: the restart reports the temporary password, the user is told, a new reset settles it', async () => {
    const { user, dataDir, configFile } = await scenario('between');
    running = await serve(configFile, { fault: 'between-reset-steps' });
    const r = await startRecovery(running.url, smtp, user);
    assert.equal((await callApi(running.url, 'POST', `/api/v1/recovery/${r.id}/verify`, { factor: r.factor, response: r.code })).status, 200);
    const lost = `Lost-Between-${n}-Pw!`;
    rememberSecret(lost);
    const mailsBefore = smtp.messages().length;
    const killed = running;
    running = undefined;
    // The crash: step 1 (temporary password) is in AD, step 2 never ran.
    const pending = callApi(killed.url, 'POST', `/api/v1/recovery/${r.id}/reset`, { newPassword: lost }).then((x) => `answered ${JSON.stringify(x)}`, () => 'connection lost');
    assert.equal(await Promise.race([killed.faultReached, pending]), 'between-reset-steps');
    assert.equal(await killed.kill('SIGKILL'), 'SIGKILL');
    assert.equal(await pending, 'connection lost');
    assert.equal(journalFiles(dataDir).length, 1, 'the journal holds the pending reset');
    const oldTry = await d.dc.kinit(user.name, user.password);
    assert.equal(oldTry.ok, false, 'the old password no longer works');
    assert.equal((await d.dc.kinit(user.name, lost)).ok, false, 'the new one never landed');
    assert.equal((await admin.ldap.search(user.dn, { scope: 'base', attributes: ['pwdLastSet'] })).searchEntries[0]?.pwdLastSet, '0', 'step 1 set pwdLastSet=0');

    running = await serve(configFile);
    const { mail } = await smtp.waitFor(user.mail, /did not finish/, 60_000, mailsBefore);
    assert.equal(mail.subject, 'Your password reset did not finish');
    const interrupted = await until('the audit of the interrupted reset', () => auditEvents(dataDir).find((e) => e.action === 'reset.interrupted' && e.target === user.name));
    assert.equal(interrupted.reason, 'RESET_INCOMPLETE');
    assert.ok(auditEvents(dataDir).some((e) => e.action === 'recovery.verify' && e.result === 'success'), 'the audit of the first process survived the kill');

    // The session (stored) is still verified: the user chooses a password again and it lands.
    const pw = `Settled-Between-${n}-Pw!`;
    rememberSecret(pw);
    const reset = await retryBusy(() => callApi(running!.url, 'POST', `/api/v1/recovery/${r.id}/reset`, { newPassword: pw }));
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    assert.equal((await d.dc.kinit(user.name, pw)).ok, true);
    assert.deepEqual(journalFiles(dataDir), [], 'the successful reset settles the reported entry');
    await smtp.waitFor(user.mail, /was reset/, 60_000, mailsBefore);
  });

  it('after-reset: the restart finds that step 2 landed, audits it as recovered and tells the user the reset worked', async () => {
    const { user, dataDir, configFile } = await scenario('afterreset');
    running = await serve(configFile, { fault: 'after-reset' });
    const r = await startRecovery(running.url, smtp, user);
    assert.equal((await callApi(running.url, 'POST', `/api/v1/recovery/${r.id}/verify`, { factor: r.factor, response: r.code })).status, 200);
    const pw = `Landed-After-${n}-Pw!`;
    rememberSecret(pw);
    const mailsBefore = smtp.messages().length;
    running = await crashAt('after-reset', configFile, running, () => callApi(running!.url, 'POST', `/api/v1/recovery/${r.id}/reset`, { newPassword: pw }));
    assert.equal((await d.dc.kinit(user.name, pw)).ok, true, 'the new password is valid');
    const recovered = await until('the audit of the recovered reset', () => auditEvents(dataDir).find((e) => e.action === 'reset.recovered' && e.target === user.name));
    assert.equal(recovered.result, 'success');
    const { mail } = await smtp.waitFor(user.mail, /was reset/, 60_000, mailsBefore);
    assert.equal(mail.subject, 'Your password was reset');
    assert.equal(smtp.messages().slice(mailsBefore).filter((m) => /did not finish/.test(m.text)).length, 0, 'no false alarm');
    assert.deepEqual(journalFiles(dataDir), []);
  });

  it('KEYHATCH_FAULT is ignored without NODE_ENV=test or without the marker in the data directory', async () => {
    const { user, dataDir, configFile } = await scenario('ignored');
    running = await serve(configFile, { fault: 'after-verify', env: { NODE_ENV: 'production' } });
    const r = await startRecovery(running.url, smtp, user);
    const v = await callApi(running.url, 'POST', `/api/v1/recovery/${r.id}/verify`, { factor: r.factor, response: r.code });
    assert.equal(v.status, 200, 'the point did not halt the daemon');
    assert.match(running.stderr(), /KEYHATCH_FAULT is ignored outside tests/);
    await running.kill('SIGTERM');
    rmSync(join(dataDir, FAULT_MARKER));
    running = await serve(configFile, { fault: 'before-verify' });
    const r2 = await startRecovery(running.url, smtp, user);
    assert.equal((await callApi(running.url, 'POST', `/api/v1/recovery/${r2.id}/verify`, { factor: r2.factor, response: r2.code })).status, 200, 'no marker: not armed');
    assert.match(running.stderr(), /KEYHATCH_FAULT is ignored outside tests/);
  });
});
