// Opens the store the configuration asks for. This branch knows only the embedded SQLite store;
// the PostgreSQL branch (databaseUrl) replaces this file with the same signature.
import { KeyhatchError } from '../errors/catalogue.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  readonly dataDir: string;
  /** postgres://… to share state between gateways; absent: SQLite in dataDir. */
  readonly databaseUrl?: string;
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  if (opts.databaseUrl !== undefined) throw new KeyhatchError('CONFIG_INVALID', { message: 'invalid configuration: databaseUrl: PostgreSQL is not available in this build' });
  return new SqliteStore(opts.dataDir);
}
