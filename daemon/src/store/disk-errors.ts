// The embedded store's half of disk-error handling (errors/disk-errors.ts has the mapping): every
// repository method reports a full or read-only data directory as DATA_DIR_UNWRITABLE.
import { diskError } from '../errors/disk-errors.js';
import type { Store } from './store.js';

export { diskError };

/** The same store, with every repository method's disk errors mapped (the embedded SQLite store). */
export function guardDiskErrors<S extends Store>(store: S): S {
  for (const repo of ['factors', 'ephemeral', 'rates', 'leases', 'devices', 'joinTokens', 'population'] as const) {
    const r = store[repo] as unknown as Record<string, unknown>;
    for (const [name, fn] of Object.entries(r)) {
      if (typeof fn !== 'function') continue;
      r[name] = async (...args: unknown[]) => {
        try { return await (fn as (...a: unknown[]) => Promise<unknown>).apply(r, args); } catch (err) { throw diskError(err, `store ${repo}.${name}`); }
      };
    }
  }
  return store;
}
