// Attacks on the recovery API, each named for what it defends against.
import assert from 'node:assert/strict';
import { DOMAIN_SETUP_TIMEOUT_MS, testDomain, type TestDomain } from '../support/global-domain.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { rememberSecret } from '../support/run-dir.js';
import { readFileSync } from 'node:fs';

describe('recovery API security (Samba AD DC + SMTP)', function () {
  let d: TestDomain;
  let admin: DomainAdmin;
  let k: TestDaemon;
  let offset = 0;
  const now = () => Date.now() + offset;
  const victim = { name: 'sec-victim', password: 'Victim-Start-9!', mail: 'victim@mail.keyhatch.test' };
  const unenrolled = 'sec-unenrolled';
  const triesUser = { name: 'sec-tries', password: 'Tries-Start-4!', mail: 'tries@mail.keyhatch.test' };
  const fixUser = { name: 'sec-fixation', password: 'Fixation-Start-4!', mail: 'fixation@mail.keyhatch.test' };
  const kiosks = { main: 'launch-main-secret-000000000001', attacker: 'launch-attacker-secret-0000001', other: 'launch-other-secret-00000000001', a: 'launch-a-secret-0000000000000001', b: 'launch-b-secret-0000000000000001', c: 'launch-c-secret-0000000000000001' };
  const launchOf = new Map(Object.entries(kiosks).map(([name, secret]) => [secret, { id: `launch-${name}` }]));
  const on = (kiosk: keyof typeof kiosks) => ({ 'x-keyhatch-kiosk': kiosks[kiosk] });

  async function enrollEmail(name: string, password: string, mail: string): Promise<void> {
    const login = await k.api('POST', '/api/v1/enrollment/login', { username: name, password });
    const auth = { authorization: `Bearer ${login.body.token as string}` };
    const before = k.smtp.messages().length;
    const add = await k.api('POST', '/api/v1/enrollment/factors/email', { address: mail }, auth);
    const { match } = await k.smtp.waitFor(mail, /code is (\d{6})/, 10_000, before);
    rememberSecret(match[1] as string);
    assert.equal((await k.api('POST', `/api/v1/enrollment/factors/${add.body.factorId}/confirm`, { code: match[1] }, auth)).status, 200);
  }

  before(async function () {
    this.timeout(DOMAIN_SETUP_TIMEOUT_MS);
    d = await testDomain();
    admin = await DomainAdmin.connect(d.dc);
    rememberSecret(victim.password);
    await admin.addUser({ name: victim.name, password: victim.password, displayName: 'Vic Tim', mail: victim.mail }, d.seed.peopleOu);
    await admin.addUser({ name: unenrolled, password: 'Unenrolled-Pw-3!', displayName: 'Un Enrolled' }, d.seed.peopleOu);
    rememberSecret('Unenrolled-Pw-3!');
    // Enough starts per source for the timing measurement; failure gates keep their defaults.
    // Decoys mirror what users here enroll (e-mail), as an admin should configure them.
    // Each kiosk launch has its own secret; the service maps it to the launch (the device gate's key).
    k = await startTestDaemon(d, { rateLimits: { startsPerSource: 100_000 } }, { now, kioskSecret: kiosks.main, identifyKiosk: (secret) => launchOf.get(secret) });
    await enrollEmail(victim.name, victim.password, victim.mail);
    for (const u of [triesUser, fixUser]) {
      rememberSecret(u.password);
      await admin.addUser({ name: u.name, password: u.password, displayName: 'Some Body', mail: u.mail }, d.seed.peopleOu);
      await enrollEmail(u.name, u.password, u.mail);
    }
    // grace (Domain Admins) and dave (disabled) get an enrolled factor too, straight into the store,
    // so the refusal can only come from the privilege/disabled checks.
    for (const n of ['grace', 'dave']) {
      const u = (await k.server.core.directory.findUser(n))!;
      await k.server.services.store.factors.insert({ id: `seed-${n}`, userKey: u.key!, type: 'email', hint: 'x', confirmed: true, data: { address: `${n}@mail.keyhatch.test` }, createdAt: new Date().toISOString() });
    }
  });
  after(async () => { await k?.close(); await admin?.close(); });

  const start = (username: string, headers: Record<string, string> = {}) => k.api('POST', '/api/v1/recovery', { username }, headers);
  /** Everything but the random id and the clock. */
  const shape = (b: any) => ({ keys: Object.keys(b).sort(), factors: b.factors, required: b.required });

  describe('enumeration', () => {
    it('unknown, unenrolled, disabled and privileged users get the same 201 answer as a real one', async () => {
      const real = await start(victim.name);
      assert.equal(real.status, 201);
      for (const name of ['no-such-user', unenrolled, 'dave', 'grace', 'OTHERDOMAIN\\alice']) {
        const r = await start(name);
        assert.equal(r.status, 201, name);
        assert.deepEqual(shape(r.body), shape(real.body), name);
        assert.ok(r.body.factors.every((f: any) => !('hint' in f)), 'no hints');
      }
    });

    it('a decoy session accepts a challenge like a real one but can never be verified; the audit log knows why', async () => {
      for (const name of ['no-such-user-2', 'grace', 'dave', unenrolled]) {
        const s = await start(name);
        const id = s.body.recoveryId;
        assert.deepEqual((await k.api('POST', `/api/v1/recovery/${id}/challenge`, { factor: 'f1', contact: `${name}@mail.keyhatch.test` })).body, { sent: true });
        const v = await k.api('POST', `/api/v1/recovery/${id}/verify`, { factor: 'f1', response: '123456' });
        assert.equal(v.status, 401);
        assert.equal(v.body.error.code, 'VERIFICATION_FAILED');
        assert.equal((await k.api('POST', `/api/v1/recovery/${id}/reset`, { newPassword: 'Whatever-123!' })).status, 403);
      }
      await k.server.services.outbox.flush();
      assert.equal(k.smtp.messages().filter((m) => /grace|dave/.test(m.to.join())).length, 0, 'no code is ever sent for a refused account');
      const audit = readFileSync(`${k.config.dataDir}/logs/audit.log`, 'utf8');
      assert.match(audit, /"reason":"privileged:Domain Admins/);
      assert.match(audit, /"reason":"disabled"/);
      assert.match(audit, /"reason":"unknown_user"/);
      assert.match(audit, /"reason":"unenrolled"/);
    });
  });

  describe('brute force', () => {
    it('blocks a user after 5 wrong codes — even the right code is refused — without touching badPwdCount', async () => {
      const s = await start(victim.name, on('attacker'));
      const id = s.body.recoveryId;
      const before = k.smtp.messages().length;
      await k.api('POST', `/api/v1/recovery/${id}/challenge`, { factor: 'f1', contact: victim.mail }, on('attacker'));
      const { match } = await k.smtp.waitFor(victim.mail, /code is (\d{6})/, 10_000, before);
      rememberSecret(match[1] as string);
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) {
        const wrong = String((Number(match[1]) + 1 + i) % 1_000_000).padStart(6, '0');
        // Fresh challenges keep the per-code try budget out of the way: this tests the gates.
        if (i % 3 === 2) await k.api('POST', `/api/v1/recovery/${id}/challenge`, { factor: 'f1', contact: victim.mail }, on('attacker'));
        codes.push((await k.api('POST', `/api/v1/recovery/${id}/verify`, { factor: 'f1', response: wrong }, on('attacker'))).status);
      }
      assert.deepEqual(codes, [401, 401, 401, 401, 429]);
      const blocked = await k.api('POST', `/api/v1/recovery/${id}/verify`, { factor: 'f1', response: match[1] }, on('attacker'));
      assert.equal(blocked.status, 429);
      assert.equal(blocked.body.error.code, 'RATE_LIMITED');
      // The block is on the user gate: a new session for the same user from another device is blocked too.
      const other = await start(victim.name, on('other'));
      assert.equal(other.status, 429);
      const entry = await admin.read(`CN=${victim.name},${d.seed.peopleOu}`, ['badPwdCount', 'lockoutTime']);
      assert.equal(String(entry.badPwdCount ?? '0'), '0', 'no lockout DoS through Keyhatch');
      // After the block time (24 h by default) the user can try again.
      offset += 24 * 3600_000 + 1000;
      assert.equal((await start(victim.name)).status, 201);
    });

    it('a code allows at most 3 tries, then a new challenge is needed', async () => {
      const s = await start(triesUser.name, on('c'));
      const id = s.body.recoveryId;
      const h = on('c');
      const before = k.smtp.messages().length;
      await k.api('POST', `/api/v1/recovery/${id}/challenge`, { factor: 'f1', contact: triesUser.mail }, h);
      const { match } = await k.smtp.waitFor(triesUser.mail, /code is (\d{6})/, 10_000, before);
      rememberSecret(match[1] as string);
      const wrong = String((Number(match[1]) + 7) % 1_000_000).padStart(6, '0');
      for (let i = 0; i < 3; i++) assert.equal((await k.api('POST', `/api/v1/recovery/${id}/verify`, { factor: 'f1', response: wrong }, h)).status, 401);
      assert.equal((await k.api('POST', `/api/v1/recovery/${id}/verify`, { factor: 'f1', response: match[1] }, h)).status, 401, 'the right code after 3 misses is dead');
      const again = k.smtp.messages().length;
      await k.api('POST', `/api/v1/recovery/${id}/challenge`, { factor: 'f1', contact: triesUser.mail }, h);
      const fresh = await k.smtp.waitFor(triesUser.mail, /code is (\d{6})/, 10_000, again);
      rememberSecret(fresh.match[1] as string);
      const ok = await k.api('POST', `/api/v1/recovery/${id}/verify`, { factor: 'f1', response: fresh.match[1] }, h);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
    });
  });

  describe('replay and expiry', () => {
    let victim2: { name: string; password: string; mail: string };
    before(async () => {
      victim2 = { name: 'sec-replay', password: 'Replay-Start-5!', mail: 'replay@mail.keyhatch.test' };
      rememberSecret(victim2.password);
      await admin.addUser({ name: victim2.name, password: victim2.password, displayName: 'Re Play', mail: victim2.mail }, d.seed.peopleOu);
      await enrollEmail(victim2.name, victim2.password, victim2.mail);
    });

    it('a used code cannot be used again, nor in another session', async () => {
      const a = (await start(victim2.name)).body.recoveryId;
      const before = k.smtp.messages().length;
      await k.api('POST', `/api/v1/recovery/${a}/challenge`, { factor: 'f1', contact: victim2.mail });
      const { match } = await k.smtp.waitFor(victim2.mail, /code is (\d{6})/, 10_000, before);
      rememberSecret(match[1] as string);
      assert.equal((await k.api('POST', `/api/v1/recovery/${a}/verify`, { factor: 'f1', response: match[1] })).status, 200);
      assert.equal((await k.api('POST', `/api/v1/recovery/${a}/verify`, { factor: 'f1', response: match[1] })).status, 401);
      const b = (await start(victim2.name)).body.recoveryId;
      assert.equal((await k.api('POST', `/api/v1/recovery/${b}/verify`, { factor: 'f1', response: match[1] })).status, 401);
    });

    it('a code expires after 10 minutes; a session expires after its lifetime', async () => {
      const a = (await start(victim2.name)).body.recoveryId;
      const before = k.smtp.messages().length;
      await k.api('POST', `/api/v1/recovery/${a}/challenge`, { factor: 'f1', contact: victim2.mail });
      const { match } = await k.smtp.waitFor(victim2.mail, /code is (\d{6})/, 10_000, before);
      rememberSecret(match[1] as string);
      offset += 9 * 60_000 + 59_000;
      assert.equal((await k.api('POST', `/api/v1/recovery/${a}/verify`, { factor: 'f1', response: '000001' === match[1] ? '000002' : '000001' })).status, 401);
      offset += 2000;
      assert.equal((await k.api('POST', `/api/v1/recovery/${a}/verify`, { factor: 'f1', response: match[1] })).status, 410, 'session (10 min) and code gone');
    });
  });

  describe('session fixation and binding', () => {
    it('a session id presented by another device or without the kiosk secret gets nothing', async () => {
      const id = (await start(fixUser.name, on('a'))).body.recoveryId;
      const other = await k.api('GET', `/api/v1/recovery/${id}`, undefined, on('b'));
      assert.equal(other.status, 410, JSON.stringify(other.body));
      assert.equal(other.body.error.code, 'SESSION_EXPIRED');
      const noSecret = await k.api('GET', `/api/v1/recovery/${id}`, undefined, { 'x-keyhatch-kiosk': '' });
      assert.equal(noSecret.status, 401);
      const guessed = await k.api('GET', `/api/v1/recovery/${'A'.repeat(32)}`, undefined, on('a'));
      assert.equal(guessed.status, 410, 'unknown ids look like expired ones');
    });
  });

  describe('malformed and oversized input', () => {
    it('refuses bad bodies with catalogue errors and keeps serving', async () => {
      const big = await k.api('POST', '/api/v1/recovery', JSON.stringify({ username: 'x'.repeat(20_000) }), { 'content-type': 'application/json' });
      assert.equal(big.status, 413);
      assert.equal(big.body.error.code, 'PAYLOAD_TOO_LARGE');
      const broken = await k.api('POST', '/api/v1/recovery', '{"username": ', { 'content-type': 'application/json' });
      assert.equal(broken.status, 400);
      assert.equal(broken.body.error.code, 'BAD_REQUEST');
      const form = await k.api('POST', '/api/v1/recovery', 'username=alice', { 'content-type': 'application/x-www-form-urlencoded' });
      assert.equal(form.status, 415);
      const extra = await k.api('POST', '/api/v1/recovery', { username: 'alice', admin: true });
      assert.equal(extra.status, 400);
      assert.match(extra.body.error.message, /Invalid request/);
      for (const username of ['*', '*)(objectClass=*', 'a\u0000', '', 42]) {
        const r = await k.api('POST', '/api/v1/recovery', { username });
        assert.equal(r.status, 400, JSON.stringify(username));
        assert.ok(['INVALID_USERNAME', 'BAD_REQUEST'].includes(r.body.error.code));
      }
      const cross = await k.api('POST', '/api/v1/recovery', { username: 'alice' }, { origin: 'https://evil.example.com' });
      assert.equal(cross.status, 400);
      assert.equal(cross.headers.get('access-control-allow-origin'), null);
      const notFound = await k.api('GET', '/api/v1/nope');
      assert.deepEqual(notFound.body, { error: { code: 'NOT_FOUND', message: 'Not found.' } });
      assert.equal((await start(victim2Name())).status, 201, 'still serving');
    });

    it('static pages cannot be used to read files outside the UI directory', async () => {
      for (const p of ['/kiosk/%2e%2e/%2e%2e/package.json', '/kiosk/..%2f..%2fpackage.json', '/portal/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/kiosk/.env']) {
        const r = await fetch(`${k.url}${p}`);
        const text = await r.text();
        assert.ok(r.status === 404 || r.status === 400, `${p}: ${r.status}`);
        assert.ok(!text.includes('"name": "keyhatch"') && !text.includes('root:'), p);
      }
    });

    it('sends security headers on every response', async () => {
      const r = await k.api('GET', '/api/v1/health');
      assert.match(r.headers.get('content-security-policy') ?? '', /default-src 'none'.*frame-ancestors 'none'/);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(r.headers.get('x-frame-options'), 'DENY');
      assert.equal(r.headers.get('cache-control'), 'no-store');
      assert.equal(r.headers.get('x-powered-by'), null);
    });
  });

  function victim2Name(): string { return 'sec-replay'; }
});
