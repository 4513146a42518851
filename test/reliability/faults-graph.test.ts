// Microsoft Graph throttling storms (issue 13, "Graph 429 storms"), against the real HTTP app with
// the Entra backend talking to the Graph emulator and codes going through a real SMTP server process:
// many users starting at once while Graph answers 429 get either their start or a clear "try again"
// (never a 500, never Graph's text), the daemon keeps answering meanwhile, and a reset whose PATCH is
// throttled is retried and lands exactly once — or, when the storm outlasts the retries, the user is
// told and the password is unchanged, and the next try works.
import assert from 'node:assert/strict';
import { validateConfig } from '../../daemon/src/config/load.js';
import type { KeyhatchConfig } from '../../daemon/src/config/schema.js';
import { EntraDirectory } from '../../daemon/src/directory/entra/entra-directory.js';
import { createAuditLog } from '../../daemon/src/log/audit.js';
import { createLogger } from '../../daemon/src/log/logger.js';
import { logDir, type CoreServices } from '../../daemon/src/core/core-services.js';
import { startStandalone, type RunningStandalone } from '../../daemon/src/roles/standalone.js';
import { ERROR_CATALOGUE } from '../../daemon/src/errors/catalogue.js';
import { startGraphEmulator, type GraphEmulator } from '../support/graph-emulator/index.js';
import { filesContainingSecrets, freshDir, rememberSecret } from '../support/run-dir.js';
import { startSmtpCatcher, type SmtpCatcher } from '../support/smtp-catcher.js';

const USERS = Array.from({ length: 30 }, (_, i) => ({
  id: `22222222-2222-4222-8222-${String(i).padStart(12, '0')}`, userPrincipalName: `storm${i}@contoso.test`, displayName: `Storm ${i}`, mail: `storm${i}@mail.keyhatch.test`,
}));

