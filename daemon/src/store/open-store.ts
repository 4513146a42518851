// Chooses the store backend: PostgreSQL when a database URL is configured (several gateways share
// it), the embedded SQLite file in the data directory otherwise (one gateway, standalone, demo).
import { PostgresStore } from './postgres-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

export async function openStore(opts: { dataDir: string; databaseUrl?: string }): Promise<Store> {
  if (opts.databaseUrl) return PostgresStore.open(opts.databaseUrl);
  return new SqliteStore(opts.dataDir);
}
