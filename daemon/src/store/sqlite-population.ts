// PopulationRepo on SQLite (see population-repo.ts for the meaning of each call).
import type { SqliteDb, SqlValue } from './sqlite-driver.js';
import {
  emptyCounts, likePattern, POPULATION_STATUSES, statusSql, toPopulationRecord,
  type DailyCounts, type PopulationRow, type PopulationRepo, type PopulationStatus, type StatusCounts, type TargetGroup,
} from './population-repo.js';

/** Migration 3 (same version and meaning as PG_MIGRATIONS[2]). */
export const POPULATION_MIGRATION = `
  CREATE TABLE population (
    directory_id TEXT NOT NULL, object_id TEXT NOT NULL, user_key TEXT NOT NULL, dn TEXT NOT NULL,
    account_name TEXT NOT NULL, display_name TEXT NOT NULL, mail TEXT NOT NULL,
    in_scope INTEGER NOT NULL, disabled INTEGER NOT NULL, lockout_until INTEGER NOT NULL, enrolled INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT '', last_change TEXT NOT NULL, synced_at TEXT NOT NULL,
    PRIMARY KEY (directory_id, object_id));
  CREATE INDEX population_key ON population(user_key);
  CREATE INDEX population_status ON population(directory_id, status);
  CREATE TABLE population_targets (directory_id TEXT NOT NULL, group_id TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (directory_id, group_id));
  CREATE TABLE sync_state (directory_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (directory_id, key));
  CREATE TABLE population_daily (day TEXT NOT NULL, directory_id TEXT NOT NULL, counts TEXT NOT NULL, PRIMARY KEY (day, directory_id));
  CREATE TABLE notices (kind TEXT NOT NULL, user_key TEXT NOT NULL, day TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (kind, user_key, day));`;


