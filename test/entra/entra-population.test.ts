// Discovery and sync of an Entra ID directory against the Graph emulator: group search, nested target
// groups, statuses DISCOVERED / ENROLLED / OUT_OF_SCOPE / DISABLED, incremental sync through delta links
// (users/delta for users, groups/delta for membership), leaver rules, password expiry, connector status.
// The emulator pages at 2 items, so every collection and delta round is read over several pages.
import assert from 'node:assert/strict';
import { populationSources } from '../../daemon/src/admin/population/build.js';
import { PopulationService } from '../../daemon/src/admin/population/population-service.js';
import { SyncEngine, type LeaverRule } from '../../daemon/src/admin/sync/sync-engine.js';
import type { PasswordExpiry } from '../../daemon/src/directory/population-source.js';
import { MemoryAudit } from '../../daemon/src/log/audit.js';
import { RecoveryScope } from '../../daemon/src/recovery/recovery-scope.js';
import { silentLogger } from '../../daemon/src/log/logger.js';
import { SqliteStore } from '../../daemon/src/store/sqlite-store.js';
import { startGraphEmulator, type GraphEmulator } from '../support/graph-emulator/index.js';
import { freshDir } from '../support/run-dir.js';
import { makeDirectory } from './helpers.js';

const ID = {
  ann: 'a0000000-0000-4000-8000-000000000001',
  bob: 'b0000000-0000-4000-8000-000000000002',
  cat: 'c0000000-0000-4000-8000-000000000003',
  dan: 'd0000000-0000-4000-8000-000000000004',
  gus: 'e0000000-0000-4000-8000-000000000005',
  eve: 'f0000000-0000-4000-8000-000000000006',
  top: '10000000-0000-4000-8000-0000000000a1',
  nested: '10000000-0000-4000-8000-0000000000a2',
  other: '10000000-0000-4000-8000-0000000000a3',
};
const PERMS = ['User.ReadWrite.All', 'GroupMember.Read.All', 'Domain.Read.All'];

function emulator(): Promise<GraphEmulator> {
  return startGraphEmulator({
    maxPageSize: 2,
    appPermissions: [...PERMS],
    users: [
      { id: ID.ann, userPrincipalName: 'ann@contoso.test', displayName: 'Ann Archer', mail: 'ann@contoso.test', lastPasswordChangeDateTime: '2026-11-01T00:00:00Z' },
      { id: ID.bob, userPrincipalName: 'bob@eu.contoso.test', displayName: 'Bob Baker', passwordPolicies: 'DisablePasswordExpiration' },
      { id: ID.cat, userPrincipalName: 'cat@contoso.test', displayName: 'Cat Cole', onPremisesSyncEnabled: true },
      { id: ID.dan, userPrincipalName: 'dan@contoso.test', displayName: 'Dan Dole' },
      { id: ID.gus, userPrincipalName: 'gus_partner.example#EXT#@contoso.test', displayName: 'Gus Guest', userType: 'Guest' },
    ],
    groups: [
      { id: ID.top, displayName: 'SSPR Pilot', description: 'Self-service password reset pilot', members: [ID.nested, 'ann@contoso.test', ID.gus] },
      { id: ID.nested, displayName: 'Pilot Finance', members: ['bob@eu.contoso.test', 'cat@contoso.test'] },
      { id: ID.other, displayName: 'Marketing', members: ['dan@contoso.test'] },
    ],
    domains: [{ id: 'contoso.test', passwordValidityPeriodInDays: 90, isDefault: true }, { id: 'partner.example', passwordValidityPeriodInDays: 2147483647 }],
  });
}

