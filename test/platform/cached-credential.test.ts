// The offline-laptop decision: when the relay may update the local cached logon verifier.
// (The request bytes are checked under Wine in test/native/cached-password.test.ts; the LSA call
// itself needs a real Windows, see docs/native.md.)
import assert from 'node:assert/strict';
import { CachedCredentialUpdater, decideCachedCredentialUpdate, type CachedCredentialFacts } from '../../daemon/src/platform/cached-credential.js';

const base: CachedCredentialFacts = { enabled: true, role: 'relay', resetAt: 'gateway', domainAccount: true, dcReachable: false };

describe('cached credential update decision', () => {
  it('updates only on a relay, reset at the gateway, domain account, DC known to be unreachable, policy on', () => {
    assert.deepEqual(decideCachedCredentialUpdate(base), { update: true });
    const cases: Array<[Partial<CachedCredentialFacts>, string]> = [
      [{ enabled: false }, 'POLICY_OFF'],
      [{ role: 'standalone' }, 'NOT_A_RELAY'],
      [{ role: 'gateway' }, 'NOT_A_RELAY'],
      [{ resetAt: 'directory' }, 'NOT_RESET_AT_GATEWAY'],
      [{ domainAccount: false }, 'LOCAL_ACCOUNT'],
      [{ dcReachable: true }, 'DC_REACHABLE'],
      [{ dcReachable: undefined }, 'DC_STATE_UNKNOWN'],
    ];
    for (const [change, reason] of cases) assert.deepEqual(decideCachedCredentialUpdate({ ...base, ...change }), { update: false, reason }, JSON.stringify(change));
  });

  describe('updater', () => {
    const make = (o: { reachable?: () => Promise<boolean>; enabled?: boolean; fail?: boolean } = {}) => {
      const calls: string[][] = [];
      const probes: string[] = [];
      const updater = new CachedCredentialUpdater({
        addon: { changeCachedPassword: async (d, a, p) => { calls.push([d, a, p]); if (o.fail) throw Object.assign(new Error('x'), { code: 'ERROR_ACCESS_DENIED' }); } },
        enabled: o.enabled ?? true, role: 'relay', computerName: 'LAPTOP7', probeTimeoutMs: 50,
        dcReachable: async (d) => { probes.push(d); return (o.reachable ?? (async () => false))(); },
      });
      return { updater, calls, probes };
    };

    it('calls ChangeCachedPassword with the domain user and new password when offline', async () => {
      const { updater, calls, probes } = make();
      assert.deepEqual(await updater.afterReset({ domain: 'CORP', account: 'alice' }, 'N3w-pass!', 'gateway'), { update: true });
      assert.deepEqual(probes, ['CORP']);
      assert.deepEqual(calls, [['CORP', 'alice', 'N3w-pass!']]);
    });

    it('does not touch LSA when the DC answers, the probe fails or hangs, for local accounts, or with policy off', async () => {
      for (const [o, user, reason] of [
        [{ reachable: async () => true }, { domain: 'CORP', account: 'a' }, 'DC_REACHABLE'],
        [{ reachable: async () => { throw new Error('ldap down'); } }, { domain: 'CORP', account: 'a' }, 'DC_STATE_UNKNOWN'],
        [{ reachable: () => new Promise<boolean>(() => undefined) }, { domain: 'CORP', account: 'a' }, 'DC_STATE_UNKNOWN'],
        [{}, { domain: 'laptop7', account: 'a' }, 'LOCAL_ACCOUNT'],
        [{ enabled: false }, { domain: 'CORP', account: 'a' }, 'POLICY_OFF'],
      ] as const) {
        const { updater, calls } = make(o);
        assert.deepEqual(await updater.afterReset(user, 'pw', 'gateway'), { update: false, reason });
        assert.equal(calls.length, 0, reason);
      }
    });

    it('does not probe for a reset made against the directory itself, and reports a failing LSA call without throwing', async () => {
      const a = make();
      assert.deepEqual(await a.updater.afterReset({ domain: 'CORP', account: 'a' }, 'pw', 'directory'), { update: false, reason: 'NOT_RESET_AT_GATEWAY' });
      assert.deepEqual(a.probes, []);
      const b = make({ fail: true });
      assert.deepEqual(await b.updater.afterReset({ domain: 'CORP', account: 'a' }, 'pw', 'gateway'), { update: true, failed: 'ERROR_ACCESS_DENIED' });
    });
  });
});
