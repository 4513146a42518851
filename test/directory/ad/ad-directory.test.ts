// The AD backend against a real Samba AD DC, bound as the least-privilege service account.
import assert from 'node:assert/strict';
import { OperationsError } from 'ldapts';
import { DOMAIN_SETUP_TIMEOUT_MS, testDomain, type TestDomain } from '../../support/global-domain.js';
import { DomainAdmin } from '../../support/domain-admin.js';
import { adConfig } from '../../support/ad-env.js';
import { freshDir, rememberSecret } from '../../support/run-dir.js';
import { AdDirectory } from '../../../daemon/src/directory/ad/ad-directory.js';
import { MemoryAudit } from '../../../daemon/src/log/audit.js';
import { silentLogger } from '../../../daemon/src/log/logger.js';
import { isKeyhatchError, KeyhatchError } from '../../../daemon/src/errors/catalogue.js';
import type { AdConfig } from '../../../daemon/src/config/schema.js';
import { ResetJournal } from '../../../daemon/src/directory/ad/reset-journal.js';
import { POLICY_HINTS_OID } from '../../../daemon/src/directory/ad/password-ops.js';
import { checkDirectoryRights, type Check } from '../../../daemon/src/directory/ad/permission-check.js';
import { SEED_PASSWORD } from '../../support/seed.js';

