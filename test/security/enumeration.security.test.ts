// Nothing about a name shows before a first factor succeeds — not in the answers, not in the time
// they take. Five categories (real enrolled, real unenrolled, unknown, disabled, privileged), every
// pair compared: identical JSON for start, challenge and a failed verify; and the timing of start,
// challenge + verify and portal sign-in compared with a rank test over interleaved samples.
import assert from 'node:assert/strict';
import { testDomain, type TestDomain } from '../support/global-domain.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { rememberSecret } from '../support/run-dir.js';
import { median, rankAuc, shuffle } from './support/rank-test.js';

/** |AUC − 0.5| allowed: generous, so a busy CI machine does not fail it; a systematic gap of a few ms does. */
const MAX_EFFECT = 0.2;
const SAMPLES = 150;

describe('no enumeration by content or timing (Samba AD DC)', function () {
  this.timeout(600_000);
  let d: TestDomain;
  let admin: DomainAdmin;
  let k: TestDaemon;
  const names = { enrolled: 'enum-enrolled', unenrolled: 'enum-unenrolled', unknown: 'enum-nobody', disabled: 'dave', privileged: 'grace' } as const;
  type Cat = keyof typeof names;
  const cats = Object.keys(names) as Cat[];
  const enrolledMail = 'enum-enrolled@mail.keyhatch.test';
  const loginUser = { name: 'enum-login', password: 'Enum-Login-Pw-3!' };

  before(async function () {
    d = await testDomain();
    admin = await DomainAdmin.connect(d.dc);
    rememberSecret('Enum-Pw-1234!', loginUser.password);
    await admin.addUser({ name: names.enrolled, password: 'Enum-Pw-1234!', mail: enrolledMail }, d.seed.peopleOu);
    await admin.addUser({ name: names.unenrolled, password: 'Enum-Pw-1234!' }, d.seed.peopleOu);
    const loginDn = await admin.addUser({ name: loginUser.name, password: loginUser.password }, d.seed.peopleOu);
    // The timing user may fail hundreds of sign-ins: a PSO without lockout applies to it alone.
    await admin.ldap.add(`CN=EnumNoLockout,CN=Password Settings Container,CN=System,${d.dc.baseDn}`, {
      objectClass: ['top', 'msDS-PasswordSettings'], 'msDS-PasswordSettingsPrecedence': '1', 'msDS-PasswordReversibleEncryptionEnabled': 'FALSE',
      'msDS-PasswordHistoryLength': '0', 'msDS-PasswordComplexityEnabled': 'TRUE', 'msDS-MinimumPasswordLength': '8', 'msDS-MinimumPasswordAge': '0',
      'msDS-MaximumPasswordAge': '-36288000000000', 'msDS-LockoutThreshold': '0', 'msDS-LockoutObservationWindow': '-18000000000',
      'msDS-LockoutDuration': '-18000000000', 'msDS-PSOAppliesTo': loginDn,
    });
    k = await startTestDaemon(d, { rateLimits: { startsPerSource: 100_000, attempts: 1000, deviceAttempts: 10_000 } });
    // Enrolled factors for the real, disabled and privileged users, so only the checks can refuse them.
    for (const n of [names.enrolled, names.disabled, names.privileged]) {
      const u = (await k.server.core.directory.findUser(n))!;
      await k.server.services.store.factors.insert({ id: `enum-${n}`, userKey: u.key!, type: 'email', hint: 'x', confirmed: true, data: { address: n === names.enrolled ? enrolledMail : `${n}@mail.keyhatch.test` }, createdAt: new Date().toISOString() });
    }
  });
  after(async () => { await k?.close(); await admin?.close(); });

  const start = (c: Cat) => k.api('POST', '/api/v1/recovery', { username: names[c] });
  const strip = (b: any) => { const { recoveryId, expiresAt, ...rest } = b; return { ...rest, idLength: String(recoveryId).length, expiresIn: Math.round((Date.parse(expiresAt) - Date.now()) / 60_000) }; };
  const typeOf = (b: any) => JSON.stringify(b, (_k, v) => (typeof v === 'string' ? 's' : Array.isArray(v) ? v.map(() => 'x') : v));

  it('start, challenge (each method) and a failed verify answer every category exactly alike', async () => {
    const seen: Partial<Record<Cat, unknown>> = {};
    for (const c of cats) {
      const s = await start(c);
      assert.equal(s.status, 201, c);
      const id = s.body.recoveryId;
      const per: Record<string, unknown> = { start: strip(s.body) };
      for (const f of s.body.factors as Array<{ id: string; type: string }>) {
        const body = f.type === 'email' || f.type === 'sms' ? { factor: f.id, contact: 'someone-else@mail.keyhatch.test' } : { factor: f.id };
        const ch = await k.api('POST', `/api/v1/recovery/${id}/challenge`, body);
        // Questions and security-key options carry per-name values; their shape must not differ.
        per[`challenge ${f.type}`] = [ch.status, f.type === 'email' || f.type === 'sms' ? ch.body : typeOf(ch.body)];
        const v = await k.api('POST', `/api/v1/recovery/${id}/verify`, { factor: f.id, response: f.type === 'questions' ? { answers: [] } : '123456' });
        per[`verify ${f.type}`] = [v.status, v.body];
      }
      per.status = strip((await k.api('GET', `/api/v1/recovery/${id}`)).body);
      seen[c] = per;
    }
    for (const a of cats) for (const b of cats) if (a < b) assert.deepEqual(seen[a], seen[b], `${a} vs ${b}`);
  });

  it('the real enrolled user still gets a code when the typed address matches (the menu works for real users)', async () => {
    const s = await start('enrolled');
    const before = k.smtp.messages().length;
    await k.api('POST', `/api/v1/recovery/${s.body.recoveryId}/challenge`, { factor: 'f1', contact: enrolledMail.toUpperCase() });
    const { match } = await k.smtp.waitFor(enrolledMail, /code is (\d{6})/, 10_000, before);
    rememberSecret(match[1] as string);
    assert.equal((await k.api('POST', `/api/v1/recovery/${s.body.recoveryId}/verify`, { factor: 'f1', response: match[1] })).status, 200);
  });

  async function timed(fn: () => Promise<unknown>): Promise<number> {
    const t = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - t) / 1e6;
  }

  function compare(label: string, t: Record<string, number[]>): void {
    const keys = Object.keys(t);
    const lines: string[] = [];
    const bad: string[] = [];
    for (const a of keys) for (const b of keys) {
      if (a >= b) continue;
      const auc = rankAuc(t[a] as number[], t[b] as number[]);
      lines.push(`${a}/${b} AUC ${auc.toFixed(2)}`);
      if (Math.abs(auc - 0.5) > MAX_EFFECT) bad.push(`${a} vs ${b}: AUC ${auc.toFixed(3)} (medians ${median(t[a] as number[]).toFixed(2)} / ${median(t[b] as number[]).toFixed(2)} ms)`);
    }
    console.log(`      ${label}: ${keys.map((x) => `${x} ${median(t[x] as number[]).toFixed(2)} ms`).join(', ')}\n      ${lines.join('; ')}`);
    assert.deepEqual(bad, [], `${label}: timing tells categories apart`);
  }

  it(`start takes the same time for every category (${SAMPLES} interleaved samples each, rank test)`, async () => {
    const t: Record<string, number[]> = Object.fromEntries(cats.map((c) => [c, []]));
    for (let i = 0; i < 10; i++) for (const c of cats) await start(c); // warm both paths
    for (let i = 0; i < SAMPLES; i++) for (const c of shuffle([...cats])) (t[c] as number[]).push(await timed(() => start(c)));
    compare('start', t);
  });

  it(`challenge with a typed address and a failed verify take the same time for every category (${SAMPLES} samples each)`, async () => {
    const ch: Record<string, number[]> = Object.fromEntries(cats.map((c) => [c, []]));
    const ve: Record<string, number[]> = Object.fromEntries(cats.map((c) => [c, []]));
    for (let i = 0; i < SAMPLES; i++) {
      for (const c of shuffle([...cats])) {
        const id = (await start(c)).body.recoveryId;
        (ch[c] as number[]).push(await timed(() => k.api('POST', `/api/v1/recovery/${id}/challenge`, { factor: 'f1', contact: `guess-${i}@mail.keyhatch.test` })));
        (ve[c] as number[]).push(await timed(() => k.api('POST', `/api/v1/recovery/${id}/verify`, { factor: 'f1', response: '123456' })));
      }
    }
    compare('challenge', ch);
    compare('verify', ve);
  });

  it(`portal sign-in with a wrong password takes the same time for a real and an unknown name (${SAMPLES} samples each)`, async () => {
    const t: Record<string, number[]> = { real: [], unknown: [] };
    const login = (name: string, i: number) => k.api('POST', '/api/v1/enrollment/login', { username: name, password: `Wrong-${i}-Pw!` });
    for (let i = 0; i < 5; i++) { await login(loginUser.name, i); await login(`enum-ghost-${i}`, i); }
    for (let i = 0; i < SAMPLES; i++) {
      for (const which of shuffle(['real', 'unknown'])) {
        const r = await timed(async () => assert.equal((await login(which === 'real' ? loginUser.name : `enum-ghost-${i}`, i)).status, 401));
        (t[which] as number[]).push(r);
      }
    }
    compare('portal sign-in', t);
  });
});
