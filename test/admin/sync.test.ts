// Discovery and sync against a real Samba AD DC: nested target groups, ranged `member`, statuses
// DISCOVERED → ENROLLED → LOCKED → back, incremental sync of adds, modifies, moves, deletions and
// membership changes, leaver rules, connector status.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Attribute, Change } from 'ldapts';
import { DOMAIN_SETUP_TIMEOUT_MS, testDomain, type TestDomain } from '../support/global-domain.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { adConfig } from '../support/ad-env.js';
import { freshDir } from '../support/run-dir.js';
import { AdConnection } from '../../daemon/src/directory/ad/connection.js';
import { AdPopulationSource } from '../../daemon/src/directory/ad/ad-population-source.js';
import { SyncEngine, type LeaverRule, type SyncProgress } from '../../daemon/src/admin/sync/sync-engine.js';
import { PopulationService } from '../../daemon/src/admin/population/population-service.js';
import { SqliteStore } from '../../daemon/src/store/sqlite-store.js';
import { MemoryAudit } from '../../daemon/src/log/audit.js';
import { silentLogger } from '../../daemon/src/log/logger.js';
import type { AdConfig } from '../../daemon/src/config/schema.js';
import type { PopulationStatus } from '../../daemon/src/store/population-repo.js';

const run = promisify(execFile);

/** List Contents + Read Property on CN=Deleted Objects for `sid` (what admins grant with dsacls /takeownership + /G). */
async function grantDeletedObjects(d: TestDomain, sid: string): Promise<void> {
  await run('/usr/bin/python3', [join(import.meta.dirname, 'support', 'grant-deleted-objects.py'), d.dc.ldapUrl, d.dc.realm, d.dc.netbios, d.dc.adminPassword, d.dc.baseDn, sid],
    { env: { ...process.env, KRB5_CONFIG: d.dc.krb5Conf } });
}

