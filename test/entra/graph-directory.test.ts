// EntraDirectory against the Graph emulator: lookups (escaped OData filters), paging by nextLink,
// transitive groups with advanced queries, reset and its errors, throttling, risk dismissal.
import assert from 'node:assert/strict';
import { isKeyhatchError } from '../../daemon/src/errors/catalogue.js';
import { ROLE, startGraphEmulator, type GraphEmulator } from '../support/graph-emulator/index.js';
import { ctx, makeDirectory } from './helpers.js';

const USERS = [
  { id: '11111111-1111-4111-8111-111111111111', userPrincipalName: 'ann@contoso.test', displayName: 'Ann Archer', mail: 'ann.archer@contoso.test', mobilePhone: '+44 20 7946 0001', otherMails: ['ann@home.example'] },
  { id: '22222222-2222-4222-8222-222222222222', userPrincipalName: 'bob@contoso.test', displayName: 'Bob Baker', onPremisesSyncEnabled: true, onPremisesSamAccountName: 'bob', onPremisesDomainName: 'corp.contoso.test' },
  { id: '33333333-3333-4333-8333-333333333333', userPrincipalName: "o'neil@contoso.test", displayName: "Owen O'Neil", mail: "owen.o'neil@contoso.test" },
  { id: '44444444-4444-4444-8444-444444444444', userPrincipalName: 'root@contoso.test', displayName: 'Root Admin', roles: [ROLE.globalAdministrator] },
  { id: '55555555-5555-4555-8555-555555555555', userPrincipalName: 'risky@contoso.test', displayName: 'Rita Risky', riskLevel: 'high' as const, riskState: 'atRisk' as const },
];

