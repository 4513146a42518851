// Child process for the recovery benchmark: the real HTTP app over a memory directory, with
// N users who each have a TOTP factor whose secret the load generator can derive.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../../daemon/src/config/load.js';
import { startStandalone } from '../../daemon/src/roles/standalone.js';
import { MemoryAudit } from '../../daemon/src/log/audit.js';
import { silentLogger } from '../../daemon/src/log/logger.js';
import { MemoryDirectory } from './memory-directory.js';

import { enrollBenchTotp } from './bench-secret.js';

const users = Number(process.argv[2] ?? 5000);
const dataDir = mkdtempSync(join(tmpdir(), 'keyhatch-bench-api-'));
const config = validateConfig({ dataDir, listen: '127.0.0.1:0', rateLimits: { startsPerSource: 100_000, sourceAttempts: 100_000, deviceAttempts: 10_000 } });
const directory = new MemoryDirectory(users);
const audit = new MemoryAudit();
audit.write = () => undefined; // the benchmark measures request handling, not log growth
const core = { config, log: silentLogger, audit, directory, close: async () => undefined };
const server = await startStandalone(config, { core });
const store = server.services.store;
const totp = server.services.registry.get('totp') as import('../../daemon/src/factors/totp.js').TotpFactor;
for (let i = 0; i < users; i++) {
  await enrollBenchTotp(store, totp, i, `mem:u${i}`);
}
process.stdout.write(`${JSON.stringify({ url: server.url, kioskSecret: server.kioskSecret })}\n`);
process.on('SIGTERM', () => { void server.close().then(() => process.exit(0)); });
