// HybridDirectory: synced users are reset in AD (here a recording fake AD Directory — AD itself is
// tested against Samba elsewhere) and watched in Entra (the Graph emulator); cloud-only users are
// reset in Entra.
import assert from 'node:assert/strict';
import type { AccountStatus, Directory, DirectoryUser, OperationContext, PrivilegeInfo } from '../../daemon/src/directory/directory.js';
import { HybridDirectory } from '../../daemon/src/directory/hybrid/hybrid-directory.js';
import { KeyhatchError, isKeyhatchError } from '../../daemon/src/errors/catalogue.js';
import type { PasswordPolicy } from '../../daemon/src/password/policy.js';
import { ROLE, startGraphEmulator, type GraphEmulator } from '../support/graph-emulator/index.js';
import { ctx, emulatorConfig, makeDirectory } from './helpers.js';

class FakeAd implements Directory {
  readonly label = 'Active Directory (fake)';
  readonly calls: Array<{ op: string; id?: string }> = [];
  readonly passwords = new Map<string, string>();
  constructor(private readonly users: DirectoryUser[]) {}
  async findUser(name: string) {
    this.calls.push({ op: 'findUser' });
    const n = name.toLowerCase().replace(/^corp\\/, '');
    return this.users.find((u) => u.accountName?.toLowerCase() === n || u.userPrincipalName?.toLowerCase() === n) ?? null;
  }
  async accountStatus(u: DirectoryUser): Promise<AccountStatus> {
    this.calls.push({ op: 'accountStatus', id: u.id });
    return { locked: true, disabled: false, passwordExpired: false, mustChange: false, accountExpired: false, pwdLastSet: null, lockoutTime: '1', badPwdCount: 5 };
  }
  async privilege(u: DirectoryUser): Promise<PrivilegeInfo> { this.calls.push({ op: 'privilege', id: u.id }); return { privileged: false, via: [], adminCountHint: false }; }
  async groups(u: DirectoryUser) { this.calls.push({ op: 'groups', id: u.id }); return ['CN=Staff,DC=corp,DC=contoso,DC=test']; }
  async effectivePolicy(): Promise<PasswordPolicy> {
    return { source: 'domain', minLength: 7, maxLength: 256, complexity: true, historyLength: 24, minAgeDays: 1, maxAgeDays: 42, lockoutThreshold: 5, lockoutDurationMinutes: 30, lockoutWindowMinutes: 30, bannedWords: [] };
  }
  async unlock(u: DirectoryUser) { this.calls.push({ op: 'unlock', id: u.id }); }
  async resetPassword(u: DirectoryUser, pw: string, _c: OperationContext) { this.calls.push({ op: 'resetPassword', id: u.id }); this.passwords.set(u.id, pw); }
  async abandonReset() { return false; }
  async changePassword() { this.calls.push({ op: 'changePassword' }); }
  async verifyPassword() { this.calls.push({ op: 'verifyPassword' }); }
  async close() {}
  absentUser(): DirectoryUser { return { id: 'CN=absent,DC=corp,DC=contoso,DC=test' }; }
  describe(u: DirectoryUser) { return { dn: u.id, sAMAccountName: u.accountName ?? null }; }
}

const BOB_DN = 'CN=Bob Baker,OU=Staff,DC=corp,DC=contoso,DC=test';
const BOB_ID = '22222222-2222-4222-8222-222222222222';
const ANN_ID = '11111111-1111-4111-8111-111111111111';
const PW = 'Sync-Me-Please-42';

