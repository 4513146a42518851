// The full recovery flow — start, TOTP challenge, verify, reset of the AD password — through a
// workstation relay (loopback HTTP with the kiosk secret, mutual TLS to the gateway) vs directly
// against the gateway with the relay's own mutual-TLS client, against a throwaway Samba domain.
// One flow at a time, the two paths interleaved (alternating which goes first) so load on the
// shared machine hits both alike. Target: relay p50 ≤ 1.15× direct. load.bench.ts measures the same
// without a directory (a memory one), which shows the relay's cost against the cheapest gateway.
// Knobs: BENCH_FLOW_ROUNDS (flows per path, default 100), BENCH_FLOW_USERS (default 300; each user's
// TOTP step is used once, so users must exceed the flows run within 30 s).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as OTPAuth from 'otpauth';
import { SambaDomain } from '../test/support/samba-dc.js';
import { seedDomain } from '../test/support/seed.js';
import { DomainAdmin } from '../test/support/domain-admin.js';
import { joinGateway } from '../daemon/src/relay/join.js';
import { GatewayClient } from '../daemon/src/relay/gateway-client.js';
import { benchSecretFor } from './support/bench-secret.js';
import { benchChild, stopChildren } from './support/child.js';
import { direct, viaRelay, type Call } from './support/flow-calls.js';
import { summary } from './stats.js';

const ROUNDS = Number(process.env.BENCH_FLOW_ROUNDS ?? 100);
const USERS = Number(process.env.BENCH_FLOW_USERS ?? 300);

export async function runRelayFlowBench(): Promise<Record<string, unknown>> {
  console.log(`\nrelay-flow: start + TOTP challenge + verify + AD reset, relay → gateway vs direct, ${ROUNDS} each, Samba DC`);
  const dc = await SambaDomain.create({ address: process.env.BENCH_DC_ADDRESS ?? '127.0.0.14' });
  const children = [];
  try {
    const seed = await seedDomain(dc);
    const admin = await DomainAdmin.connect(dc);
    const names = Array.from({ length: USERS }, (_, i) => `flow${i}`);
    for (const name of names) await admin.addUser({ name, password: `Flow-Start-${randomBytes(6).toString('hex')}-7!` }, seed.peopleOu);
    await admin.close();

    const dataDir = mkdtempSync(join(tmpdir(), 'keyhatch-bench-flow-'));
    const configFile = join(dataDir, 'config.json');
    writeFileSync(configFile, JSON.stringify({
      dataDir,
      ad: { urls: [dc.ldapsUrl], baseDn: seed.peopleOu, bindDn: seed.service.upn, bindPassword: seed.service.password, caFile: dc.caFile },
      rateLimits: { startsPerSource: 100_000, sourceAttempts: 100_000, deviceAttempts: 10_000 },
    }), { mode: 0o600 });
    const gw = await benchChild('./support/flow-gateway.ts', [configFile, names.join(',')]);
    children.push(gw);
    const { url, pin, token } = gw.info as { url: string; pin: string; token: string };
    const relay = await benchChild('./support/load-relay.ts', [url, pin, token]);
    children.push(relay);
    const identity = await joinGateway({ url, token, pin, dataDir: mkdtempSync(join(tmpdir(), 'keyhatch-bench-direct-')), name: 'bench-direct' });
    const client = new GatewayClient({ identity, urls: [url], pin });
    const paths: Record<'relay' | 'direct', Call> = { relay: viaRelay(relay.info.url as string, relay.info.kioskSecret as string), direct: direct(client) };

    let next = 0;
    const flow = async (call: Call): Promise<number> => {
      const i = next++ % USERS;
      const t0 = performance.now();
      const ok = async (method: string, path: string, body?: unknown) => {
        const r = await call(method, path, body);
        if (r.status >= 300) throw new Error(`flow${i} ${method} ${path.replace(/recovery\/[^/]+/, 'recovery/…')}: ${r.status} ${JSON.stringify(r.json.error ?? r.json)}`);
        return r.json;
      };
      const s = await ok('POST', '/api/v1/recovery', { username: `flow${i}` });
      const id = s.recoveryId as string;
      await ok('POST', `/api/v1/recovery/${id}/challenge`, { factor: 'f1' });
      const code = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(benchSecretFor(i)) }).generate();
      await ok('POST', `/api/v1/recovery/${id}/verify`, { factor: 'f1', response: code });
      await ok('POST', `/api/v1/recovery/${id}/reset`, { newPassword: `Bench-${randomBytes(9).toString('base64url')}-5a!` });
      return performance.now() - t0;
    };
    const ms = { relay: [] as number[], direct: [] as number[] };
    try {
      for (let k = 0; k < 4; k++) { await flow(paths.relay); await flow(paths.direct); } // warm both paths
      for (let k = 0; k < ROUNDS; k++) {
        const order: Array<'relay' | 'direct'> = k % 2 === 0 ? ['relay', 'direct'] : ['direct', 'relay'];
        for (const p of order) ms[p].push(await flow(paths[p]));
      }
    } finally { client.close(); }
    const r = summary(ms.relay);
    const d = summary(ms.direct);
    const ratio = r.p50 / d.p50;
    console.log(`  full flow p50: relay → gateway ${r.p50.toFixed(1)} ms vs direct ${d.p50.toFixed(1)} ms (${ratio.toFixed(2)}×, target ≤ 1.15×); p99 ${r.p99.toFixed(0)} vs ${d.p99.toFixed(0)} ms; relay adds ${(r.p50 - d.p50).toFixed(1)} ms per flow (4 requests)`);
    return { rounds: ROUNDS, relayMs: r, directMs: d, ratio, targetRatio: 1.15 };
  } finally {
    await stopChildren(children);
    await dc.destroy();
  }
}
