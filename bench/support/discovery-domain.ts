// The discovery bench's domain: a throwaway DC seeded like the tests' (seedDomain) plus N users in
// OU=Bench, built once per machine and kept under .cache/bench-discovery/ as a DC archive. The key
// holds N and a hash of everything that shapes the domain (the fixture, the seed, the loader, this
// file, Samba's version), so a change to any of them builds a new one. Later runs restore it in
// seconds instead of loading the users again (7.5 minutes for 100,000 here).
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SambaDomain } from '../../test/support/samba-dc.js';
import { seedDomain, type SeedInfo } from '../../test/support/seed.js';
import { DomainAdmin } from '../../test/support/domain-admin.js';

const CACHE = join('.cache', 'bench-discovery');
const ROOT = join(import.meta.dirname, '..', '..');
const LOADER = join(import.meta.dirname, 'ldb-bulk-add.py');
/** Files whose change makes a cached domain stale. */
const SHAPERS = ['test/support/samba-dc.ts', 'test/support/seed.ts', 'test/support/domain-admin.ts', 'bench/support/ldb-bulk-add.py', 'bench/support/discovery-domain.ts'];
/** Samba's own interpreter (Debian's python3 has its bindings). */
const SAMBA_PYTHON = '/usr/bin/python3';

export interface DiscoveryDomain {
  readonly dc: SambaDomain;
  readonly seed: SeedInfo;
  /** Where the N users live. */
  readonly benchOu: string;
  /** 'built': provisioned, seeded and loaded in this run; 'restored': from the cache. */
  readonly origin: 'built' | 'restored';
  /** Time to build (provision + seed + load) or to restore, ms. */
  readonly readyMs: number;
  /** Users loaded per second, when built. */
  readonly loadRate?: number;
}

export const benchUserName = (i: number): string => `bu${String(i).padStart(6, '0')}`;

function version(): string {
  const h = createHash('sha256');
  for (const f of SHAPERS) h.update(readFileSync(join(ROOT, f)));
  h.update(execFileSync('samba', ['--version'])); // a database from another Samba may need an upgrade first
  return h.digest('hex').slice(0, 12);
}

function usersLdif(ou: string, n: number, file: string): void {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = benchUserName(i);
    parts.push(`dn: CN=${name},${ou}\nobjectClass: user\nsAMAccountName: ${name}\ndisplayName: Bench User ${i}\nmail: ${name}@mail.bench.test\nuserAccountControl: 512\n`);
  }
  writeFileSync(file, parts.join('\n'));
}

/** Runs the loader with its progress on our stderr (a 100,000-user load takes minutes). */
function load(smbConf: string, ldif: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(SAMBA_PYTHON, [LOADER, smbConf, ldif], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ldb-bulk-add.py exited with ${code}`))));
  });
}

export async function discoveryDomain(n: number, address: string): Promise<DiscoveryDomain> {
  mkdirSync(CACHE, { recursive: true });
  const key = join(CACHE, `dc-${n}-${version()}`);
  const started = Date.now();
  if (existsSync(`${key}.tar`) && existsSync(`${key}.seed.json`)) {
    const dc = await SambaDomain.restore(`${key}.tar`, { address });
    const seed = JSON.parse(readFileSync(`${key}.seed.json`, 'utf8')) as SeedInfo;
    return { dc, seed, benchOu: `OU=Bench,${seed.peopleOu}`, origin: 'restored', readyMs: Date.now() - started };
  }
  // LMDB: the incremental sync's (uSNChanged>=n) search comes from an ordered index, as on Windows (tdb scans every object).
  const dc = await SambaDomain.create({ address, backendStore: 'mdb' });
  try {
    const seed = await seedDomain(dc);
    const benchOu = `OU=Bench,${seed.peopleOu}`;
    const admin = await DomainAdmin.connect(dc);
    await admin.addOu(benchOu);
    await admin.close();
    const ldif = `${key}.ldif`;
    usersLdif(benchOu, n, ldif);
    // The loader needs the database to itself.
    await dc.stop();
    const loadStarted = Date.now();
    await load(dc.smbConf, ldif);
    const loadRate = n / ((Date.now() - loadStarted) / 1000);
    rmSync(ldif); // the archive is what later runs reuse
    writeFileSync(`${key}.seed.json.tmp`, JSON.stringify(seed));
    renameSync(`${key}.seed.json.tmp`, `${key}.seed.json`);
    await dc.archive(`${key}.tar`);
    await dc.restart();
    return { dc, seed, benchOu, origin: 'built', readyMs: Date.now() - started, loadRate };
  } catch (err) {
    await dc.destroy();
    throw err;
  }
}
