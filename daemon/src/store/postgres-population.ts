// PopulationRepo on PostgreSQL (see population-repo.ts for the meaning of each call). Many rows are
// written with one statement per batch (unnest of arrays), not one round trip per row.
import type pg from 'pg';
import {
  emptyCounts, likePattern, POPULATION_STATUSES, statusSql, toPopulationRecord,
  type DailyCounts, type PopulationRow, type PopulationRepo, type PopulationStatus, type StatusCounts, type TargetGroup,
} from './population-repo.js';

/** Migration 3 (same version and meaning as the SQLite POPULATION_MIGRATION). */
export const PG_POPULATION_MIGRATION = `
  CREATE TABLE population (
    directory_id TEXT NOT NULL, object_id TEXT NOT NULL, user_key TEXT NOT NULL, dn TEXT NOT NULL,
    account_name TEXT NOT NULL, display_name TEXT NOT NULL, mail TEXT NOT NULL,
    in_scope SMALLINT NOT NULL, disabled SMALLINT NOT NULL, lockout_until BIGINT NOT NULL, enrolled SMALLINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT '', last_change TEXT NOT NULL, synced_at TEXT NOT NULL,
    PRIMARY KEY (directory_id, object_id));
  CREATE INDEX population_key ON population(user_key);
  CREATE INDEX population_status ON population(directory_id, status);
  CREATE TABLE population_targets (directory_id TEXT NOT NULL, group_id TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (directory_id, group_id));
  CREATE TABLE sync_state (directory_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (directory_id, key));
  CREATE TABLE population_daily (day TEXT NOT NULL, directory_id TEXT NOT NULL, counts TEXT NOT NULL, PRIMARY KEY (day, directory_id));
  CREATE TABLE notices (kind TEXT NOT NULL, user_key TEXT NOT NULL, day TEXT NOT NULL, at BIGINT NOT NULL, PRIMARY KEY (kind, user_key, day));`;

const BATCH = 2000;

/** The store's own query and transaction helpers: a lost database is STORE_UNAVAILABLE here too, and a broken client is never reused. */
export interface PgHelpers {
  q: <R extends pg.QueryResultRow>(sql: string, args?: unknown[]) => Promise<pg.QueryResult<R>>;
  tx: <T>(fn: (c: pg.PoolClient) => Promise<T>) => Promise<T>;
}

