// Discovery at scale, against a throwaway Samba DC seeded with BENCH_DISCOVERY_USERS users
// (default 100,000) loaded in bulk from an LDIF file generated once and cached under
// .cache/bench-discovery/. Reports, all in the same run against the same DC:
//  - full discovery (SyncEngine: paged read of every user + store writes) vs
//    `ldapsearch -E pr=1000` dumping the same attributes with the same filter (target ≤ 1.0×);
//  - an incremental sync after 10 changes vs the full sync (target < 1 %);
//  - this process's RSS (the gateway's sync runs in it) before and at its peak during the full sync.
// Rounds alternate engine and baseline so load on the shared machine hits both alike.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SambaDomain } from '../test/support/samba-dc.js';
import { seedDomain } from '../test/support/seed.js';
import { DomainAdmin } from '../test/support/domain-admin.js';
import { validateConfig } from '../daemon/src/config/load.js';
import { AdConnection } from '../daemon/src/directory/ad/connection.js';
import { AdPopulationSource } from '../daemon/src/directory/ad/ad-population-source.js';
import { SyncEngine } from '../daemon/src/admin/sync/sync-engine.js';
import { SqliteStore } from '../daemon/src/store/sqlite-store.js';
import { silentLogger } from '../daemon/src/log/logger.js';
import { summary, timed } from './stats.js';

const run = promisify(execFile);
const N = Number(process.env.BENCH_DISCOVERY_USERS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_DISCOVERY_ROUNDS ?? 3);
const FILTER = '(&(objectCategory=person)(objectClass=user))';
// The attributes the AD population source asks for (ad-population-source.ts USER_ATTRS), so both read the same.
const ATTRS = ['objectGUID', 'sAMAccountName', 'displayName', 'mail', 'userAccountControl', 'lockoutTime'];

/** The users as LDIF under `ou`, written once per (N, ou) and reused by later runs. */
function usersLdif(ou: string): string {
  const dir = join('.cache', 'bench-discovery');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `users-${N}-${Buffer.from(ou).toString('hex').slice(0, 40)}.ldif`);
  if (existsSync(file)) return file;
  const parts: string[] = [];
  for (let i = 0; i < N; i++) {
    const n = `bu${String(i).padStart(6, '0')}`;
    parts.push(`dn: CN=${n},${ou}\nobjectClass: user\nsAMAccountName: ${n}\ndisplayName: Bench User ${i}\nmail: ${n}@mail.bench.test\nuserAccountControl: 512\n`);
  }
  writeFileSync(`${file}.tmp`, parts.join('\n'));
  // Rename only when complete, so an interrupted run never leaves a short file behind.
  renameSync(`${file}.tmp`, file);
  return file;
}

export async function runDiscoveryBench(): Promise<Record<string, unknown>> {
  const dc = await SambaDomain.create({ address: process.env.BENCH_DC_ADDRESS ?? '127.0.0.13' });
  try {
    const seed = await seedDomain(dc);
    const ou = `OU=Bench,${seed.peopleOu}`;
    const admin = await DomainAdmin.connect(dc);
    await admin.addOu(ou);
    const ldif = usersLdif(ou);
    const loadMs = await timed(() => run('/usr/bin/python3', [join(import.meta.dirname, 'support', 'ldb-bulk-add.py'), dc.smbConf, join(dc.dir, 'dc', 'private', 'sam.ldb'), ldif, '5000'],
      { maxBuffer: 64 * 1024 * 1024 }));
    console.log(`discovery: loaded ${N} users in ${(loadMs / 1000).toFixed(1)} s`);

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
    let store: SqliteStore | undefined;
    let engine: SyncEngine | undefined;
    for (let i = 0; i < ROUNDS; i++) {
      raw.push(await timed(ldapsearch));
      // A fresh store each round: a first (full) discovery, not a re-read into warm tables.
      await store?.close();
      store = new SqliteStore(mkdtempSync(join(tmpdir(), 'keyhatch-bench-store-')));
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
    // Incremental after 10 changes, on the last round's store (a fresh admin connection: the load may outlast an idle one).
    await admin.close();
    const changer = await DomainAdmin.connect(dc);
    for (let i = 0; i < 10; i++) await changer.replace(`CN=bu${String(i * 7).padStart(6, '0')},${ou}`, 'displayName', `Changed ${i}`);
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
      loadSeconds: Math.round(loadMs / 100) / 10,
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
    await dc.destroy();
  }
}
