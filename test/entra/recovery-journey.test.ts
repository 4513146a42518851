// The kiosk journey for a cloud-only user, over HTTP against the real daemon app, with the Entra
// backend talking to the Graph emulator: start → e-mail code (pre-enrolled from Entra `mail`, sent
// through a real SMTP server process) → verify → reset in Entra via Graph. The core services are
// built here with an EntraDirectory (the composition root does not choose Entra yet).
import assert from 'node:assert/strict';
import { validateConfig } from '../../daemon/src/config/load.js';
import type { KeyhatchConfig } from '../../daemon/src/config/schema.js';
import { EntraDirectory } from '../../daemon/src/directory/entra/entra-directory.js';
import { createAuditLog } from '../../daemon/src/log/audit.js';
import { createLogger } from '../../daemon/src/log/logger.js';
import { logDir, type CoreServices } from '../../daemon/src/core/core-services.js';
import { startStandalone, type RunningStandalone } from '../../daemon/src/roles/standalone.js';
import { startGraphEmulator, type GraphEmulator } from '../support/graph-emulator/index.js';
import { filesContainingSecrets, freshDir, rememberSecret } from '../support/run-dir.js';
import { startSmtpCatcher, type SmtpCatcher } from '../support/smtp-catcher.js';

describe('kiosk journey for a cloud user (HTTP API + Graph emulator + SMTP)', function () {
  this.timeout(60_000);
  let g: GraphEmulator;
  let smtp: SmtpCatcher;
  let server: RunningStandalone;
  let config: KeyhatchConfig;
  const ANN = '11111111-1111-4111-8111-111111111111';
  const mail = 'ann.archer@mail.keyhatch.test';

   
  async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { 'x-keyhatch-kiosk': server.kioskSecret, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  before(async () => {
    g = await startGraphEmulator({ users: [{ id: ANN, userPrincipalName: 'ann@contoso.test', displayName: 'Ann Archer', mail }] });
    rememberSecret(g.clientSecret);
    smtp = await startSmtpCatcher();
    config = validateConfig({
      dataDir: freshDir('entra-journey'), listen: '127.0.0.1:0',
      smtp: smtp.config,
      entra: { tenantId: g.tenantId, clientId: g.clientId, clientSecret: g.clientSecret, authorityHost: g.authorityHost, graphUrl: g.graphUrl, caFile: g.caFile },
      recovery: { preEnrollFromDirectory: true },
    });
    const log = createLogger({ dir: logDir(config), level: 'debug', console: false });
    const audit = createAuditLog(logDir(config));
    const directory = new EntraDirectory({ config: config.entra!, log, audit });
    const core: CoreServices = {
      config, log, audit, directory,
      async close() { await directory.close(); await Promise.all([audit.close(), log.close()]); },
    };
    server = await startStandalone(config, { core });
    rememberSecret(server.kioskSecret);
  });
  let closed = false;
  after(async () => { if (!closed) await server?.close(); await smtp?.close(); await g?.close(); });

  it('verifies with the e-mail address Entra holds and resets the password in Entra', async () => {
    const start = await api('POST', '/api/v1/recovery', { username: 'ann@contoso.test' });
    assert.equal(start.status, 201, JSON.stringify(start.body));
    const email = start.body.factors.find((f: { type: string }) => f.type === 'email');
    assert.ok(email, JSON.stringify(start.body.factors));
    const id = start.body.recoveryId as string;

    const before = smtp.messages().length;
    assert.equal((await api('POST', `/api/v1/recovery/${id}/challenge`, { factor: email.id, contact: mail })).status, 200);
    const { match } = await smtp.waitFor(mail, /code is (\d{6})/, 10_000, before);
    rememberSecret(match[1] as string);
    const v = await api('POST', `/api/v1/recovery/${id}/verify`, { factor: email.id, response: match[1] });
    assert.equal(v.status, 200, JSON.stringify(v.body));

    const st = await api('GET', `/api/v1/recovery/${id}`);
    assert.equal(st.body.account.locked, false, 'Graph exposes no lockout state');
    assert.equal(st.body.account.backend, 'Entra ID');
    assert.equal(st.body.policy.minLength, 8);

    const weak = 'Ünïcödé-pässwörd';
    const refused = await api('POST', `/api/v1/recovery/${id}/reset`, { newPassword: weak });
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'PASSWORD_POLICY');
    assert.deepEqual(refused.body.error.violations.map((x: { code: string }) => x.code), ['complexity', 'invalid_character']);

    const fresh = 'Cloud-Journey-42!';
    rememberSecret(fresh, weak);
    const ok = await api('POST', `/api/v1/recovery/${id}/reset`, { newPassword: fresh });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(g.state.findUser(ANN)?.password, fresh, 'the password landed in Entra');
    const patches = g.state.graphRequests().filter((r) => r.method === 'PATCH');
    assert.equal(patches.length, 2);
    assert.deepEqual(patches[1]?.body, { passwordProfile: { password: '[masked]', forceChangePasswordNextSignIn: false } });
  });

  it('a missing directory role surfaces as ENTRA_ROLE_MISSING, naming the role', async () => {
    g.state.appDirectoryRoles = [];
    // Roles travel in the token (wids): the change is seen once a new token is issued.
    await (server.core.directory as EntraDirectory).tokens.getToken(true);
    try {
      const start = await api('POST', '/api/v1/recovery', { username: 'ann@contoso.test' });
      const id = start.body.recoveryId as string;
      const email = start.body.factors.find((f: { type: string }) => f.type === 'email');
      const before = smtp.messages().length;
      await api('POST', `/api/v1/recovery/${id}/challenge`, { factor: email.id, contact: mail });
      const { match } = await smtp.waitFor(mail, /code is (\d{6})/, 10_000, before);
      rememberSecret(match[1] as string);
      assert.equal((await api('POST', `/api/v1/recovery/${id}/verify`, { factor: email.id, response: match[1] })).status, 200);
      const r = await api('POST', `/api/v1/recovery/${id}/reset`, { newPassword: 'Another-Cloud-43!' });
      assert.equal(r.status, 502, JSON.stringify(r.body));
      assert.equal(r.body.error.code, 'ENTRA_ROLE_MISSING');
      assert.match(r.body.error.message, /User Administrator/);
    } finally { g.state.appDirectoryRoles = ['fe930be7-5e62-47db-91af-98c3a49a38b1']; }
  });

  it('no secret in any log the daemon wrote', async () => {
    await server.close(); // flushes and closes the log files
    closed = true;
    const { readFileSync } = await import('node:fs');
    assert.match(readFileSync(`${logDir(config)}/audit.log`, 'utf8'), /recovery\.reset/, 'the run was logged');
    const leaks = filesContainingSecrets(logDir(config), [g.clientSecret, 'Cloud-Journey-42!', 'Ünïcödé-pässwörd', 'Another-Cloud-43!', server.kioskSecret]);
    assert.deepEqual(leaks, []);
  });
});
