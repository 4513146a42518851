// docs/openapi.json and the real routes must describe the same API.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../support/cli.js';
import { DOMAIN_SETUP_TIMEOUT_MS, testDomain } from '../support/global-domain.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';

type Doc = { paths: Record<string, Record<string, { responses: Record<string, unknown> } | unknown>> };
const doc = JSON.parse(readFileSync(join(REPO, 'docs', 'openapi.json'), 'utf8')) as Doc;
const METHODS = ['get', 'post', 'delete', 'put', 'patch'];

function documented(): Set<string> {
  const out = new Set<string>();
  for (const [p, ops] of Object.entries(doc.paths)) for (const m of Object.keys(ops)) if (METHODS.includes(m)) out.add(`${m.toUpperCase()} ${p}`);
  return out;
}

/** Routes as the source declares them: r.get('/x') in a router mounted at a known prefix. */
function implemented(): Set<string> {
  const out = new Set<string>();
  const mounts: Array<[string, string]> = [['daemon/src/http/recovery-routes.ts', '/api/v1/recovery'], ['daemon/src/http/enrollment-routes.ts', '/api/v1/enrollment'], ['daemon/src/http/app.ts', '/api/v1']];
  for (const [file, prefix] of mounts) {
    const src = readFileSync(join(REPO, file), 'utf8');
    for (const m of src.matchAll(/\b(?:r|api)\.(get|post|delete|put|patch)\('([^']+)'/g)) {
      const path = `${prefix}${m[2] === '/' ? '' : m[2]}`.replace(/:(\w+)/g, '{$1}');
      out.add(`${(m[1] as string).toUpperCase()} ${path}`);
    }
  }
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
    before(async function () { this.timeout(DOMAIN_SETUP_TIMEOUT_MS); k = await startTestDaemon(await testDomain()); });
    after(async () => { await k?.close(); });

    it('every documented operation answers with one of its documented statuses', async () => {
      const start = await k.api('POST', '/api/v1/recovery', { username: 'alice' });
      const ids: Record<string, string> = { '/api/v1/recovery/{id}': start.body.recoveryId, '/api/v1/enrollment/factors/{id}': '00000000-0000-4000-8000-000000000000' };
      const bodies: Record<string, unknown> = {
        'POST /api/v1/recovery': { username: 'alice' }, 'POST /api/v1/recovery/{id}/challenge': { factor: 'f1' }, 'POST /api/v1/recovery/{id}/verify': { factor: 'f1', response: '000000' },
        'POST /api/v1/recovery/{id}/check-password': { newPassword: 'x' }, 'POST /api/v1/recovery/{id}/reset': { newPassword: 'Xx-123456789!' },
        'POST /api/v1/enrollment/login': { username: 'alice', password: 'wrong-Password-1' }, 'POST /api/v1/enrollment/factors/email': { address: 'a@b.example' },
        'POST /api/v1/enrollment/factors/sms': { phone: '+15550100000' }, 'POST /api/v1/enrollment/factors/questions': { answers: [] }, 'POST /api/v1/enrollment/factors/{id}/confirm': { code: '123456' },
        'POST /api/v1/enrollment/factors/totp': {}, 'POST /api/v1/enrollment/factors/webauthn': {},
      };
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(ops)) {
          if (!METHODS.includes(method)) continue;
          const key = `${method.toUpperCase()} ${path}`;
          const concrete = path.replace('{id}', (path.startsWith('/api/v1/recovery') ? ids['/api/v1/recovery/{id}'] : ids['/api/v1/enrollment/factors/{id}']) as string);
          const r = await k.api(method.toUpperCase(), concrete, bodies[key] ?? (method === 'post' ? {} : undefined), { authorization: 'Bearer not-a-valid-token-but-long-enough' });
          const allowed = Object.keys((op as { responses: Record<string, unknown> }).responses);
          assert.ok(allowed.includes(String(r.status)), `${key} answered ${r.status} ${JSON.stringify(r.body)}; documented ${allowed.join(',')}`);
          if (r.status >= 400) assert.ok(r.body?.error?.code, `${key} error shape`);
        }
      }
    });
  });
});
