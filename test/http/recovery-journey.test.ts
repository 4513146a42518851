// The whole self-service journey over HTTP: enroll (AD password, e-mail code from a real SMTP
// server, TOTP), get locked out, recover, unlock, reset with a history rejection and a retry.
import assert from 'node:assert/strict';
import * as OTPAuth from 'otpauth';
import { DOMAIN_SETUP_TIMEOUT_MS, testDomain, type TestDomain } from '../support/global-domain.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { rememberSecret } from '../support/run-dir.js';

describe('recovery and enrollment API (Samba AD DC + SMTP)', function () {
  let d: TestDomain;
  let admin: DomainAdmin;
  let k: TestDaemon;
  let offset = 0;
  const now = () => Date.now() + offset;
  const user = { name: 'journey1', password: 'Journey-Start-7!', mail: 'journey1@mail.keyhatch.test' };
  let totpSecret = '';

  before(async function () {
    this.timeout(DOMAIN_SETUP_TIMEOUT_MS);
    d = await testDomain();
    admin = await DomainAdmin.connect(d.dc);
    rememberSecret(user.password);
    await admin.addUser({ name: user.name, password: user.password, displayName: 'Joanna Smith', mail: user.mail }, d.seed.peopleOu);
    k = await startTestDaemon(d, {}, { now });
  });
  after(async () => { await k?.close(); await admin?.close(); });

  it('enrolls: sign in with the AD password, confirm e-mail with the mailed code, confirm TOTP', async () => {
    const bad = await k.api('POST', '/api/v1/enrollment/login', { username: user.name, password: 'Not-It-1!' });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error.code, 'INVALID_CREDENTIALS');

    const login = await k.api('POST', '/api/v1/enrollment/login', { username: user.name, password: user.password });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    const auth = { authorization: `Bearer ${login.body.token as string}` };
    rememberSecret(login.body.token);

    const addMail = await k.api('POST', '/api/v1/enrollment/factors/email', { address: user.mail }, auth);
    assert.equal(addMail.status, 201);
    const { match } = await k.smtp.waitFor(user.mail, /code is (\d{6})/);
    rememberSecret(match[1] as string);
    assert.equal((await k.api('POST', `/api/v1/enrollment/factors/${addMail.body.factorId}/confirm`, { code: '000000' === match[1] ? '111111' : '000000' }, auth)).status, 401);
    const confirm = await k.api('POST', `/api/v1/enrollment/factors/${addMail.body.factorId}/confirm`, { code: match[1] }, auth);
    assert.equal(confirm.status, 200, JSON.stringify(confirm.body));

    const addTotp = await k.api('POST', '/api/v1/enrollment/factors/totp', {}, auth);
    assert.equal(addTotp.status, 201);
    assert.match(addTotp.body.otpauthUri, /^otpauth:\/\/totp\/Keyhatch:journey1%40keyhatch\.test\?/);
    assert.match(addTotp.body.qrSvg, /^<svg/);
    totpSecret = addTotp.body.secret;
    rememberSecret(totpSecret);
    const code = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(totpSecret) }).generate({ timestamp: now() });
    const totpOk = await k.api('POST', `/api/v1/enrollment/factors/${addTotp.body.factorId}/confirm`, { code }, auth);
    assert.equal(totpOk.status, 200);

    const list = await k.api('GET', '/api/v1/enrollment/factors', undefined, auth);
    assert.deepEqual(list.body.map((f: { type: string; confirmed: boolean }) => [f.type, f.confirmed]), [['email', true], ['totp', true]]);
    assert.equal(list.body[0].hint, 'j•••@m•••.test');
    // Adding a method is announced on the existing channel.
    await k.smtp.waitFor(user.mail, /verification method \(totp/);
  });

  it('recovers a locked-out user with the e-mailed code and unlocks; the old password signs in again', async () => {
    const dn = `CN=${user.name},${d.seed.peopleOu}`;
    await admin.lockOut(dn);
    assert.equal((await d.dc.kinit(user.name, user.password)).ok, false);

    const start = await k.api('POST', '/api/v1/recovery', { username: `KEYHATCH\\${user.name}` });
    assert.equal(start.status, 201);
    assert.deepEqual(start.body.factors, [{ id: 'f1', type: 'email' }, { id: 'f2', type: 'totp' }, { id: 'f3', type: 'webauthn' }, { id: 'f4', type: 'questions' }, { id: 'f5', type: 'helpdesk' }],
      'the policy menu, no hints');
    const id = start.body.recoveryId as string;
    assert.ok(Buffer.from(id, 'base64url').length >= 16, '≥128-bit id');

    const before = await k.api('GET', `/api/v1/recovery/${id}`);
    assert.deepEqual(Object.keys(before.body).sort(), ['expiresAt', 'remaining', 'verified']);
    assert.equal((await k.api('POST', `/api/v1/recovery/${id}/unlock`)).status, 403);

    const mailsBefore = k.smtp.messages().length;
    assert.equal((await k.api('POST', `/api/v1/recovery/${id}/challenge`, { factor: 'f1' })).status, 400, 'the address must be typed');
    assert.deepEqual((await k.api('POST', `/api/v1/recovery/${id}/challenge`, { factor: 'f1', contact: ` ${user.mail.toUpperCase()} ` })).body, { sent: true });
    const { match } = await k.smtp.waitFor(user.mail, /code is (\d{6})/, 10_000, mailsBefore);
    rememberSecret(match[1] as string);
    const v = await k.api('POST', `/api/v1/recovery/${id}/verify`, { factor: 'f1', response: match[1] });
    assert.equal(v.status, 200, JSON.stringify(v.body));
    assert.deepEqual(v.body, { verified: true, remaining: 0 });

    const st = await k.api('GET', `/api/v1/recovery/${id}`);
    assert.equal(st.body.account.locked, true);
    assert.equal(st.body.account.canUnlock, true);
    assert.equal(st.body.policy.minLength, 8);
    const un = await k.api('POST', `/api/v1/recovery/${id}/unlock`);
    assert.deepEqual(un.body, { unlocked: true });
    const k1 = await d.dc.kinit(user.name, user.password);
    assert.equal(k1.ok, true, k1.message);
    await k.smtp.waitFor(user.mail, /was unlocked/);
  });

  it('resets with TOTP: a password in history is refused with PASSWORD_POLICY, a fresh one works (kinit)', async () => {
    const start = await k.api('POST', '/api/v1/recovery', { username: `${user.name}@keyhatch.test` });
    const id = start.body.recoveryId as string;
    offset += 30_000; // a new TOTP step (the enrollment step can never be used again)
    const code = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(totpSecret) }).generate({ timestamp: now() });
    assert.equal((await k.api('POST', `/api/v1/recovery/${id}/challenge`, { factor: 'f2' })).status, 200);
    assert.equal((await k.api('POST', `/api/v1/recovery/${id}/verify`, { factor: 'f2', response: code })).status, 200);

    const pre = await k.api('POST', `/api/v1/recovery/${id}/check-password`, { newPassword: 'journey1' });
    assert.deepEqual(pre.body.violations.map((v: { code: string }) => v.code), ['complexity', 'contains_username']);

    const reused = await k.api('POST', `/api/v1/recovery/${id}/reset`, { newPassword: user.password });
    assert.equal(reused.status, 422);
    assert.equal(reused.body.error.code, 'PASSWORD_POLICY');
    assert.deepEqual(reused.body.error.violations, [{ code: 'in_history' }]);

    const fresh = 'Fresh-Journey-42!';
    rememberSecret(fresh);
    const ok = await k.api('POST', `/api/v1/recovery/${id}/reset`, { newPassword: fresh });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal((await d.dc.kinit(user.name, fresh)).ok, true);
    assert.equal((await d.dc.kinit(user.name, user.password)).ok, false);
    assert.equal((await k.api('GET', `/api/v1/recovery/${id}`)).status, 410, 'a finished reset closes the session');
    // A repeated reset (its answer lost on the way) learns it already happened, and changes nothing.
    const repeat = await k.api('POST', `/api/v1/recovery/${id}/reset`, { newPassword: 'Another-Journey-43!' });
    assert.equal(repeat.status, 409, JSON.stringify(repeat.body));
    assert.equal(repeat.body.error.code, 'RESET_ALREADY_DONE');
    assert.equal((await k.api('POST', `/api/v1/recovery/${id}/unlock`, {})).status, 410, 'nothing else works on a closed session');
    assert.equal((await d.dc.kinit(user.name, fresh)).ok, true, 'the password is still the one reset');
    await k.smtp.waitFor(user.mail, /was reset at/);
  });

  it('a reset abandoned half-way (cancel after a history refusal) is reported to the user and audited', async () => {
    const start = await k.api('POST', '/api/v1/recovery', { username: user.name });
    const id = start.body.recoveryId as string;
    offset += 30_000;
    const code = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(totpSecret) }).generate({ timestamp: now() });
    assert.equal((await k.api('POST', `/api/v1/recovery/${id}/verify`, { factor: 'f2', response: code })).status, 200);
    const refused = await k.api('POST', `/api/v1/recovery/${id}/reset`, { newPassword: 'Fresh-Journey-42!' });
    assert.equal(refused.status, 422, 'the current password is in history');
    const before = k.smtp.messages().length;
    assert.equal((await k.api('POST', `/api/v1/recovery/${id}/cancel`)).status, 204);
    await k.smtp.waitFor(user.mail, /did not finish/, 10_000, before);
    assert.equal((await d.dc.kinit(user.name, 'Fresh-Journey-42!')).ok, false, 'the account holds a temporary password now');
    const { readFileSync } = await import('node:fs');
    assert.match(readFileSync(`${k.config.dataDir}/logs/audit.log`, 'utf8'), /"action":"reset.abandoned"/);
  });

  it('accepts a help-desk one-time code issued for the user', async () => {
    const code = await k.server.services.helpdesk.issue(`ad:${(await k.server.core.directory.findUser(user.name))!.key!.slice(3)}`);
    rememberSecret(code.code);
    const start = await k.api('POST', '/api/v1/recovery', { username: user.name });
    const id = start.body.recoveryId as string;
    const f = start.body.factors.find((x: { type: string }) => x.type === 'helpdesk').id;
    assert.equal((await k.api('POST', `/api/v1/recovery/${id}/verify`, { factor: f, response: code.code })).status, 200);
    assert.equal((await k.api('POST', `/api/v1/recovery/${id}/verify`, { factor: f, response: code.code })).status, 401, 'single use');
  });

  it('the audit trail records each step, with factors, device and result, and no secret', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(`${k.config.dataDir}/logs/audit.log`, 'utf8');
    const events = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    const reset = events.find((e) => e.action === 'recovery.reset' && e.result === 'success');
    assert.equal(reset?.target, user.name);
    assert.match(String(reset?.device), /^static-[0-9a-f]{16}$/, 'the kiosk launch, as the service identified it');
    assert.deepEqual(reset?.details.factors, ['totp']);
    assert.ok(events.some((e) => e.action === 'recovery.reset' && e.result === 'failure' && e.reason === 'PASSWORD_POLICY'));
    assert.ok(events.some((e) => e.action === 'enroll.add' && e.details.factor === 'email'));
  });
});
