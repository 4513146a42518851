// Shared store on PostgreSQL (node-postgres), for several gateways behind one database. Same tables,
// same migrations (by version number and meaning) and same contract as the SQLite store.
//
// Atomicity across gateways. Decisions that are one statement (lease acquire, join-token consume)
// rely on PostgreSQL's row locking: INSERT … ON CONFLICT DO UPDATE … WHERE and UPDATE … WHERE
// uses_left > 0 lock the row and re-check the condition on its newest version, so two gateways
// can never both succeed. Rate gates read a count and then write, which no single row guards; for
// those we take a transaction-scoped advisory lock per gate (pg_advisory_xact_lock on a hash of the
// gate name), always in sorted order so two multi-gate reservations cannot deadlock. Chosen over
// SERIALIZABLE because a burst on one gate (the attack case) would abort most transactions with
// serialization failures and need retry loops that can starve, whereas the lock queues them and
// each one runs exactly once; unrelated gates never wait for each other. The locks go away with
// the transaction, also when a gateway dies mid-way.
import pg from 'pg';
import { KeyhatchError } from '../errors/catalogue.js';
import type { EnrolledFactor, FactorType } from '../factors/factor.js';
import type { PopulationRepo } from './population-repo.js';
import { PG_POPULATION_MIGRATION, postgresPopulation } from './postgres-population.js';
import type { DeviceRecord, DeviceRepo, EphemeralRepo, FactorRepo, GateLimit, JoinTokenRecord, JoinTokenRepo, LeaseRepo, RateRepo, ReserveResult, Store } from './store.js';

/** Append only, one entry per SQLite migration with the same version number and meaning. */
export const PG_MIGRATIONS: readonly string[] = [
  `CREATE TABLE factors (
     id TEXT PRIMARY KEY, user_key TEXT NOT NULL, type TEXT NOT NULL, hint TEXT NOT NULL,
     confirmed BOOLEAN NOT NULL, data TEXT NOT NULL, created_at TEXT NOT NULL);
   CREATE INDEX factors_user ON factors(user_key);
   CREATE TABLE ephemeral (kind TEXT NOT NULL, id TEXT NOT NULL, value TEXT NOT NULL, expires_at BIGINT NOT NULL, PRIMARY KEY (kind, id));
   CREATE INDEX ephemeral_expiry ON ephemeral(expires_at);
   CREATE TABLE rate_events (gate TEXT NOT NULL, at BIGINT NOT NULL);
   CREATE INDEX rate_events_gate ON rate_events(gate, at);
   CREATE TABLE rate_blocks (gate TEXT PRIMARY KEY, "until" BIGINT NOT NULL);`,
  `ALTER TABLE rate_events ADD COLUMN reservation TEXT;
   CREATE INDEX rate_events_reservation ON rate_events(reservation);
   CREATE TABLE leases (key TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at BIGINT NOT NULL);
   CREATE TABLE devices (
     id TEXT PRIMARY KEY, name TEXT NOT NULL, cert_serial TEXT NOT NULL UNIQUE, public_key_sha256 TEXT NOT NULL,
     joined_at TEXT NOT NULL, last_seen_at TEXT, revoked_at TEXT, domain TEXT);
   CREATE TABLE join_tokens (
     id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, uses_left INTEGER NOT NULL, expires_at BIGINT NOT NULL,
     created_at TEXT NOT NULL, created_by TEXT NOT NULL);`,
  PG_POPULATION_MIGRATION,
];

/** Session advisory lock held while migrating, so gateways starting together apply each step once. */
const MIGRATION_LOCK = "hashtextextended('keyhatch:migrations', 0)";
const GATE_LOCK = "pg_advisory_xact_lock(hashtextextended('keyhatch:gate:' || $1, 0))";

