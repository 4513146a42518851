// Property-based fuzzing of the kiosk's recovery API and the pages, on a standalone daemon (issue 13,
// "Bad input"): every route the code declares, RUNS hostile requests each (bodies derived from the
// OpenAPI schemas and mutated, path parameters, headers, Content-Length mismatches), with the
// directory and mail failing now and then. Runs against the real app on a loopback listener.
import assert from 'node:assert/strict';
import { APP_MOUNTS, implementedRoutes } from '../support/api-routes.js';
import { startFuzzEnv, ALICE_MAIL, PEOPLE, type FuzzEnv } from './fuzz-support/env.js';
import type { Endpoint } from './fuzz-support/http-fuzz.js';
import { call, LivePool } from './fuzz-support/live.js';
import { fuzzEndpoints, type FuzzTarget } from './fuzz-support/suite.js';

function endpoints(): Endpoint[] {
  const api = [...implementedRoutes(APP_MOUNTS)].filter((r) => !r.includes('/enrollment')).map((r) => {
    const [method, path] = r.split(' ') as [string, string];
    return { method, path };
  });
  assert.ok(api.length >= 10, `found ${api.length} routes`);
  return [...api, { method: 'GET', path: '/kiosk/{file}' }, { method: 'GET', path: '/portal/{file}' }];
}

describe('fuzz: kiosk recovery API and pages (standalone, fake directory with injected failures)', function () {
  let env: FuzzEnv;
  let target: FuzzTarget;
  before(async function () {
    this.timeout(120_000);
    env = await startFuzzEnv();
    const host = new URL(env.standalone.url).host;
    const client = { target: env.targets.standalone, host, kioskSecret: env.standalone.kioskSecret };
    const pool = new LivePool(client, { target: env.targets.standalone, host }, env.mailer, env.directory);
    target = {
      ctx: {
        target: env.targets.standalone, directory: env.directory, mailer: env.mailer,
        headerCtx: { host, origin: `http://${host}`, kioskSecret: env.standalone.kioskSecret },
        bodyCtx: { mail: ALICE_MAIL, passwords: Object.values(PEOPLE) },
        ...pool.context(),
        paramKind: (_ep, name) => (name === 'file' ? 'file' : 'recovery'),
        forbidden: [env.outsideSecret],
      },
      endpoints: endpoints(),
      alive: async () => { assert.equal((await call(client, 'GET', '/api/v1/health')).status, 200); },
    };
  });
  after(async () => { await env?.close(); });

  fuzzEndpoints(() => target, endpoints());
});