describe('Entra ID discovery and sync (Graph emulator, delta queries)', function () {
  this.timeout(60_000);
  let g: GraphEmulator;
  const stores: SqliteStore[] = [];

  function rig(opts: { leaverRule?: LeaverRule; entra?: Record<string, unknown>; emu?: GraphEmulator } = {}) {
    const h = makeDirectory(opts.emu ?? g, opts.entra ?? {});
    const [source] = h.dir.populationSources('cloud');
    assert.ok(source);
    const store = new SqliteStore(freshDir('entra-sync-store'));
    stores.push(store);
    const audit = new MemoryAudit();
    const engine = new SyncEngine({ store, sources: [source], leaverRule: opts.leaverRule ?? 'disable-enrollment', log: silentLogger, audit });
    const service = new PopulationService({ store, engine, audit });
    const row = async (upn: string) => (await service.listUsers({ search: upn })).users.find((u) => u.accountName === upn);
    const status = async (upn: string) => (await row(upn))?.status;
    const target = () => service.setTargetGroups('cloud', [{ groupId: ID.top, name: 'SSPR Pilot' }], 'tester');
    return { ...h, source, store, audit, engine, service, row, status, target };
  }

  beforeEach(async () => { g = await emulator(); });
  afterEach(async () => { await g.close(); });
  after(async () => { for (const s of stores) await s.close(); });

  it('the Entra backend offers one population source, named as configured (Entra-only gateways can sync)', () => {
    const { dir } = makeDirectory(g);
    assert.deepEqual(dir.populationSources('cloud').map((s) => s.directoryId), ['cloud']);
    assert.deepEqual(populationSources(dir).map((s) => s.directoryId), ['default']);
  });

  it('finds groups by words of their name or description ($search, ConsistencyLevel: eventual); search syntax in the query stays text', async () => {
    const r = rig();
    assert.deepEqual((await r.service.searchGroups('cloud', 'pilot')).map((h) => h.name), ['Pilot Finance', 'SSPR Pilot']);
    const hit = await r.service.searchGroups('cloud', 'self-service');
    assert.deepEqual(hit, [{ groupId: ID.top, name: 'SSPR Pilot', description: 'Self-service password reset pilot' }]);
    assert.deepEqual((await r.service.searchGroups('cloud', '')).map((h) => h.name), ['Marketing', 'Pilot Finance', 'SSPR Pilot']);
    assert.deepEqual((await r.service.searchGroups('cloud', 'pilot', 1)).length, 1);
    // Unescaped, this would close the quote and add a clause matching every group called Marketing.
    assert.deepEqual(await r.service.searchGroups('cloud', 'zz" OR "displayName:Marketing'), []);
    const searches = g.state.graphRequests().filter((q) => q.path === '/v1.0/groups' && q.query.$search !== undefined);
    assert.ok(searches.length >= 3);
    for (const q of searches) {
      assert.equal(q.headers.consistencylevel, 'eventual');
      assert.equal(q.status, 200, q.query.$search);
    }
    assert.ok(searches.some((q) => q.query.$search === '"displayName:zz\\" OR \\"displayName:Marketing" OR "description:zz\\" OR \\"displayName:Marketing"'));
  });

  it('full sync: the nested members of the target group are the population, DISCOVERED, keyed like EntraDirectory keys enrollment', async () => {
    const r = rig();
    await r.target();
    const res = await r.service.syncNow('cloud');
    assert.equal(res.mode, 'full');
    assert.equal(res.membershipWalked, true);
    assert.equal(res.server, g.tenantId);
    const { users } = await r.service.listUsers({});
    assert.deepEqual(users.map((u) => u.accountName).sort(), ['ann@contoso.test', 'bob@eu.contoso.test', 'cat@contoso.test'],
      'bob and cat through Pilot Finance ⊂ SSPR Pilot; dan is in another group; the guest member is not a Windows user');
    assert.deepEqual(users.map((u) => u.status), ['DISCOVERED', 'DISCOVERED', 'DISCOVERED']);
    const ann = await r.row('ann@contoso.test');
    assert.equal(ann?.userKey, (await r.dir.findUser('ann@contoso.test'))?.key);
    assert.equal(ann?.userKey, `entra:${ID.ann}`);
    assert.equal(ann?.displayName, 'Ann Archer');
    assert.equal(ann?.mail, 'ann@contoso.test');
    // Recovery's scope check finds the rows by the key of the user EntraDirectory resolves.
    const scope = new RecoveryScope(r.store, 'disable-enrollment');
    assert.equal(await scope.allows((await r.dir.findUser('bob@eu.contoso.test'))!), true, 'nested member');
    assert.equal(await scope.allows((await r.dir.findUser('dan@contoso.test'))!), false, 'not targeted');
    assert.equal((await r.service.connectorStatus('cloud')).state, 'Connected');
    const reqs = g.state.graphRequests();
    assert.ok(reqs.some((q) => q.path === '/v1.0/users' && q.query.$skiptoken !== undefined), 'users read page by page (nextLink)');
    assert.ok(reqs.some((q) => q.path.endsWith('/transitiveMembers') && q.query.$skiptoken !== undefined), 'members read page by page');
    for (const path of ['/v1.0/users/delta', '/v1.0/groups/delta']) {
      assert.ok(reqs.some((q) => q.path === path && q.query.$deltatoken === 'latest'), `${path}: the mark is taken as "sync from now", before reading`);
    }
  });

  it('no target groups: every member user is in scope; accountEnabled false is DISABLED', async () => {
    g.state.updateUser('dan@contoso.test', { accountEnabled: false });
    const r = rig();
    await r.service.syncNow('cloud');
    assert.equal((await r.service.listUsers({})).total, 4, 'the guest is left out');
    assert.equal(await r.status('dan@contoso.test'), 'DISABLED');
    assert.equal(await r.status('ann@contoso.test'), 'DISCOVERED');
  });

  it('an enrolled user becomes ENROLLED at the next (incremental) sync', async () => {
    const r = rig();
    await r.target();
    await r.service.syncNow('cloud');
    const key = (await r.row('ann@contoso.test'))?.userKey as string;
    await r.store.factors.insert({ id: 'f-ann', userKey: key, type: 'totp', hint: 'app', confirmed: true, data: {}, createdAt: new Date().toISOString() });
    const res = await r.service.syncNow('cloud');
    assert.equal(res.mode, 'incremental');
    assert.equal(await r.status('ann@contoso.test'), 'ENROLLED');
  });

  it('incremental sync follows the stored delta links and sees adds, renames, disables, group removals and deletions', async () => {
    const r = rig({ leaverRule: 'delete-enrollment' });
    await r.target();
    assert.equal((await r.service.syncNow('cloud')).mode, 'full');

    // Add: a new user joins the nested group — groups/delta reports the group, so membership is walked again.
    g.state.addUser({ id: ID.eve, userPrincipalName: 'eve@contoso.test', displayName: 'Eve Evans' });
    g.state.addGroupMember(ID.nested, ID.eve);
    let res = await r.service.syncNow('cloud');
    assert.equal(res.mode, 'incremental');
    assert.equal(res.membershipWalked, true);
    assert.equal(await r.status('eve@contoso.test'), 'DISCOVERED');
    // The request really used the deltaLinks the previous sync stored (verbatim), not a fresh round.
    const mark = JSON.parse(res.fromMark as string) as { users: string; groups: string };
    const urls = g.state.graphRequests().map((q) => `${g.graphUrl}${q.url}`);
    assert.ok(urls.includes(mark.users) && mark.users.includes('/v1.0/users/delta?$deltatoken='), mark.users);
    assert.ok(urls.includes(mark.groups) && mark.groups.includes('/v1.0/groups/delta?$deltatoken='), mark.groups);
    assert.ok(res.scanned >= 1 && res.scanned <= 2, `only what changed was read (eve), not all users: ${res.scanned}`);

    // Rename: only the user changes; no walk.
    g.state.updateUser(ID.bob, { displayName: 'Bob Renamed' });
    res = await r.service.syncNow('cloud');
    assert.equal(res.membershipWalked, false);
    assert.equal(res.scanned, 1);
    assert.equal((await r.row('bob@eu.contoso.test'))?.displayName, 'Bob Renamed');

    // Disable.
    g.state.updateUser(ID.bob, { accountEnabled: false });
    res = await r.service.syncNow('cloud');
    assert.equal(await r.status('bob@eu.contoso.test'), 'DISABLED');
    assert.equal(res.leavers, 1);

    // Removed from the nested group → out of scope; the leaver rule deletes the factors.
    const catKey = (await r.row('cat@contoso.test'))?.userKey as string;
    await r.store.factors.insert({ id: 'f-cat', userKey: catKey, type: 'totp', hint: 'app', confirmed: true, data: {}, createdAt: new Date().toISOString() });
    g.state.removeGroupMember(ID.nested, ID.cat);
    res = await r.service.syncNow('cloud');
    assert.equal(res.membershipWalked, true);
    assert.equal(res.leavers, 1);
    assert.equal(await r.status('cat@contoso.test'), 'OUT_OF_SCOPE');
    assert.equal((await r.store.factors.list(catKey)).length, 0, 'delete-enrollment');
    assert.equal(r.audit.events.find((e) => e.action === 'population.leaver' && e.target === 'cat@contoso.test')?.reason, 'out_of_scope');

    // Deleted (soft: restorable, "@removed": {"reason": "changed"}): removed from the population, a leaver.
    const annKey = (await r.row('ann@contoso.test'))?.userKey as string;
    await r.store.factors.insert({ id: 'f-ann', userKey: annKey, type: 'totp', hint: 'app', confirmed: true, data: {}, createdAt: new Date().toISOString() });
    g.state.deleteUser(ID.ann);
    res = await r.service.syncNow('cloud');
    assert.equal(res.removed, 1);
    assert.equal(await r.row('ann@contoso.test'), undefined);
    assert.equal((await r.store.factors.list(annKey)).length, 0);
    assert.equal(r.audit.events.find((e) => e.action === 'population.leaver' && e.target === 'ann@contoso.test')?.reason, 'deleted');

    // Deleted for good ("reason": "deleted").
    g.state.deleteUser(ID.eve, { permanent: true });
    res = await r.service.syncNow('cloud');
    assert.equal(res.removed, 1);
    assert.equal(await r.row('eve@contoso.test'), undefined);

    // A full sync agrees with what the incremental ones built.
    const inc = (await r.service.listUsers({})).users.map((u) => [u.accountName, u.status, u.displayName]);
    const fresh = rig();
    await fresh.target();
    await fresh.service.syncNow('cloud');
    const full = (await fresh.service.listUsers({})).users.map((u) => [u.accountName, u.status, u.displayName]);
    assert.deepEqual(full, inc.filter(([, s]) => s !== 'OUT_OF_SCOPE'), 'a fresh full sync keeps no one who was never in scope');
    assert.deepEqual(inc.filter(([, s]) => s === 'OUT_OF_SCOPE').map(([n]) => n), ['cat@contoso.test']);
  });

  it('no target groups: deletions and new users come from users/delta alone (nothing to walk)', async () => {
    const r = rig();
    await r.service.syncNow('cloud');
    assert.equal(await r.status('dan@contoso.test'), 'DISCOVERED');
    g.state.deleteUser(ID.dan, { permanent: true });
    g.state.deleteUser(ID.cat);
    g.state.addUser({ id: ID.eve, userPrincipalName: 'eve@contoso.test', displayName: 'Eve Evans', accountEnabled: false });
    const res = await r.service.syncNow('cloud');
    assert.equal(res.mode, 'incremental');
    assert.equal(res.membershipWalked, false);
    assert.equal(res.removed, 2);
    assert.equal(await r.row('dan@contoso.test'), undefined);
    assert.equal(await r.row('cat@contoso.test'), undefined);
    assert.equal(await r.status('eve@contoso.test'), 'DISABLED');
  });

  it('an expired delta link (Graph keeps delta state 7 days) gives a full read, then incremental again', async () => {
    const r = rig();
    assert.equal((await r.service.syncNow('cloud')).mode, 'full');
    g.state.addUser({ id: ID.eve, userPrincipalName: 'eve@contoso.test', displayName: 'Eve Evans', accountEnabled: true });
    g.state.expireDeltaLinks();
    const res = await r.service.syncNow('cloud');
    assert.equal(res.mode, 'full', 'the sync read everything instead of failing');
    assert.equal(await r.status('eve@contoso.test'), 'DISCOVERED');
    assert.ok(g.state.graphRequests().some((q) => q.status === 400 && q.path.endsWith('/delta')), 'Graph refused the old link');
    assert.equal((await r.service.syncNow('cloud')).mode, 'incremental', 'the full read left fresh delta links');
  });

  it('the members of a deleted nested group leave the population', async () => {
    const r = rig();
    await r.target();
    await r.service.syncNow('cloud');
    assert.equal(await r.status('bob@eu.contoso.test'), 'DISCOVERED');
    g.state.deleteGroup(ID.nested);
    const res = await r.service.syncNow('cloud');
    assert.equal(res.mode, 'incremental');
    assert.equal(res.membershipWalked, true);
    assert.equal(await r.status('bob@eu.contoso.test'), 'OUT_OF_SCOPE');
    assert.equal(await r.status('cat@contoso.test'), 'OUT_OF_SCOPE');
    assert.equal(await r.status('ann@contoso.test'), 'DISCOVERED');
  });

  it('a changed user whose delta entry carries only the changed properties is read in full', async () => {
    g.state.deltaChangedPropertiesOnly = true;
    const r = rig();
    await r.target();
    await r.service.syncNow('cloud');
    g.state.updateUser(ID.ann, { displayName: 'Ann Partial' });
    const before = g.state.requests.length;
    await r.service.syncNow('cloud');
    const row = await r.row('ann@contoso.test');
    assert.equal(row?.displayName, 'Ann Partial');
    assert.equal(row?.mail, 'ann@contoso.test', 'not blanked by the partial entry');
    assert.equal(row?.status, 'DISCOVERED');
    const sent = g.state.requests.slice(before);
    assert.ok(sent.some((q) => q.path === `/v1.0/users/${ID.ann}`), 'the full user was read');
  });

  it('password expiry: the domain\'s validity period after the last change; never for DisablePasswordExpiration and synced users', async () => {
    const r = rig();
    const rows: PasswordExpiry[] = [];
    await r.source.session((s) => s.passwordExpiries(async (page) => { rows.push(...page); }));
    const by = new Map(rows.map((x) => [x.objectId, x.expiresAt]));
    assert.equal(by.get(ID.ann), Date.parse('2026-11-01T00:00:00Z') + 90 * 86_400_000);
    assert.equal(by.get(ID.dan), Date.parse('2026-01-01T00:00:00Z') + 90 * 86_400_000);
    assert.equal(by.get(ID.bob), null, 'DisablePasswordExpiration (and eu.contoso.test inherits from contoso.test otherwise)');
    assert.equal(by.get(ID.cat), null, 'synced: AD decides');
    assert.equal(by.has(ID.gus), false, 'guests are not in the population');
    g.state.domains[0]!.passwordValidityPeriodInDays = 2147483647;
    const never: PasswordExpiry[] = [];
    await r.source.session((s) => s.passwordExpiries(async (page) => { never.push(...page); }));
    assert.ok(never.every((x) => x.expiresAt === null), 'a domain whose passwords never expire');
  });

  it('password expiry without Domain.Read.All says which permission is missing', async () => {
    g.state.appPermissions = ['User.ReadWrite.All', 'GroupMember.Read.All'];
    const r = rig();
    await assert.rejects(r.source.session((s) => s.passwordExpiries(async () => undefined)),
      (err: { code?: string; reason?: string }) => err.code === 'INSUFFICIENT_RIGHTS' && /Domain\.Read\.All/.test(err.reason ?? ''));
  });

  it('connector status: Unauthorized without the permission to read users or with a wrong secret; Unreachable when Graph does not answer', async () => {
    g.state.appPermissions = ['GroupMember.Read.All'];
    const noRead = rig();
    await noRead.target();
    await assert.rejects(noRead.service.syncNow('cloud'));
    let st = await noRead.service.connectorStatus('cloud');
    assert.equal(st.state, 'Unauthorized');
    assert.equal(st.lastError?.code, 'INSUFFICIENT_RIGHTS');

    g.state.appPermissions = [...PERMS];
    const badSecret = rig({ entra: { clientSecret: 'emu~wrong-secret-value' } });
    await assert.rejects(badSecret.service.syncNow('cloud'));
    st = await badSecret.service.connectorStatus('cloud');
    assert.equal(st.state, 'Unauthorized');
    assert.equal(st.lastError?.code, 'SERVICE_BIND_FAILED');
    assert.ok(!JSON.stringify(st).includes('emu~wrong-secret-value'));

    const gone = await emulator();
    const down = rig({ emu: gone });
    await gone.close();
    await assert.rejects(down.service.syncNow('cloud'));
    assert.equal((await down.service.connectorStatus('cloud')).state, 'Unreachable');

    const ok = rig();
    await ok.service.syncNow('cloud');
    assert.equal((await ok.service.connectorStatus('cloud')).state, 'Connected');
  });
});