describe('discovery and sync (Samba AD DC)', function () {
  this.timeout(120_000);
  let d: TestDomain;
  let admin: DomainAdmin;
  let ou: string;
  let top: string;
  let nested: string;
  let ranged: string;
  const conns: AdConnection[] = [];
  const stores: SqliteStore[] = [];
  const dn = (name: string, sub = ou) => `CN=${name},${sub}`;
  const pw = 'Sync-Test-Passw0rd!';

  function rig(opts: { leaverRule?: LeaverRule; ad?: Partial<AdConfig>; memberRangeStep?: number } = {}) {
    const cfg = adConfig(d, opts.ad ?? {}).ad as AdConfig;
    const conn = new AdConnection(cfg, silentLogger);
    conns.push(conn);
    const store = new SqliteStore(freshDir('sync-store'));
    stores.push(store);
    const audit = new MemoryAudit();
    const source = new AdPopulationSource({ directoryId: 'corp', baseDn: cfg.baseDn, conn, ...(opts.memberRangeStep ? { memberRangeStep: opts.memberRangeStep } : {}) });
    const engine = new SyncEngine({ store, sources: [source], leaverRule: opts.leaverRule ?? 'disable-enrollment', log: silentLogger, audit });
    const service = new PopulationService({ store, engine, licenceLimit: 2, audit });
    const status = async (name: string): Promise<PopulationStatus | undefined> =>
      (await service.listUsers({ search: name })).users.find((u) => u.accountName === name)?.status;
    const row = async (name: string) => (await service.listUsers({ search: name })).users.find((u) => u.accountName === name);
    return { store, engine, service, audit, source, status, row };
  }

  before(async function () {
    this.timeout(DOMAIN_SETUP_TIMEOUT_MS);
    d = await testDomain();
    admin = await DomainAdmin.connect(d.dc);
    ou = `OU=SyncTest,${d.seed.peopleOu}`;
    await admin.addOu(ou);
    await admin.addOu(`OU=Moved,${ou}`);
    top = `CN=Sync Top,${d.seed.groupsOu}`;
    nested = `CN=Sync Nested,${d.seed.groupsOu}`;
    ranged = `CN=Sync Ranged,${d.seed.groupsOu}`;
    await admin.addGroup(top, 'Sync Top');
    await admin.addGroup(nested, 'Sync Nested');
    await admin.addGroup(ranged, 'Sync Ranged');
    await admin.addMember(top, nested);
    for (const n of ['st-a', 'st-b', 'st-c', 'st-d', 'st-x']) await admin.addUser({ name: n, password: pw, mail: `${n}@mail.keyhatch.test` }, ou);
    await admin.addMember(top, dn('st-a'));
    await admin.addMember(nested, dn('st-b'));
    await admin.addMember(nested, dn('st-d'));
    for (let i = 0; i < 5; i++) {
      await admin.addUser({ name: `rg-${i}`, password: pw }, ou);
      await admin.addMember(ranged, dn(`rg-${i}`));
    }
  });
  after(async () => {
    for (const c of conns) await c.close().catch(() => undefined);
    for (const s of stores) await s.close();
    await admin?.close();
  });

  it('finds groups by name and targets a group: nested members are the population, others are not kept', async () => {
    const r = rig();
    const hits = await r.service.searchGroups('corp', 'Sync N');
    assert.deepEqual(hits.map((h) => h.name), ['Sync Nested']);
    assert.equal(hits[0]?.groupId, nested);
    assert.deepEqual(await r.service.searchGroups('corp', '*)(cn=*'), [], 'filter metacharacters are escaped, not interpreted');
    await r.service.setTargetGroups('corp', [{ groupId: top, name: 'Sync Top' }], 'tester');
    const seen: SyncProgress[] = [];
    const res = await r.service.syncNow('corp', (p) => seen.push(p));
    assert.equal(res.mode, 'full');
    assert.equal(res.membershipWalked, true);
    assert.ok(seen.some((p) => p.phase === 'users' && p.done > 0) && seen.at(-1)?.phase === 'done', 'progress reported page by page');
    const { total, users } = await r.service.listUsers({});
    assert.deepEqual(users.map((u) => u.accountName).sort(), ['st-a', 'st-b', 'st-d'], 'st-b and st-d through Sync Nested ⊂ Sync Top');
    assert.equal(total, 3);
    assert.deepEqual(users.map((u) => u.status), ['DISCOVERED', 'DISCOVERED', 'DISCOVERED']);
    const lic = await r.service.licence();
    assert.equal(lic.count, 3);
    assert.equal(lic.exceeded, true);
    assert.match(lic.warning ?? '', /3 users .* licence allows \(2\)/);
    assert.equal((await r.service.getUser(users[0]?.id as string))?.accountName, users[0]?.accountName);
    assert.equal((await r.service.connectorStatus('corp')).state, 'Connected');
    assert.equal(r.audit.events.find((e) => e.action === 'population.targets')?.actor, 'tester');
  });

  it('reads `member` in ranges (member;range=lo-hi) until the last one', async () => {
    const r = rig({ memberRangeStep: 2 });
    const m = await r.source.session((s) => s.membership([{ groupId: ranged }]));
    assert.equal(m.memberDns.size, 5, 'three range reads of 2, 2 and 1 values');
  });

  it('statuses move DISCOVERED → ENROLLED → LOCKED → ENROLLED; adoption is recorded per day', async () => {
    const r = rig();
    await r.service.setTargetGroups('corp', [{ groupId: top, name: 'Sync Top' }]);
    await r.service.syncNow('corp');
    assert.equal(await r.status('st-a'), 'DISCOVERED');
    const key = (await r.row('st-a'))?.userKey as string;
    assert.match(key, /^ad:[0-9a-f]{32}$/);
    await r.store.factors.insert({ id: 'fa', userKey: key, type: 'totp', hint: 'app', confirmed: true, data: {}, createdAt: new Date().toISOString() });
    const inc = await r.service.syncNow('corp');
    assert.equal(inc.mode, 'incremental');
    assert.equal(await r.status('st-a'), 'ENROLLED');
    await admin.lockOut(dn('st-a'));
    await r.service.syncNow('corp');
    assert.equal(await r.status('st-a'), 'LOCKED');
    await admin.replace(dn('st-a'), 'lockoutTime', '0');
    const back = await r.service.syncNow('corp');
    assert.equal(back.mode, 'incremental');
    assert.equal(await r.status('st-a'), 'ENROLLED');
    const series = await r.service.adoptionSeries();
    assert.equal(series.length, 1);
    assert.equal(series[0]?.counts.ENROLLED, 1);
    assert.equal(series[0]?.counts.DISCOVERED, 2);
  });

  it('LOCKED lasts as long as the policy that applies to the user: a fine-grained policy\'s lockout duration wins over the domain\'s', async () => {
    // st-p gets a policy with a 5 s lockout; st-q keeps the domain's 30 min.
    const group = dn('Sync PSO Group');
    await admin.addGroup(group, 'Sync PSO Group');
    for (const n of ['st-p', 'st-q']) { await admin.addUser({ name: n, password: pw }, ou); await admin.addMember(group, dn(n)); }
    await admin.ldap.add(`CN=SyncShortLockout,CN=Password Settings Container,CN=System,${d.dc.baseDn}`, {
      objectClass: ['top', 'msDS-PasswordSettings'], 'msDS-PasswordSettingsPrecedence': '5', 'msDS-PasswordReversibleEncryptionEnabled': 'FALSE',
      'msDS-PasswordHistoryLength': '0', 'msDS-PasswordComplexityEnabled': 'FALSE', 'msDS-MinimumPasswordLength': '1', 'msDS-MinimumPasswordAge': '0',
      'msDS-MaximumPasswordAge': '-36288000000000', 'msDS-LockoutThreshold': '3', 'msDS-LockoutObservationWindow': '-50000000',
      'msDS-LockoutDuration': '-50000000', 'msDS-PSOAppliesTo': dn('st-p'),
    });
    const r = rig();
    await r.service.setTargetGroups('corp', [{ groupId: group, name: 'Sync PSO Group' }]);
    await r.service.syncNow('corp');
    await admin.lockOut(dn('st-p'));
    await admin.lockOut(dn('st-q'));
    await r.service.syncNow('corp');
    assert.equal(await r.status('st-p'), 'LOCKED');
    assert.equal(await r.status('st-q'), 'LOCKED');
    // Wait until the DC itself says st-p's lockout is over (its computed flag), however slow the machine.
    const lockedOnDc = async (name: string) => {
      const { searchEntries } = await admin.ldap.search(dn(name), { scope: 'base', attributes: ['msDS-User-Account-Control-Computed'] });
      return (Number(searchEntries[0]?.['msDS-User-Account-Control-Computed'] ?? 0) & 0x10) !== 0;
    };
    for (let i = 0; i < 600 && await lockedOnDc('st-p'); i++) await new Promise((res) => setTimeout(res, 200));
    assert.equal(await lockedOnDc('st-p'), false, 'the DC ended the 5 s lockout');
    assert.equal(await lockedOnDc('st-q'), true, 'the domain lockout lasts 30 min');
    // Nothing changed in the directory meanwhile (no uSN moved for st-p): the incremental sync re-rates
    // statuses by the time each lockout ends, which must be the user's own policy's.
    assert.equal((await r.service.syncNow('corp')).mode, 'incremental');
    assert.equal(await r.status('st-p'), 'DISCOVERED');
    assert.equal(await r.status('st-q'), 'LOCKED');
    await r.service.syncNow('corp', undefined, { full: true });
    assert.equal(await r.status('st-p'), 'DISCOVERED');
    assert.equal(await r.status('st-q'), 'LOCKED');
  });

  it('without the right to list Deleted Objects: a deleted member is found when the groups are walked; the full sync reconciles the rest', async () => {
    const t = rig();
    await t.service.setTargetGroups('corp', [{ groupId: top, name: 'Sync Top' }]);
    await admin.addUser({ name: 'st-gone', password: pw }, ou);
    await admin.addMember(nested, dn('st-gone'));
    await t.service.syncNow('corp');
    assert.equal(await t.status('st-gone'), 'DISCOVERED');
    await admin.ldap.del(dn('st-gone'));
    await admin.addMember(nested, dn('st-x')); // some membership change makes the walk run
    let res = await t.service.syncNow('corp');
    assert.equal(res.mode, 'incremental');
    assert.equal(res.membershipWalked, true);
    assert.equal(res.removed, 1, 'the departed member no longer resolves by objectGUID: deleted, not a leaver');
    assert.equal(await t.row('st-gone'), undefined);
    await admin.ldap.modify(nested, new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [dn('st-x')] }) }));

    const all = rig(); // no targets: nothing to walk, and tombstones are invisible to this account
    await all.service.syncNow('corp');
    await admin.addUser({ name: 'st-gone2', password: pw }, ou);
    await all.service.syncNow('corp');
    await admin.ldap.del(dn('st-gone2'));
    assert.equal((await all.service.syncNow('corp')).removed, 0);
    assert.equal(await all.status('st-gone2'), 'DISCOVERED');
    res = await all.service.syncNow('corp', undefined, { full: true });
    assert.equal(res.removed, 1);
    assert.equal(await all.row('st-gone2'), undefined);
  });

  it('incremental sync sees adds, modifies, moves, deletions, disables and group removals', async () => {
    const r = rig();
    await r.service.setTargetGroups('corp', [{ groupId: top, name: 'Sync Top' }]);
    assert.equal((await r.service.syncNow('corp')).mode, 'full');

    // Add: a new user joins the nested group (the group changes, so membership is walked again).
    await admin.addUser({ name: 'st-new', password: pw, displayName: 'New Person' }, ou);
    await admin.addMember(nested, dn('st-new'));
    let res = await r.service.syncNow('corp');
    assert.equal(res.mode, 'incremental');
    assert.equal(res.membershipWalked, true);
    assert.equal(await r.status('st-new'), 'DISCOVERED');

    // Modify: only the user changes; no walk.
    await admin.replace(dn('st-b'), 'displayName', 'Barbara Renamed');
    res = await r.service.syncNow('corp');
    assert.equal(res.membershipWalked, false);
    assert.equal((await r.row('st-b'))?.displayName, 'Barbara Renamed');

    // Move within the base: same account (objectGUID), new DN, still in scope — also after a walk.
    await admin.ldap.modifyDN(dn('st-b'), dn('st-b', `OU=Moved,${ou}`));
    assert.equal((await r.service.syncNow('corp')).mode, 'incremental');
    assert.equal((await r.row('st-b'))?.dn, dn('st-b', `OU=Moved,${ou}`));
    await admin.addMember(nested, dn('st-c')); // forces a walk
    res = await r.service.syncNow('corp');
    assert.equal(res.membershipWalked, true);
    assert.equal(await r.status('st-b'), 'DISCOVERED');
    assert.equal(await r.status('st-c'), 'DISCOVERED');

    // Disable.
    await admin.replace(dn('st-c'), 'userAccountControl', '514');
    await r.service.syncNow('corp');
    assert.equal(await r.status('st-c'), 'DISABLED');

    // Removed from the group → out of scope.
    await admin.ldap.modify(nested, new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [dn('st-d')] }) }));
    res = await r.service.syncNow('corp');
    assert.equal(res.leavers, 1);
    assert.equal(await r.status('st-d'), 'OUT_OF_SCOPE');

    // Deleted: seen through the tombstone in Deleted Objects (show-deleted control), once the
    // service account may list it (docs/admin.md: the one extra right sync needs).
    await grantDeletedObjects(d, await admin.sidOf(d.seed.service.dn));
    await admin.ldap.del(dn('st-new'));
    res = await r.service.syncNow('corp');
    assert.equal(res.mode, 'incremental');
    assert.equal(res.membershipWalked, false, 'Samba does not touch the group when a member is deleted: the tombstone is what tells');
    assert.equal(res.removed, 1);
    assert.equal(await r.row('st-new'), undefined);

    // Moved out of the base DN: leaves the population like a deletion.
    await admin.ldap.modifyDN(dn('st-a'), `CN=st-a,${d.seed.serviceOu}`);
    res = await r.service.syncNow('corp');
    assert.equal(res.removed, 1);
    assert.equal(await r.row('st-a'), undefined);
    await admin.ldap.modifyDN(`CN=st-a,${d.seed.serviceOu}`, dn('st-a'));

    // A full sync agrees with what the incremental ones built.
    const inc = (await r.service.listUsers({})).users.map((u) => [u.accountName, u.status, u.dn]);
    const full = rig();
    await full.service.setTargetGroups('corp', [{ groupId: top, name: 'Sync Top' }]);
    await full.service.syncNow('corp');
    await r.service.syncNow('corp');
    const fresh = (await full.service.listUsers({})).users.map((u) => [u.accountName, u.status, u.dn]);
    assert.deepEqual(fresh.filter(([n]) => n !== 'st-a' && n !== 'st-d'), inc.filter(([n]) => n !== 'st-a' && n !== 'st-d'));
  });

  it('leaver rule delete-enrollment deletes the factors of a user who leaves; disable-enrollment keeps them', async () => {
    for (const rule of ['delete-enrollment', 'disable-enrollment'] as const) {
      const r = rig({ leaverRule: rule });
      const name = `lv-${rule.slice(0, 3)}`;
      await admin.addUser({ name, password: pw }, ou);
      await admin.addMember(nested, dn(name));
      await r.service.setTargetGroups('corp', [{ groupId: top, name: 'Sync Top' }]);
      await r.service.syncNow('corp');
      const key = (await r.row(name))?.userKey as string;
      await r.store.factors.insert({ id: `f-${name}`, userKey: key, type: 'totp', hint: 'app', confirmed: true, data: {}, createdAt: new Date().toISOString() });
      await r.service.syncNow('corp');
      assert.equal(await r.status(name), 'ENROLLED');
      await admin.ldap.modify(nested, new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [dn(name)] }) }));
      await r.service.syncNow('corp');
      assert.equal(await r.status(name), 'OUT_OF_SCOPE');
      assert.equal((await r.store.factors.list(key)).length, rule === 'delete-enrollment' ? 0 : 1, rule);
      const ev = r.audit.events.find((e) => e.action === 'population.leaver' && e.target === name);
      assert.equal(ev?.reason, 'out_of_scope');
      assert.equal(ev?.details?.rule, rule);
    }
  });

  it('no target groups: every user under the base is in scope', async () => {
    const r = rig();
    await r.service.syncNow('corp');
    assert.equal(await r.status('st-x'), 'DISCOVERED');
    assert.equal(await r.status('alice'), 'DISCOVERED');
    assert.equal(await r.status('dave'), 'DISABLED');
  });

  it('connector status: Unauthorized for a wrong service password, Unreachable for a DC that does not answer', async () => {
    const bad = rig({ ad: { bindPassword: 'Wrong-Service-Pass-1!' } });
    await assert.rejects(bad.service.syncNow('corp'));
    const st = await bad.service.connectorStatus('corp');
    assert.equal(st.state, 'Unauthorized');
    assert.equal(st.lastError?.code, 'SERVICE_BIND_FAILED');
    assert.ok(!JSON.stringify(st).includes('Wrong-Service-Pass-1!'));
    const down = rig({ ad: { urls: ['ldaps://127.0.0.1:1'], connectTimeoutMs: 500 } });
    await assert.rejects(down.service.syncNow('corp'));
    assert.equal((await down.service.connectorStatus('corp')).state, 'Unreachable');
  });
});
