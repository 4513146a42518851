// Several directories behind one router, against two real Samba AD domains on two loopback
// addresses (KEYHATCH.TEST and OTHERLAB.TEST, both seeded with the same account names).
import assert from 'node:assert/strict';
import * as OTPAuth from 'otpauth';
import { secondTestDomain, testDomain, type TestDomain } from '../support/global-domain.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { freshDir, rememberSecret } from '../support/run-dir.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { validateConfig } from '../../daemon/src/config/load.js';
import { createDirectory } from '../../daemon/src/core/core-services.js';
import { MemoryAudit } from '../../daemon/src/log/audit.js';
import { silentLogger } from '../../daemon/src/log/logger.js';
import { isKeyhatchError } from '../../daemon/src/errors/catalogue.js';
import { userKeyOf, type Directory, type DirectoryUser } from '../../daemon/src/directory/directory.js';
import type { RoutedUser } from '../../daemon/src/directory/routing/routing-directory.js';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { httpsJson, kioskCall } from '../support/https-json.js';
import { initSiteCa } from '../../daemon/src/gateway/site-ca.js';
import { createJoinToken } from '../../daemon/src/gateway/join-tokens.js';
import { startGateway, type RunningGateway } from '../../daemon/src/roles/gateway.js';
import { startRelay, type RunningRelay } from '../../daemon/src/roles/relay.js';
import { joinGateway } from '../../daemon/src/relay/join.js';

/** The AD DN a routed user came from: its id is `<directory>:<DN>`. */
const dnOf = (u: DirectoryUser | null | undefined) => u?.id.slice(u.id.indexOf(':') + 1);

