// One small SQLite surface over two drivers: Node's built-in `node:sqlite` (Node ≥ 22.13 and 24, no
// native module to build or ship) and better-sqlite3 (Node 20, which has no built-in SQLite).
// better-sqlite3 is loaded lazily, only when the built-in one is missing, so Node 24 never loads
// its ABI-specific binary. Both are synchronous; the store only uses positional parameters.
import { createRequire } from 'node:module';

export type SqlValue = string | number | bigint | null;

export interface SqliteStatement<Row> {
  run(...params: SqlValue[]): { changes: number };
  get(...params: SqlValue[]): Row | undefined;
  all(...params: SqlValue[]): Row[];
}

export interface SqliteDb {
  /** "node:sqlite" or "better-sqlite3": which driver this process uses. */
  readonly driver: string;
  exec(sql: string): void;
  prepare<Row = unknown>(sql: string): SqliteStatement<Row>;
  /**
   * Runs `fn` in a BEGIN IMMEDIATE transaction: the write lock is taken before anything is read,
   * so a check and the write that follows it cannot interleave with another process.
   */
  immediate<T>(fn: () => T): T;
  close(): void;
}

interface NativeStatement { run(...p: unknown[]): { changes: number | bigint }; get(...p: unknown[]): unknown; all(...p: unknown[]): unknown[] }
interface NativeDb { exec(sql: string): void; prepare(sql: string): NativeStatement; close(): void }
interface NodeSqliteModule { DatabaseSync: new (path: string) => NativeDb }
type BetterSqliteCtor = new (path: string) => NativeDb;

/** The built-in module, or undefined on Node versions without it (or where it still needs a flag). */
function nodeSqlite(): NodeSqliteModule | undefined {
  const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  try {
    return getBuiltin?.call(process, 'node:sqlite') as NodeSqliteModule | undefined;
  } catch {
    return undefined;
  }
}

export function sqliteDriverName(): string {
  return nodeSqlite() ? 'node:sqlite' : 'better-sqlite3';
}

class Db implements SqliteDb {
  private depth = 0;
  constructor(private readonly db: NativeDb, readonly driver: string) {}

  exec(sql: string): void { this.db.exec(sql); }

  prepare<Row>(sql: string): SqliteStatement<Row> {
    const s = this.db.prepare(sql);
    return {
      run: (...p) => ({ changes: Number(s.run(...p).changes) }),
      get: (...p) => (s.get(...p) ?? undefined) as Row | undefined,
      all: (...p) => s.all(...p) as Row[],
    };
  }

  immediate<T>(fn: () => T): T {
    if (this.depth > 0) return fn(); // already inside this connection's transaction
    this.db.exec('BEGIN IMMEDIATE');
    this.depth++;
    try {
      const result = fn();
      this.db.exec('COMMIT');
      return result;
    } catch (err) {
      // SQLite may have rolled back already (SQLITE_FULL, IOERR): then ROLLBACK itself fails, and
      // that error must not replace the one that says what happened.
      try { this.db.exec('ROLLBACK'); } catch { /* no transaction left to roll back */ }
      throw err;
    } finally {
      this.depth--;
    }
  }

  close(): void { this.db.close(); }
}

export function openSqlite(file: string): SqliteDb {
  const builtin = nodeSqlite();
  if (builtin) return new Db(new builtin.DatabaseSync(file), 'node:sqlite');
  const BetterSqlite = createRequire(import.meta.url)('better-sqlite3') as BetterSqliteCtor;
  return new Db(new BetterSqlite(file), 'better-sqlite3');
}
