// Child process for the store contract test: one "gateway" making 20 concurrent reservations on
// one gate of a shared store, printing how many were accepted.
import { openStore } from '../../daemon/src/store/open-store.js';

const loc = JSON.parse(process.env.KEYHATCH_TEST_STORE ?? '{}') as { dataDir: string; databaseUrl?: string };
const gate = process.env.KEYHATCH_TEST_GATE ?? 'user:worker';
const store = await openStore(loc);
try {
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    store.rates.reserve(`p${process.argv[2]}-${i}`, [{ gate, limit: 5 }], 1_800_000_000_000, 600_000)));
  process.stdout.write(`${JSON.stringify({ accepted: results.filter((r) => r.ok).length })}\n`);
} finally {
  await store.close();
}
