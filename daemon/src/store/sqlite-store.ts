// Embedded store on SQLite in the data directory, with versioned migrations. The driver is
// node:sqlite where Node has it, better-sqlite3 otherwise (see sqlite-driver.ts).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EnrolledFactor, FactorType } from '../factors/factor.js';
import type { PopulationRepo } from './population-repo.js';
import { POPULATION_MIGRATION, sqlitePopulation } from './sqlite-population.js';
import { openSqlite, type SqliteDb, type SqlValue } from './sqlite-driver.js';
import type { DeviceRecord, DeviceRepo, EphemeralRepo, FactorRepo, GateLimit, JoinTokenRecord, JoinTokenRepo, LeaseRepo, RateRepo, ReserveResult, Store } from './store.js';

/** Append only: each entry runs once, in order, inside a transaction. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE factors (
     id TEXT PRIMARY KEY, user_key TEXT NOT NULL, type TEXT NOT NULL, hint TEXT NOT NULL,
     confirmed INTEGER NOT NULL, data TEXT NOT NULL, created_at TEXT NOT NULL);
   CREATE INDEX factors_user ON factors(user_key);
   CREATE TABLE ephemeral (kind TEXT NOT NULL, id TEXT NOT NULL, value TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (kind, id));
   CREATE INDEX ephemeral_expiry ON ephemeral(expires_at);
   CREATE TABLE rate_events (gate TEXT NOT NULL, at INTEGER NOT NULL);
   CREATE INDEX rate_events_gate ON rate_events(gate, at);
   CREATE TABLE rate_blocks (gate TEXT PRIMARY KEY, until INTEGER NOT NULL);`,
  `ALTER TABLE rate_events ADD COLUMN reservation TEXT;
   CREATE INDEX rate_events_reservation ON rate_events(reservation);
   CREATE TABLE leases (key TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at INTEGER NOT NULL);
   CREATE TABLE devices (
     id TEXT PRIMARY KEY, name TEXT NOT NULL, cert_serial TEXT NOT NULL UNIQUE, public_key_sha256 TEXT NOT NULL,
     joined_at TEXT NOT NULL, last_seen_at TEXT, revoked_at TEXT, domain TEXT);
   CREATE TABLE join_tokens (
     id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, uses_left INTEGER NOT NULL, expires_at INTEGER NOT NULL,
     created_at TEXT NOT NULL, created_by TEXT NOT NULL);`,
  POPULATION_MIGRATION,
];

interface DeviceRow { id: string; name: string; cert_serial: string; public_key_sha256: string; joined_at: string; last_seen_at: string | null; revoked_at: string | null; domain: string | null }
const toDevice = (r: DeviceRow): DeviceRecord => ({
  id: r.id, name: r.name, certSerial: r.cert_serial, publicKeySha256: r.public_key_sha256, joinedAt: r.joined_at,
  ...(r.last_seen_at ? { lastSeenAt: r.last_seen_at } : {}), ...(r.revoked_at ? { revokedAt: r.revoked_at } : {}), ...(r.domain ? { domain: r.domain } : {}),
});
interface TokenRow { id: string; token_hash: string; uses_left: number; expires_at: number; created_at: string; created_by: string }
const toToken = (r: TokenRow): JoinTokenRecord => ({ id: r.id, tokenHash: r.token_hash, usesLeft: r.uses_left, expiresAt: r.expires_at, createdAt: r.created_at, createdBy: r.created_by });

interface FactorRow { id: string; user_key: string; type: string; hint: string; confirmed: number; data: string; created_at: string }

const toFactor = (r: FactorRow): EnrolledFactor => ({
  id: r.id, userKey: r.user_key, type: r.type as FactorType, hint: r.hint, confirmed: r.confirmed === 1, data: JSON.parse(r.data) as Record<string, unknown>, createdAt: r.created_at,
});

export class SqliteStore implements Store {
  private readonly db: SqliteDb;
  readonly factors: FactorRepo;
  readonly ephemeral: EphemeralRepo;
  readonly rates: RateRepo;
  readonly leases: LeaseRepo;
  readonly devices: DeviceRepo;
  readonly joinTokens: JoinTokenRepo;
  readonly population: PopulationRepo;
  readonly kind = 'sqlite';

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.db = openSqlite(join(dataDir, 'keyhatch.sqlite'));
    // Before anything else: a second process opening the file waits for locks instead of failing.
    this.db.exec('PRAGMA busy_timeout = 5000');
    this.db.exec('PRAGMA journal_mode = WAL');
    // WAL + NORMAL: no fsync per commit; survives a daemon crash. The reset journal fsyncs on its own.
    this.db.exec('PRAGMA synchronous = NORMAL');
    this.db.exec('PRAGMA foreign_keys = ON');
    this.migrate();
    const db = this.db;
    const q = {
      list: db.prepare<FactorRow>('SELECT * FROM factors WHERE user_key = ? ORDER BY created_at, id'),
      listConfirmed: db.prepare<FactorRow>('SELECT * FROM factors WHERE type = ? AND confirmed = 1 ORDER BY id'),
      get: db.prepare<FactorRow>('SELECT * FROM factors WHERE id = ?'),
      insert: db.prepare('INSERT INTO factors (id, user_key, type, hint, confirmed, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      del: db.prepare('DELETE FROM factors WHERE id = ?'),
      eGet: db.prepare<{ value: string }>('SELECT value FROM ephemeral WHERE kind = ? AND id = ? AND expires_at > ?'),
      ePut: db.prepare('INSERT INTO ephemeral (kind, id, value, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT(kind, id) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at'),
      eDel: db.prepare('DELETE FROM ephemeral WHERE kind = ? AND id = ?'),
      ePurge: db.prepare('DELETE FROM ephemeral WHERE expires_at <= ?'),
      rHit: db.prepare('INSERT INTO rate_events (gate, at) VALUES (?, ?)'),
      rCount: db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM rate_events WHERE gate = ? AND at > ?'),
      rPrune: db.prepare('DELETE FROM rate_events WHERE gate = ? AND at <= ?'),
      rBlock: db.prepare('INSERT INTO rate_blocks (gate, until) VALUES (?, ?) ON CONFLICT(gate) DO UPDATE SET until = MAX(until, excluded.until)'),
      rBlocked: db.prepare<{ until: number }>('SELECT until FROM rate_blocks WHERE gate = ? AND until > ?'),
    };
    const count = (gate: string, since: number): number => Number(q.rCount.get(gate, since)?.n ?? 0);
    this.factors = {
      list: async (userKey) => q.list.all(userKey).map(toFactor),
      listConfirmed: async (type) => q.listConfirmed.all(type).map(toFactor),
      get: async (id) => { const r = q.get.get(id); return r ? toFactor(r) : undefined; },
      insert: async (f) => { q.insert.run(f.id, f.userKey, f.type, f.hint, f.confirmed ? 1 : 0, JSON.stringify(f.data), f.createdAt); },
      update: async (id, patch) => {
        const sets: string[] = [];
        const args: SqlValue[] = [];
        if (patch.confirmed !== undefined) { sets.push('confirmed = ?'); args.push(patch.confirmed ? 1 : 0); }
        if (patch.data !== undefined) { sets.push('data = ?'); args.push(JSON.stringify(patch.data)); }
        if (patch.hint !== undefined) { sets.push('hint = ?'); args.push(patch.hint); }
        if (sets.length > 0) db.prepare(`UPDATE factors SET ${sets.join(', ')} WHERE id = ?`).run(...args, id);
      },
      delete: async (id) => { q.del.run(id); },
    };
    this.ephemeral = {
      get: async <T>(kind: string, id: string, now: number) => { const r = q.eGet.get(kind, id, now); return r ? JSON.parse(r.value) as T : undefined; },
      put: async (kind, id, value, expiresAt) => { q.ePut.run(kind, id, JSON.stringify(value), expiresAt); },
      delete: async (kind, id) => { q.eDel.run(kind, id); },
      purgeExpired: async (now) => q.ePurge.run(now).changes,
    };
    const hit = (gate: string, now: number, windowMs: number): number => db.immediate(() => {
      q.rPrune.run(gate, now - windowMs);
      q.rHit.run(gate, now);
      return count(gate, now - windowMs);
    });
    const rInsert = db.prepare('INSERT INTO rate_events (gate, at, reservation) VALUES (?, ?, ?)');
    // IMMEDIATE: the write lock is taken before the counts are read, so two processes cannot both pass.
    const reserve = (reservation: string, gates: readonly GateLimit[], now: number, windowMs: number): ReserveResult => db.immediate(() => {
      for (const g of gates) {
        const until = q.rBlocked.get(g.gate, now)?.until;
        if (until !== undefined) return { ok: false, gate: g.gate, blockedUntil: Number(until) };
        q.rPrune.run(g.gate, now - windowMs);
        if (count(g.gate, now - windowMs) >= g.limit) return { ok: false, gate: g.gate };
      }
      for (const g of gates) rInsert.run(g.gate, now, reservation);
      return { ok: true };
    });
    const rRelease = db.prepare('DELETE FROM rate_events WHERE reservation = ?');
    const rClear = db.prepare('UPDATE rate_events SET reservation = NULL WHERE reservation = ?');
    const commitFailure = (reservation: string, gates: readonly GateLimit[], now: number, windowMs: number, blockUntil: number): string[] => db.immediate(() => {
      rClear.run(reservation);
      const blocked: string[] = [];
      for (const g of gates) {
        if (count(g.gate, now - windowMs) >= g.limit) { q.rBlock.run(g.gate, blockUntil); blocked.push(g.gate); }
      }
      return blocked;
    });
    this.rates = {
      hit: async (gate, now, windowMs) => hit(gate, now, windowMs),
      block: async (gate, until) => { q.rBlock.run(gate, until); },
      blockedUntil: async (gate, now) => { const u = q.rBlocked.get(gate, now)?.until; return u === undefined ? undefined : Number(u); },
      reserve: async (reservation, gates, now, windowMs) => reserve(reservation, gates, now, windowMs),
      release: async (reservation) => { rRelease.run(reservation); },
      commitFailure: async (reservation, gates, now, windowMs, blockUntil) => commitFailure(reservation, gates, now, windowMs, blockUntil),
    };
    // One statement: the conflict check and the takeover are atomic in SQLite's write lock.
    const lAcquire = db.prepare(`INSERT INTO leases (key, holder, expires_at) VALUES (?, ?, ?)
      ON CONFLICT(key) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at WHERE leases.expires_at <= ? OR leases.holder = excluded.holder`);
    const lRelease = db.prepare('DELETE FROM leases WHERE key = ? AND holder = ?');
    const lPurge = db.prepare('DELETE FROM leases WHERE expires_at <= ?');
    this.leases = {
      acquire: async (key, holder, now, ttlMs) => lAcquire.run(key, holder, now + ttlMs, now).changes === 1,
      release: async (key, holder) => { lRelease.run(key, holder); },
      purgeExpired: async (now) => Number(lPurge.run(now).changes),
    };
    const d = {
      insert: db.prepare('INSERT INTO devices (id, name, cert_serial, public_key_sha256, joined_at, last_seen_at, revoked_at, domain) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      get: db.prepare<DeviceRow>('SELECT * FROM devices WHERE id = ?'),
      bySerial: db.prepare<DeviceRow>('SELECT * FROM devices WHERE cert_serial = ?'),
      list: db.prepare<DeviceRow>('SELECT * FROM devices ORDER BY joined_at, id'),
      touch: db.prepare('UPDATE devices SET last_seen_at = ? WHERE id = ?'),
      revoke: db.prepare('UPDATE devices SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?'),
    };
    this.devices = {
      insert: async (r) => { d.insert.run(r.id, r.name, r.certSerial, r.publicKeySha256, r.joinedAt, r.lastSeenAt ?? null, r.revokedAt ?? null, r.domain ?? null); },
      get: async (id) => { const r = d.get.get(id); return r ? toDevice(r) : undefined; },
      bySerial: async (serial) => { const r = d.bySerial.get(serial); return r ? toDevice(r) : undefined; },
      list: async () => d.list.all().map(toDevice),
      touch: async (id, at) => { d.touch.run(at, id); },
      revoke: async (id, at) => d.revoke.run(at, id).changes === 1,
    };
    const t = {
      insert: db.prepare('INSERT INTO join_tokens (id, token_hash, uses_left, expires_at, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)'),
      consume: db.prepare('UPDATE join_tokens SET uses_left = uses_left - 1 WHERE token_hash = ? AND uses_left > 0 AND expires_at > ?'),
      list: db.prepare<TokenRow>('SELECT * FROM join_tokens WHERE expires_at > ? AND uses_left > 0 ORDER BY created_at, id'),
      del: db.prepare('DELETE FROM join_tokens WHERE id = ?'),
    };
    this.joinTokens = {
      insert: async (r) => { t.insert.run(r.id, r.tokenHash, r.usesLeft, r.expiresAt, r.createdAt, r.createdBy); },
      consume: async (hash, now) => t.consume.run(hash, now).changes === 1,
      list: async (now) => t.list.all(now).map(toToken),
      delete: async (id) => { t.del.run(id); },
    };
    this.population = sqlitePopulation(db);
  }

  /** "node:sqlite" or "better-sqlite3". */
  get driver(): string { return this.db.driver; }

  private migrate(): void {
    // IMMEDIATE around the whole check-and-apply: two processes opening a new file cannot both apply a step.
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    this.db.immediate(() => {
      const done = new Set(this.db.prepare<{ version: number }>('SELECT version FROM schema_migrations').all().map((r) => Number(r.version)));
      MIGRATIONS.forEach((sql, i) => {
        const version = i + 1;
        if (done.has(version)) return;
        this.db.exec(sql);
        this.db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, new Date().toISOString());
      });
    });
  }

  async schemaVersion(): Promise<number> {
    return Number(this.db.prepare<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations').get()?.v ?? 0);
  }

  async close(): Promise<void> { this.db.close(); }
}
