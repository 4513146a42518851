// Property-based fuzzing of what a gateway serves to workstations over mutual TLS (issue 13, "Bad
// input"): its relay API (join, ping — daemon/src/gateway/relay-routes.ts) and the recovery API as
// relays call it, with a joined device's certificate. Join bodies carry live one-use join tokens
// and a well-formed CSR often enough to reach the device CA.
import assert from 'node:assert/strict';
import { APP_MOUNTS, GATEWAY_MOUNTS, implementedRoutes } from '../support/api-routes.js';
import { createCsr, generateKeyPair } from '../../daemon/src/pki/x509.js';
import { startFuzzEnv, ALICE_MAIL, PEOPLE, type FuzzEnv } from './fuzz-support/env.js';
import type { Endpoint } from './fuzz-support/http-fuzz.js';
import { call, LivePool } from './fuzz-support/live.js';
import { fuzzEndpoints, type FuzzTarget } from './fuzz-support/suite.js';

function endpoints(): Endpoint[] {
  const relayApi = [...implementedRoutes(GATEWAY_MOUNTS)];
  assert.ok(relayApi.length >= 2, `found ${relayApi.length} relay routes`);
  const recovery = [...implementedRoutes(APP_MOUNTS)].filter((r) => r.includes(' /api/v1/recovery'));
  return [...relayApi, ...recovery].map((r) => {
    const [method, path] = r.split(' ') as [string, string];
    return { method, path };
  });
}

describe('fuzz: gateway relay API and recovery API over mutual TLS (fake directory with injected failures)', function () {
  let env: FuzzEnv;
  let target: FuzzTarget;
  before(async function () {
    this.timeout(120_000);
    env = await startFuzzEnv();
    const host = new URL(env.gateway.url).host;
    const device = { target: env.targets.gatewayDevice, host };
    const pool = new LivePool(device, undefined, env.mailer, env.directory, { 'join-token': () => env.joinToken() });
    const csr = await createCsr((await generateKeyPair()).keys, 'fuzz-joiner');
    target = {
      ctx: {
        target: env.targets.gatewayDevice, directory: env.directory, mailer: env.mailer,
        headerCtx: { host, origin: `https://${host}` },
        bodyCtx: { mail: ALICE_MAIL, passwords: Object.values(PEOPLE), extra: { token: ['\u0000live:join-token'], csr: [csr, csr.replace('MII', 'MIJ'), csr.slice(0, 200)] } },
        ...pool.context(),
        paramKind: () => 'recovery',
        forbidden: [],
      },
      endpoints: endpoints(),
      alive: async () => { assert.equal((await call(device, 'GET', '/api/v1/relay/ping')).status, 200); },
    };
  });
  after(async () => { await env?.close(); });

  fuzzEndpoints(() => target, endpoints());
});