export function postgresPopulation({ q, tx }: PgHelpers): PopulationRepo {
  const iso = (ms: number) => new Date(ms).toISOString();
  const where = (f: { directoryId?: string | undefined; status?: string | undefined; search?: string | undefined }): { sql: string; args: unknown[] } => {
    const parts: string[] = [];
    const args: unknown[] = [];
    if (f.directoryId !== undefined) { args.push(f.directoryId); parts.push(`directory_id = $${args.length}`); }
    if (f.status !== undefined) { args.push(f.status); parts.push(`status = $${args.length}`); }
    if (f.search) {
      args.push(likePattern(f.search));
      const n = args.length;
      parts.push(`(account_name ILIKE $${n} OR display_name ILIKE $${n} OR mail ILIKE $${n})`);
    }
    return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', args };
  };

  return {
    upsert: async (rows, now) => {
      await tx(async (c) => {
        for (let i = 0; i < rows.length; i += BATCH) {
          const b = rows.slice(i, i + BATCH);
          const col = <T>(f: (r: typeof b[number]) => T): T[] => b.map(f);
          await c.query(`INSERT INTO population (directory_id, object_id, user_key, dn, account_name, display_name, mail, in_scope, disabled, lockout_until, last_change, synced_at)
            SELECT *, $11::text, $11::text FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::smallint[], $9::smallint[], $10::bigint[])
            ON CONFLICT (directory_id, object_id) DO UPDATE SET user_key = excluded.user_key, dn = excluded.dn, account_name = excluded.account_name,
              display_name = excluded.display_name, mail = excluded.mail, in_scope = excluded.in_scope, disabled = excluded.disabled,
              lockout_until = excluded.lockout_until, synced_at = excluded.synced_at`,
          [col((r) => r.directoryId), col((r) => r.objectId), col((r) => r.userKey), col((r) => r.dn), col((r) => r.accountName), col((r) => r.displayName),
            col((r) => r.mail), col((r) => (r.inScope ? 1 : 0)), col((r) => (r.disabled ? 1 : 0)), col((r) => Math.min(r.lockoutUntil, Number.MAX_SAFE_INTEGER)), iso(now)]);
        }
      });
    },
    refresh: async (directoryId, now) => tx(async (c) => {
      // Only rows whose value changes are written: refresh runs after every (incremental) sync.
      const has = 'CASE WHEN EXISTS (SELECT 1 FROM factors f WHERE f.user_key = population.user_key AND f.confirmed) THEN 1 ELSE 0 END';
      await c.query(`UPDATE population SET enrolled = ${has} WHERE directory_id = $1 AND enrolled <> ${has}`, [directoryId]);
      return (await c.query(`UPDATE population SET status = ${statusSql('$2')}, last_change = $3 WHERE directory_id = $1 AND status <> ${statusSql('$2')}`,
        [directoryId, now, iso(now)])).rowCount ?? 0;
    }),
    get: async (directoryId, objectId) => {
      const r = (await q<PopulationRow>('SELECT * FROM population WHERE directory_id = $1 AND object_id = $2', [directoryId, objectId])).rows[0];
      return r ? toPopulationRecord(r) : undefined;
    },
    byUserKey: async (userKey) => {
      const r = (await q<PopulationRow>('SELECT * FROM population WHERE user_key = $1 ORDER BY in_scope DESC, synced_at DESC LIMIT 1', [userKey])).rows[0];
      return r ? toPopulationRecord(r) : undefined;
    },
    list: async (f) => {
      const w = where(f);
      const total = Number((await q<{ n: string }>(`SELECT COUNT(*) AS n FROM population ${w.sql}`, w.args)).rows[0]?.n ?? 0);
      const n = w.args.length;
      const rows = (await q<PopulationRow>(`SELECT * FROM population ${w.sql} ORDER BY account_name, directory_id, object_id LIMIT $${n + 1} OFFSET $${n + 2}`,
        [...w.args, f.limit ?? 100, f.offset ?? 0])).rows.map(toPopulationRecord);
      return { total, rows };
    },
    all: async (directoryId) => (await q<PopulationRow>('SELECT * FROM population WHERE directory_id = $1', [directoryId])).rows.map(toPopulationRecord),
    counts: async (directoryId) => {
      const w = where({ directoryId });
      const out = emptyCounts();
      for (const r of (await q<{ status: string; n: string }>(`SELECT status, COUNT(*) AS n FROM population ${w.sql} GROUP BY status`, w.args)).rows) {
        if ((POPULATION_STATUSES as readonly string[]).includes(r.status)) out[r.status as PopulationStatus] = Number(r.n);
      }
      return out;
    },
    remove: async (directoryId, objectIds) => {
      await q('DELETE FROM population WHERE directory_id = $1 AND object_id = ANY($2::text[])', [directoryId, [...objectIds]]);
    },
    setTargets: async (directoryId, groups) => {
      await tx(async (c) => {
        await c.query('DELETE FROM population_targets WHERE directory_id = $1', [directoryId]);
        for (const g of groups) await c.query('INSERT INTO population_targets (directory_id, group_id, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [directoryId, g.groupId, g.name]);
      });
    },
    targets: async (directoryId) => {
      const w = where({ directoryId });
      return (await q<{ directory_id: string; group_id: string; name: string }>(`SELECT * FROM population_targets ${w.sql} ORDER BY directory_id, name, group_id`, w.args))
        .rows.map((r): TargetGroup => ({ directoryId: r.directory_id, groupId: r.group_id, name: r.name }));
    },
    getState: async <T>(directoryId: string, key: string) => {
      const r = (await q<{ value: string }>('SELECT value FROM sync_state WHERE directory_id = $1 AND key = $2', [directoryId, key])).rows[0];
      return r ? JSON.parse(r.value) as T : undefined;
    },
    setState: async (directoryId, key, value) => {
      await q('INSERT INTO sync_state (directory_id, key, value) VALUES ($1, $2, $3) ON CONFLICT (directory_id, key) DO UPDATE SET value = excluded.value',
        [directoryId, key, JSON.stringify(value)]);
    },
    recordDaily: async (e) => {
      await q('INSERT INTO population_daily (day, directory_id, counts) VALUES ($1, $2, $3) ON CONFLICT (day, directory_id) DO UPDATE SET counts = excluded.counts',
        [e.day, e.directoryId, JSON.stringify(e.counts)]);
    },
    daily: async (directoryId, sinceDay) => {
      const parts: string[] = [];
      const args: unknown[] = [];
      if (directoryId !== undefined) { args.push(directoryId); parts.push(`directory_id = $${args.length}`); }
      if (sinceDay !== undefined) { args.push(sinceDay); parts.push(`day >= $${args.length}`); }
      return (await q<{ day: string; directory_id: string; counts: string }>(`SELECT * FROM population_daily ${parts.length ? `WHERE ${parts.join(' AND ')}` : ''} ORDER BY day, directory_id`, args))
        .rows.map((r): DailyCounts => ({ day: r.day, directoryId: r.directory_id, counts: { ...emptyCounts(), ...JSON.parse(r.counts) as Partial<StatusCounts> } }));
    },
    claimNotice: async (kind, userKey, day, at) =>
      (await q('INSERT INTO notices (kind, user_key, day, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [kind, userKey, day, at])).rowCount === 1,
    notices: async (kind, userKey) => (await q<{ day: string }>('SELECT day FROM notices WHERE kind = $1 AND user_key = $2 ORDER BY day DESC', [kind, userKey])).rows.map((r) => r.day),
  };
}