describe('EntraDirectory against the Graph emulator', () => {
  let g: GraphEmulator;
  beforeEach(async () => {
    g = await startGraphEmulator({
      users: USERS,
      groups: [
        { id: 'g-sspr', displayName: 'SSPR users', members: ['g-sales', 'ann@contoso.test'] },
        { id: 'g-sales', displayName: 'Sales', members: ['g-emea'] },
        { id: 'g-emea', displayName: 'Sales EMEA', members: ['bob@contoso.test', "o'neil@contoso.test"] },
        { id: 'g-other', displayName: 'Other', members: ['risky@contoso.test'] },
      ],
    });
  });
  afterEach(async () => { await g.close(); });

  describe('findUser', () => {
    it('finds by UPN, by mail and by on-premises sAMAccountName', async () => {
      const { dir } = makeDirectory(g);
      assert.equal((await dir.findUser('ann@contoso.test'))?.id, USERS[0]?.id);
      assert.equal((await dir.findUser('ann.archer@contoso.test'))?.id, USERS[0]?.id, 'by mail');
      const bob = await dir.findUser('bob');
      assert.equal(bob?.id, USERS[1]?.id);
      assert.equal(bob?.onPremisesSyncEnabled, true);
      assert.equal((await dir.findUser('CORP\\bob'))?.id, USERS[1]?.id, 'DOMAIN\\name with the NetBIOS-style first label');
      assert.equal(await dir.findUser('OTHER\\bob'), null, 'another domain');
      assert.equal(await dir.findUser('nobody@contoso.test'), null);
    });

    it('sends the sAMAccountName lookup as an advanced query (the emulator refuses it otherwise)', async () => {
      const { dir } = makeDirectory(g);
      await dir.findUser('bob');
      const req = g.state.graphRequests().find((r) => r.query.$filter?.startsWith('onPremisesSamAccountName'));
      assert.ok(req);
      assert.equal(req.headers.consistencylevel, 'eventual');
      assert.equal(req.query.$count, 'true');
      assert.equal(req.status, 200);
    });

    it("doubles single quotes in filter values: o'neil is found, not a syntax error", async () => {
      const { dir } = makeDirectory(g);
      assert.equal((await dir.findUser("o'neil@contoso.test"))?.id, USERS[2]?.id);
      assert.equal((await dir.findUser("owen.o'neil@contoso.test"))?.id, USERS[2]?.id);
      const sent = g.state.graphRequests().map((r) => r.query.$filter);
      assert.ok(sent.includes("userPrincipalName eq 'o''neil@contoso.test'"), JSON.stringify(sent));
    });

    it('an injection attempt cannot widen the filter', async () => {
      const { dir } = makeDirectory(g);
      // Without escaping this would read: onPremisesSamAccountName eq 'x' or accountEnabled eq true or onPremisesSamAccountName eq 'y'
      assert.equal(await dir.findUser("x' or accountEnabled eq true or onPremisesSamAccountName eq 'y"), null);
      assert.equal(await dir.findUser("a' or accountEnabled eq true or mail eq 'b@contoso.test"), null);
      for (const r of g.state.graphRequests()) assert.equal(r.status, 200, `${r.query.$filter} was parsed as one literal`);
      const sent = g.state.graphRequests().map((r) => r.query.$filter);
      assert.ok(sent.includes("onPremisesSamAccountName eq 'x'' or accountEnabled eq true or onPremisesSamAccountName eq ''y'"), JSON.stringify(sent));
      assert.ok(sent.includes("userPrincipalName eq 'a'' or accountEnabled eq true or mail eq ''b@contoso.test'"), JSON.stringify(sent));
      // The same text unescaped really would widen the filter on the emulator: the test can fail.
      const raw = await dir.graph.request<{ value: unknown[] }>({ path: '/users', query: { $filter: "userPrincipalName eq 'a' or accountEnabled eq true or mail eq 'b@contoso.test'" } });
      assert.equal(raw.body.value.length, USERS.length);
    });

    it('sampleUser returns an enabled user (decoy target for anti-enumeration)', async () => {
      for (const u of g.state.users.values()) if (u.id !== USERS[2]?.id) u.accountEnabled = false;
      const { dir } = makeDirectory(g);
      assert.equal((await dir.sampleUser())?.id, USERS[2]?.id);
      for (const u of g.state.users.values()) u.accountEnabled = false;
      assert.equal(await dir.sampleUser(), null);
    });

    it('reports ambiguity when two accounts match', async () => {
      g.state.users.set('dup', { ...g.state.users.get(USERS[0]?.id as string)!, id: 'dup', userPrincipalName: 'ann2@contoso.test' });
      const { dir } = makeDirectory(g);
      await assert.rejects(dir.findUser('ann.archer@contoso.test'), (e: unknown) => isKeyhatchError(e, 'AMBIGUOUS_USER'));
    });

    it('reads account state and pre-enrollment addresses', async () => {
      const { dir } = makeDirectory(g, { preEnrollment: true });
      const ann = await dir.findUser('ann@contoso.test');
      assert.ok(ann);
      const st = await dir.accountStatus(ann);
      assert.equal(st.disabled, false);
      assert.equal(st.pwdLastSet, '2026-01-01T00:00:00Z');
      g.state.findUser('ann@contoso.test')!.accountEnabled = false;
      assert.equal((await dir.accountStatus(ann)).disabled, true);
      assert.deepEqual(await dir.preEnrollment(ann), { emails: ['ann.archer@contoso.test', 'ann@home.example'], phones: ['+442079460001'] });
      const off = makeDirectory(g).dir;
      assert.deepEqual(await off.preEnrollment(ann), { emails: [], phones: [] });
    });
  });

  describe('groups and paging', () => {
    it('follows @odata.nextLink verbatim across server-driven pages', async () => {
      g.state.maxPageSize = 1;
      const { dir } = makeDirectory(g);
      const bob = await dir.findUser('bob@contoso.test');
      assert.ok(bob);
      const before = g.state.graphRequests().length;
      const groups = await dir.groups(bob);
      assert.deepEqual(groups.sort(), ['g-emea', 'g-sales', 'g-sspr']);
      const reqs = g.state.graphRequests().slice(before);
      assert.equal(reqs.length, 3, 'three pages of one');
      // The emulator only accepts nextLinks it issued, byte for byte (it answers 400 otherwise).
      assert.ok(reqs.every((r) => r.status === 200));
      assert.ok(reqs.slice(1).every((r) => r.url.includes('$skiptoken=RFNwdAIAAQAAAB8%3A~')));
      for (const r of reqs) {
        assert.equal(r.headers.consistencylevel, 'eventual', 'ConsistencyLevel on every page');
        assert.equal(r.query.$count, 'true');
      }
    });

    it('transitive members of a targeted group (nested), with ConsistencyLevel asserted', async () => {
      g.state.maxPageSize = 2;
      const { dir } = makeDirectory(g);
      const members = await dir.transitiveMembers('g-sspr');
      assert.deepEqual(members.sort(), [USERS[0]?.id, USERS[1]?.id, USERS[2]?.id].sort());
      const reqs = g.state.graphRequests().filter((r) => r.path.endsWith('/transitiveMembers'));
      assert.ok(reqs.length >= 2);
      assert.ok(reqs.every((r) => r.headers.consistencylevel === 'eventual' && r.status === 200));
      assert.equal(await dir.isMember({ id: USERS[4]?.id as string }, 'g-sspr'), false);
      assert.equal(await dir.isMember({ id: USERS[1]?.id as string }, 'g-sspr'), true);
    });

    it('the emulator rejects an altered nextLink (so verbatim following is really checked)', async () => {
      g.state.maxPageSize = 1;
      const { dir } = makeDirectory(g);
      const first = await dir.graph.request<{ '@odata.nextLink': string }>({ path: '/groups/g-sspr/transitiveMembers', query: { $select: 'id' }, advanced: true });
      const link = first.body['@odata.nextLink'];
      const altered = link.replace('%3A', ':');
      await assert.rejects(dir.graph.request({ path: altered, advanced: true }), (e: unknown) => isKeyhatchError(e, 'DIRECTORY_ERROR'));
      await dir.graph.request({ path: link, advanced: true });
    });

    it('privilege: entra.allowPrivileged (not AD\'s) decides, and says so', async () => {
      const allowed = await makeDirectory(g, { allowPrivileged: true }).dir.privilege({ id: USERS[3]?.id as string });
      assert.deepEqual([allowed.privileged, allowed.allowedBy, allowed.via.length], [false, 'entra.allowPrivileged', 1]);
      assert.equal((await makeDirectory(g).dir.privilege({ id: USERS[3]?.id as string })).privileged, true);
    });

    it('re-reads roles immediately before a reset or unlock: a role granted after the lookup refuses it, audited, password unchanged', async () => {
      const { dir, audit } = makeDirectory(g);
      const ann = (await dir.findUser('ann@contoso.test'))!;
      assert.equal((await dir.privilege(ann)).privileged, false);
      const emu = g.state.users.get(ann.id)!;
      const before = emu.lastPasswordChangeDateTime;
      emu.roles = [ROLE.globalAdministrator];
      await assert.rejects(dir.resetPassword(ann, 'Promoted-Pw-12345!', ctx), (e: unknown) => isKeyhatchError(e, 'PRIVILEGED_ACCOUNT'));
      await assert.rejects(dir.unlock(ann, ctx), (e: unknown) => isKeyhatchError(e, 'PRIVILEGED_ACCOUNT'));
      assert.equal(g.state.users.get(ann.id)?.lastPasswordChangeDateTime, before, 'no PATCH landed');
      assert.ok(!g.state.graphRequests().some((r) => r.method === 'PATCH'));
      assert.deepEqual(audit.events.filter((e) => e.reason === 'PRIVILEGED_ACCOUNT').map((e) => [e.action, e.result]), [['directory.reset', 'refused'], ['directory.unlock', 'refused']]);
    });

    it('privilege: directory-role holders and configured groups are privileged', async () => {
      const { dir } = makeDirectory(g, { privilegedGroups: ['g-other'] });
      const root = await dir.privilege({ id: USERS[3]?.id as string });
      // Without Directory.Read.All the role comes back with limited information — still privileged.
      assert.equal(root.privileged, true);
      assert.match(root.via[0] ?? '', /^directory role /);
      g.state.appPermissions.push('Directory.Read.All');
      const named = await makeDirectory(g, { privilegedGroups: ['g-other'] }).dir.privilege({ id: USERS[3]?.id as string });
      assert.deepEqual(named, { privileged: true, via: ['Global Administrator'], adminCountHint: false });
      g.state.appPermissions.pop();
      assert.deepEqual((await dir.privilege({ id: USERS[4]?.id as string })).via, ['Other']);
      assert.equal((await dir.privilege({ id: USERS[0]?.id as string })).privileged, false);
    });
  });

  describe('resetPassword', () => {
    const NEW = 'Correct-Horse-7-Battery';

    it('PATCHes passwordProfile with forceChangePasswordNextSignIn false; never logs the password', async () => {
      const { dir, log, audit } = makeDirectory(g);
      const ann = await dir.findUser('ann@contoso.test');
      assert.ok(ann);
      await dir.resetPassword(ann, NEW, ctx);
      const u = g.state.findUser('ann@contoso.test')!;
      assert.equal(u.password, NEW);
      assert.notEqual(u.lastPasswordChangeDateTime, '2026-01-01T00:00:00Z');
      const patch = g.state.graphRequests().find((r) => r.method === 'PATCH');
      assert.deepEqual(patch?.body, { passwordProfile: { password: '[masked]', forceChangePasswordNextSignIn: false } });
      assert.ok(!log.text().includes(NEW) && !JSON.stringify(audit.events).includes(NEW));
    });

    it("maps Entra's complexity refusal to PASSWORD_POLICY violations", async () => {
      const { dir } = makeDirectory(g);
      const ann = (await dir.findUser('ann@contoso.test'))!;
      // Passes Keyhatch's own pre-check (3 categories incl. a non-ASCII letter) but Entra allows ASCII only.
      const pw = 'Ünïcödé-pässwörd';
      await assert.rejects(dir.resetPassword(ann, pw, ctx), (e: unknown) =>
        isKeyhatchError(e, 'PASSWORD_POLICY') && e.violations?.[0]?.code === 'complexity' && e.violations?.[1]?.code === 'invalid_character' && /comply with password complexity/.test(e.reason ?? ''));
      assert.equal(g.state.graphRequests().filter((r) => r.method === 'PATCH').length, 1, 'Entra was asked and refused');
    });

    it('refuses obviously weak passwords before asking Entra', async () => {
      const { dir } = makeDirectory(g);
      const ann = (await dir.findUser('ann@contoso.test'))!;
      await assert.rejects(dir.resetPassword(ann, 'short', ctx), (e: unknown) =>
        isKeyhatchError(e, 'PASSWORD_POLICY') && e.violations!.some((v) => v.code === 'too_short') && e.violations!.some((v) => v.code === 'complexity'));
      assert.equal(g.state.graphRequests().filter((r) => r.method === 'PATCH').length, 0);
    });

    it('names the missing directory role when the app has User.ReadWrite.All but no role', async () => {
      g.state.appDirectoryRoles = [];
      const { dir, log } = makeDirectory(g);
      const ann = (await dir.findUser('ann@contoso.test'))!;
      await assert.rejects(dir.resetPassword(ann, NEW, ctx), (e: unknown) =>
        isKeyhatchError(e, 'ENTRA_ROLE_MISSING') && /User Administrator/.test(e.message) && /Authorization_RequestDenied/.test(e.reason ?? '') && /User Administrator/.test(e.reason ?? ''));
      assert.ok(log.lines.some((l) => l.level === 'error' && /directory role missing/.test(l.message)));
    });

    it('an administrator target needs Privileged Authentication Administrator: clear role error', async () => {
      const { dir } = makeDirectory(g, { allowPrivileged: true }); // refused before Graph otherwise
      await assert.rejects(dir.resetPassword({ id: USERS[3]?.id as string }, NEW, ctx), (e: unknown) => isKeyhatchError(e, 'ENTRA_ROLE_MISSING') && /Privileged Authentication Administrator/.test(e.reason ?? ''));
    });

    it('without User.ReadWrite.All the error names the permission, not the role', async () => {
      g.state.appPermissions = ['User.Read.All', 'GroupMember.Read.All'];
      const { dir } = makeDirectory(g);
      await assert.rejects(dir.resetPassword({ id: USERS[0]?.id as string }, NEW, ctx), (e: unknown) => isKeyhatchError(e, 'INSUFFICIENT_RIGHTS') && /User\.ReadWrite\.All/.test(e.reason ?? ''));
    });

    it('a synced user cannot be reset in Entra (Graph refuses on-premises mastered objects)', async () => {
      const { dir } = makeDirectory(g);
      await assert.rejects(dir.resetPassword({ id: USERS[1]?.id as string }, NEW, ctx), (e: unknown) => isKeyhatchError(e, 'DIRECTORY_ERROR') && /must be reset in AD/.test(e.reason ?? ''));
    });

    it('changePassword and verifyPassword are honestly unsupported for cloud accounts', async () => {
      const { dir } = makeDirectory(g);
      await assert.rejects(dir.changePassword({ id: 'x' }, 'a', 'b', ctx), (e: unknown) => isKeyhatchError(e, 'OPERATION_UNSUPPORTED'));
      await assert.rejects(dir.verifyPassword({ id: 'x' }, 'a'), (e: unknown) => isKeyhatchError(e, 'OPERATION_UNSUPPORTED'));
      assert.equal(await dir.abandonReset('op', ctx), false);
    });
  });

  describe('throttling', () => {
    it('honours Retry-After on 429 (the injected sleep is asked for exactly that wait)', async () => {
      g.state.faults.push({ status: 429, retryAfter: '7', times: 2, pathIncludes: '/users' });
      const { dir, sleep } = makeDirectory(g);
      assert.equal((await dir.findUser('ann@contoso.test'))?.id, USERS[0]?.id);
      assert.deepEqual(sleep.waits, [7000, 7000]);
      const statuses = g.state.graphRequests().map((r) => r.status);
      assert.deepEqual(statuses, [429, 429, 200]);
    });

    it('503 without Retry-After: exponential backoff with jitter, then success', async () => {
      g.state.faults.push({ status: 503, times: 3 });
      const { dir, sleep } = makeDirectory(g);
      await dir.findUser('ann@contoso.test');
      // random() = 0.5 → half of 500, 1000, 2000 ms
      assert.deepEqual(sleep.waits, [250, 500, 1000]);
    });

    it('bounded: gives up after maxRetries with DIRECTORY_THROTTLED / DIRECTORY_UNAVAILABLE', async () => {
      g.state.faults.push({ status: 429, retryAfter: '1', times: 100 });
      const h = makeDirectory(g, { maxRetries: 3 });
      await assert.rejects(h.dir.findUser('ann@contoso.test'), (e: unknown) => isKeyhatchError(e, 'DIRECTORY_THROTTLED'));
      assert.equal(h.sleep.waits.length, 3);
      assert.equal(g.state.graphRequests().length, 4);
      g.state.faults.length = 0;
      g.state.faults.push({ status: 503, times: 100 });
      const h2 = makeDirectory(g, { maxRetries: 2 });
      await assert.rejects(h2.dir.findUser('ann@contoso.test'), (e: unknown) => isKeyhatchError(e, 'DIRECTORY_UNAVAILABLE'));
      assert.equal(h2.sleep.waits.length, 2);
    });

    it('a Retry-After beyond the configured limit is not waited for', async () => {
      g.state.faults.push({ status: 429, retryAfter: '3600' });
      const { dir, sleep } = makeDirectory(g, { maxRetryAfterSeconds: 60 });
      await assert.rejects(dir.findUser('ann@contoso.test'), (e: unknown) => isKeyhatchError(e, 'DIRECTORY_THROTTLED') && /exceeds/.test(e.reason ?? ''));
      assert.deepEqual(sleep.waits, []);
    });
  });

  describe('unlock (risk dismissal)', () => {
    it('dismisses an at-risk user and audits what unlock meant', async () => {
      const { dir, audit } = makeDirectory(g);
      await dir.unlock({ id: USERS[4]?.id as string, userPrincipalName: 'risky@contoso.test' }, ctx);
      assert.equal(g.state.findUser('risky@contoso.test')?.riskState, 'dismissed');
      const dismiss = g.state.graphRequests().find((r) => r.path.endsWith('/riskyUsers/dismiss'));
      assert.deepEqual(dismiss?.body, { userIds: [USERS[4]?.id] });
      const ev = audit.events.find((e) => e.action === 'entra.unlock');
      assert.equal(ev?.result, 'success');
      assert.equal(ev?.details?.riskDismissed, true);
      assert.match(String(ev?.details?.smartLockout), /released by Entra itself/);
    });

    it('a user without risk: nothing dismissed, audited as info', async () => {
      const { dir, audit } = makeDirectory(g);
      await dir.unlock({ id: USERS[0]?.id as string }, ctx);
      assert.ok(!g.state.graphRequests().some((r) => r.path.endsWith('/dismiss')));
      assert.equal(audit.events[0]?.result, 'info');
    });

    it('where the tenant does not allow it (no P2 licence), unlock still succeeds and says so', async () => {
      g.state.p2Licensed = false;
      const { dir, audit } = makeDirectory(g);
      await dir.unlock({ id: USERS[4]?.id as string }, ctx);
      assert.equal(g.state.findUser('risky@contoso.test')?.riskState, 'atRisk');
      assert.equal((audit.events[0]?.details?.risk as { readable: boolean }).readable, false);
      assert.deepEqual(await dir.riskState({ id: USERS[4]?.id as string }), { readable: false, note: 'risk not readable (IdentityRiskyUser permission or Entra ID P2 licence missing)' });
    });

    it('dismissRisk: false makes no risk call at all', async () => {
      const { dir } = makeDirectory(g, { dismissRisk: false });
      await dir.unlock({ id: USERS[4]?.id as string }, ctx);
      // Only the privilege re-check (memberOf) goes out; nothing about risk.
      assert.deepEqual(g.state.graphRequests().filter((r) => !/\/transitiveMemberOf$/.test(r.path)).map((r) => r.path), []);
    });
  });
});