describe('Active Directory backend (Samba AD DC)', function () {
  let d: TestDomain;
  let admin: DomainAdmin;
  let audit: MemoryAudit;
  const open: AdDirectory[] = [];
  let n = 0;

  function directory(overrides: Partial<AdConfig> = {}, dataDir = freshDir('ad')): AdDirectory {
    const cfg = adConfig(d, overrides, dataDir);
    const dir = new AdDirectory({ config: cfg.ad as AdConfig, dataDir: cfg.dataDir, log: silentLogger, audit });
    open.push(dir);
    return dir;
  }

  /** Injected fault: searches of a base the predicate picks fail as a DC error would. */
  function injectSearchFault(dir: AdDirectory, failOn: (base: string) => boolean): void {
    const real = dir.conn.withService.bind(dir.conn);
    dir.conn.withService = (async (fn, kind) => real(async (c) => {
      const search = c.search.bind(c);
      const faulty = new Proxy(c, {
        get: (target, prop, recv) => (prop === 'search'
          ? async (base: string, opts: Parameters<typeof c.search>[1]) => {
            if (failOn(base)) throw new OperationsError('injected fault');
            return search(base, opts);
          }
          : Reflect.get(target, prop, recv) as unknown),
      });
      return fn(faulty);
    }, kind)) as typeof dir.conn.withService;
  }

  /** A fresh user for tests that change state, so tests never depend on each other. */
  async function freshUser(extra: { displayName?: string; ou?: string } = {}): Promise<{ name: string; dn: string; password: string }> {
    const name = `t${process.pid % 1000}x${++n}`;
    const password = `Start-${n}-Passw0rd!`;
    rememberSecret(password);
    const dn = await admin.addUser({ name, password, displayName: extra.displayName ?? `Test User${n}`, ...(extra.ou ? { ou: extra.ou } : {}) }, d.seed.peopleOu);
    return { name, dn, password };
  }

  before(async function () {
    this.timeout(DOMAIN_SETUP_TIMEOUT_MS);
    d = await testDomain();
    admin = await DomainAdmin.connect(d.dc);
  });
  beforeEach(() => { audit = new MemoryAudit(); });
  after(async () => {
    await Promise.all(open.map((o) => o.close()));
    await admin?.close();
  });

  describe('finding users', () => {
    it('finds by sAMAccountName, DOMAIN\\name, UPN and implicit UPN', async () => {
      const dir = directory();
      for (const name of ['alice', 'KEYHATCH\\alice', 'keyhatch\\ALICE', 'alice@keyhatch.test', 'ALICE@KEYHATCH.TEST']) {
        const u = await dir.findUser(name);
        assert.equal(u?.id, d.seed.users.alice.dn, name);
      }
      const u = await dir.findUser('alice');
      assert.equal(u?.displayName, 'Alice Anders');
      assert.equal(u?.mobile, '+15550100001');
      // The Windows identity: objectSid decoded (the logon tile) and the domain's NetBIOS name (the logon cache).
      assert.equal(u?.sid, await admin.sidOf(d.seed.users.alice.dn));
      assert.equal(u?.netbiosDomain, d.dc.netbios);
    });

    it('returns null for unknown users, other domains and accounts outside the search base', async () => {
      const dir = directory();
      assert.equal(await dir.findUser('nobody'), null);
      assert.equal(await dir.findUser('OTHERDOM\\alice'), null);
      assert.equal(await dir.findUser('Administrator'), null, 'CN=Users is outside OU=People');
      assert.equal(await dir.findUser('svc-keyhatch'), null);
    });

    it('never lets filter metacharacters, NUL, overlong or non-NFC input widen a search', async () => {
      const dir = directory();
      for (const evil of ['*', 'a*', 'al*', '*)(objectClass=*', 'alice)(|(sAMAccountName=*', 'alice\u0000', '\u0000', 'x'.repeat(300), '(', ')', 'al\\2a']) {
        let result: unknown;
        try { result = await dir.findUser(evil); } catch (err) {
          assert.ok(isKeyhatchError(err, 'INVALID_USERNAME'), `${JSON.stringify(evil)} threw ${String(err)}`);
          continue;
        }
        assert.equal(result, null, `${JSON.stringify(evil)} must not match anyone`);
      }
      // NFD "é" normalises to NFC before the search; it matches only the NFC-named account.
      await admin.addUser({ name: 'ren\u00e9', password: 'Ren3-Passw0rd!x' }, d.seed.peopleOu);
      const nfd = await dir.findUser('rene\u0301');
      assert.equal(nfd?.accountName?.normalize('NFC'), 'ren\u00e9');
    });
  });

  describe('account status', () => {
    it('reports a lockout from bad binds via the computed attribute, and unlock clears it', async () => {
      const u = await freshUser();
      const dir = directory();
      const user = await dir.findUser(u.name);
      assert.ok(user);
      assert.equal((await dir.accountStatus(user)).locked, false);
      await admin.lockOut(u.dn);
      const locked = await dir.accountStatus(user);
      assert.equal(locked.locked, true);
      assert.ok(locked.lockoutTime);
      assert.equal((await d.dc.kinit(u.name, u.password)).ok, false, 'locked account must not sign in');
      await dir.unlock(user, { actor: 'test', correlationId: 'c1' });
      const after = await dir.accountStatus(user);
      assert.equal(after.locked, false);
      assert.equal(after.badPwdCount, 0);
      const k = await d.dc.kinit(u.name, u.password);
      assert.equal(k.ok, true, k.message);
    });

    it('reports disabled and must-change accounts', async () => {
      const dir = directory();
      const dave = await dir.accountStatus((await dir.findUser('dave'))!);
      assert.equal(dave.disabled, true);
      const erin = await dir.accountStatus((await dir.findUser('erin'))!);
      assert.equal(erin.mustChange, true);
      assert.equal(erin.pwdLastSet, null);
      const alice = await dir.accountStatus((await dir.findUser('alice'))!);
      assert.deepEqual([alice.disabled, alice.mustChange, alice.locked, alice.accountExpired], [false, false, false, false]);
      assert.ok(alice.pwdLastSet && Date.parse(alice.pwdLastSet) > Date.now() - 86_400_000);
    });
  });

  describe('privileged accounts', () => {
    it('detects Domain Admins membership from tokenGroups and not for ordinary users', async () => {
      const dir = directory();
      const grace = await dir.privilege((await dir.findUser('grace'))!);
      assert.equal(grace.privileged, true);
      assert.ok(grace.via.includes('Domain Admins'));
      const alice = await dir.privilege((await dir.findUser('alice'))!);
      assert.equal(alice.privileged, false);
    });

    it('detects membership through nesting and the primary group, and configured extra groups', async () => {
      const u = await freshUser();
      const nested = `CN=Nested Admins ${n},${d.seed.groupsOu}`;
      await admin.addGroup(nested, `NestedAdmins${n}`);
      await admin.addMember(`CN=Domain Admins,CN=Users,${d.dc.baseDn}`, nested);
      await admin.addMember(nested, u.dn);
      const dir = directory();
      const p = await dir.privilege((await dir.findUser(u.name))!);
      assert.ok(p.via.includes('Domain Admins'), p.via.join());
      assert.ok(p.via.includes('Administrators'), 'Domain Admins is itself a member of builtin Administrators');

      const v = await freshUser();
      const daSid = await admin.sidOf(`CN=Domain Admins,CN=Users,${d.dc.baseDn}`);
      await admin.addMember(`CN=Domain Admins,CN=Users,${d.dc.baseDn}`, v.dn);
      await admin.replace(v.dn, 'primaryGroupID', daSid.split('-').pop() as string);
      assert.equal((await dir.privilege((await dir.findUser(v.name))!)).privileged, true, 'primary group 512');

      const extra = directory({ privilegedGroups: [d.seed.nestedGroup] });
      const carol = await extra.privilege((await extra.findUser('carol'))!);
      assert.equal(carol.privileged, true);
    });
  });

  describe('privilege re-checked before every write', () => {
    it('refuses an unlock and a reset for a user made Domain Admin after the lookup, with an audit event, and changes nothing', async () => {
      const u = await freshUser();
      const dir = directory();
      const user = (await dir.findUser(u.name))!;
      assert.equal((await dir.privilege(user)).privileged, false, 'ordinary when the session starts');
      await admin.lockOut(u.dn);
      await admin.addMember(`CN=Domain Admins,CN=Users,${d.dc.baseDn}`, u.dn);
      const next = `Promoted-${n}-Pw!x`;
      rememberSecret(next);
      await assert.rejects(dir.resetPassword(user, next, { actor: 't', correlationId: 'pr1', operationId: `op-pr-${n}` }), (e: KeyhatchError) => e.code === 'PRIVILEGED_ACCOUNT');
      await assert.rejects(dir.unlock(user, { actor: 't', correlationId: 'pr2' }), (e: KeyhatchError) => e.code === 'PRIVILEGED_ACCOUNT');
      assert.equal((await dir.accountStatus(user)).locked, true, 'still locked');
      assert.equal((await d.dc.kinit(u.name, next)).ok, false, 'new password never set');
      const refusals = audit.events.filter((e) => e.result === 'refused' && e.reason === 'PRIVILEGED_ACCOUNT');
      assert.deepEqual(refusals.map((e) => e.action).sort(), ['directory.reset', 'directory.unlock']);
      assert.ok(refusals.every((e) => JSON.stringify(e.details).includes('Domain Admins')));
    });

    it('refuses adminCount=1 by default, serves it when listed in ad.adminCountExceptions, and an exception never covers a current admin', async () => {
      const u = await freshUser();
      await admin.replace(u.dn, 'adminCount', '1');
      const strict = directory();
      const user = (await strict.findUser(u.name))!;
      const p = await strict.privilege(user);
      assert.deepEqual([p.privileged, p.adminCountHint, p.via], [true, true, ['adminCount=1']]);
      const next = `Flagged-${n}-Pw!x`;
      rememberSecret(next);
      await assert.rejects(strict.resetPassword(user, next, { actor: 't', correlationId: 'ac1', operationId: `op-ac-${n}` }), (e: KeyhatchError) => e.code === 'PRIVILEGED_ACCOUNT');
      assert.equal((await d.dc.kinit(u.name, u.password)).ok, true, 'refused before any write');

      const excepted = directory({ adminCountExceptions: [u.name.toUpperCase()] });
      const q = await excepted.privilege(user);
      assert.deepEqual([q.privileged, q.allowedBy], [false, 'ad.adminCountExceptions']);
      await excepted.resetPassword(user, next, { actor: 't', correlationId: 'ac2', operationId: `op-ac2-${n}` });
      assert.equal((await d.dc.kinit(u.name, next)).ok, true);

      const grace = (await excepted.findUser('grace'))!;
      const byDn = directory({ adminCountExceptions: [grace.id, 'grace'] });
      assert.equal((await byDn.privilege(grace)).privileged, true, 'Domain Admins membership is not excused by an adminCount exception');
      const allowed = directory({ allowPrivileged: true });
      const g = await allowed.privilege(grace);
      assert.deepEqual([g.privileged, g.allowedBy], [false, 'ad.allowPrivileged']);
    });
  });

  describe('fail closed, never cache a failure', () => {
    it('refuses the privilege check while a configured privileged group cannot be read, and recovers when it can', async () => {
      const group = `CN=Late Admins ${n},${d.seed.groupsOu}`;
      const u = await freshUser();
      const dir = directory({ privilegedGroups: [group] });
      const user = (await dir.findUser(u.name))!;
      await assert.rejects(dir.privilege(user), (e: KeyhatchError) => e.code === 'CONFIG_INVALID');
      assert.ok(audit.events.some((e) => e.action === 'directory.privileged-groups' && e.result === 'failure' && e.target === group));
      await assert.rejects(dir.unlock(user, { actor: 't', correlationId: 'fc' }), (e: KeyhatchError) => e.code === 'CONFIG_INVALID');
      assert.ok(audit.events.some((e) => e.action === 'directory.unlock' && e.result === 'refused' && e.reason === 'CONFIG_INVALID'));
      // The group appears and the user is in it: the next check must see it (nothing cached).
      await admin.addGroup(group, `LateAdmins${n}`);
      await admin.addMember(group, u.dn);
      const p = await dir.privilege(user);
      assert.equal(p.privileged, true, p.via.join());
    });

    it('a transient search error on a privileged group refuses and is retried next time (injected fault)', async () => {
      const u = await freshUser();
      const dir = directory({ privilegedGroups: [d.seed.nestedGroup] });
      const user = (await dir.findUser(u.name))!;
      let calls = 0;
      injectSearchFault(dir, (base) => base === d.seed.nestedGroup && calls++ === 0);
      await assert.rejects(dir.privilege(user), (e: KeyhatchError) => e.code === 'DIRECTORY_ERROR');
      const p = await dir.privilege(user);
      assert.equal(p.privileged, false, 'the second check reads the group and succeeds');
      const carol = await dir.privilege((await dir.findUser('carol'))!);
      assert.equal(carol.privileged, true, 'the configured group protects its members after the fault: the list is complete');
    });

    it('refuses DOMAIN\\name while the NetBIOS name cannot be read, and reads it again next time (injected fault)', async () => {
      const dir = directory();
      let failures = 1;
      injectSearchFault(dir, (base) => base.startsWith('CN=Partitions,') && failures-- > 0);
      await assert.rejects(dir.findUser('KEYHATCH\\alice'), (e: KeyhatchError) => e.code === 'DIRECTORY_ERROR');
      assert.equal((await dir.findUser('KEYHATCH\\alice'))?.id, d.seed.users.alice.dn, 'retried, not a cached guess');
    });
  });

  describe('doctor rights coverage over the whole scope', () => {
    const checkNamed = (checks: Check[], name: string) => checks.find((c) => c.name === name) as Check;

    it('passes when every enabled user under the base is covered, reporting coverage per container', async () => {
      const dir = directory();
      const checks = await checkDirectoryRights(dir.conn, adConfig(d).ad as AdConfig);
      const cov = checkNamed(checks, 'rights coverage');
      assert.equal(cov.ok, true, cov.detail);
      assert.match(cov.detail, new RegExp(`${d.seed.peopleOu.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (\\d+)/\\1`));
      for (const name of ['write lockoutTime', 'write pwdLastSet', 'Reset Password']) assert.equal(checkNamed(checks, name).ok, true, checkNamed(checks, name).detail);
    });

    it('with the domain root as base (rights delegated on one OU) fails every time and names the uncovered enabled accounts', async () => {
      const dir = directory();
      const cfg = adConfig(d, { baseDn: d.dc.baseDn }).ad as AdConfig;
      for (let i = 0; i < 2; i++) {
        const cov = checkNamed(await checkDirectoryRights(dir.conn, cfg), 'rights coverage');
        assert.equal(cov.ok, false, 'same verdict whichever user the DC returns first');
        assert.match(cov.detail, /not covered: .*svc-partial/);
        assert.match(cov.detail, new RegExp(`OU=Service Accounts,${d.dc.baseDn}: 0/`));
        assert.ok(!/not covered: .*\balice\b/.test(cov.detail), 'People users are covered');
      }
    });

    it('a partially delegated account fails the missing right, naming the container to fix', async () => {
      const dir = directory({ bindDn: d.seed.partialService.upn, bindPassword: d.seed.partialService.password });
      const checks = await checkDirectoryRights(dir.conn, adConfig(d, { bindDn: d.seed.partialService.upn, bindPassword: d.seed.partialService.password }).ad as AdConfig);
      const lock = checkNamed(checks, 'write lockoutTime');
      assert.equal(lock.ok, false);
      assert.ok(lock.detail.includes(`dsacls "${d.seed.peopleOu}"`), lock.detail);
      assert.equal(checkNamed(checks, 'rights coverage').ok, false);
    });
  });

  describe('password policy', () => {
    it('gives ordinary users the domain policy', async () => {
      const dir = directory();
      const p = await dir.effectivePolicy((await dir.findUser('alice'))!);
      assert.equal(p.source, 'domain');
      assert.equal(p.minLength, 8);
      assert.equal(p.historyLength, 24);
      assert.equal(p.complexity, true);
      assert.equal(p.lockoutThreshold, 5);
      assert.equal(p.lockoutDurationMinutes, 30);
    });

    it('gives a member of a nested group the PSO that applies to the outer group', async () => {
      const dir = directory();
      const p = await dir.effectivePolicy((await dir.findUser('carol'))!);
      assert.equal(p.source, 'pso');
      assert.equal(p.psoName, 'StrictPSO');
      assert.equal(p.minLength, 14);
      assert.equal(p.historyLength, 5);
      assert.equal(p.lockoutThreshold, 3);
    });

    it('rejects a password the PSO forbids before the DC is asked, with stable codes', async () => {
      const dir = directory();
      const carol = (await dir.findUser('carol'))!;
      await assert.rejects(dir.resetPassword(carol, 'Short-1a!', { actor: 't', correlationId: 'p1' }), (err: KeyhatchError) => {
        assert.equal(err.code, 'PASSWORD_POLICY');
        assert.deepEqual(err.violations?.map((v) => v.code), ['too_short']);
        return true;
      });
      assert.equal((await dir.accountStatus(carol)).mustChange, false, 'nothing was written');
    });
  });

  describe('reset with history enforced (two-step on Samba)', () => {
    it('resets; the new password signs in and the old one does not', async () => {
      const u = await freshUser();
      const dir = directory();
      const user = (await dir.findUser(u.name))!;
      const pw = `Fresh-${n}-Secret!`;
      rememberSecret(pw);
      await dir.resetPassword(user, pw, { actor: 't', correlationId: 'r1', operationId: 'op-r1' });
      assert.equal((await d.dc.kinit(u.name, pw)).ok, true);
      assert.equal((await d.dc.kinit(u.name, u.password)).ok, false);
      const st = await dir.accountStatus(user);
      assert.equal(st.mustChange, false, 'the change step sets pwdLastSet to now');
    });

    it('rejects a password in history, keeps the operation open, and a retry with a fresh password succeeds', async () => {
      const u = await freshUser();
      const dir = directory();
      const user = (await dir.findUser(u.name))!;
      const ctx = { actor: 't', correlationId: 'h1', operationId: `op-h-${n}` };
      await assert.rejects(dir.resetPassword(user, u.password, ctx), (err: KeyhatchError) => {
        assert.equal(err.code, 'PASSWORD_POLICY');
        assert.deepEqual(err.violations?.map((v) => v.code), ['in_history']);
        return true;
      });
      assert.equal(dir.hasPendingReset(ctx.operationId), true);
      assert.equal(audit.events.some((e) => e.action === 'reset.step2-rejected' && e.reason === 'PASSWORD_POLICY'), true);
      const fresh = `Another-${n}-Secret!`;
      rememberSecret(fresh);
      await dir.resetPassword(user, fresh, ctx);
      assert.equal(dir.hasPendingReset(ctx.operationId), false);
      assert.equal((await d.dc.kinit(u.name, fresh)).ok, true);
    });

    it('journals an interrupted reset and reports it on the next start; a later reset settles it', async () => {
      const u = await freshUser();
      const dataDir = freshDir('crash');
      const first = directory({}, dataDir);
      const user = (await first.findUser(u.name))!;
      const ctx = { actor: 't', correlationId: 'j1', operationId: `op-j-${n}` };
      await assert.rejects(first.resetPassword(user, u.password, ctx)); // step 1 landed, step 2 refused (history)
      const journal = new ResetJournal(`${dataDir}/reset-journal`);
      const entries = await journal.list();
      assert.equal(entries.length, 1);
      assert.equal(entries[0]?.state, 'temporary-set');
      assert.ok(!JSON.stringify(entries).includes(u.password));
      // "Crash": a new instance over the same data directory.
      const second = directory({}, dataDir);
      const open = await second.recoverInterruptedResets();
      assert.equal(open.length, 1);
      assert.equal(open[0]?.user, u.name);
      assert.ok(audit.events.some((e) => e.action === 'reset.interrupted' && e.target === u.name));
      const pw = `Recovered-${n}-Pw!`;
      rememberSecret(pw);
      await second.resetPassword(user, pw, { actor: 't', correlationId: 'j2', operationId: 'op-j2' });
      assert.equal((await journal.list()).length, 0);
      assert.equal((await d.dc.kinit(u.name, pw)).ok, true);
    });

    it('settles a journal entry whose second step had landed before the crash', async () => {
      const u = await freshUser();
      const dataDir = freshDir('landed');
      const journal = new ResetJournal(`${dataDir}/reset-journal`);
      await journal.write({ operationId: 'x', userDn: u.dn, user: u.name, startedAt: new Date(Date.now() - 60_000).toISOString(), actor: 't', correlationId: 'l1', state: 'temporary-set' });
      const open = await directory({}, dataDir).recoverInterruptedResets();
      assert.equal(open.length, 0);
      assert.equal((await journal.list()).length, 0);
      assert.ok(audit.events.some((e) => e.action === 'reset.recovered'));
    });

    it('a forced policy-hints strategy surfaces the refusal of a DC that lacks the control', async () => {
      const u = await freshUser();
      const dir = directory({ resetStrategy: 'policy-hints' });
      const user = (await dir.findUser(u.name))!;
      await assert.rejects(dir.resetPassword(user, `Hints-${n}-Pw!x`, { actor: 't', correlationId: 'ph' }), (err: KeyhatchError) => {
        assert.equal(err.code, 'DIRECTORY_ERROR', 'forced strategy surfaces the refusal (Samba answers 12)');
        return true;
      });
      assert.equal((await d.dc.kinit(u.name, u.password)).ok, true, 'nothing changed');
    });

    it('falls back to two steps automatically when a DC advertised the policy-hints control but refuses it', async () => {
      const u = await freshUser();
      const warnings: string[] = [];
      const cfg = adConfig(d, { resetStrategy: 'auto' }, freshDir('hints'));
      const dir = new AdDirectory({ config: cfg.ad as AdConfig, dataDir: cfg.dataDir, audit,
        log: { ...silentLogger, warn: (msg: string) => { warnings.push(msg); } } });
      open.push(dir);
      // Samba does not list the control; make this DC advertise it, as a DC whose rootDSE lies would.
      const dse = await dir.conn.rootDse();
      dse.supportedControls.add(POLICY_HINTS_OID);
      const user = (await dir.findUser(u.name))!;
      const pw = `Auto-${n}-Fallback!`;
      rememberSecret(pw);
      await dir.resetPassword(user, pw, { actor: 't', correlationId: 'fb', operationId: `op-fb-${n}` });
      assert.equal(warnings.filter((w) => /refused the policy-hints control/.test(w)).length, 1, 'the control was tried and refused first');
      assert.equal((await d.dc.kinit(u.name, pw)).ok, true, 'the two-step path set the password');
      assert.equal((await d.dc.kinit(u.name, u.password)).ok, false);
      // History is still enforced on the fallback path, and the refusal is remembered (no second try).
      await assert.rejects(dir.resetPassword(user, pw, { actor: 't', correlationId: 'fb2', operationId: `op-fb2-${n}` }), (err: KeyhatchError) => {
        assert.deepEqual(err.violations?.map((v) => v.code), ['in_history']);
        return true;
      });
      assert.equal(warnings.filter((w) => /refused the policy-hints control/.test(w)).length, 1);
      await dir.abandonReset(`op-fb2-${n}`, { actor: 't', correlationId: 'fb2' });
    });
  });

  describe('change and verify', () => {
    it('changes with the old password and refuses a wrong old password with WRONG_PASSWORD', async () => {
      const u = await freshUser();
      const dir = directory();
      const user = (await dir.findUser(u.name))!;
      const next = `Changed-${n}-Pw!`;
      rememberSecret(next);
      await assert.rejects(dir.changePassword(user, 'Not-the-old-1!', next, { actor: 't', correlationId: 'c' }), (e: KeyhatchError) => e.code === 'WRONG_PASSWORD');
      await dir.changePassword(user, u.password, next, { actor: 't', correlationId: 'c' });
      assert.equal((await d.dc.kinit(u.name, next)).ok, true);
      await dir.verifyPassword(user, next);
      // LDAP simple binds still accept the previous password for an hour after a change (AD's
      // OldPasswordAllowedPeriod, which Samba copies); Kerberos does not — so prove it with kinit.
      assert.equal((await d.dc.kinit(u.name, u.password)).ok, false);
      await assert.rejects(dir.verifyPassword(user, 'Never-Was-1!'), (e: KeyhatchError) => e.code === 'INVALID_CREDENTIALS');
    });

    it('maps a disabled account bind to ACCOUNT_DISABLED and a locked one to ACCOUNT_LOCKED', async () => {
      const dir = directory();
      await assert.rejects(dir.verifyPassword((await dir.findUser('dave'))!, SEED_PASSWORD), (e: KeyhatchError) => e.code === 'ACCOUNT_DISABLED');
      const u = await freshUser();
      await admin.lockOut(u.dn);
      await assert.rejects(dir.verifyPassword((await dir.findUser(u.name))!, u.password), (e: KeyhatchError) => e.code === 'ACCOUNT_LOCKED');
    });
  });

  describe('connections', () => {
    it('fails over to the next DC URL when the first does not answer', async () => {
      const dir = directory({ urls: ['ldaps://127.0.0.1:1', d.dc.ldapsUrl], connectTimeoutMs: 500 });
      assert.equal((await dir.findUser('alice'))?.accountName, 'alice');
    });

    it('works over ldap:// with StartTLS and refuses a server whose certificate it cannot verify', async () => {
      const tls = directory({ urls: [d.dc.ldapUrl], tlsServerName: d.dc.hostFqdn });
      assert.equal((await tls.findUser('alice'))?.accountName, 'alice');
      const noCa = directory({ caFile: undefined });
      await assert.rejects(noCa.findUser('alice'), (e: KeyhatchError) => e.code === 'DIRECTORY_TLS');
      const wrongName = directory({ tlsServerName: 'evil.example.com' });
      await assert.rejects(wrongName.findUser('alice'), (e: KeyhatchError) => e.code === 'DIRECTORY_TLS');
    });

    it('reports a wrong service password as SERVICE_BIND_FAILED', async () => {
      rememberSecret('Wrong-Service-Pw-1!');
      const dir = directory({ bindPassword: 'Wrong-Service-Pw-1!' });
      await assert.rejects(dir.findUser('alice'), (e: KeyhatchError) => e.code === 'SERVICE_BIND_FAILED');
    });

    it('reuses one service connection for many operations', async () => {
      const dir = directory();
      // Count the real connects: each one opens a TLS connection to the DC and binds.
      const connect = dir.conn.connectAny.bind(dir.conn);
      const binds: string[] = [];
      dir.conn.connectAny = async (bind, context) => { binds.push(context); return connect(bind, context); };
      const users = await Promise.all(Array.from({ length: 20 }, () => dir.findUser('bob')));
      assert.ok(users.every((u) => u?.accountName === 'bob'));
      await Promise.all(users.map((u) => dir.accountStatus(u!)));
      await dir.privilege(users[0]!);
      assert.deepEqual(binds, ['service-bind'], '41 operations, one service connection');
      // And the count is real: a user bind opens a connection of its own.
      await dir.verifyPassword((await dir.findUser('alice'))!, SEED_PASSWORD);
      assert.deepEqual(binds, ['service-bind', 'bind']);
    });
  });
});
