// Property-based fuzzing of a relay's loopback API (issue 13, "Bad input"): what the kiosk on a
// workstation talks to — the relay's own paths (daemon/src/relay/relay-http.ts), the recovery routes
// it forwards to the gateway over mutual TLS, and the kiosk page — KEYHATCH_FUZZ_RUNS hostile
// requests each, with the directory behind the gateway failing now and then.
import assert from 'node:assert/strict';
import { APP_MOUNTS, implementedRoutes } from '../support/api-routes.js';
import { RELAY_ROUTES } from '../../daemon/src/relay/relay-http.js';
import { startFuzzEnv, ALICE_MAIL, PEOPLE, type FuzzEnv } from './fuzz-support/env.js';
import type { Endpoint } from './fuzz-support/http-fuzz.js';
import { call, LivePool } from './fuzz-support/live.js';
import { fuzzEndpoints, type FuzzTarget } from './fuzz-support/suite.js';

/** The relay's own paths (its route table, not the subtrees it forwards or serves), plus the recovery routes it forwards. */
function endpoints(): Endpoint[] {
  const own = RELAY_ROUTES.filter((r) => !r.subtree).flatMap((r) => r.methods.map((method) => ({ method, path: r.path })));
  assert.ok(own.length >= 2, `found ${own.length} relay paths`);
  const forwarded = [...implementedRoutes(APP_MOUNTS)].filter((r) => r.includes(' /api/v1/recovery')).map((r) => {
    const [method, path] = r.split(' ') as [string, string];
    return { method, path };
  });
  return [...own, ...forwarded, { method: 'GET', path: '/kiosk/{file}' }];
}

describe('fuzz: relay loopback API (forwarding to a gateway over mutual TLS; fake directory with injected failures)', function () {
  let env: FuzzEnv;
  let target: FuzzTarget;
  before(async function () {
    this.timeout(120_000);
    env = await startFuzzEnv();
    const host = new URL(env.relay.url).host;
    const kiosk = { target: env.targets.relay, host, kioskSecret: env.relay.kioskSecret };
    const pool = new LivePool(kiosk, undefined, env.mailer, env.directory);
    target = {
      ctx: {
        target: env.targets.relay, directory: env.directory, mailer: env.mailer,
        headerCtx: { host, origin: `http://${host}`, kioskSecret: env.relay.kioskSecret },
        bodyCtx: { mail: ALICE_MAIL, passwords: Object.values(PEOPLE) },
        ...pool.context(),
        paramKind: (_ep, name) => (name === 'file' ? 'file' : 'recovery'),
        forbidden: [env.outsideSecret],
      },
      endpoints: endpoints(),
      alive: async () => { assert.equal((await call(kiosk, 'GET', '/api/v1/health')).status, 200); },
    };
  });
  after(async () => { await env?.close(); });

  fuzzEndpoints(() => target, endpoints());
});