export function sqlitePopulation(db: SqliteDb): PopulationRepo {
  const iso = (ms: number) => new Date(ms).toISOString();
  const upsert = db.prepare(`INSERT INTO population (directory_id, object_id, user_key, dn, account_name, display_name, mail, in_scope, disabled, lockout_until, last_change, synced_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT(directory_id, object_id) DO UPDATE SET user_key = excluded.user_key, dn = excluded.dn, account_name = excluded.account_name,
      display_name = excluded.display_name, mail = excluded.mail, in_scope = excluded.in_scope, disabled = excluded.disabled,
      lockout_until = excluded.lockout_until, synced_at = excluded.synced_at`);
  // Only rows whose value changes are written: refresh runs after every (incremental) sync. The
  // enrolled keys are one uncorrelated subquery (built once), not a lookup per row twice over.
  const enrolled = db.prepare(`UPDATE population SET enrolled = 1 - enrolled
    WHERE directory_id = ? AND enrolled <> (user_key IN (SELECT user_key FROM factors WHERE confirmed = 1))`);
  const status = db.prepare(`UPDATE population SET status = ${statusSql('?')}, last_change = ?
    WHERE directory_id = ? AND status <> ${statusSql('?')}`);
  const get = db.prepare<PopulationRow>('SELECT * FROM population WHERE directory_id = ? AND object_id = ?');
  const byKey = db.prepare<PopulationRow>('SELECT * FROM population WHERE user_key = ? ORDER BY in_scope DESC, synced_at DESC LIMIT 1');
  const all = db.prepare<PopulationRow>('SELECT * FROM population WHERE directory_id = ?');
  const del = db.prepare('DELETE FROM population WHERE directory_id = ? AND object_id = ?');
  const state = {
    get: db.prepare<{ value: string }>('SELECT value FROM sync_state WHERE directory_id = ? AND key = ?'),
    set: db.prepare('INSERT INTO sync_state (directory_id, key, value) VALUES (?, ?, ?) ON CONFLICT(directory_id, key) DO UPDATE SET value = excluded.value'),
  };
  const daily = db.prepare('INSERT INTO population_daily (day, directory_id, counts) VALUES (?, ?, ?) ON CONFLICT(day, directory_id) DO UPDATE SET counts = excluded.counts');
  const claim = db.prepare('INSERT INTO notices (kind, user_key, day, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING');
  const notices = db.prepare<{ day: string }>('SELECT day FROM notices WHERE kind = ? AND user_key = ? ORDER BY day DESC');

  const where = (q: { directoryId?: string | undefined; status?: string | undefined; search?: string | undefined }): { sql: string; args: SqlValue[] } => {
    const parts: string[] = [];
    const args: SqlValue[] = [];
    if (q.directoryId !== undefined) { parts.push('directory_id = ?'); args.push(q.directoryId); }
    if (q.status !== undefined) { parts.push('status = ?'); args.push(q.status); }
    if (q.search) {
      parts.push("(account_name LIKE ? ESCAPE '\\' OR display_name LIKE ? ESCAPE '\\' OR mail LIKE ? ESCAPE '\\')");
      const p = likePattern(q.search);
      args.push(p, p, p);
    }
    return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', args };
  };

  return {
    upsert: async (rows, now) => {
      const at = iso(now);
      db.immediate(() => {
        for (const r of rows) {
          upsert.run(r.directoryId, r.objectId, r.userKey, r.dn, r.accountName, r.displayName, r.mail, r.inScope ? 1 : 0, r.disabled ? 1 : 0,
            Math.min(r.lockoutUntil, Number.MAX_SAFE_INTEGER), at, at);
        }
      });
    },
    refresh: async (directoryId, now) => db.immediate(() => {
      enrolled.run(directoryId);
      return status.run(now, iso(now), directoryId, now).changes;
    }),
    get: async (directoryId, objectId) => { const r = get.get(directoryId, objectId); return r ? toPopulationRecord(r) : undefined; },
    byUserKey: async (userKey) => { const r = byKey.get(userKey); return r ? toPopulationRecord(r) : undefined; },
    list: async (q) => {
      const w = where(q);
      const total = Number(db.prepare<{ n: number }>(`SELECT COUNT(*) AS n FROM population ${w.sql}`).get(...w.args)?.n ?? 0);
      const rows = db.prepare<PopulationRow>(`SELECT * FROM population ${w.sql} ORDER BY account_name, directory_id, object_id LIMIT ? OFFSET ?`)
        .all(...w.args, q.limit ?? 100, q.offset ?? 0).map(toPopulationRecord);
      return { total, rows };
    },
    all: async (directoryId) => all.all(directoryId).map(toPopulationRecord),
    counts: async (directoryId) => {
      const w = where({ directoryId });
      const out = emptyCounts();
      for (const r of db.prepare<{ status: string; n: number }>(`SELECT status, COUNT(*) AS n FROM population ${w.sql} GROUP BY status`).all(...w.args)) {
        if ((POPULATION_STATUSES as readonly string[]).includes(r.status)) out[r.status as PopulationStatus] = Number(r.n);
      }
      return out;
    },
    remove: async (directoryId, objectIds) => { db.immediate(() => { for (const id of objectIds) del.run(directoryId, id); }); },
    setTargets: async (directoryId, groups) => {
      db.immediate(() => {
        db.prepare('DELETE FROM population_targets WHERE directory_id = ?').run(directoryId);
        const ins = db.prepare('INSERT INTO population_targets (directory_id, group_id, name) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
        for (const g of groups) ins.run(directoryId, g.groupId, g.name);
      });
    },
    targets: async (directoryId) => {
      const w = where({ directoryId });
      return db.prepare<{ directory_id: string; group_id: string; name: string }>(`SELECT * FROM population_targets ${w.sql} ORDER BY directory_id, name, group_id`)
        .all(...w.args).map((r): TargetGroup => ({ directoryId: r.directory_id, groupId: r.group_id, name: r.name }));
    },
    getState: async <T>(directoryId: string, key: string) => { const r = state.get.get(directoryId, key); return r ? JSON.parse(r.value) as T : undefined; },
    setState: async (directoryId, key, value) => { state.set.run(directoryId, key, JSON.stringify(value)); },
    recordDaily: async (e) => { daily.run(e.day, e.directoryId, JSON.stringify(e.counts)); },
    daily: async (directoryId, sinceDay) => {
      const parts: string[] = [];
      const args: SqlValue[] = [];
      if (directoryId !== undefined) { parts.push('directory_id = ?'); args.push(directoryId); }
      if (sinceDay !== undefined) { parts.push('day >= ?'); args.push(sinceDay); }
      return db.prepare<{ day: string; directory_id: string; counts: string }>(`SELECT * FROM population_daily ${parts.length ? `WHERE ${parts.join(' AND ')}` : ''} ORDER BY day, directory_id`)
        .all(...args).map((r): DailyCounts => ({ day: r.day, directoryId: r.directory_id, counts: { ...emptyCounts(), ...JSON.parse(r.counts) as Partial<StatusCounts> } }));
    },
    claimNotice: async (kind, userKey, day, at) => claim.run(kind, userKey, day, at).changes === 1,
    notices: async (kind, userKey) => notices.all(kind, userKey).map((r) => r.day),
  };
}
