// docs/openapi.json and the real routes must describe the same API.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../support/cli.js';
import { implementedRoutes as implemented } from '../support/api-routes.js';
import { DOMAIN_SETUP_TIMEOUT_MS, testDomain } from '../support/global-domain.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { rememberSecret } from '../support/run-dir.js';

type Doc = { paths: Record<string, Record<string, { responses: Record<string, unknown> } | unknown>> };
const doc = JSON.parse(readFileSync(join(REPO, 'docs', 'openapi.json'), 'utf8')) as Doc;
const METHODS = ['get', 'post', 'delete', 'put', 'patch'];

function documented(): Set<string> {
  const out = new Set<string>();
  for (const [p, ops] of Object.entries(doc.paths)) for (const m of Object.keys(ops)) if (METHODS.includes(m)) out.add(`${m.toUpperCase()} ${p}`);
  return out;
}

describe('OpenAPI document', () => {
  it('documents every route and no route that does not exist', () => {
    const docd = documented();
    const impl = implemented();
    assert.ok(impl.size >= 20, `found ${impl.size} routes`);
    assert.deepEqual([...impl].filter((r) => !docd.has(r)).sort(), [], 'undocumented routes');
    assert.deepEqual([...docd].filter((r) => !impl.has(r)).sort(), [], 'documented but missing');
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
      for (const [path, o] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(o)) if (METHODS.includes(method)) ops.push([path, method, op]);
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
