// Embedded store on SQLite (better-sqlite3) in the data directory, with versioned migrations.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EnrolledFactor, FactorType } from '../factors/factor.js';
import type { EphemeralRepo, FactorRepo, RateRepo, Store } from './store.js';

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
];

interface FactorRow { id: string; user_key: string; type: string; hint: string; confirmed: number; data: string; created_at: string }

const toFactor = (r: FactorRow): EnrolledFactor => ({
  id: r.id, userKey: r.user_key, type: r.type as FactorType, hint: r.hint, confirmed: r.confirmed === 1, data: JSON.parse(r.data) as Record<string, unknown>, createdAt: r.created_at,
});

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  readonly factors: FactorRepo;
  readonly ephemeral: EphemeralRepo;
  readonly rates: RateRepo;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.db = new Database(join(dataDir, 'keyhatch.sqlite'));
    this.db.pragma('journal_mode = WAL');
    // WAL + NORMAL: no fsync per commit; survives a daemon crash. The reset journal fsyncs on its own.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    this.migrate();
    const db = this.db;
    const q = {
      list: db.prepare<[string], FactorRow>('SELECT * FROM factors WHERE user_key = ? ORDER BY created_at'),
      get: db.prepare<[string], FactorRow>('SELECT * FROM factors WHERE id = ?'),
      insert: db.prepare('INSERT INTO factors (id, user_key, type, hint, confirmed, data, created_at) VALUES (@id, @userKey, @type, @hint, @confirmed, @data, @createdAt)'),
      del: db.prepare('DELETE FROM factors WHERE id = ?'),
      eGet: db.prepare<[string, string, number], { value: string }>('SELECT value FROM ephemeral WHERE kind = ? AND id = ? AND expires_at > ?'),
      ePut: db.prepare('INSERT INTO ephemeral (kind, id, value, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT(kind, id) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at'),
      eDel: db.prepare('DELETE FROM ephemeral WHERE kind = ? AND id = ?'),
      ePurge: db.prepare('DELETE FROM ephemeral WHERE expires_at <= ?'),
      rHit: db.prepare('INSERT INTO rate_events (gate, at) VALUES (?, ?)'),
      rCount: db.prepare<[string, number], { n: number }>('SELECT COUNT(*) AS n FROM rate_events WHERE gate = ? AND at > ?'),
      rPrune: db.prepare('DELETE FROM rate_events WHERE gate = ? AND at <= ?'),
      rBlock: db.prepare('INSERT INTO rate_blocks (gate, until) VALUES (?, ?) ON CONFLICT(gate) DO UPDATE SET until = MAX(until, excluded.until)'),
      rBlocked: db.prepare<[string, number], { until: number }>('SELECT until FROM rate_blocks WHERE gate = ? AND until > ?'),
    };
    this.factors = {
      list: async (userKey) => q.list.all(userKey).map(toFactor),
      get: async (id) => { const r = q.get.get(id); return r ? toFactor(r) : undefined; },
      insert: async (f) => { q.insert.run({ ...f, confirmed: f.confirmed ? 1 : 0, data: JSON.stringify(f.data) }); },
      update: async (id, patch) => {
        const sets: string[] = [];
        const args: unknown[] = [];
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
    const hit = db.transaction((gate: string, now: number, windowMs: number) => {
      q.rPrune.run(gate, now - windowMs);
      q.rHit.run(gate, now);
      return (q.rCount.get(gate, now - windowMs) as { n: number }).n;
    });
    this.rates = {
      hit: async (gate, now, windowMs) => hit(gate, now, windowMs),
      block: async (gate, until) => { q.rBlock.run(gate, until); },
      blockedUntil: async (gate, now) => q.rBlocked.get(gate, now)?.until,
    };
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    const done = new Set(this.db.prepare<[], { version: number }>('SELECT version FROM schema_migrations').all().map((r) => r.version));
    MIGRATIONS.forEach((sql, i) => {
      const version = i + 1;
      if (done.has(version)) return;
      this.db.transaction(() => {
        this.db.exec(sql);
        this.db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, new Date().toISOString());
      })();
    });
  }

  schemaVersion(): number {
    return (this.db.prepare<[], { v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations').get()?.v) ?? 0;
  }

  async close(): Promise<void> { this.db.close(); }
}
