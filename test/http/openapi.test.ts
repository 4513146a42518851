// docs/openapi.json and the real routes must describe the same API.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../support/cli.js';
import { CONSOLE_MOUNTS, implementedRoutes } from '../support/api-routes.js';
import { DOMAIN_SETUP_TIMEOUT_MS, testDomain } from '../support/global-domain.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { freshDir, rememberSecret } from '../support/run-dir.js';
import { relayRoutes } from '../../daemon/src/gateway/relay-routes.js';
import { RELAY_ROUTES, matchRelayRoute } from '../../daemon/src/relay/relay-http.js';
import { startRelay } from '../../daemon/src/roles/relay.js';
import { checkRelayConfig } from '../../daemon/src/config/relay-config.js';

type Op = { responses: Record<string, unknown>; 'x-keyhatch-roles'?: string[]; security?: Array<Record<string, unknown>> };
type Doc = { paths: Record<string, Record<string, Op | unknown>> };
const doc = JSON.parse(readFileSync(join(REPO, 'docs', 'openapi.json'), 'utf8')) as Doc;
const METHODS = ['get', 'post', 'delete', 'put', 'patch'];

function documented(): Set<string> {
  const out = new Set<string>();
  for (const [p, ops] of Object.entries(doc.paths)) for (const m of Object.keys(ops)) if (METHODS.includes(m)) out.add(`${m.toUpperCase()} ${p}`);
  return out;
}

function operations(): Array<{ key: string; method: string; path: string; op: Op }> {
  const out: Array<{ key: string; method: string; path: string; op: Op }> = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(ops)) if (METHODS.includes(m)) out.push({ key: `${m.toUpperCase()} ${path}`, method: m.toUpperCase(), path, op: op as Op });
  }
  return out;
}

/** The gateway's relay API as registered: the routes on the router it mounts under /api/v1. */
function gatewayRelayRoutes(): Set<string> {
  const router = relayRoutes({} as never, (_req, _res, next) => next(), []) as unknown as { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> };
  const out = new Set<string>();
  for (const layer of router.stack) {
    if (!layer.route) continue;
    for (const m of Object.keys(layer.route.methods)) out.add(`${m.toUpperCase()} /api/v1${layer.route.path.replace(/:(\w+)/g, '{$1}')}`);
  }
  return out;
}

/** Routes as the source declares them (test/support/api-routes.ts: the app's and the admin console's)
 *  and the gateway's relay API as registered. */
function implemented(): Set<string> {
  return new Set([...implementedRoutes(), ...implementedRoutes(CONSOLE_MOUNTS), ...gatewayRelayRoutes()]);
}