interface FactorRow { id: string; user_key: string; type: string; hint: string; confirmed: boolean; data: string; created_at: string }
const toFactor = (r: FactorRow): EnrolledFactor => ({
  id: r.id, userKey: r.user_key, type: r.type as FactorType, hint: r.hint, confirmed: r.confirmed, data: JSON.parse(r.data) as Record<string, unknown>, createdAt: r.created_at,
});
interface DeviceRow { id: string; name: string; cert_serial: string; public_key_sha256: string; joined_at: string; last_seen_at: string | null; revoked_at: string | null; domain: string | null }
const toDevice = (r: DeviceRow): DeviceRecord => ({
  id: r.id, name: r.name, certSerial: r.cert_serial, publicKeySha256: r.public_key_sha256, joinedAt: r.joined_at,
  ...(r.last_seen_at ? { lastSeenAt: r.last_seen_at } : {}), ...(r.revoked_at ? { revokedAt: r.revoked_at } : {}), ...(r.domain ? { domain: r.domain } : {}),
});
// BIGINT arrives as a string (it may exceed 2^53); our values are epoch milliseconds, well inside.
interface TokenRow { id: string; token_hash: string; uses_left: number; expires_at: string; created_at: string; created_by: string }
const toToken = (r: TokenRow): JoinTokenRecord => ({ id: r.id, tokenHash: r.token_hash, usesLeft: r.uses_left, expiresAt: Number(r.expires_at), createdAt: r.created_at, createdBy: r.created_by });

/** Sorted, de-duplicated gate names: the order locks are taken in. */
const lockOrder = (gates: readonly GateLimit[]): string[] => [...new Set(gates.map((g) => g.gate))].sort();

