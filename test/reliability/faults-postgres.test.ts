// PostgreSQL killed (SIGKILL to the postmaster) and started again while a daemon on it serves
// concurrent recovery starts: requests fail cleanly with 503 STORE_UNAVAILABLE (retryable, never a
// 500), succeed again once the server is back, and the rate gates' counts survive intact.
import assert from 'node:assert/strict';
import { DOMAIN_SETUP_TIMEOUT_MS, testDomain, type TestDomain } from '../support/global-domain.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { PostgresServer } from '../support/postgres.js';
import { rememberSecret } from '../support/run-dir.js';

interface Outcome { at: number; status: number; code?: string; retryAfter?: string | null }

describe('faults: PostgreSQL restart under load (real server killed with SIGKILL)', function () {
  this.timeout(600_000);
  let d: TestDomain;
  let admin: DomainAdmin;
  let pgs: PostgresServer;
  let k: TestDaemon;
  const user = { name: 'pgfault1', password: 'Pg-Fault-Start-1!', mail: 'pgfault1@mail.keyhatch.test' };

  before(async function () {
    this.timeout(DOMAIN_SETUP_TIMEOUT_MS);
    d = await testDomain();
    admin = await DomainAdmin.connect(d.dc);
    rememberSecret(user.password);
    await admin.addUser({ name: user.name, password: user.password, displayName: 'Pg Fault', mail: user.mail }, d.seed.peopleOu);
    pgs = await PostgresServer.start({ durable: true });
    k = await startTestDaemon(d, {
      databaseUrl: await pgs.createDatabase(),
      recovery: { preEnrollFromDirectory: true },
      rateLimits: { startsPerSource: 100_000 },
    });
  });
  after(async () => { await k?.close(); await admin?.close(); await pgs?.stop(); });

  async function wrongVerify(id: string, factor: string): Promise<Outcome> {
    const r = await k.api('POST', `/api/v1/recovery/${id}/verify`, { factor, response: '000000' });
    return { at: Date.now(), status: r.status, code: r.body?.error?.code };
  }

  it('503 STORE_UNAVAILABLE while the server is down, 201 again once it is back, rate counts intact', async () => {
    // Three failed verifications for the account before the crash (the per-account gate allows 5).
    const start = await k.api('POST', '/api/v1/recovery', { username: user.name });
    assert.equal(start.status, 201);
    const id = start.body.recoveryId as string;
    const factor = (start.body.factors as Array<{ id: string; type: string }>).find((f) => f.type === 'email')!.id;
    for (let i = 0; i < 3; i++) assert.equal((await wrongVerify(id, factor)).status, 401);

    const outcomes: Outcome[] = [];
    let stop = false;
    const names = [user.name, 'alice', 'bob', 'nobody-here', 'carol'];
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const r = await k.api('POST', '/api/v1/recovery', { username: names[(w + i) % names.length] });
          outcomes.push({ at: Date.now(), status: r.status, code: r.body?.error?.code, retryAfter: r.headers.get('retry-after') });
        } catch (err) {
          outcomes.push({ at: Date.now(), status: 0, code: (err as Error).message });
        }
      }
    };
    const workers = Array.from({ length: 8 }, (_, w) => worker(w));
    const waitFor = async (pred: () => boolean, what: string) => {
      const deadline = Date.now() + 120_000;
      while (!pred()) {
        if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await waitFor(() => outcomes.filter((o) => o.status === 201).length >= 20, 'load before the crash');
    const crashedAt = Date.now();
    await pgs.crash();
    await waitFor(() => outcomes.some((o) => o.at > crashedAt && o.status === 503), 'a 503 during the outage');
    await new Promise((r) => setTimeout(r, 1500));
    await pgs.startAgain();
    const backAt = Date.now();
    await waitFor(() => outcomes.filter((o) => o.at > backAt && o.status === 201).length >= 50, 'successes after the restart');
    stop = true;
    await Promise.all(workers);

    const during = outcomes.filter((o) => o.at > crashedAt && o.at <= backAt);
    const after = outcomes.filter((o) => o.at > backAt);
    const firstOk = after.find((o) => o.status === 201)!;
    const lastFail = [...after].reverse().find((o) => o.status !== 201);
    console.log(`      ${outcomes.length} requests: ${during.length} during the outage (${during.filter((o) => o.status === 503).length} × 503), first 201 ${firstOk.at - backAt} ms after pg_ctl start returned; ${after.filter((o) => o.status !== 201).length} failures after it${lastFail ? ` (last ${lastFail.at - backAt} ms after)` : ''}`);
    const unexpected = outcomes.filter((o) => !(o.status === 201 || (o.status === 503 && o.code === 'STORE_UNAVAILABLE')));
    assert.deepEqual(unexpected, [], 'only 201 or 503 STORE_UNAVAILABLE, never a 500 or a dropped connection');
    assert.ok(outcomes.filter((o) => o.status === 503).every((o) => o.retryAfter === '5'), '503s say when to retry');
    // Once back, it stays back: the last 30 answers are all successes (the pool replaced its dead clients).
    assert.ok(after.slice(-30).every((o) => o.status === 201), 'no failures once recovered');

    // The session and the per-account gate survived: the 4th failure is judged, the 5th blocks.
    assert.equal((await wrongVerify(id, factor)).status, 401);
    const fifth = await wrongVerify(id, factor);
    assert.deepEqual([fifth.status, fifth.code], [429, 'RATE_LIMITED'], 'the count from before the crash still counts');
  });
});