describe('Graph emulator: delta queries follow Graph\'s documented behaviour', function () {
  this.timeout(30_000);
  let g: GraphEmulator;
  beforeEach(async () => { g = await emulator(); });
  afterEach(async () => { await g.close(); });

  type DeltaPage = { value: Array<Record<string, unknown>>; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };
  async function round(dir: ReturnType<typeof makeDirectory>['dir'], first: string | { path: string; query: Record<string, string> }) {
    const items: Array<Record<string, unknown>> = [];
    let req = typeof first === 'string' ? { path: first } : first;
    let pages = 0;
    for (;;) {
      const r = await dir.graph.request<DeltaPage>(req);
      pages++;
      items.push(...r.body.value);
      assert.ok(!(r.body['@odata.nextLink'] && r.body['@odata.deltaLink']), 'never both links on one page');
      if (r.body['@odata.deltaLink']) return { items, pages, deltaLink: r.body['@odata.deltaLink'] };
      assert.ok(r.body['@odata.nextLink']);
      req = { path: r.body['@odata.nextLink'] };
    }
  }

  it('users/delta: every user in pages, then only changes; deletions as @removed; $select kept by the links; altered tokens refused', async () => {
    const { dir } = makeDirectory(g);
    const first = await round(dir, { path: '/users/delta', query: { $select: 'id,displayName' } });
    assert.equal(first.items.length, 5);
    assert.equal(first.pages, 3, 'five users at two a page');
    assert.deepEqual(Object.keys(first.items[0] ?? {}).sort(), ['displayName', 'id']);
    assert.equal((await round(dir, first.deltaLink)).items.length, 0, 'nothing changed');
    g.state.updateUser(ID.bob, { displayName: 'Bob Two' });
    g.state.deleteUser(ID.cat);
    g.state.deleteUser(ID.dan, { permanent: true });
    g.state.addGroupMember(ID.other, ID.ann); // membership: not a user change
    const second = await round(dir, first.deltaLink);
    assert.deepEqual(second.items, [
      { id: ID.bob, displayName: 'Bob Two' },
      { id: ID.cat, '@removed': { reason: 'changed' } },
      { id: ID.dan, '@removed': { reason: 'deleted' } },
    ]);
    assert.equal((await round(dir, second.deltaLink)).items.length, 0);
    const altered = first.deltaLink.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    await assert.rejects(dir.graph.request({ path: altered }), (err: { code?: string }) => err.code === 'DIRECTORY_ERROR');
  });

  it('groups/delta with members: members@delta lists the membership changes since the token; $deltatoken=latest starts from now', async () => {
    const { dir } = makeDirectory(g);
    const latest = await round(dir, { path: '/groups/delta', query: { $select: 'id,displayName,members', $deltatoken: 'latest' } });
    assert.equal(latest.items.length, 0);
    g.state.removeGroupMember(ID.nested, ID.cat);
    g.state.addGroupMember(ID.nested, ID.dan);
    const next = await round(dir, latest.deltaLink);
    assert.deepEqual(next.items, [{
      id: ID.nested, displayName: 'Pilot Finance',
      'members@delta': [{ '@odata.type': '#microsoft.graph.user', id: ID.cat, '@removed': { reason: 'deleted' } }, { '@odata.type': '#microsoft.graph.user', id: ID.dan }],
    }]);
  });
});
