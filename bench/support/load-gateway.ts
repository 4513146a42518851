// Child process for the load benchmark: a real gateway (mutual TLS, device CA, join tokens) over a
// memory directory of N users with TOTP, on SQLite (default) or PostgreSQL (argv[3] = URL).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../../daemon/src/config/load.js';
import { startGateway } from '../../daemon/src/roles/gateway.js';
import { initSiteCa } from '../../daemon/src/gateway/site-ca.js';
import { createJoinToken } from '../../daemon/src/gateway/join-tokens.js';
import { MemoryAudit } from '../../daemon/src/log/audit.js';
import { silentLogger } from '../../daemon/src/log/logger.js';
import type { TotpFactor } from '../../daemon/src/factors/totp.js';
import { MemoryDirectory } from './memory-directory.js';
import { enrollBenchTotp } from './bench-secret.js';

const users = Number(process.argv[2] ?? 5000);
const databaseUrl = process.argv[3];
const dataDir = mkdtempSync(join(tmpdir(), 'keyhatch-bench-load-'));
const site = await initSiteCa(join(dataDir, 'site'), ['127.0.0.1', 'localhost']);
const config = validateConfig({
  role: 'gateway', dataDir, listen: '127.0.0.1:0', tls: { certFile: site.certFile, keyFile: site.keyFile },
  ...(databaseUrl ? { databaseUrl } : {}),
  rateLimits: { startsPerSource: 100_000, sourceAttempts: 100_000, deviceAttempts: 10_000 },
});
const audit = new MemoryAudit();
audit.write = () => undefined; // the benchmark measures request handling, not log growth
const core = { config, log: silentLogger, audit, directory: new MemoryDirectory(users), ad: undefined, entra: undefined, hybrid: undefined, close: async () => undefined };
const gateway = await startGateway(config, { core });
const store = gateway.services.store;
const totp = gateway.services.registry.get('totp') as TotpFactor;
for (let i = 0; i < users; i++) {
  await enrollBenchTotp(store, totp, i, `mem:u${i}`);
}
const { token } = await createJoinToken(store.joinTokens, { uses: 16, ttlMs: 600_000, createdBy: 'bench', now: Date.now() });
process.stdout.write(`${JSON.stringify({ url: gateway.url, pin: site.caPin, token })}\n`);
// For the soak: the JS heap after a full collection, every KEYHATCH_BENCH_HEAP_MS (needs --expose-gc).
// RSS also moves with the allocator and SQLite's caches; a leak of JS objects shows here.
const heapEvery = Number(process.env.KEYHATCH_BENCH_HEAP_MS ?? 0);
const gc = (globalThis as { gc?: () => void }).gc;
if (heapEvery > 0 && gc) {
  setInterval(() => { gc(); process.stdout.write(`${JSON.stringify({ heapMb: process.memoryUsage().heapUsed / 1048576 })}\n`); }, heapEvery).unref();
}
process.on('SIGTERM', () => { void gateway.close().then(() => process.exit(0)); });
