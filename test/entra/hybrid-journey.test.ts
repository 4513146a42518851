// The kiosk journey for a hybrid user: AD is a real Samba DC, Entra is the Graph emulator holding
// the synced copy. The reset lands in AD (kinit proves it) and not in Graph; the sync watcher sees
// Entra's lastPasswordChangeDateTime stay put and audits entra.sync-mismatch; when the change
// arrives it is confirmed. Cloud-only users on the same daemon reset in Entra.
import assert from 'node:assert/strict';
import { validateConfig } from '../../daemon/src/config/load.js';
import type { KeyhatchConfig } from '../../daemon/src/config/schema.js';
import { AdDirectory } from '../../daemon/src/directory/ad/ad-directory.js';
import { EntraDirectory } from '../../daemon/src/directory/entra/entra-directory.js';
import { HybridDirectory } from '../../daemon/src/directory/hybrid/hybrid-directory.js';
import { MemoryAudit, createAuditLog } from '../../daemon/src/log/audit.js';
import { createLogger } from '../../daemon/src/log/logger.js';
import { logDir, type CoreServices } from '../../daemon/src/core/core-services.js';
import { startStandalone, type RunningStandalone } from '../../daemon/src/roles/standalone.js';
import { adConfig } from '../support/ad-env.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { DOMAIN_SETUP_TIMEOUT_MS, testDomain, type TestDomain } from '../support/global-domain.js';
import { startGraphEmulator, type GraphEmulator } from '../support/graph-emulator/index.js';
import { freshDir, rememberSecret } from '../support/run-dir.js';
import { startSmtpCatcher, type SmtpCatcher } from '../support/smtp-catcher.js';