describe('HybridDirectory (fake AD + Graph emulator)', () => {
  let g: GraphEmulator;
  let now: Date;
  const clock = () => now;
  beforeEach(async () => {
    now = new Date('2026-11-22T08:00:00Z');
    g = await startGraphEmulator({
      clock,
      users: [
        { id: ANN_ID, userPrincipalName: 'ann@contoso.test', displayName: 'Ann Archer' },
        { id: BOB_ID, userPrincipalName: 'bob@contoso.test', displayName: 'Bob Baker', onPremisesSyncEnabled: true, onPremisesSamAccountName: 'bob',
          onPremisesDomainName: 'corp.contoso.test', lastPasswordChangeDateTime: '2026-10-01T09:00:00Z' },
      ],
    });
  });
  afterEach(async () => { await g.close(); });

  function hybrid() {
    const ad = new FakeAd([{ id: BOB_DN, accountName: 'bob', userPrincipalName: 'bob@contoso.test', displayName: 'Bob Baker' }]);
    const { dir: entra, log, audit } = makeDirectory(g, { syncWatchSeconds: 1800 }, { clock });
    const h = new HybridDirectory({ ad, entra, config: emulatorConfig(g, { syncWatchSeconds: 1800 }), log, audit, clock, autoPoll: false });
    return { h, ad, audit, log };
  }

  it('a synced user granted an Entra role after the lookup is refused before the AD reset or unlock (re-checked, audited)', async () => {
    const { h, ad, audit } = hybrid();
    const bob = (await h.findUser('bob'))!;
    assert.equal((await h.privilege(bob)).privileged, false);
    g.state.users.get(BOB_ID)!.roles = [ROLE.globalAdministrator];
    await assert.rejects(h.resetPassword(bob, PW, ctx), (e: unknown) => isKeyhatchError(e, 'PRIVILEGED_ACCOUNT'));
    await assert.rejects(h.unlock(bob, ctx), (e: unknown) => isKeyhatchError(e, 'PRIVILEGED_ACCOUNT'));
    assert.deepEqual(ad.calls.filter((c) => c.op === 'resetPassword' || c.op === 'unlock'), [], 'AD was never asked to write');
    assert.deepEqual(audit.events.filter((e) => e.reason === 'PRIVILEGED_ACCOUNT').map((e) => e.action), ['directory.reset', 'directory.unlock']);
  });

  it('a synced user is found in AD (with its Entra copy) and reset in AD, never through Graph', async () => {
    const { h, ad } = hybrid();
    const bob = await h.findUser('bob');
    assert.equal(bob?.home, 'ad');
    assert.equal(bob?.id, BOB_DN);
    assert.equal(bob?.entraUser?.id, BOB_ID);
    await h.resetPassword(bob!, PW, ctx);
    assert.equal(ad.passwords.get(BOB_DN), PW);
    assert.ok(!g.state.graphRequests().some((r) => r.method === 'PATCH'), 'no Graph reset for a synced user');
    assert.equal((await h.accountStatus(bob!)).locked, true, 'status comes from AD');
    assert.equal((await h.effectivePolicy(bob!)).source, 'domain');
  });

  it('audits a sync mismatch when Entra lastPasswordChangeDateTime does not move within syncWatchSeconds', async () => {
    const { h, audit, log } = hybrid();
    const bob = (await h.findUser('CORP\\bob'))!;
    await h.resetPassword(bob, PW, ctx);
    assert.equal(audit.events.filter((e) => e.action === 'entra.sync-pending').length, 1);

    now = new Date(now.getTime() + 10 * 60_000);
    let st = await h.checkSync();
    assert.equal(st.watching.length, 1);
    assert.equal(st.mismatches, 0);
    assert.ok(!audit.events.some((e) => e.action === 'entra.sync-mismatch'), 'not yet overdue');

    now = new Date(now.getTime() + 21 * 60_000); // 31 min after the reset, past 30 min
    st = await h.checkSync();
    assert.equal(st.mismatches, 1);
    assert.equal(h.syncStatus().watching[0]?.state, 'mismatch');
    const ev = audit.events.filter((e) => e.action === 'entra.sync-mismatch');
    assert.equal(ev.length, 1);
    assert.equal(ev[0]?.target, 'bob@contoso.test');
    assert.equal(ev[0]?.result, 'failure');
    assert.equal(ev[0]?.details?.entraLastChange, '2026-10-01T09:00:00Z');
    assert.ok(g.state.graphRequests().filter((r) => r.path === `/v1.0/users/${BOB_ID}`).length >= 3, 'Entra was really polled');

    await h.checkSync();
    assert.equal(audit.events.filter((e) => e.action === 'entra.sync-mismatch').length, 1, 'flagged once');

    // The hash sync finally arrives: confirmed (late), watch closed.
    g.state.markPasswordSynced('bob@contoso.test');
    st = await h.checkSync();
    assert.equal(st.watching.length, 0);
    const ok = audit.events.find((e) => e.action === 'entra.sync-confirmed');
    assert.equal(ok?.details?.late, true);
    assert.ok(!log.text().includes(PW) && !JSON.stringify(audit.events).includes(PW));
  });

  it('no mismatch when the change arrives in time', async () => {
    const { h, audit } = hybrid();
    const bob = (await h.findUser('bob@contoso.test'))!;
    await h.resetPassword(bob, PW, ctx);
    now = new Date(now.getTime() + 2 * 60_000);
    g.state.markPasswordSynced(BOB_ID);
    now = new Date(now.getTime() + 60 * 60_000);
    const st = await h.checkSync();
    assert.equal(st.watching.length, 0);
    assert.equal(st.confirmed, 1);
    assert.ok(!audit.events.some((e) => e.action === 'entra.sync-mismatch'));
    assert.equal(audit.events.find((e) => e.action === 'entra.sync-confirmed')?.details?.late, false);
  });

  it('a cloud-only user is reset in Entra; AD is not touched', async () => {
    const { h, ad } = hybrid();
    const ann = await h.findUser('ann@contoso.test');
    assert.equal(ann?.home, 'entra');
    await h.resetPassword(ann!, PW, ctx);
    assert.equal(g.state.findUser(ANN_ID)?.password, PW);
    assert.ok(!ad.calls.some((c) => c.op === 'resetPassword'));
    assert.equal(h.syncStatus().watching.length, 0);
    assert.equal((await h.effectivePolicy(ann!)).source, 'entra');
    assert.match(h.unlockNote(ann!) ?? '', /smart lockout releases the account by itself/);
    assert.equal(h.unlockNote((await h.findUser('bob'))!), null, 'AD users get a real unlock');
  });

  it('routes a plain DirectoryUser by the shape of its id', async () => {
    const { h, ad } = hybrid();
    await h.unlock({ id: BOB_DN }, ctx);
    assert.ok(ad.calls.some((c) => c.op === 'unlock' && c.id === BOB_DN));
    await assert.rejects(h.verifyPassword({ id: ANN_ID }, 'x'), /not available/);
  });

  it('with AD unreachable, cloud-only users are still served and synced users are not', async () => {
    const { h, ad } = hybrid();
    ad.findUser = async () => { throw new KeyhatchError('DIRECTORY_UNAVAILABLE', { reason: 'test: DCs down' }); };
    assert.equal((await h.findUser('ann@contoso.test'))?.home, 'entra');
    await assert.rejects(h.findUser('bob@contoso.test'), (e: unknown) => isKeyhatchError(e, 'DIRECTORY_UNAVAILABLE'));
  });

  it('unknown everywhere → null', async () => {
    const { h } = hybrid();
    assert.equal(await h.findUser('nobody'), null);
  });
});
