// Child process for the full-flow benchmark: a real gateway (mutual TLS, device CA) over the throwaway
// Samba domain, with a TOTP factor enrolled for each named user. argv: config JSON file, user names
// (comma-separated). Prints { url, pin, token } once ready.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig } from '../../daemon/src/config/load.js';
import { startGateway } from '../../daemon/src/roles/gateway.js';
import { initSiteCa } from '../../daemon/src/gateway/site-ca.js';
import { createJoinToken } from '../../daemon/src/gateway/join-tokens.js';
import { userKeyOf } from '../../daemon/src/directory/directory.js';
import type { TotpFactor } from '../../daemon/src/factors/totp.js';
import { enrollBenchTotp } from './bench-secret.js';

const raw = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as Record<string, unknown> & { dataDir: string };
const names = (process.argv[3] as string).split(',');
const site = await initSiteCa(join(raw.dataDir, 'site'), ['127.0.0.1', 'localhost']);
const config = validateConfig({ ...raw, role: 'gateway', listen: '127.0.0.1:0', tls: { certFile: site.certFile, keyFile: site.keyFile } });
const gateway = await startGateway(config);
const { store, registry } = gateway.services;
const { directory } = gateway.core;
const totp = registry.get('totp') as TotpFactor;
for (const [i, name] of names.entries()) {
  const user = await directory.findUser(name);
  if (!user) throw new Error(`bench user ${name} not found`);
  await enrollBenchTotp(store, totp, i, userKeyOf(user));
}
const { token } = await createJoinToken(store.joinTokens, { uses: 4, ttlMs: 600_000, createdBy: 'bench', now: Date.now() });
process.stdout.write(`${JSON.stringify({ url: gateway.url, pin: site.caPin, token })}\n`);
process.on('SIGTERM', () => { void gateway.close().then(() => process.exit(0)); });
