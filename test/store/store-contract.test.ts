// One contract, two backends: every case runs against the embedded SQLite store and against a real
// PostgreSQL server (test/support/postgres.ts). The atomicity cases use two store instances on the
// same storage (two connections / two pools), and separate OS processes, as two gateways would.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { EnrolledFactor } from '../../daemon/src/factors/factor.js';
import { openStore } from '../../daemon/src/store/open-store.js';
import { MIGRATIONS } from '../../daemon/src/store/sqlite-store.js';
import { PG_MIGRATIONS } from '../../daemon/src/store/postgres-store.js';
import type { Store } from '../../daemon/src/store/store.js';
import type { PopulationFacts } from '../../daemon/src/store/population-repo.js';
import { freshDir } from '../support/run-dir.js';
import { stopTestPostgres, testDatabaseUrl } from '../support/postgres.js';

const run = promisify(execFile);
type TestStore = Store & { schemaVersion(): Promise<number> };

/** Where one test's data lives; open() may be called several times for several instances. */
interface Location { readonly dataDir: string; readonly databaseUrl?: string }

interface Backend { readonly name: 'sqlite' | 'postgres'; fresh(): Promise<Location> }
const backends: Backend[] = [
  { name: 'sqlite', fresh: async () => ({ dataDir: freshDir('store') }) },
  { name: 'postgres', fresh: async () => ({ dataDir: freshDir('store-pg'), databaseUrl: await testDatabaseUrl() }) },
];

const T0 = 1_800_000_000_000;
const MIN = 60_000;

function factor(id: string, userKey: string, createdAt: string, extra: Partial<EnrolledFactor> = {}): EnrolledFactor {
  return { id, userKey, type: 'totp', hint: 'app', confirmed: false, data: { sealed: 'x', n: 1 }, createdAt, ...extra };
}

after(async () => { await stopTestPostgres(); });

