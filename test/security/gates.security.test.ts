// Rate gates against a real Samba DC, a real daemon and a second daemon process on the same store:
// keyed on the account (not the spelling), reserved before judging, serialised per session, keyed on
// identities an attacker cannot pick, and never a denial of service through made-up names.
import assert from 'node:assert/strict';
import * as OTPAuth from 'otpauth';
import { readFileSync } from 'node:fs';
import { testDomain, type TestDomain } from '../support/global-domain.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { rememberSecret } from '../support/run-dir.js';
import { call, startSecondDaemon, type SecondDaemon } from './support/two-daemons.js';
import { loginLimit } from '../../daemon/src/enrollment/enrollment-service.js';

const VARIANTS = (n: string) => [n, `KEYHATCH\\ ${n}`, `${n} @keyhatch.test`, ` ${n.toUpperCase()} `, `keyhatch\\${n}`, `${n}@keyhatch.test`, `${n}@KEYHATCH.TEST`, n.replace(/./g, (c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0))];

describe('rate gates (Samba AD DC, two daemon processes on one store)', function () {
  this.timeout(180_000);
  let d: TestDomain;
  let admin: DomainAdmin;
  const launches = { a: 'gates-launch-a-secret-000000001', b: 'gates-launch-b-secret-000000001', c: 'gates-launch-c-secret-000000001' };
  const identifyKiosk = (s: string) => (s === launches.a ? { id: 'launch-a' } : s === launches.b ? { id: 'launch-b' } : s === launches.c ? { id: 'launch-c' } : undefined);

  async function mkUser(name: string, mail?: string): Promise<{ name: string; password: string; dn: string }> {
    const password = `${name}-Pw-77!`.replace(/^./, (c) => c.toUpperCase());
    rememberSecret(password);
    const dn = await admin.addUser({ name, password, displayName: name, ...(mail ? { mail } : {}) }, d.seed.peopleOu);
    return { name, password, dn };
  }

  async function enrollEmail(k: TestDaemon, name: string, mail: string): Promise<void> {
    const u = (await k.server.core.directory.findUser(name))!;
    await k.server.services.store.factors.insert({ id: `seed-${name}`, userKey: u.key!, type: 'email', hint: 'x', confirmed: true, data: { address: mail }, createdAt: new Date().toISOString() });
  }

  before(async () => {
    d = await testDomain();
    admin = await DomainAdmin.connect(d.dc);
  });
  after(async () => { await admin?.close(); });

  describe('default limits (5 per user)', () => {
    let k: TestDaemon;
    before(async () => {
      k = await startTestDaemon(d, { rateLimits: { startsPerSource: 100_000, deviceAttempts: 10_000 } }, { kioskSecret: launches.a, identifyKiosk });
    });
    after(async () => { await k?.close(); });

    const failOnce = async (name: string, kiosk = launches.a) => {
      const s = await call(k.url, kiosk, 'POST', '/api/v1/recovery', { username: name });
      if (s.status !== 201) return s.status;
      return (await call(k.url, kiosk, 'POST', `/api/v1/recovery/${s.body.recoveryId}/verify`, { factor: 'f2', response: '000000' })).status;
    };

    it('spelling variants of one account share one budget: 5 failures through 5 spellings block every spelling', async () => {
      await mkUser('sissi', 'sissi@mail.keyhatch.test');
      await enrollEmail(k, 'sissi', 'sissi@mail.keyhatch.test');
      const v = VARIANTS('sissi');
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push(await failOnce(v[i] as string));
      assert.deepEqual(statuses, [401, 401, 401, 401, 429]);
      for (const name of v) assert.equal((await call(k.url, launches.a, 'POST', '/api/v1/recovery', { username: name })).status, 429, JSON.stringify(name));
    });

    it('a made-up name behaves the same: its variants share one budget too (no "does the block follow?" signal)', async () => {
      const v = VARIANTS('ghosty');
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push(await failOnce(v[i] as string));
      assert.deepEqual(statuses, [401, 401, 401, 401, 429]);
      for (const name of v) assert.equal((await call(k.url, launches.a, 'POST', '/api/v1/recovery', { username: name })).status, 429, JSON.stringify(name));
    });

    it('100 parallel wrong TOTP codes over 20 sessions and two processes: at most 5 are judged', async () => {
      const second: SecondDaemon = await startSecondDaemon(k, 'launch-a');
      try {
        await mkUser('par-user', 'par@mail.keyhatch.test');
        await enrollEmail(k, 'par-user', 'par@mail.keyhatch.test');
        const sessions: string[] = [];
        for (let i = 0; i < 20; i++) sessions.push((await call(k.url, launches.a, 'POST', '/api/v1/recovery', { username: 'par-user' })).body.recoveryId);
        const results = await Promise.all(Array.from({ length: 100 }, (_, i) =>
          call(i % 2 === 0 ? k.url : second.url, launches.a, 'POST', `/api/v1/recovery/${sessions[i % 20]}/verify`, { factor: 'f2', response: String(100000 + i) })));
        const judged = results.filter((r) => r.status === 401).length;
        const limited = results.filter((r) => r.status === 429).length;
        assert.equal(judged + limited, 100, JSON.stringify(results.map((r) => r.status)));
        assert.ok(judged <= 5, `${judged} judged beyond the limit of 5`);
      } finally { await second.close(); }
    });

    it('portal sign-in: attempts per account are reserved before binding, below the lockout threshold, across spellings', async () => {
      const u = await mkUser('portal-victim');
      const policy = await k.server.core.directory.effectivePolicy((await k.server.core.directory.findUser(u.name))!);
      const limit = loginLimit(k.config.rateLimits.attempts, policy.lockoutThreshold);
      assert.ok(policy.lockoutThreshold === 0 || limit < policy.lockoutThreshold);
      const v = VARIANTS(u.name);
      const wrong = await Promise.all(Array.from({ length: 30 }, (_, i) => call(k.url, '', 'POST', '/api/v1/enrollment/login', { username: v[i % v.length], password: `Wrong-${i}-Pw!` })));
      assert.equal(wrong.filter((r) => r.status === 401).length, limit, JSON.stringify(wrong.map((r) => r.status)));
      const right = await call(k.url, '', 'POST', '/api/v1/enrollment/login', { username: u.name, password: u.password });
      assert.equal(right.status, 429, 'the budget is spent: even the right password is not tried');
      const entry = await admin.read(u.dn, ['badPwdCount', 'lockoutTime']);
      assert.ok(Number(entry.badPwdCount ?? 0) <= limit, `badPwdCount ${String(entry.badPwdCount)}`);
      assert.ok(['', '0'].includes(String(entry.lockoutTime ?? '')), `never locked out through the portal (${JSON.stringify(entry)}, limit ${limit}, threshold ${policy.lockoutThreshold})`);
    });
  });

  describe('loose limits (per-session serialisation)', () => {
    let k: TestDaemon;
    before(async () => {
      k = await startTestDaemon(d, { rateLimits: { startsPerSource: 100_000, attempts: 1000, deviceAttempts: 10_000, sourceAttempts: 100_000 } }, { kioskSecret: launches.a, identifyKiosk });
    });
    after(async () => { await k?.close(); });

    it('100 parallel wrong codes for one session over two processes are serialised: the right code after them is dead', async () => {
      const second = await startSecondDaemon(k, 'launch-a');
      try {
        const mail = 'lease@mail.keyhatch.test';
        await mkUser('lease-user', mail);
        await enrollEmail(k, 'lease-user', mail);
        const id = (await call(k.url, launches.a, 'POST', '/api/v1/recovery', { username: 'lease-user' })).body.recoveryId;
        const before = k.smtp.messages().length;
        assert.deepEqual((await call(k.url, launches.a, 'POST', `/api/v1/recovery/${id}/challenge`, { factor: 'f1', contact: mail })).body, { sent: true });
        const { match } = await k.smtp.waitFor(mail, /code is (\d{6})/, 10_000, before);
        const code = match[1] as string;
        rememberSecret(code);
        const wrong = (i: number) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0');
        const results = await Promise.all(Array.from({ length: 100 }, (_, i) => call(i % 2 ? second.url : k.url, launches.a, 'POST', `/api/v1/recovery/${id}/verify`, { factor: 'f1', response: wrong(i) })));
        // 503 SESSION_BUSY: waited 10 s for the session's lease (a very busy machine) and changed nothing.
        assert.ok(results.every((r) => r.status === 401 || r.status === 429 || (r.status === 503 && r.body.error.code === 'SESSION_BUSY')), JSON.stringify(results.map((r) => r.status)));
        const right = await call(k.url, launches.a, 'POST', `/api/v1/recovery/${id}/verify`, { factor: 'f1', response: code });
        assert.equal(right.status, 401, 'the code allowed 3 tries in all, whichever process judged them');
      } finally { await second.close(); }
    });

    it('TOTP has a per-session try limit: after 3 wrong codes the right one is refused', async () => {
      const u = await mkUser('totp-tries');
      const login = await k.api('POST', '/api/v1/enrollment/login', { username: u.name, password: u.password });
      rememberSecret(login.body.token);
      const auth = { authorization: `Bearer ${login.body.token as string}` };
      const add = await k.api('POST', '/api/v1/enrollment/factors/totp', {}, auth);
      rememberSecret(add.body.secret);
      const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(add.body.secret) });
      assert.equal((await k.api('POST', `/api/v1/enrollment/factors/${add.body.factorId}/confirm`, { code: totp.generate({ timestamp: Date.now() - 30_000 }) }, auth)).status, 200);
      const id = (await k.api('POST', '/api/v1/recovery', { username: u.name })).body.recoveryId;
      const now = totp.generate();
      for (let i = 0; i < 30; i++) {
        const wrong = String((Number(now) + 500 + i) % 1_000_000).padStart(6, '0');
        assert.equal((await k.api('POST', `/api/v1/recovery/${id}/verify`, { factor: 'f2', response: wrong })).status, 401);
      }
      assert.equal((await k.api('POST', `/api/v1/recovery/${id}/verify`, { factor: 'f2', response: totp.generate() })).status, 401);
      const fresh = (await k.api('POST', '/api/v1/recovery', { username: u.name })).body.recoveryId;
      assert.equal((await k.api('POST', `/api/v1/recovery/${fresh}/verify`, { factor: 'f2', response: totp.generate() })).status, 200, 'a new session has a new budget');
    });

  });

  describe('device gate (20 per launch)', () => {
    let k: TestDaemon;
    before(async () => {
      k = await startTestDaemon(d, { rateLimits: { startsPerSource: 100_000, attempts: 1000, deviceAttempts: 20, sourceAttempts: 100_000 } }, { kioskSecret: launches.a, identifyKiosk });
    });
    after(async () => { await k?.close(); });

    it('wrong codes for made-up names never block a kiosk; a client-chosen device header changes nothing', async () => {
      for (let i = 0; i < 30; i++) {
        const s = await call(k.url, launches.b, 'POST', '/api/v1/recovery', { username: `made-up-${i}` }, { 'x-keyhatch-device': `spoof-${i}` });
        assert.equal((await call(k.url, launches.b, 'POST', `/api/v1/recovery/${s.body.recoveryId}/verify`, { factor: 'f2', response: '000000' })).status, 401);
      }
      const u = { name: 'sissi' };
      await enrollEmail(k, u.name, 'sissi@mail.keyhatch.test');
      assert.equal((await call(k.url, launches.b, 'POST', '/api/v1/recovery', { username: u.name })).status, 201, 'launch b still serves real users');
      // Failures against real accounts do count on the launch, whatever device header is sent.
      const statuses: number[] = [];
      for (let i = 0; i < 21; i++) {
        const s = await call(k.url, launches.b, 'POST', '/api/v1/recovery', { username: u.name }, { 'x-keyhatch-device': `spoof-${i}` });
        statuses.push(s.status === 201 ? (await call(k.url, launches.b, 'POST', `/api/v1/recovery/${s.body.recoveryId}/verify`, { factor: 'f2', response: '000000' }, { 'x-keyhatch-device': `spoof-${i}` })).status : s.status);
      }
      assert.equal(statuses.filter((x) => x === 401).length, 19);
      assert.equal(statuses.at(-1), 429);
      assert.equal((await call(k.url, launches.a, 'POST', '/api/v1/recovery', { username: u.name })).status, 201, 'another launch is not blocked');
    });

    it('100 failed portal sign-ins for made-up names leave recovery alone (separate gates)', async () => {
      for (let i = 0; i < 100; i++) assert.equal((await call(k.url, '', 'POST', '/api/v1/enrollment/login', { username: `nobody-${i}`, password: 'Wrong-Pw-1!' })).status, 401);
      assert.equal((await call(k.url, launches.a, 'POST', '/api/v1/recovery', { username: 'alice' })).status, 201);
    });

    it('refusals are audited — 429s and missing or wrong kiosk secrets — and the audit cannot be flooded', async () => {
      for (let i = 0; i < 60; i++) await call(k.url, i % 2 ? 'wrong-secret-value-000000001' : '', 'POST', '/api/v1/recovery', { username: 'alice' });
      // Fill launch c's device gate with failures against a real account, then get a 429.
      let last = 0;
      for (let i = 0; i < 22 && last !== 429; i++) {
        const s = await call(k.url, launches.c, 'POST', '/api/v1/recovery', { username: 'alice' });
        last = s.status === 201 ? (await call(k.url, launches.c, 'POST', `/api/v1/recovery/${s.body.recoveryId}/verify`, { factor: 'f2', response: '000000' })).status : s.status;
      }
      assert.equal(last, 429);
      const events = readFileSync(`${k.config.dataDir}/logs/audit.log`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
      const kiosk = events.filter((e) => e.action === 'http.kiosk-secret');
      assert.ok(kiosk.length >= 1 && kiosk.length <= 20, `${kiosk.length} kiosk-secret records for 60 refusals`);
      assert.ok(kiosk.some((e) => e.reason === 'missing') && kiosk.some((e) => e.reason === 'wrong'));
      assert.ok(events.some((e) => e.action === 'http.rate-limited'), 'the 429s are audited');
    });
  });
});
