// Discovery at scale, against a throwaway Samba DC seeded with BENCH_DISCOVERY_USERS users
// (default 100,000), built once per machine and restored from .cache/bench-discovery/ by later runs
// (support/discovery-domain.ts). Reports, all in the same run against the same DC:
//  - full discovery (SyncEngine: paged read of every user + store writes) vs
//    `ldapsearch -E pr=1000` dumping the same attributes with the same filter (target ≤ 1.0×);
//  - an incremental sync after 10 changes vs the full sync (target < 1 %);
//  - this process's RSS (the gateway's sync runs in it) before and at its peak during the full sync.
// Rounds alternate engine and baseline so load on the shared machine hits both alike.
// BENCH_DISCOVERY_STORE=postgres runs the engine on a throwaway PostgreSQL instead of SQLite.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DomainAdmin } from '../test/support/domain-admin.js';
import { PostgresServer } from '../test/support/postgres.js';
import { validateConfig } from '../daemon/src/config/load.js';
import { AdConnection } from '../daemon/src/directory/ad/connection.js';
import { AdPopulationSource } from '../daemon/src/directory/ad/ad-population-source.js';
import { SyncEngine } from '../daemon/src/admin/sync/sync-engine.js';
import { SqliteStore } from '../daemon/src/store/sqlite-store.js';
import { PostgresStore } from '../daemon/src/store/postgres-store.js';
import type { Store } from '../daemon/src/store/store.js';
import { silentLogger } from '../daemon/src/log/logger.js';
import { benchUserName, discoveryDomain } from './support/discovery-domain.js';
import { summary, timed } from './stats.js';

const run = promisify(execFile);
const N = Number(process.env.BENCH_DISCOVERY_USERS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_DISCOVERY_ROUNDS ?? 3);
const STORE = process.env.BENCH_DISCOVERY_STORE === 'postgres' ? 'postgres' : 'sqlite';
const FILTER = '(&(objectCategory=person)(objectClass=user))';
// The attributes the AD population source asks for (ad-population-source.ts USER_ATTRS), so both read the same.
const ATTRS = ['objectGUID', 'sAMAccountName', 'displayName', 'mail', 'userAccountControl', 'lockoutTime'];

export async function runDiscoveryBench(): Promise<Record<string, unknown>> {
  const domain = await discoveryDomain(N, process.env.BENCH_DC_ADDRESS ?? '127.0.0.13');
  const { dc, seed, benchOu: ou } = domain;
  console.log(`discovery: ${N} users ${domain.origin} in ${(domain.readyMs / 1000).toFixed(1)} s${domain.loadRate ? ` (load ${Math.round(domain.loadRate)} users/s)` : ''}`);
  let pg: PostgresServer | undefined;
  try {
    if (STORE === 'postgres') pg = await PostgresServer.start();
    const dataDir = mkdtempSync(join(tmpdir(), 'keyhatch-bench-disc-'));
    const cfg = validateConfig({ dataDir, ad: { urls: [dc.ldapsUrl], baseDn: seed.peopleOu, bindDn: seed.service.upn, bindPassword: seed.service.password, caFile: dc.caFile, timeoutMs: 300_000 } });
    const conn = new AdConnection(cfg.ad!, silentLogger);
    const pwFile = join(dataDir, 'svc.pw');
    writeFileSync(pwFile, seed.service.password, { mode: 0o600 });
    const ldapsearch = () => run('sh', ['-c', `ldapsearch -LLL -x -H ${dc.ldapsUrl} -D '${seed.service.upn}' -y '${pwFile}' -E pr=1000/noprompt -b '${seed.peopleOu}' '${FILTER}' ${ATTRS.join(' ')} | wc -l`],
      { env: { ...process.env, LDAPTLS_CACERT: dc.caFile, LDAPTLS_REQCERT: 'demand' }, maxBuffer: 1024 * 1024 });

    const engineFull: number[] = [];
    const raw: number[] = [];
    let peakRss = 0;
    const rssBefore = process.memoryUsage().rss;
    let store: Store | undefined;
    let engine: SyncEngine | undefined;
    for (let i = 0; i < ROUNDS; i++) {
      raw.push(await timed(ldapsearch));
      // A fresh store each round: a first (full) discovery, not a re-read into warm tables.
      await store?.close();
      store = pg ? await PostgresStore.open(await pg.createDatabase('bench')) : new SqliteStore(mkdtempSync(join(tmpdir(), 'keyhatch-bench-store-')));
      engine = new SyncEngine({ store, sources: [new AdPopulationSource({ directoryId: 'bench', baseDn: seed.peopleOu, conn })], leaverRule: 'disable-enrollment', log: silentLogger });
      const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 50);
      const e = engine;
      engineFull.push(await timed(async () => {
        const res = await e.sync('bench', { full: true });
        if (res.scanned < N) throw new Error(`full sync read ${res.scanned} users, expected at least ${N}`);
      }));
      clearInterval(sampler);
    }
    console.log(`discovery: full ${JSON.stringify(summary(engineFull))} vs ldapsearch ${JSON.stringify(summary(raw))}, peak RSS ${Math.round(peakRss / 1048576)} MB`);
    // Incremental after 10 changes, on the last round's store.
    const changer = await DomainAdmin.connect(dc);
    for (let i = 0; i < 10; i++) await changer.replace(`CN=${benchUserName(i * 7)},${ou}`, 'displayName', `Changed ${i}`);
    let incResult: unknown;
    const incMs = await timed(async () => { incResult = await engine!.sync('bench'); });
    await store?.close();
    await changer.close();
    await conn.close();

    const e = summary(engineFull);
    const r = summary(raw);
    const out = {
      users: N,
      rounds: ROUNDS,
      store: STORE,
      domain: domain.origin,
      domainReadySeconds: Math.round(domain.readyMs / 100) / 10,
      ...(domain.loadRate ? { loadUsersPerSecond: Math.round(domain.loadRate) } : {}),
      loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
      fullDiscoveryMs: e,
      ldapsearchPr1000Ms: r,
      ratioFullVsLdapsearch: Math.round((e.p50 / r.p50) * 100) / 100,
      targetRatio: 1.0,
      incremental10ChangesMs: Math.round(incMs),
      incrementalPercentOfFull: Math.round((incMs / e.p50) * 10_000) / 100,
      targetIncrementalPercent: 1,
      incrementalResult: incResult,
      rssBeforeMb: Math.round(rssBefore / 1048576),
      rssPeakDuringFullMb: Math.round(peakRss / 1048576),
    };
    console.log('discovery:', JSON.stringify(out, null, 2));
    return out;
  } finally {
    await pg?.stop();
    await dc.destroy();
  }
}