/** The URL without its password, for status pages and messages. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    u.searchParams.delete('password');
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

export class PostgresStore implements Store {
  readonly kind = 'postgres';
  readonly factors: FactorRepo;
  readonly ephemeral: EphemeralRepo;
  readonly rates: RateRepo;
  readonly leases: LeaseRepo;
  readonly devices: DeviceRepo;
  readonly joinTokens: JoinTokenRepo;
  readonly population: PopulationRepo;

  /** Connects, applies pending migrations, and returns the store. */
  static async open(databaseUrl: string, opts: { maxConnections?: number } = {}): Promise<PostgresStore> {
    // A connect that cannot finish (server down mid-restart) fails after 5 s instead of queueing forever.
    const pool = new pg.Pool({ connectionString: databaseUrl, max: opts.maxConnections ?? 10, connectionTimeoutMillis: 5_000 });
    // An idle client losing its server (restart, failover) must not crash the daemon; the pool replaces it.
    pool.on('error', () => undefined);
    try {
      await migrate(pool);
    } catch (err) {
      await pool.end().catch(() => undefined);
      // pg's messages name host, user and database, never the password; the URL is shown without it.
      throw new KeyhatchError('STORE_UNAVAILABLE', {
        message: `cannot open the PostgreSQL store ${describeDatabaseUrl(databaseUrl)}: ${(err as Error).message}`, cause: err,
      });
    }
    return new PostgresStore(pool);
  }

  private constructor(private readonly pool: pg.Pool) {
    const q = async <Row extends pg.QueryResultRow>(sql: string, args: unknown[] = []): Promise<pg.QueryResult<Row>> => {
      try { return await pool.query<Row>(sql, args); } catch (err) { throw storeError(err); }
    };
    const tx = async <T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => {
      let c: pg.PoolClient;
      try { c = await pool.connect(); } catch (err) { throw storeError(err); }
      let broken: Error | undefined;
      // While checked out, a client whose server dies between two queries emits 'error' (the pool
      // listens only to idle clients): unheard, that event would kill the daemon. The next query
      // on it then fails, and the client is destroyed on release.
      const onError = (err: Error) => { broken = err; };
      c.on('error', onError);
      try {
        await c.query('BEGIN');
        const result = await fn(c);
        await c.query('COMMIT');
        return result;
      } catch (err) {
        if (isConnectionLoss(err)) broken = err as Error;
        else await c.query('ROLLBACK').catch(() => undefined);
        throw storeError(err);
      } finally {
        // A client whose server went away is destroyed, never handed to the next caller.
        c.removeListener('error', onError);
        c.release(broken);
      }
    };
    const count = async (c: pg.PoolClient, gate: string, since: number): Promise<number> =>
      Number((await c.query<{ n: string }>('SELECT COUNT(*) AS n FROM rate_events WHERE gate = $1 AND at > $2', [gate, since])).rows[0]?.n ?? 0);
    const blockSql = 'INSERT INTO rate_blocks (gate, "until") VALUES ($1, $2) ON CONFLICT (gate) DO UPDATE SET "until" = GREATEST(rate_blocks."until", excluded."until")';

    this.factors = {
      list: async (userKey) => (await q<FactorRow>('SELECT * FROM factors WHERE user_key = $1 ORDER BY created_at, id', [userKey])).rows.map(toFactor),
      listConfirmed: async (type) => (await q<FactorRow>('SELECT * FROM factors WHERE type = $1 AND confirmed ORDER BY id', [type])).rows.map(toFactor),
      get: async (id) => { const r = (await q<FactorRow>('SELECT * FROM factors WHERE id = $1', [id])).rows[0]; return r ? toFactor(r) : undefined; },
      insert: async (f) => {
        await q('INSERT INTO factors (id, user_key, type, hint, confirmed, data, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
          [f.id, f.userKey, f.type, f.hint, f.confirmed, JSON.stringify(f.data), f.createdAt]);
      },
      update: async (id, patch) => {
        const sets: string[] = [];
        const args: unknown[] = [];
        if (patch.confirmed !== undefined) { args.push(patch.confirmed); sets.push(`confirmed = $${args.length}`); }
        if (patch.data !== undefined) { args.push(JSON.stringify(patch.data)); sets.push(`data = $${args.length}`); }
        if (patch.hint !== undefined) { args.push(patch.hint); sets.push(`hint = $${args.length}`); }
        if (sets.length > 0) { args.push(id); await q(`UPDATE factors SET ${sets.join(', ')} WHERE id = $${args.length}`, args); }
      },
      delete: async (id) => { await q('DELETE FROM factors WHERE id = $1', [id]); },
    };
    this.ephemeral = {
      get: async <T>(kind: string, id: string, now: number) => {
        const r = (await q<{ value: string }>('SELECT value FROM ephemeral WHERE kind = $1 AND id = $2 AND expires_at > $3', [kind, id, now])).rows[0];
        return r ? JSON.parse(r.value) as T : undefined;
      },
      put: async (kind, id, value, expiresAt) => {
        await q('INSERT INTO ephemeral (kind, id, value, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT (kind, id) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at',
          [kind, id, JSON.stringify(value), expiresAt]);
      },
      delete: async (kind, id) => { await q('DELETE FROM ephemeral WHERE kind = $1 AND id = $2', [kind, id]); },
      purgeExpired: async (now) => (await q('DELETE FROM ephemeral WHERE expires_at <= $1', [now])).rowCount ?? 0,
    };
    this.rates = {
      hit: async (gate, now, windowMs) => tx(async (c) => {
        await c.query(`SELECT ${GATE_LOCK}`, [gate]);
        await c.query('DELETE FROM rate_events WHERE gate = $1 AND at <= $2', [gate, now - windowMs]);
        await c.query('INSERT INTO rate_events (gate, at) VALUES ($1, $2)', [gate, now]);
        return count(c, gate, now - windowMs);
      }),
      block: async (gate, until) => { await q(blockSql, [gate, until]); },
      blockedUntil: async (gate, now) => {
        const r = (await q<{ until: string }>('SELECT "until" FROM rate_blocks WHERE gate = $1 AND "until" > $2', [gate, now])).rows[0];
        return r ? Number(r.until) : undefined;
      },
      reserve: async (reservation, gates, now, windowMs) => tx(async (c): Promise<ReserveResult> => {
        for (const gate of lockOrder(gates)) await c.query(`SELECT ${GATE_LOCK}`, [gate]);
        for (const g of gates) {
          const b = (await c.query<{ until: string }>('SELECT "until" FROM rate_blocks WHERE gate = $1 AND "until" > $2', [g.gate, now])).rows[0];
          if (b) return { ok: false, gate: g.gate, blockedUntil: Number(b.until) };
          await c.query('DELETE FROM rate_events WHERE gate = $1 AND at <= $2', [g.gate, now - windowMs]);
          if (await count(c, g.gate, now - windowMs) >= g.limit) return { ok: false, gate: g.gate };
        }
        for (const g of gates) await c.query('INSERT INTO rate_events (gate, at, reservation) VALUES ($1, $2, $3)', [g.gate, now, reservation]);
        return { ok: true };
      }),
      release: async (reservation) => { await q('DELETE FROM rate_events WHERE reservation = $1', [reservation]); },
      commitFailure: async (reservation, gates, now, windowMs, blockUntil) => tx(async (c) => {
        for (const gate of lockOrder(gates)) await c.query(`SELECT ${GATE_LOCK}`, [gate]);
        await c.query('UPDATE rate_events SET reservation = NULL WHERE reservation = $1', [reservation]);
        const blocked: string[] = [];
        for (const g of gates) {
          if (await count(c, g.gate, now - windowMs) >= g.limit) { await c.query(blockSql, [g.gate, blockUntil]); blocked.push(g.gate); }
        }
        return blocked;
      }),
    };
    this.leases = {
      acquire: async (key, holder, now, ttlMs) => (await q(`INSERT INTO leases (key, holder, expires_at) VALUES ($1, $2, $3)
        ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
        WHERE leases.expires_at <= $4 OR leases.holder = excluded.holder`, [key, holder, now + ttlMs, now])).rowCount === 1,
      release: async (key, holder) => { await q('DELETE FROM leases WHERE key = $1 AND holder = $2', [key, holder]); },
      purgeExpired: async (now) => (await q('DELETE FROM leases WHERE expires_at <= $1', [now])).rowCount ?? 0,
    };
    this.devices = {
      insert: async (r) => {
        await q('INSERT INTO devices (id, name, cert_serial, public_key_sha256, joined_at, last_seen_at, revoked_at, domain) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
          [r.id, r.name, r.certSerial, r.publicKeySha256, r.joinedAt, r.lastSeenAt ?? null, r.revokedAt ?? null, r.domain ?? null]);
      },
      get: async (id) => { const r = (await q<DeviceRow>('SELECT * FROM devices WHERE id = $1', [id])).rows[0]; return r ? toDevice(r) : undefined; },
      bySerial: async (serial) => { const r = (await q<DeviceRow>('SELECT * FROM devices WHERE cert_serial = $1', [serial])).rows[0]; return r ? toDevice(r) : undefined; },
      list: async () => (await q<DeviceRow>('SELECT * FROM devices ORDER BY joined_at, id')).rows.map(toDevice),
      touch: async (id, at) => { await q('UPDATE devices SET last_seen_at = $1 WHERE id = $2', [at, id]); },
      revoke: async (id, at) => (await q('UPDATE devices SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2', [at, id])).rowCount === 1,
    };
    this.joinTokens = {
      insert: async (r) => {
        await q('INSERT INTO join_tokens (id, token_hash, uses_left, expires_at, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)',
          [r.id, r.tokenHash, r.usesLeft, r.expiresAt, r.createdAt, r.createdBy]);
      },
      consume: async (hash, now) => (await q('UPDATE join_tokens SET uses_left = uses_left - 1 WHERE token_hash = $1 AND uses_left > 0 AND expires_at > $2', [hash, now])).rowCount === 1,
      list: async (now) => (await q<TokenRow>('SELECT * FROM join_tokens WHERE expires_at > $1 AND uses_left > 0 ORDER BY created_at, id', [now])).rows.map(toToken),
      delete: async (id) => { await q('DELETE FROM join_tokens WHERE id = $1', [id]); },
    };
    this.population = postgresPopulation({ q, tx });
  }

  async schemaVersion(): Promise<number> {
    return Number((await this.pool.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations')).rows[0]?.v ?? 0);
  }

  async close(): Promise<void> { await this.pool.end(); }
}

// Server gone or restarting: class 08 (connection exception), 57P01-57P03 (admin/crash shutdown,
// cannot connect now), socket errors, and pg's own "Connection terminated" messages.
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03']);

export function isConnectionLoss(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  return CONNECTION_CODES.has(code) || code.startsWith('08')
    || /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect/i.test(typeof e?.message === 'string' ? e.message : '');
}

/**
 * A lost database is STORE_UNAVAILABLE (503, "try again shortly"): every request fails the same
 * clean way while PostgreSQL restarts and works again once it is back (the pool reconnects on the
 * next checkout). Anything else (a constraint, a bug) stays as it is. The message never holds the URL.
 */
function storeError(err: unknown): unknown {
  if (err instanceof KeyhatchError || !isConnectionLoss(err)) return err;
  return new KeyhatchError('STORE_UNAVAILABLE', { reason: `postgres: ${(err as Error).message}`, cause: err });
}

async function migrate(pool: pg.Pool): Promise<void> {
  const c = await pool.connect();
  const onError = () => undefined; // the failing query reports it (see tx)
  c.on('error', onError);
  try {
    await c.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
    try {
      await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
      const done = new Set((await c.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      for (const [i, sql] of PG_MIGRATIONS.entries()) {
        const version = i + 1;
        if (done.has(version)) continue;
        await c.query('BEGIN');
        try {
          await c.query(sql);
          await c.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [version, new Date().toISOString()]);
          await c.query('COMMIT');
        } catch (err) {
          await c.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }
    } finally {
      await c.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`).catch(() => undefined);
    }
  } finally {
    c.removeListener('error', onError);
    c.release();
  }
}
