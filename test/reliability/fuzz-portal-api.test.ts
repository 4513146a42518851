// Property-based fuzzing of the enrollment portal API (issue 13, "Bad input"): every enrollment route
// the code declares, KEYHATCH_FUZZ_RUNS hostile requests each, signed in with live bearer tokens most
// of the time so the handlers behind the sign-in check are reached, with the directory and mail
// failing now and then.
import assert from 'node:assert/strict';
import { APP_MOUNTS, implementedRoutes } from '../support/api-routes.js';
import { startFuzzEnv, ALICE_MAIL, PEOPLE, type FuzzEnv } from './fuzz-support/env.js';
import type { Endpoint } from './fuzz-support/http-fuzz.js';
import { call, LivePool } from './fuzz-support/live.js';
import { fuzzEndpoints, type FuzzTarget } from './fuzz-support/suite.js';

function endpoints(): Endpoint[] {
  const api = [...implementedRoutes(APP_MOUNTS)].filter((r) => r.includes(' /api/v1/enrollment')).map((r) => {
    const [method, path] = r.split(' ') as [string, string];
    return { method, path };
  });
  assert.ok(api.length >= 10, `found ${api.length} enrollment routes`);
  return api;
}

describe('fuzz: enrollment portal API (standalone, fake directory with injected failures)', function () {
  let env: FuzzEnv;
  let target: FuzzTarget;
  before(async function () {
    this.timeout(120_000);
    env = await startFuzzEnv();
    const host = new URL(env.standalone.url).host;
    const portal = { target: env.targets.standalone, host };
    const pool = new LivePool(undefined, portal, env.mailer, env.directory);
    target = {
      ctx: {
        target: env.targets.standalone, directory: env.directory, mailer: env.mailer,
        headerCtx: { host, origin: `http://${host}` },
        bodyCtx: { mail: ALICE_MAIL, passwords: Object.values(PEOPLE) },
        ...pool.context(),
        paramKind: () => 'factor',
        forbidden: [],
      },
      endpoints: endpoints(),
      alive: async () => { assert.equal((await call(portal, 'GET', '/api/v1/health')).status, 200); },
    };
  });
  after(async () => { await env?.close(); });

  fuzzEndpoints(() => target, endpoints());
});