describe('faults: Graph throttling storms (HTTP API + Graph emulator + SMTP)', function () {
  this.timeout(180_000);
  let g: GraphEmulator;
  let smtp: SmtpCatcher;
  let server: RunningStandalone;
  let config: KeyhatchConfig;
  const passwords: string[] = [];

  async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${server.url}${path}`, {
      method, headers: { 'x-keyhatch-kiosk': server.kioskSecret, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  /** Start → e-mail code → verify, for one user; returns the recovery id. */
  async function verified(u: (typeof USERS)[number]): Promise<string> {
    const start = await api('POST', '/api/v1/recovery', { username: u.userPrincipalName });
    assert.equal(start.status, 201, JSON.stringify(start.body));
    const id = start.body.recoveryId as string;
    const email = start.body.factors.find((f: { type: string }) => f.type === 'email');
    const before = smtp.messages().length;
    assert.equal((await api('POST', `/api/v1/recovery/${id}/challenge`, { factor: email.id, contact: u.mail })).status, 200);
    const { match } = await smtp.waitFor(u.mail, /code is (\d{6})/, 30_000, before);
    rememberSecret(match[1] as string);
    const v = await api('POST', `/api/v1/recovery/${id}/verify`, { factor: email.id, response: match[1] });
    assert.equal(v.status, 200, JSON.stringify(v.body));
    return id;
  }

  const successfulPatches = (id: string) => g.state.graphRequests().filter((r) => r.method === 'PATCH' && r.path.endsWith(`/users/${id}`) && r.status !== undefined && r.status < 300);

  before(async () => {
    g = await startGraphEmulator({ users: USERS });
    rememberSecret(g.clientSecret);
    smtp = await startSmtpCatcher();
    config = validateConfig({
      dataDir: freshDir('faults-graph'), listen: '127.0.0.1:0', smtp: smtp.config,
      // Retry-After of 1 s, at most 3 retries: a storm of a few 429s per request is ridden out,
      // a longer one ends in a clear DIRECTORY_THROTTLED.
      entra: { tenantId: g.tenantId, clientId: g.clientId, clientSecret: g.clientSecret, authorityHost: g.authorityHost, graphUrl: g.graphUrl, caFile: g.caFile, maxRetries: 3 },
      recovery: { preEnrollFromDirectory: true },
      rateLimits: { startsPerSource: 10_000, sourceAttempts: 10_000 },
    });
    const log = createLogger({ dir: logDir(config), level: 'debug', console: false });
    const audit = createAuditLog(logDir(config));
    const directory = new EntraDirectory({ config: config.entra!, log, audit });
    const core: CoreServices = { config, log, audit, directory, async close() { await directory.close(); await Promise.all([audit.close(), log.close()]); } };
    server = await startStandalone(config, { core });
    rememberSecret(server.kioskSecret);
  });
  let closed = false;
  after(async () => { if (!closed) await server?.close(); await smtp?.close(); await g?.close(); });

  it('30 users start at once during a 429 storm: each gets a start or a clear "try again" (503 DIRECTORY_THROTTLED), the daemon answers meanwhile', async () => {
    g.state.faults.push({ status: 429, retryAfter: '1', times: 90, pathIncludes: '/users' });
    const starts = USERS.map((u) => api('POST', '/api/v1/recovery', { username: u.userPrincipalName }));
    let settled = false;
    void Promise.allSettled(starts).then(() => { settled = true; });
    // While the starts wait out Retry-After, the daemon is not blocked: health answers, and answers
    // before the storm is over (each throttled start waits at least one whole second).
    const health = await api('GET', '/api/v1/health');
    assert.equal(health.status, 200);
    assert.equal(settled, false, 'health answered only after every throttled start had finished: something blocked the event loop');
    const answers = await Promise.all(starts);
    const byStatus = new Map<number, number>();
    for (const a of answers) {
      byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
      if (a.status === 201) continue;
      assert.equal(a.status, 503, JSON.stringify(a.body));
      assert.equal(a.body.error.code, 'DIRECTORY_THROTTLED');
      assert.equal(a.body.error.message, ERROR_CATALOGUE.DIRECTORY_THROTTLED.message, 'the catalogue message, not Graph\'s text');
      assert.doesNotMatch(JSON.stringify(a.body), /TooManyRequests|graph|AADSTS/i);
    }
    assert.ok((byStatus.get(201) ?? 0) > 0, `no start got through: ${JSON.stringify([...byStatus])}`);
    assert.equal(g.state.faults.length, 0, 'the whole storm was served');
    // The storm is over: everyone can start again.
    for (const u of USERS.slice(0, 5)) assert.equal((await api('POST', '/api/v1/recovery', { username: u.userPrincipalName })).status, 201);
  });

  it('a throttled reset PATCH is retried and lands exactly once; the mail says it once', async () => {
    const u = USERS[10] as (typeof USERS)[number];
    const id = await verified(u);
    g.state.faults.push({ status: 429, retryAfter: '1', times: 2, method: 'PATCH', pathIncludes: `/users/${u.id}` });
    const pw = 'Storm-Reset-Pass-71!';
    rememberSecret(pw);
    passwords.push(pw);
    const before = smtp.messages().length;
    const r = await api('POST', `/api/v1/recovery/${id}/reset`, { newPassword: pw });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(g.state.findUser(u.id)?.password, pw);
    assert.equal(successfulPatches(u.id).length, 1, 'one password change, not one per retry');
    const throttled = g.state.graphRequests().filter((x) => x.method === 'PATCH' && x.path.endsWith(`/users/${u.id}`) && x.status === 429);
    assert.equal(throttled.length, 2);
    const notice = (m: { to: string[]; subject: string }) => m.to.includes(u.mail) && /password was reset/i.test(m.subject);
    for (let i = 0; i < 300 && !smtp.messages().slice(before).some(notice); i++) await new Promise((res) => setTimeout(res, 100));
    // A second notice would be queued with the first: give the outbox a moment to show one if there were.
    await new Promise((res) => setTimeout(res, 1000));
    assert.equal(smtp.messages().slice(before).filter(notice).length, 1, 'one notice, not one per retry');
  });

  it('a storm that outlasts the retries: the user is told to try again, the password is unchanged, and the next try works', async () => {
    const u = USERS[11] as (typeof USERS)[number];
    const id = await verified(u);
    const old = g.state.findUser(u.id)?.password;
    g.state.faults.push({ status: 429, retryAfter: '1', times: 4, method: 'PATCH', pathIncludes: `/users/${u.id}` });
    const pw = 'Storm-Reset-Pass-72!';
    rememberSecret(pw);
    passwords.push(pw);
    const r = await api('POST', `/api/v1/recovery/${id}/reset`, { newPassword: pw });
    assert.equal(r.status, 503, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'DIRECTORY_THROTTLED');
    assert.equal(g.state.findUser(u.id)?.password, old, 'Entra refused every PATCH: the password is unchanged');
    assert.equal(successfulPatches(u.id).length, 0);
    // The verified session survives a dependency failure: the same recovery resets once Graph recovers.
    const again = await api('POST', `/api/v1/recovery/${id}/reset`, { newPassword: pw });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(g.state.findUser(u.id)?.password, pw);
    assert.equal(successfulPatches(u.id).length, 1);
  });

  it('no secret in any log the daemon wrote', async () => {
    await server.close(); // flushes and closes the log files
    closed = true;
    const leaks = filesContainingSecrets(logDir(config), [g.clientSecret, server.kioskSecret, ...passwords]);
    assert.deepEqual(leaks, []);
  });
});