describe('OpenAPI document', () => {
  it('documents every route and no route that does not exist', () => {
    const docd = documented();
    const impl = implemented();
    assert.ok(impl.size >= 20, `found ${impl.size} routes`);
    assert.deepEqual([...impl].filter((r) => !docd.has(r)).sort(), [], 'undocumented routes');
    assert.deepEqual([...docd].filter((r) => !impl.has(r)).sort(), [], 'documented but missing');
  });

  it('documents the admin console API as gateway-only, behind the console session (and the CSRF token on every change)', () => {
    const consoleOps = operations().filter((o) => o.path.startsWith('/admin/api/'));
    assert.ok(consoleOps.length >= 20, `${consoleOps.length} console operations documented`);
    for (const o of consoleOps) {
      assert.deepEqual(o.op['x-keyhatch-roles'], ['gateway'], o.key);
      if (o.path === '/admin/api/session' || o.path === '/admin/api/session/negotiate') continue; // signing in is what makes the session
      const needs = o.method === 'GET' ? [{ consoleSession: [] }] : [{ consoleSession: [], csrfToken: [] }];
      assert.deepEqual(o.op.security, needs, `${o.key} security`);
    }
  });

  it('documents every route of the gateway\'s relay API, gateway-only and behind the device certificate where it needs one', () => {
    const registered = gatewayRelayRoutes();
    assert.ok(registered.size >= 2, `found ${registered.size} relay API routes`);
    const ops = new Map(operations().map((o) => [o.key, o.op]));
    for (const key of registered) {
      const op = ops.get(key);
      assert.ok(op, `${key} is registered but not documented`);
      assert.deepEqual(op['x-keyhatch-roles'], ['gateway'], key);
      if (!key.endsWith('/relay/join')) assert.deepEqual(op.security, [{ deviceCertificate: [] }], `${key} needs the device certificate`);
    }
  });

  it('documents every API route the relay serves (its route table), and marks exactly those as served by the relay', () => {
    const ops = operations();
    const concrete = (p: string) => p.replace(/\{\w+\}/g, 'x1');
    let own = 0;
    for (const route of RELAY_ROUTES.filter((r) => r.path.startsWith('/api/'))) {
      const covered = ops.filter((o) => (o.path === route.path || (route.subtree && o.path.startsWith(`${route.path}/`)))
        && (route.methods.includes('*') || route.methods.includes(o.method)));
      assert.ok(covered.length > 0, `relay route ${route.methods.join(',')} ${route.path}${route.subtree ? '/…' : ''} is not documented`);
      if (!route.subtree) for (const m of route.methods) assert.ok(covered.some((o) => o.method === m), `${m} ${route.path} is not documented`);
      own += covered.length;
    }
    for (const o of ops) {
      assert.ok(o.op['x-keyhatch-roles']?.length, `${o.key} says in x-keyhatch-roles which roles serve it`);
      const served = matchRelayRoute(o.method, concrete(o.path)) !== undefined;
      assert.equal(o.op['x-keyhatch-roles']?.includes('relay') ?? false, served, `${o.key}: x-keyhatch-roles says relay ${served ? 'not ' : ''}but the relay ${served ? 'serves' : 'does not serve'} it`);
    }
    assert.ok(own >= 8, `${own} documented operations reach the relay`);
  });

  it('every operation documented for the relay answers an unjoined relay with a documented status', async () => {
    const config = checkRelayConfig({ role: 'relay', dataDir: freshDir('openapi-relay'), listen: '127.0.0.1:0' });
    assert.ok(config);
    const relay = await startRelay(config);
    rememberSecret(relay.kioskSecret);
    try {
      for (const o of operations().filter((x) => x.op['x-keyhatch-roles']?.includes('relay'))) {
        const res = await fetch(`${relay.url}${o.path.replace('{id}', 'r1')}`, {
          method: o.method, headers: { 'x-keyhatch-kiosk': relay.kioskSecret, ...(o.method === 'POST' ? { 'content-type': 'application/json' } : {}) },
          ...(o.method === 'POST' ? { body: '{}' } : {}),
        });
        const body = await res.json() as { error?: { code?: string }; role?: string };
        assert.ok(Object.keys(o.op.responses).includes(String(res.status)), `${o.key} answered ${res.status} ${JSON.stringify(body)}`);
        if (o.path === '/api/v1/health') assert.equal(body.role, 'relay');
        else assert.equal(body.error?.code, 'NOT_JOINED', o.key);
      }
    } finally { await relay.close(); }
  });

  describe('against the running daemon', function () {
    let k: TestDaemon;
    let token = '';
    const probeUser = { name: 'openapi-probe', password: 'Openapi-Probe-5!', mail: 'openapi-probe@mail.keyhatch.test' };
    before(async function () {
      this.timeout(DOMAIN_SETUP_TIMEOUT_MS);
      const d = await testDomain();
      const admin = await DomainAdmin.connect(d.dc);
      rememberSecret(probeUser.password);
      await admin.addUser({ name: probeUser.name, password: probeUser.password, displayName: 'Open Api', mail: probeUser.mail }, d.seed.peopleOu).catch(() => undefined);
      await admin.close();
      k = await startTestDaemon(d);
      const login = await k.api('POST', '/api/v1/enrollment/login', { username: probeUser.name, password: probeUser.password });
      assert.equal(login.status, 200, JSON.stringify(login.body));
      token = login.body.token;
      rememberSecret(token);
    });
    after(async () => { await k?.close(); });

    it('every documented operation answers with one of its documented statuses — signed in, so enrollment is exercised past 401', async () => {
      const auth = { authorization: `Bearer ${token}` };
      const start = await k.api('POST', '/api/v1/recovery', { username: probeUser.name });
      // A real, unconfirmed factor of this user, so confirm and delete reach their own logic.
      const added = await k.api('POST', '/api/v1/enrollment/factors/email', { address: 'openapi-extra@mail.keyhatch.test' }, auth);
      assert.equal(added.status, 201, JSON.stringify(added.body));
      const ids: Record<string, string> = { '/api/v1/recovery/{id}': start.body.recoveryId, '/api/v1/enrollment/factors/{id}': added.body.factorId };
      const bodies: Record<string, unknown> = {
        'POST /api/v1/recovery': { username: 'alice' }, 'POST /api/v1/recovery/{id}/challenge': { factor: 'f1', contact: probeUser.mail }, 'POST /api/v1/recovery/{id}/verify': { factor: 'f1', response: '000000' },
        'POST /api/v1/recovery/{id}/check-password': { newPassword: 'x' }, 'POST /api/v1/recovery/{id}/reset': { newPassword: 'Xx-123456789!' },
        'POST /api/v1/enrollment/login': { username: 'alice', password: 'wrong-Password-1' }, 'POST /api/v1/enrollment/factors/email': { address: 'a@b.example' },
        'POST /api/v1/enrollment/factors/sms': { phone: '+15550100000' }, 'POST /api/v1/enrollment/factors/questions': { answers: [] }, 'POST /api/v1/enrollment/factors/{id}/confirm': { code: '123456' },
        'POST /api/v1/enrollment/factors/totp': {}, 'POST /api/v1/enrollment/factors/webauthn': {},
      };
      const ops: Array<[string, string, unknown]> = [];
      // This daemon is standalone: the gateway-only relay API is checked against its router above.
      for (const [path, o] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(o)) if (METHODS.includes(method) && (op as Op)['x-keyhatch-roles']?.includes('standalone')) ops.push([path, method, op]);
      // Logout ends the token and DELETE removes the factor: run them last.
      const last = (p: string, m: string) => (p.endsWith('/logout') ? 2 : m === 'delete' ? 1 : 0);
      ops.sort((a, b) => last(a[0], a[1]) - last(b[0], b[1]));
      const enrollmentStatuses: Record<string, number> = {};
      for (const [path, method, op] of ops) {
        const key = `${method.toUpperCase()} ${path}`;
        const concrete = path.replace('{id}', (path.startsWith('/api/v1/recovery') ? ids['/api/v1/recovery/{id}'] : ids['/api/v1/enrollment/factors/{id}']) as string);
        const r = await k.api(method.toUpperCase(), concrete, bodies[key] ?? (method === 'post' ? {} : undefined), auth);
        const allowed = Object.keys((op as { responses: Record<string, unknown> }).responses);
        assert.ok(allowed.includes(String(r.status)), `${key} answered ${r.status} ${JSON.stringify(r.body)}; documented ${allowed.join(',')}`);
        if (r.status >= 400) assert.ok(r.body?.error?.code, `${key} error shape`);
        if (path.startsWith('/api/v1/enrollment/') && !path.endsWith('/login')) enrollmentStatuses[key] = r.status;
      }
      // The signed-in operations really ran: none was stopped at the door.
      assert.ok(Object.keys(enrollmentStatuses).length >= 9, JSON.stringify(enrollmentStatuses));
      for (const [key, status] of Object.entries(enrollmentStatuses)) {
        if (key.endsWith('/confirm')) assert.equal(status, 401, `${key}: a wrong code (VERIFICATION_FAILED), not a missing sign-in`);
        else assert.ok(status < 300 || status === 400 || status === 404 || status === 503, `${key} answered ${status}`);
      }
      assert.equal((await k.api('GET', '/api/v1/enrollment/factors', undefined, auth)).status, 401, 'logout ended the token');
    });
  });
});
