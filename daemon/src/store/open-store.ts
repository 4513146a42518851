// Chooses the store backend: PostgreSQL when a database URL is configured (several gateways share
// it), the embedded SQLite file in the data directory otherwise (one gateway, standalone, demo).
import { PostgresStore } from './postgres-store.js';
import { SqliteStore } from './sqlite-store.js';
import { diskError, guardDiskErrors } from './disk-errors.js';
import type { Store } from './store.js';

export async function openStore(opts: { dataDir: string; databaseUrl?: string }): Promise<Store> {
  if (opts.databaseUrl) return PostgresStore.open(opts.databaseUrl);
  let store: SqliteStore;
  try { store = new SqliteStore(opts.dataDir); } catch (err) { throw diskError(err, `cannot open the store in ${opts.dataDir}`); }
  return guardDiskErrors(store);
}