describe('kiosk journey for a hybrid user (Samba AD + Graph emulator)', function () {
  this.timeout(120_000);
  let d: TestDomain;
  let admin: DomainAdmin;
  let g: GraphEmulator;
  let smtp: SmtpCatcher;
  let server: RunningStandalone;
  let hybrid: HybridDirectory;
  let config: KeyhatchConfig;
  const seen = new MemoryAudit(); // receives what the audit log writes
  let offset = 0;
  const clock = () => new Date(Date.now() + offset);
  const user = { name: 'hybrid1', password: 'Hybrid-Start-7!', mail: 'hybrid1@mail.keyhatch.test' };
  const CLOUD = 'c10d0000-0000-4000-8000-000000000001';
  const SYNCED = '5y9c0000-0000-4000-8000-000000000002';

   
  async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { 'x-keyhatch-kiosk': server.kioskSecret, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async function verifyByMail(username: string, address: string): Promise<string> {
    const start = await api('POST', '/api/v1/recovery', { username });
    assert.equal(start.status, 201, JSON.stringify(start.body));
    const email = start.body.factors.find((f: { type: string }) => f.type === 'email');
    assert.ok(email, JSON.stringify(start.body.factors));
    const id = start.body.recoveryId as string;
    const before = smtp.messages().length;
    assert.equal((await api('POST', `/api/v1/recovery/${id}/challenge`, { factor: email.id, contact: address })).status, 200);
    const { match } = await smtp.waitFor(address, /code is (\d{6})/, 10_000, before);
    rememberSecret(match[1] as string);
    const v = await api('POST', `/api/v1/recovery/${id}/verify`, { factor: email.id, response: match[1] });
    assert.equal(v.status, 200, JSON.stringify(v.body));
    return id;
  }

  before(async function () {
    this.timeout(DOMAIN_SETUP_TIMEOUT_MS);
    d = await testDomain();
    admin = await DomainAdmin.connect(d.dc);
    rememberSecret(user.password);
    await admin.addUser({ name: user.name, password: user.password, displayName: 'Henry Ford', mail: user.mail }, d.seed.peopleOu);
    g = await startGraphEmulator({
      users: [
        { id: SYNCED, userPrincipalName: `${user.name}@${d.dc.dnsDomain}`, mail: user.mail, onPremisesSyncEnabled: true, onPremisesSamAccountName: user.name,
          onPremisesDomainName: d.dc.dnsDomain, lastPasswordChangeDateTime: '2026-01-01T00:00:00Z' },
        { id: CLOUD, userPrincipalName: 'cloudy@contoso.test', mail: 'cloudy@mail.keyhatch.test' },
      ],
    });
    rememberSecret(g.clientSecret);
    smtp = await startSmtpCatcher();
    const base = adConfig(d, {}, freshDir('hybrid-journey'));
    config = validateConfig({
      ...JSON.parse(JSON.stringify(base)), listen: '127.0.0.1:0',
      smtp: smtp.config,
      entra: { tenantId: g.tenantId, clientId: g.clientId, clientSecret: g.clientSecret, authorityHost: g.authorityHost, graphUrl: g.graphUrl, caFile: g.caFile, syncWatchSeconds: 600 },
      recovery: { preEnrollFromDirectory: true },
    });
    const log = createLogger({ dir: logDir(config), level: 'debug', console: false });
    const audit = createAuditLog(logDir(config), [seen]);
    const ad = new AdDirectory({ config: config.ad!, dataDir: config.dataDir, log, audit });
    const entra = new EntraDirectory({ config: config.entra!, log, audit });
    hybrid = new HybridDirectory({ ad, entra, config: config.entra!, log, audit, clock, autoPoll: false });
    const core: CoreServices = {
      config, log, audit, directory: hybrid,
      async close() { await hybrid.close(); await Promise.all([audit.close(), log.close()]); },
    };
    server = await startStandalone(config, { core });
    rememberSecret(server.kioskSecret);
  });
  after(async () => { await server?.close(); await smtp?.close(); await g?.close(); await admin?.close(); });

  it('resets a synced user in AD (kinit), not in Graph, and flags the sync mismatch when Entra does not follow', async () => {
    const id = await verifyByMail(user.name, user.mail);
    const st = await api('GET', `/api/v1/recovery/${id}`);
    assert.equal(st.body.policy.source, 'domain', 'the AD domain policy applies (landing zone)');
    assert.equal(st.body.policy.historyLength, 24);
    const fresh = 'Hybrid-Fresh-42!';
    rememberSecret(fresh);
    const ok = await api('POST', `/api/v1/recovery/${id}/reset`, { newPassword: fresh });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal((await d.dc.kinit(user.name, fresh)).ok, true, 'the new password works in AD');
    assert.ok(!g.state.graphRequests().some((r) => r.method === 'PATCH'), 'Graph was not asked to reset a synced user');

    assert.equal(hybrid.syncStatus().watching.length, 1);
    offset = 11 * 60_000; // past syncWatchSeconds (600 s); Entra's lastPasswordChangeDateTime never moved
    const status = await hybrid.checkSync();
    assert.equal(status.mismatches, 1);

    g.state.markPasswordSynced(SYNCED, clock());
    assert.equal((await hybrid.checkSync()).watching.length, 0);

    const events = seen.events;
    const mismatch = events.find((e) => e.action === 'entra.sync-mismatch');
    assert.equal(mismatch?.target, `${user.name}@${d.dc.dnsDomain}`);
    assert.equal(mismatch?.result, 'failure');
    assert.equal(events.find((e) => e.action === 'entra.sync-confirmed')?.details?.late, true);
  });

  it('on the same daemon, a cloud-only user is reset in Entra', async () => {
    const id = await verifyByMail('cloudy@contoso.test', 'cloudy@mail.keyhatch.test');
    const pw = 'Cloudy-Fresh-43!';
    rememberSecret(pw);
    const ok = await api('POST', `/api/v1/recovery/${id}/reset`, { newPassword: pw });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(g.state.findUser(CLOUD)?.password, pw);
  });
});