for (const backend of backends) {
  describe(`Store contract (${backend.name})`, function () {
    this.timeout(120_000);
    const opened: Store[] = [];
    let loc: Location;
    let store: TestStore;
    const open = async (l: Location = loc): Promise<TestStore> => {
      const s = await openStore(l) as TestStore;
      opened.push(s);
      return s;
    };

    beforeEach(async () => {
      loc = await backend.fresh();
      store = await open();
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it(`openStore picks the ${backend.name} backend`, () => {
      assert.equal(store.kind, backend.name);
    });

    it('migrations: all applied once; reopening (also two at once) changes nothing and keeps data', async () => {
      assert.equal(MIGRATIONS.length, PG_MIGRATIONS.length, 'SQLite and PostgreSQL migrations must pair up by version');
      assert.equal(await store.schemaVersion(), MIGRATIONS.length);
      await store.factors.insert(factor('f1', 'u', '2026-01-01T00:00:00Z'));
      await store.close();
      opened.length = 0;
      const [a, b] = await Promise.all([open(), open()]);
      assert.equal(await a.schemaVersion(), MIGRATIONS.length);
      assert.equal(await b.schemaVersion(), MIGRATIONS.length);
      assert.equal((await a.factors.get('f1'))?.userKey, 'u');
    });

    it('migrations: two stores opening an empty database at the same moment both succeed', async () => {
      const fresh = await backend.fresh();
      const all = await Promise.all([open(fresh), open(fresh), open(fresh)]);
      for (const s of all) assert.equal(await s.schemaVersion(), MIGRATIONS.length);
    });

    it('factors: insert, get, list by user (ordered), update each field, delete', async () => {
      await store.factors.insert(factor('b', 'alice', '2026-01-02T00:00:00Z'));
      await store.factors.insert(factor('a', 'alice', '2026-01-01T00:00:00Z', { type: 'questions', confirmed: true, data: { questions: [{ q: 'é', h: '$x' }] } }));
      await store.factors.insert(factor('c', 'bob', '2026-01-01T00:00:00Z'));
      assert.deepEqual((await store.factors.list('alice')).map((f) => f.id), ['a', 'b']);
      assert.deepEqual(await store.factors.get('a'), factor('a', 'alice', '2026-01-01T00:00:00Z', { type: 'questions', confirmed: true, data: { questions: [{ q: 'é', h: '$x' }] } }));
      assert.equal(await store.factors.get('nope'), undefined);
      await store.factors.update('b', { confirmed: true });
      await store.factors.update('b', { data: { k: [1, 2] }, hint: 'phone' });
      await store.factors.update('b', {});
      assert.deepEqual(await store.factors.get('b'), factor('b', 'alice', '2026-01-02T00:00:00Z', { confirmed: true, data: { k: [1, 2] }, hint: 'phone' }));
      await store.factors.delete('b');
      assert.deepEqual((await store.factors.list('alice')).map((f) => f.id), ['a']);
      assert.deepEqual(await store.factors.list('nobody'), []);
      await assert.rejects(store.factors.insert(factor('a', 'x', '2026-01-03T00:00:00Z')), 'a duplicate id is refused');
    });

    it('factors: listConfirmed gives every user\'s confirmed factors of one type, nothing else', async () => {
      await store.factors.insert(factor('k2', 'bob', '2026-01-02T00:00:00Z', { type: 'webauthn', confirmed: true, data: { credentialId: 'AQID' } }));
      await store.factors.insert(factor('k1', 'alice', '2026-01-01T00:00:00Z', { type: 'webauthn', confirmed: true, data: { credentialId: 'BAUG' } }));
      await store.factors.insert(factor('k3', 'carol', '2026-01-01T00:00:00Z', { type: 'webauthn', confirmed: false }));
      await store.factors.insert(factor('t1', 'alice', '2026-01-01T00:00:00Z', { confirmed: true }));
      assert.deepEqual((await store.factors.listConfirmed('webauthn')).map((f) => [f.id, f.userKey, f.data.credentialId]), [['k1', 'alice', 'BAUG'], ['k2', 'bob', 'AQID']]);
      assert.deepEqual(await store.factors.listConfirmed('sms'), []);
    });

    it('ephemeral: put/get until expiry, overwrite, delete, purgeExpired counts what it removed', async () => {
      await store.ephemeral.put('session', 's1', { step: 1, user: 'alice' }, T0 + MIN);
      await store.ephemeral.put('code', 's1', 'same id, other kind', T0 + 2 * MIN);
      assert.deepEqual(await store.ephemeral.get('session', 's1', T0), { step: 1, user: 'alice' });
      assert.equal(await store.ephemeral.get('session', 's1', T0 + MIN), undefined, 'expired at expiresAt');
      await store.ephemeral.put('session', 's1', { step: 2 }, T0 + 3 * MIN);
      assert.deepEqual(await store.ephemeral.get('session', 's1', T0 + MIN), { step: 2 });
      await store.ephemeral.put('session', 's2', 1, T0 + MIN);
      await store.ephemeral.put('session', 's3', 1, T0 + MIN / 2);
      assert.equal(await store.ephemeral.purgeExpired(T0 + MIN), 2);
      assert.equal(await store.ephemeral.purgeExpired(T0 + MIN), 0);
      assert.equal(await store.ephemeral.get('code', 's1', T0), 'same id, other kind');
      await store.ephemeral.delete('code', 's1');
      assert.equal(await store.ephemeral.get('code', 's1', T0), undefined);
    });

    it('rates: hit counts events within the window only; block keeps the later time', async () => {
      assert.equal(await store.rates.hit('g', T0, 10 * MIN), 1);
      assert.equal(await store.rates.hit('g', T0 + MIN, 10 * MIN), 2);
      assert.equal(await store.rates.hit('other', T0 + MIN, 10 * MIN), 1);
      assert.equal(await store.rates.hit('g', T0 + 10 * MIN, 10 * MIN), 2, 'the event at T0 left the window');
      assert.equal(await store.rates.blockedUntil('g', T0), undefined);
      await store.rates.block('g', T0 + 5 * MIN);
      await store.rates.block('g', T0 + 2 * MIN);
      assert.equal(await store.rates.blockedUntil('g', T0), T0 + 5 * MIN);
      assert.equal(await store.rates.blockedUntil('g', T0 + 5 * MIN), undefined, 'block ends at its time');
    });

    it('rates: reserve up to the limit (pending reservations count), release makes success free', async () => {
      const gates = [{ gate: 'user:a', limit: 3 }, { gate: 'ip:1', limit: 10 }];
      for (const r of ['r1', 'r2', 'r3']) assert.deepEqual(await store.rates.reserve(r, gates, T0, 10 * MIN), { ok: true });
      assert.deepEqual(await store.rates.reserve('r4', gates, T0, 10 * MIN), { ok: false, gate: 'user:a' });
      await store.rates.release('r1');
      assert.deepEqual(await store.rates.reserve('r5', gates, T0, 10 * MIN), { ok: true });
      // The refused r4 recorded nothing on ip:1: 4 events there (r2, r3, r5 + this hit).
      assert.equal(await store.rates.hit('ip:1', T0, 10 * MIN), 4);
      assert.deepEqual(await store.rates.reserve('r6', gates, T0 + 10 * MIN, 10 * MIN), { ok: true }, 'the window moved on');
    });

    it('rates: commitFailure keeps the events and blocks each gate that reached its limit', async () => {
      const gates = [{ gate: 'user:b', limit: 2 }, { gate: 'ip:2', limit: 5 }];
      assert.deepEqual(await store.rates.reserve('f1', gates, T0, 10 * MIN), { ok: true });
      assert.deepEqual(await store.rates.commitFailure('f1', gates, T0, 10 * MIN, T0 + 15 * MIN), []);
      assert.deepEqual(await store.rates.reserve('f2', gates, T0 + 1, 10 * MIN), { ok: true });
      await store.rates.release('f1'); // a committed failure is no longer a reservation: nothing removed
      assert.deepEqual(await store.rates.commitFailure('f2', gates, T0 + 1, 10 * MIN, T0 + 15 * MIN), ['user:b']);
      assert.equal(await store.rates.blockedUntil('user:b', T0 + 2), T0 + 15 * MIN);
      assert.deepEqual(await store.rates.reserve('f3', gates, T0 + 11 * MIN, 10 * MIN), { ok: false, gate: 'user:b', blockedUntil: T0 + 15 * MIN },
        'blocked even after the events left the window');
      assert.deepEqual(await store.rates.reserve('f4', [{ gate: 'ip:2', limit: 5 }], T0 + 2, 10 * MIN), { ok: true });
    });

    it('leases: exclusive while held, renewable by the holder, free after release or expiry', async () => {
      assert.equal(await store.leases.acquire('s1', 'A', T0, MIN), true);
      assert.equal(await store.leases.acquire('s1', 'B', T0 + 1, MIN), false);
      assert.equal(await store.leases.acquire('s1', 'A', T0 + 2, MIN), true, 'the holder renews');
      await store.leases.release('s1', 'B'); // not the holder: no effect
      assert.equal(await store.leases.acquire('s1', 'B', T0 + 3, MIN), false);
      await store.leases.release('s1', 'A');
      assert.equal(await store.leases.acquire('s1', 'B', T0 + 4, MIN), true);
      assert.equal(await store.leases.acquire('s1', 'C', T0 + 4 + MIN, MIN), true, 'expired lease is taken over');
      assert.equal(await store.leases.acquire('s2', 'B', T0, MIN), true, 'keys are independent');
      assert.equal(await store.leases.purgeExpired(T0 + MIN - 1), 0, 'nothing has expired yet');
      assert.equal(await store.leases.purgeExpired(T0 + MIN), 1, 's2 (taken at T0) is gone; s1 (renewed later) stays');
      assert.equal(await store.leases.acquire('s1', 'D', T0 + MIN + 1, MIN), false, 'the live lease was kept');
    });

    it('devices: insert, get, bySerial, list, touch, revoke (first time kept; unknown → false); serials unique', async () => {
      const d1 = { id: 'd1', name: 'pc-1', certSerial: '0a', publicKeySha256: 'aa', joinedAt: '2026-01-01T00:00:00Z' };
      const d2 = { id: 'd2', name: 'pc-2', certSerial: '0b', publicKeySha256: 'bb', joinedAt: '2026-01-02T00:00:00Z', domain: 'CORP.EXAMPLE' };
      await store.devices.insert(d2);
      await store.devices.insert(d1);
      assert.deepEqual(await store.devices.get('d1'), d1);
      assert.deepEqual(await store.devices.bySerial('0b'), d2);
      assert.equal(await store.devices.bySerial('ff'), undefined);
      assert.deepEqual((await store.devices.list()).map((d) => d.id), ['d1', 'd2']);
      await store.devices.touch('d1', '2026-02-01T00:00:00Z');
      assert.equal(await store.devices.revoke('d1', '2026-03-01T00:00:00Z'), true);
      assert.equal(await store.devices.revoke('d1', '2026-04-01T00:00:00Z'), true);
      assert.deepEqual(await store.devices.get('d1'), { ...d1, lastSeenAt: '2026-02-01T00:00:00Z', revokedAt: '2026-03-01T00:00:00Z' });
      assert.equal(await store.devices.revoke('nope', '2026-03-01T00:00:00Z'), false);
      await assert.rejects(store.devices.insert({ ...d1, id: 'd3' }), 'a second device with the same certificate serial is refused');
    });

    it('join tokens: consume uses them up, not after expiry; list shows only usable ones; delete', async () => {
      const t = { id: 't1', tokenHash: 'h1', usesLeft: 2, expiresAt: T0 + MIN, createdAt: '2026-01-01T00:00:00Z', createdBy: 'admin' };
      await store.joinTokens.insert(t);
      await store.joinTokens.insert({ ...t, id: 't2', tokenHash: 'h2', usesLeft: 5, createdAt: '2026-01-02T00:00:00Z' });
      assert.deepEqual(await store.joinTokens.list(T0), [t, { ...t, id: 't2', tokenHash: 'h2', usesLeft: 5, createdAt: '2026-01-02T00:00:00Z' }]);
      assert.equal(await store.joinTokens.consume('h1', T0), true);
      assert.equal(await store.joinTokens.consume('h1', T0), true);
      assert.equal(await store.joinTokens.consume('h1', T0), false, 'no use left');
      assert.equal(await store.joinTokens.consume('h2', T0 + MIN), false, 'expired');
      assert.equal(await store.joinTokens.consume('unknown', T0), false);
      assert.deepEqual((await store.joinTokens.list(T0)).map((x) => x.id), ['t2']);
      assert.deepEqual(await store.joinTokens.list(T0 + MIN), []);
      await store.joinTokens.delete('t2');
      assert.equal(await store.joinTokens.consume('h2', T0), false);
    });

    describe('atomic across store instances (two connections or pools, as two gateways)', () => {
      let other: TestStore;
      beforeEach(async () => { other = await open(); });

      it('100 concurrent reserves on a gate with limit 5 → exactly 5 accepted; 5 failures block it for both', async () => {
        const gates = [{ gate: 'user:race', limit: 5 }];
        const ids = Array.from({ length: 100 }, (_, i) => `r${i}`);
        const results = await Promise.all(ids.map((id, i) => (i % 2 ? other : store).rates.reserve(id, gates, T0, 10 * MIN)));
        const accepted = ids.filter((_, i) => results[i]?.ok);
        assert.equal(accepted.length, 5);
        const blocked = await Promise.all(accepted.map((id, i) => (i % 2 ? other : store).rates.commitFailure(id, gates, T0, 10 * MIN, T0 + 15 * MIN)));
        assert.ok(blocked.some((b) => b.includes('user:race')));
        assert.equal(await other.rates.blockedUntil('user:race', T0), T0 + 15 * MIN);
        assert.deepEqual(await store.rates.reserve('late', gates, T0, 10 * MIN), { ok: false, gate: 'user:race', blockedUntil: T0 + 15 * MIN });
      });

      it('multi-gate reservations taken in opposite gate orders neither deadlock nor exceed a limit', async () => {
        const ab = [{ gate: 'a', limit: 7 }, { gate: 'b', limit: 7 }];
        const ba = [...ab].reverse();
        const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? other : store).rates.reserve(`m${i}`, i % 3 ? ab : ba, T0, MIN)));
        assert.equal(results.filter((r) => r.ok).length, 7);
      });

      it('a join token with 1 use consumed 50 times at once → exactly one true; with 3 uses → exactly 3', async () => {
        await store.joinTokens.insert({ id: 'one', tokenHash: 'once', usesLeft: 1, expiresAt: T0 + MIN, createdAt: 'x', createdBy: 'admin' });
        await store.joinTokens.insert({ id: 'three', tokenHash: 'thrice', usesLeft: 3, expiresAt: T0 + MIN, createdAt: 'x', createdBy: 'admin' });
        const once = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? other : store).joinTokens.consume('once', T0)));
        assert.equal(once.filter(Boolean).length, 1);
        const thrice = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? other : store).joinTokens.consume('thrice', T0)));
        assert.equal(thrice.filter(Boolean).length, 3);
      });

      it('a lease requested by 50 holders at once goes to exactly one', async () => {
        const got = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? other : store).leases.acquire('session-x', `h${i}`, T0, MIN)));
        assert.equal(got.filter(Boolean).length, 1);
      });
    });

    describe('population (discovery and sync)', () => {
      const row = (objectId: string, extra: Partial<PopulationFacts> = {}): PopulationFacts => ({
        directoryId: 'corp', objectId, userKey: `ad:${objectId}`, dn: `CN=${objectId},OU=People,DC=x`, accountName: objectId, displayName: `User ${objectId}`,
        mail: `${objectId}@x.test`, inScope: true, disabled: false, lockoutUntil: 0, ...extra,
      });

      it('upsert + refresh derive each status; lastChange moves only when the status does', async () => {
        await store.population.upsert([row('u1'), row('u2', { inScope: false }), row('u3', { disabled: true }), row('u4', { lockoutUntil: T0 + MIN }), row('u5')], T0);
        await store.factors.insert(factor('f5', 'ad:u5', '2026-01-01T00:00:00Z', { confirmed: true }));
        await store.factors.insert(factor('f1', 'ad:u1', '2026-01-01T00:00:00Z', { confirmed: false })); // unconfirmed: not enrolled
        assert.equal(await store.population.refresh('corp', T0), 5);
        const status = async (id: string) => (await store.population.get('corp', id))?.status;
        assert.deepEqual(await Promise.all(['u1', 'u2', 'u3', 'u4', 'u5'].map(status)), ['DISCOVERED', 'OUT_OF_SCOPE', 'DISABLED', 'LOCKED', 'ENROLLED']);
        const first = (await store.population.get('corp', 'u1'))?.lastChange;
        assert.equal(first, new Date(T0).toISOString());
        // Nothing changed: no status moves, lastChange stays.
        assert.equal(await store.population.refresh('corp', T0 + 1000), 0);
        assert.equal((await store.population.get('corp', 'u1'))?.lastChange, first);
        // The lockout runs out with time; enrolling changes the status without the directory.
        await store.factors.update('f1', { confirmed: true });
        assert.equal(await store.population.refresh('corp', T0 + 2 * MIN), 2);
        assert.equal(await status('u4'), 'DISCOVERED');
        assert.equal(await status('u1'), 'ENROLLED');
        assert.equal((await store.population.get('corp', 'u1'))?.lastChange, new Date(T0 + 2 * MIN).toISOString());
        assert.deepEqual(await store.population.counts('corp'), { DISCOVERED: 1, ENROLLED: 2, LOCKED: 0, OUT_OF_SCOPE: 1, DISABLED: 1 });
        assert.equal((await store.population.byUserKey('ad:u5'))?.objectId, 'u5');
      });

      it('list filters by status and searches names case-insensitively (LIKE wildcards are literal); pages; remove', async () => {
        await store.population.upsert([row('alice', { displayName: 'Alice Anders' }), row('bob', { displayName: 'Bob 100%_done' }), row('carol'), row('dan', { directoryId: 'lab' })], T0);
        await store.population.refresh('corp', T0);
        await store.population.refresh('lab', T0);
        assert.deepEqual((await store.population.list({ search: 'ANDERS' })).rows.map((r) => r.objectId), ['alice']);
        assert.deepEqual((await store.population.list({ search: '%_' })).rows.map((r) => r.objectId), ['bob']);
        const page = await store.population.list({ directoryId: 'corp', status: 'DISCOVERED', limit: 2, offset: 1 });
        assert.equal(page.total, 3);
        assert.deepEqual(page.rows.map((r) => r.objectId), ['bob', 'carol']);
        await store.population.remove('corp', ['bob', 'carol']);
        assert.equal((await store.population.list({})).total, 2);
        assert.equal((await store.population.all('lab')).length, 1);
      });

      it('targets, sync state and daily counts round-trip', async () => {
        await store.population.setTargets('corp', [{ directoryId: 'corp', groupId: 'CN=B,DC=x', name: 'B' }, { directoryId: 'corp', groupId: 'CN=A,DC=x', name: 'A' }]);
        await store.population.setTargets('lab', [{ directoryId: 'lab', groupId: 'CN=L,DC=y', name: 'L' }]);
        assert.deepEqual((await store.population.targets('corp')).map((t) => t.name), ['A', 'B']);
        assert.equal((await store.population.targets()).length, 3);
        await store.population.setTargets('corp', []);
        assert.deepEqual(await store.population.targets('corp'), []);
        assert.equal(await store.population.getState('corp', 'cursor'), undefined);
        await store.population.setState('corp', 'cursor', { marks: { dc1: '42' } });
        await store.population.setState('corp', 'cursor', { marks: { dc1: '43' } });
        assert.deepEqual(await store.population.getState('corp', 'cursor'), { marks: { dc1: '43' } });
        const counts = { DISCOVERED: 3, ENROLLED: 1, LOCKED: 0, OUT_OF_SCOPE: 0, DISABLED: 0 };
        await store.population.recordDaily({ day: '2026-01-02', directoryId: 'corp', counts });
        await store.population.recordDaily({ day: '2026-01-01', directoryId: 'corp', counts: { ...counts, ENROLLED: 0 } });
        await store.population.recordDaily({ day: '2026-01-02', directoryId: 'corp', counts: { ...counts, ENROLLED: 2 } });
        const days = await store.population.daily('corp');
        assert.deepEqual(days.map((d) => [d.day, d.counts.ENROLLED]), [['2026-01-01', 0], ['2026-01-02', 2]]);
        assert.deepEqual((await store.population.daily(undefined, '2026-01-02')).map((d) => d.day), ['2026-01-02']);
      });

      it('a reminder claimed by 20 callers on two store instances at once goes out once per day', async () => {
        const other = await open();
        const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? other : store).population.claimNotice('expiry', 'ad:u1', '2026-01-01', T0)));
        assert.equal(claims.filter(Boolean).length, 1);
        assert.equal(await store.population.claimNotice('expiry', 'ad:u1', '2026-01-02', T0), true);
        assert.equal(await store.population.claimNotice('campaign', 'ad:u1', '2026-01-02', T0), true);
        assert.deepEqual(await other.population.notices('expiry', 'ad:u1'), ['2026-01-02', '2026-01-01']);
      });
    });

    it('atomic across OS processes: 3 processes × 20 concurrent reserves on a gate with limit 5 → exactly 5 accepted', async () => {
      const worker = join(import.meta.dirname, 'reserve-worker.ts');
      const env = { ...process.env, KEYHATCH_TEST_STORE: JSON.stringify(loc), KEYHATCH_TEST_GATE: `user:${randomUUID()}` };
      const outs = await Promise.all([0, 1, 2].map((n) => run(process.execPath, ['--import', 'tsx', worker, String(n)], { env })));
      const accepted = outs.reduce((sum, o) => sum + Number(JSON.parse(o.stdout.trim().split('\n').pop() as string).accepted), 0);
      assert.equal(accepted, 5);
    });
  });
}