describe('several directories (two Samba AD domains)', function () {
  this.timeout(240_000);
  let a: TestDomain;
  let b: TestDomain;
  let adminA: DomainAdmin;
  let adminB: DomainAdmin;
  const open: Directory[] = [];
  let n = 0;

  function adBlock(d: TestDomain, extra: Record<string, unknown> = {}): Record<string, unknown> {
    rememberSecret(d.seed.service.password);
    return { urls: [d.dc.ldapsUrl], baseDn: d.seed.peopleOu, bindDn: d.seed.service.upn, bindPassword: d.seed.service.password, caFile: d.dc.caFile, ...extra };
  }

  function directories(extra: { corp?: Record<string, unknown>; lab?: Record<string, unknown>; labAd?: Record<string, unknown>; order?: 'corp-first' | 'lab-first'; ambiguous?: string } = {}): Array<Record<string, unknown>> {
    const corp = { name: 'corp', ad: adBlock(a), ...extra.corp };
    const lab = { name: 'lab', ad: adBlock(b, extra.labAd), ...extra.lab };
    return extra.order === 'lab-first' ? [lab, corp] : [corp, lab];
  }

  function router(extra: Parameters<typeof directories>[0] = {}): Directory {
    const config = validateConfig({ dataDir: freshDir('routing'), directories: directories(extra), directoryRouting: { ambiguous: extra.ambiguous ?? 'refuse' } });
    const directory = createDirectory(config, silentLogger, new MemoryAudit());
    open.push(directory);
    return directory;
  }

  /** The same sAMAccountName, with the same password, created in both domains. */
  async function twin(password: string): Promise<{ name: string; dnA: string; dnB: string }> {
    const name = `tw${process.pid % 1000}x${++n}`;
    rememberSecret(password);
    const dnA = await adminA.addUser({ name, password, displayName: `Twin ${n} A` }, a.seed.peopleOu);
    const dnB = await adminB.addUser({ name, password, displayName: `Twin ${n} B` }, b.seed.peopleOu);
    return { name, dnA, dnB };
  }

  before(async function () {
    this.timeout(600_000);
    a = await testDomain();
    b = await secondTestDomain();
    adminA = await DomainAdmin.connect(a.dc);
    adminB = await DomainAdmin.connect(b.dc);
  });
  after(async () => {
    await Promise.all(open.map((d) => d.close()));
    await adminA?.close();
    await adminB?.close();
  });

  it('runs two distinct domains (realm, NetBIOS name, address) with the same account names', () => {
    assert.notEqual(a.dc.address, b.dc.address);
    assert.notEqual(a.dc.realm, b.dc.realm);
    assert.notEqual(a.dc.netbios, b.dc.netbios);
    assert.notEqual(a.seed.users.alice.dn, b.seed.users.alice.dn);
  });

  it('routes UPN suffixes, NETBIOS\\ and DNS\\ prefixes to the right domain, with ids unique across directories', async () => {
    const dir = router();
    const cases: Array<[string, string, string]> = [
      ['alice@keyhatch.test', 'corp', a.seed.users.alice.dn],
      ['ALICE@KEYHATCH.TEST', 'corp', a.seed.users.alice.dn],
      ['KEYHATCH\\alice', 'corp', a.seed.users.alice.dn],
      ['keyhatch.test\\alice', 'corp', a.seed.users.alice.dn],
      ['alice@otherlab.test', 'lab', b.seed.users.alice.dn],
      ['OTHERLAB\\alice', 'lab', b.seed.users.alice.dn],
      ['otherlab\\ALICE', 'lab', b.seed.users.alice.dn],
      ['otherlab.test\\alice', 'lab', b.seed.users.alice.dn],
    ];
    for (const [name, directory, dn] of cases) {
      const u = await dir.findUser(name) as RoutedUser | null;
      assert.equal(u?.directory, directory, name);
      assert.equal(dnOf(u), dn, name);
      assert.equal(u?.id, `${directory}:${dn}`, name);
    }
    const [ua, ub] = [await dir.findUser('KEYHATCH\\alice'), await dir.findUser('OTHERLAB\\alice')];
    assert.ok(ua && ub);
    assert.notEqual(ua.id, ub.id);
    assert.notEqual(userKeyOf(ua), userKeyOf(ub), 'enrollment keys never collide');
    assert.match(userKeyOf(ua), /^ad:[0-9a-f]{32}$/, 'the objectGUID key is kept: enrollments survive moving to the directories form');
  });

  it('routes an alternative UPN suffix only when its directory declares it', async () => {
    const name = `alt${process.pid % 1000}x${++n}`;
    const password = `Alt-${n}-Passw0rd!`;
    rememberSecret(password);
    const dn = await adminB.addUser({ name, password }, b.seed.peopleOu);
    await adminB.replace(dn, 'userPrincipalName', `${name}@lab.example.org`);
    const declared = router({ lab: { upnSuffixes: ['lab.example.org'] } });
    const u = await declared.findUser(`${name}@Lab.Example.org`) as RoutedUser | null;
    assert.equal(u?.directory, 'lab');
    assert.equal(dnOf(u), dn);
    assert.equal(await router().findUser(`${name}@lab.example.org`), null, 'an undeclared suffix is an unknown user');
  });

  it('looks a bare name up in the workstation domain given as the hint (NetBIOS or DNS name)', async () => {
    const dir = router();
    for (const [hint, directory, dn] of [['OTHERLAB', 'lab', b.seed.users.bob.dn], ['otherlab.test', 'lab', b.seed.users.bob.dn], ['keyhatch', 'corp', a.seed.users.bob.dn]] as const) {
      const u = await dir.findUser('bob', { defaultDomain: hint }) as RoutedUser | null;
      assert.equal(u?.directory, directory, hint);
      assert.equal(dnOf(u), dn, hint);
    }
    // A qualified name wins over the hint.
    assert.equal(dnOf(await dir.findUser('KEYHATCH\\bob', { defaultDomain: 'OTHERLAB' })), a.seed.users.bob.dn);
  });

  it('resets a sAMAccountName that exists in both domains in the chosen domain only (kinit against each KDC)', async () => {
    const start = `Twin-Start-${process.pid}-9!`;
    const t = await twin(start);
    const dir = router();
    const ctx = { actor: 'test', correlationId: `c${n}`, operationId: `op-${process.pid}-${n}` };
    const inLab = await dir.findUser(`OTHERLAB\\${t.name}`);
    assert.equal(dnOf(inLab), t.dnB);
    const labPassword = `Lab-New-${process.pid}-Pw7!`;
    rememberSecret(labPassword);
    await dir.resetPassword(inLab!, labPassword, ctx);
    assert.ok((await b.dc.kinit(t.name, labPassword)).ok, 'OTHERLAB account has the new password');
    assert.equal((await b.dc.kinit(t.name, start)).ok, false, 'OTHERLAB old password is gone');
    assert.ok((await a.dc.kinit(t.name, start)).ok, 'KEYHATCH account is untouched');
    assert.equal((await a.dc.kinit(t.name, labPassword)).ok, false, 'KEYHATCH did not get the new password');

    // Now the other way round, through a bare name and the workstation's domain.
    const inCorp = await dir.findUser(t.name, { defaultDomain: 'KEYHATCH' });
    assert.equal(dnOf(inCorp), t.dnA);
    const corpPassword = `Corp-New-${process.pid}-Pw5!`;
    rememberSecret(corpPassword);
    await dir.resetPassword(inCorp!, corpPassword, { ...ctx, operationId: `${ctx.operationId}-2` });
    assert.ok((await a.dc.kinit(t.name, corpPassword)).ok, 'KEYHATCH account has its new password');
    assert.ok((await b.dc.kinit(t.name, labPassword)).ok, 'OTHERLAB account keeps its own');
    // verifyPassword (an LDAP bind) lands in the right domain too.
    await dir.verifyPassword(inCorp!, corpPassword);
    await assert.rejects(dir.verifyPassword(inCorp!, labPassword));
    await dir.verifyPassword(inLab!, labPassword);
  });

  it('follows the ambiguity policy for a bare name found in both domains', async () => {
    await assert.rejects(router().findUser('carol'), (e) => isKeyhatchError(e, 'AMBIGUOUS_USER'), 'refuse (the default)');
    assert.equal(dnOf(await router({ ambiguous: 'first-match' }).findUser('carol')), a.seed.users.carol.dn);
    assert.equal(dnOf(await router({ ambiguous: 'first-match', order: 'lab-first' }).findUser('carol')), b.seed.users.carol.dn);
    // A hint naming no configured domain falls back to the policy.
    await assert.rejects(router().findUser('carol', { defaultDomain: 'ELSEWHERE' }), (e) => isKeyhatchError(e, 'AMBIGUOUS_USER'));
    // A bare name that exists in one domain only is not ambiguous.
    const name = `solo${process.pid % 1000}x${++n}`;
    rememberSecret('Solo-Passw0rd-1!');
    const dn = await adminB.addUser({ name, password: 'Solo-Passw0rd-1!' }, b.seed.peopleOu);
    assert.equal(dnOf(await router().findUser(name)), dn);
    assert.equal(await router().findUser(`nobody${n}`), null);
  });

  it('treats unknown suffixes and domains like unknown users, without asking any directory', async () => {
    const dir = router();
    for (const name of ['alice@nowhere.test', 'alice@mail.keyhatch.test', 'NOWHERE\\alice', 'KEYHATCH\\nobody', 'nobody@otherlab.test']) {
      assert.equal(await dir.findUser(name), null, name);
    }
    // Even with a directory down, a name for another domain or an unknown suffix answers the same.
    const half = router({ labAd: { urls: ['ldaps://127.0.0.1:1'], connectTimeoutMs: 200 } });
    assert.equal(await half.findUser('alice@nowhere.test'), null);
    assert.equal(dnOf(await half.findUser('KEYHATCH\\alice')), a.seed.users.alice.dn);
  });

  it('fails closed when a directory that could hold a bare name is down', async () => {
    const half = router({ labAd: { urls: ['ldaps://127.0.0.1:1'], connectTimeoutMs: 200 } });
    await assert.rejects(half.findUser('henry'), (e) => isKeyhatchError(e, 'DIRECTORY_UNAVAILABLE'));
    await assert.rejects(half.findUser('OTHERLAB\\henry'), (e) => isKeyhatchError(e, 'DIRECTORY_UNAVAILABLE'));
    // first-match: the first directory's answer stands; a failure before any match does not.
    const corpFirst = router({ ambiguous: 'first-match', labAd: { urls: ['ldaps://127.0.0.1:1'], connectTimeoutMs: 200 } });
    assert.equal(dnOf(await corpFirst.findUser('henry')), a.seed.users.henry.dn);
    const labFirst = router({ ambiguous: 'first-match', order: 'lab-first', labAd: { urls: ['ldaps://127.0.0.1:1'], connectTimeoutMs: 200 } });
    await assert.rejects(labFirst.findUser('henry'), (e) => isKeyhatchError(e, 'DIRECTORY_UNAVAILABLE'));
  });

  it('refuses a user whose directory and id disagree (a tampered or foreign session)', async () => {
    const dir = router();
    const u = await dir.findUser('OTHERLAB\\alice') as RoutedUser;
    await assert.rejects(dir.accountStatus({ ...u, directory: 'corp' } as RoutedUser), (e) => isKeyhatchError(e, 'INTERNAL'));
    await assert.rejects(dir.accountStatus({ ...u, id: u.id.replace(/^lab:/, 'elsewhere:') }), (e) => isKeyhatchError(e, 'INTERNAL'));
    // A user handed back as plain JSON (sessions are stored that way) still routes.
    const status = await dir.accountStatus(JSON.parse(JSON.stringify(u)));
    assert.equal(status.disabled, false);
  });

  it('doctor runs every directory\'s checks against its own DC, each named for its directory', async () => {
    const checks = await router().doctorChecks?.() ?? [];
    const under = (prefix: string) => checks.filter((c) => c.name.startsWith(prefix)).map((c) => c.name.slice(prefix.length));
    assert.ok(under('corp: ').includes(`TLS ${a.dc.ldapsUrl}`), JSON.stringify(checks));
    assert.ok(under('lab: ').includes(`TLS ${b.dc.ldapsUrl}`), JSON.stringify(checks));
    const kinds = (prefix: string) => under(prefix).map((n) => n.replace(/^TLS ldaps:\/\/\S+$/, 'TLS'));
    assert.deepEqual(kinds('lab: '), kinds('corp: '));
    assert.equal(checks.length, under('corp: ').length * 2);
    assert.deepEqual(checks.filter((c) => !c.ok), []);
    // Each directory's checks reach its own DC: a lab block pointing at a dead port fails only there.
    const half = await router({ labAd: { urls: ['ldaps://127.0.0.1:1'] } }).doctorChecks?.() ?? [];
    assert.ok(half.some((c) => c.name.startsWith('lab: ') && !c.ok), JSON.stringify(half));
    assert.deepEqual(half.filter((c) => c.name.startsWith('corp: ') && !c.ok), []);
  });

  describe('through the daemon', () => {
    let daemon: TestDaemon;
    let offset = 0;
    const now = () => Date.now() + offset;
    before(async () => {
      daemon = await startTestDaemon(a, { ad: undefined, directories: directories(), rateLimits: { startsPerSource: 100_000, deviceAttempts: 10_000 } }, { now });
    });
    after(async () => { await daemon?.close(); });

    it('answers an unknown suffix, an unknown domain and an ambiguous bare name exactly like an unknown user', async () => {
      const shape = (body: { recoveryId: string; factors: Array<{ id: string; type: string; hint?: string }>; required: number; expiresAt: string }) =>
        ({ keys: Object.keys(body).sort(), factors: body.factors.map((f) => [f.id, f.type, typeof f.hint]), required: body.required, idLength: body.recoveryId.length });
      const unknown = await daemon.api('POST', '/api/v1/recovery', { username: `nobody${process.pid}` });
      assert.equal(unknown.status, 201);
      for (const username of ['alice@nowhere.test', 'NOWHERE\\alice', 'alice']) {
        const r = await daemon.api('POST', '/api/v1/recovery', { username });
        assert.equal(r.status, unknown.status, username);
        assert.deepEqual(shape(r.body), shape(unknown.body), username);
      }
    });
    it('spellings of one name in a served domain share one budget, for a real account and a made-up name alike (no enumeration)', async () => {
      const real = `sp${process.pid % 1000}x${++n}`;
      rememberSecret(`Spell-${real}-1!`);
      await adminB.addUser({ name: real, password: `Spell-${real}-1!`, displayName: real }, b.seed.peopleOu);
      const ghost = `gh${process.pid % 1000}x${++n}`;
      const spellings = (x: string) => [`OTHERLAB\\${x}`, `otherlab.test\\${x}`, `${x}@otherlab.test`, ` ${x.toUpperCase()}@OTHERLAB.TEST `, `OTHERLAB\\ ${x}`, `${x} @otherlab.test`];
      const failOnce = async (username: string) => {
        const st = await daemon.api('POST', '/api/v1/recovery', { username });
        if (st.status !== 201) return st.status;
        return (await daemon.api('POST', `/api/v1/recovery/${st.body.recoveryId as string}/verify`, { factor: 'f2', response: '000000' })).status;
      };
      for (const name of [real, ghost]) {
        const v = spellings(name);
        const statuses: number[] = [];
        for (let i = 0; i < 5; i++) statuses.push(await failOnce(v[i] as string));
        assert.deepEqual(statuses, [401, 401, 401, 401, 429], name);
        for (const spelling of v) assert.equal((await daemon.api('POST', '/api/v1/recovery', { username: spelling })).status, 429, JSON.stringify(spelling));
      }
    });
    it('enrolls and resets the OTHERLAB twin through the API; the KEYHATCH twin keeps its password (kinit)', async () => {
      const start = `Twin-Api-${process.pid}-3!`;
      const t = await twin(start);
      const login = await daemon.api('POST', '/api/v1/enrollment/login', { username: `OTHERLAB\\${t.name}`, password: start });
      assert.equal(login.status, 200, JSON.stringify(login.body));
      rememberSecret(login.body.token);
      const auth = { authorization: `Bearer ${login.body.token as string}` };
      const add = await daemon.api('POST', '/api/v1/enrollment/factors/totp', {}, auth);
      assert.equal(add.status, 201);
      const secret = add.body.secret as string;
      rememberSecret(secret);
      const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) });
      assert.equal((await daemon.api('POST', `/api/v1/enrollment/factors/${add.body.factorId}/confirm`, { code: totp.generate({ timestamp: now() }) }, auth)).status, 200);

      // The KEYHATCH account of the same name has no factor: a decoy offer, not the enrolled TOTP.
      const other = await daemon.api('POST', '/api/v1/recovery', { username: `${t.name}@keyhatch.test` });
      assert.equal(other.status, 201);
      const rec = await daemon.api('POST', '/api/v1/recovery', { username: `${t.name}@otherlab.test` });
      assert.equal(rec.status, 201);
      const id = rec.body.recoveryId as string;
      const f = (rec.body.factors as Array<{ id: string; type: string }>).find((x) => x.type === 'totp');
      assert.ok(f, JSON.stringify(rec.body));
      offset += 30_000;
      assert.equal((await daemon.api('POST', `/api/v1/recovery/${id}/challenge`, { factor: f.id })).status, 200);
      const v = await daemon.api('POST', `/api/v1/recovery/${id}/verify`, { factor: f.id, response: totp.generate({ timestamp: now() }) });
      assert.equal(v.status, 200, JSON.stringify(v.body));
      const fresh = `Lab-Api-${process.pid}-Pw8!`;
      rememberSecret(fresh);
      const reset = await daemon.api('POST', `/api/v1/recovery/${id}/reset`, { newPassword: fresh });
      assert.equal(reset.status, 200, JSON.stringify(reset.body));
      assert.ok((await b.dc.kinit(t.name, fresh)).ok, 'OTHERLAB twin has the new password');
      assert.ok((await a.dc.kinit(t.name, start)).ok, 'KEYHATCH twin keeps its old password');
      assert.equal((await a.dc.kinit(t.name, fresh)).ok, false);
    });
  });

  // The workstation's domain is what its relay recorded at join (keyhatch join --domain, or the
  // machine's own: relay/machine-domain.ts), carried by its device certificate — not a value a
  // request can choose. With `ambiguous: refuse`, a bare twin name resolves only through it.
  describe('through a gateway, from relays joined in each domain', () => {
    let gw: RunningGateway;
    const relays: RunningRelay[] = [];
    let ca: string;
    let pin: string;
    let offset = 0;
    const now = () => Date.now() + offset;

    async function relayIn(domain: string): Promise<RunningRelay> {
      const t = await createJoinToken(gw.services.store.joinTokens, { uses: 1, ttlMs: 600_000, createdBy: 'test', now: now() });
      rememberSecret(t.token);
      const dir = freshDir('relay');
      const joined = await joinGateway({ url: gw.url, token: t.token, pin, dataDir: dir, name: `pc-${domain}`, domain });
      assert.equal(joined.domain, domain);
      const relay = await startRelay(validateConfig({ role: 'relay', dataDir: dir, listen: '127.0.0.1:0', gateway: { pin } }), { pingSeconds: 1 });
      rememberSecret(relay.kioskSecret);
      relays.push(relay);
      return relay;
    }

    before(async () => {
      const dir = freshDir('gateway');
      const site = await initSiteCa(join(dir, 'tls'), ['localhost', '127.0.0.1']);
      ca = readFileSync(site.caFile, 'utf8');
      pin = site.caPin;
      gw = await startGateway(validateConfig({
        role: 'gateway', dataDir: dir, listen: '127.0.0.1:0', tls: { certFile: site.certFile, keyFile: site.keyFile },
        directories: directories(), directoryRouting: { ambiguous: 'refuse' },
      }), { now });
    });
    after(async () => {
      for (const r of relays) await r.close();
      await gw?.close();
    });

    it('a bare name typed at an OTHERLAB workstation recovers the OTHERLAB twin; at a KEYHATCH workstation it is the other account (kinit)', async () => {
      const start = `Twin-Relay-${process.pid}-4!`;
      const t = await twin(start);
      const login = await httpsJson('POST', `${gw.url}/api/v1/enrollment/login`, { username: `OTHERLAB\\${t.name}`, password: start }, { ca });
      assert.equal(login.status, 200, JSON.stringify(login.body));
      rememberSecret(login.body.token);
      const auth = { authorization: `Bearer ${login.body.token as string}` };
      const add = await httpsJson('POST', `${gw.url}/api/v1/enrollment/factors/totp`, {}, { ca }, auth);
      assert.equal(add.status, 201, JSON.stringify(add.body));
      rememberSecret(add.body.secret);
      const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(add.body.secret as string) });
      assert.equal((await httpsJson('POST', `${gw.url}/api/v1/enrollment/factors/${add.body.factorId}/confirm`, { code: totp.generate({ timestamp: now() }) }, { ca }, auth)).status, 200);

      const lab = await relayIn('OTHERLAB');
      const corp = await relayIn('keyhatch.test');
      offset += 30_000;

      // At the KEYHATCH workstation the bare name is the KEYHATCH twin, who enrolled nothing: the lab
      // twin's authenticator proves nothing there.
      const there = await kioskCall(corp.url, corp.kioskSecret, 'POST', '/api/v1/recovery', { username: t.name });
      assert.equal(there.status, 201, JSON.stringify(there.body));
      const decoy = (there.body.factors as Array<{ id: string; type: string }>).find((x) => x.type === 'totp');
      if (decoy) {
        assert.equal((await kioskCall(corp.url, corp.kioskSecret, 'POST', `/api/v1/recovery/${there.body.recoveryId as string}/challenge`, { factor: decoy.id })).status, 200);
        const v = await kioskCall(corp.url, corp.kioskSecret, 'POST', `/api/v1/recovery/${there.body.recoveryId as string}/verify`, { factor: decoy.id, response: totp.generate({ timestamp: now() }) });
        assert.deepEqual([v.status, v.body.error?.code], [401, 'VERIFICATION_FAILED'], JSON.stringify(v.body));
      }

      // At the OTHERLAB workstation the same bare name is the enrolled twin.
      const rec = await kioskCall(lab.url, lab.kioskSecret, 'POST', '/api/v1/recovery', { username: t.name });
      assert.equal(rec.status, 201, JSON.stringify(rec.body));
      const id = rec.body.recoveryId as string;
      const f = (rec.body.factors as Array<{ id: string; type: string }>).find((x) => x.type === 'totp');
      assert.ok(f, JSON.stringify(rec.body));
      assert.equal((await kioskCall(lab.url, lab.kioskSecret, 'POST', `/api/v1/recovery/${id}/challenge`, { factor: f.id })).status, 200);
      const v = await kioskCall(lab.url, lab.kioskSecret, 'POST', `/api/v1/recovery/${id}/verify`, { factor: f.id, response: totp.generate({ timestamp: now() }) });
      assert.equal(v.status, 200, JSON.stringify(v.body));
      assert.equal(v.body.verified, true, JSON.stringify(v.body));
      const fresh = `Lab-Relay-${process.pid}-Pw9!`;
      rememberSecret(fresh);
      const reset = await kioskCall(lab.url, lab.kioskSecret, 'POST', `/api/v1/recovery/${id}/reset`, { newPassword: fresh });
      assert.equal(reset.status, 200, JSON.stringify(reset.body));
      assert.ok((await b.dc.kinit(t.name, fresh)).ok, 'OTHERLAB twin has the new password');
      assert.ok((await a.dc.kinit(t.name, start)).ok, 'KEYHATCH twin keeps its old password');
    });
  });
});
