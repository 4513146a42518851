// Recovery is offered only to the targeted population: a user removed from the target group can no
// longer recover (even with a correct authenticator code), and the refusal looks exactly like an
// unknown name; back in the group, recovery works again. The real daemon over HTTP, Samba, SMTP.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Attribute, Change } from 'ldapts';
import * as OTPAuth from 'otpauth';
import { DOMAIN_SETUP_TIMEOUT_MS, testDomain, type TestDomain } from '../support/global-domain.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { rememberSecret } from '../support/run-dir.js';
import { AdConnection } from '../../daemon/src/directory/ad/connection.js';
import { AdPopulationSource } from '../../daemon/src/admin/sync/ad-population-source.js';
import { SyncEngine } from '../../daemon/src/admin/sync/sync-engine.js';
import { SqliteStore } from '../../daemon/src/store/sqlite-store.js';
import { silentLogger } from '../../daemon/src/log/logger.js';
import type { AdConfig } from '../../daemon/src/config/schema.js';

describe('recovery only for users in the target groups (security)', function () {
  this.timeout(120_000);
  let d: TestDomain;
  let admin: DomainAdmin;
  let k: TestDaemon;
  let conn: AdConnection;
  let store: SqliteStore;
  let engine: SyncEngine;
  let offset = 0;
  const now = () => Date.now() + offset;
  const user = { name: 'scope1', password: 'Scope-Start-Passw0rd!' };
  let group = '';
  let totp: OTPAuth.TOTP;

  const sync = async () => { await engine.sync('default'); };
  const codeNow = () => { offset += 30_000; return totp.generate({ timestamp: now() }); };
  const startAnswer = async (name: string) => {
    const r = await k.api('POST', '/api/v1/recovery', { username: name });
    assert.equal(r.status, 201);
    return r.body as { recoveryId: string; factors: unknown[]; required: number; expiresAt: string };
  };
  const verifyTotp = async (name: string) => {
    const s = await startAnswer(name);
    const totpId = (s.factors as { id: string; type: string }[]).find((f) => f.type === 'totp')?.id as string;
    assert.equal((await k.api('POST', `/api/v1/recovery/${s.recoveryId}/challenge`, { factor: totpId })).status, 200);
    const code = codeNow();
    rememberSecret(code);
    return k.api('POST', `/api/v1/recovery/${s.recoveryId}/verify`, { factor: totpId, response: code });
  };

  before(async function () {
    this.timeout(DOMAIN_SETUP_TIMEOUT_MS);
    d = await testDomain();
    admin = await DomainAdmin.connect(d.dc);
    rememberSecret(user.password);
    group = `CN=Scope Targets,${d.seed.groupsOu}`;
    await admin.addGroup(group, 'Scope Targets');
    await admin.addUser({ name: user.name, password: user.password, displayName: 'Scoped Person' }, d.seed.peopleOu);
    await admin.addMember(group, `CN=${user.name},${d.seed.peopleOu}`);
    k = await startTestDaemon(d, {}, { now });
    // Enroll a TOTP factor through the portal API, as the user would.
    const login = await k.api('POST', '/api/v1/enrollment/login', { username: user.name, password: user.password });
    assert.equal(login.status, 200);
    rememberSecret(login.body.token);
    const auth = { authorization: `Bearer ${login.body.token as string}` };
    const add = await k.api('POST', '/api/v1/enrollment/factors/totp', {}, auth);
    rememberSecret(add.body.secret);
    totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(add.body.secret) });
    assert.equal((await k.api('POST', `/api/v1/enrollment/factors/${add.body.factorId}/confirm`, { code: totp.generate({ timestamp: now() }) }, auth)).status, 200);
    // The gateway's sync, on the daemon's own store (same SQLite file, as a second process would).
    const cfg = k.config.ad as AdConfig;
    conn = new AdConnection(cfg, silentLogger);
    store = new SqliteStore(k.config.dataDir);
    engine = new SyncEngine({ store, sources: [new AdPopulationSource({ directoryId: 'default', baseDn: cfg.baseDn, conn })], leaverRule: 'disable-enrollment', log: silentLogger });
  });
  after(async () => {
    await conn?.close();
    await store?.close();
    await k?.close();
    await admin?.close();
  });

  it('without target groups everyone may recover (behaviour before targeting)', async () => {
    await sync();
    assert.equal((await verifyTotp(user.name)).status, 200);
  });

  it('in a target group: recovers; removed from it: refused like an unknown name, even with the right code; back: recovers', async () => {
    await store.population.setTargets('default', [{ directoryId: 'default', groupId: group, name: 'Scope Targets' }]);
    await sync();
    assert.equal((await store.population.list({ search: user.name })).rows[0]?.status, 'ENROLLED');
    assert.equal((await verifyTotp(user.name)).status, 200);

    await admin.ldap.modify(group, new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [`CN=${user.name},${d.seed.peopleOu}`] }) }));
    await sync();
    assert.equal((await store.population.list({ search: user.name })).rows[0]?.status, 'OUT_OF_SCOPE');
    const refused = await verifyTotp(user.name);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error.code, 'VERIFICATION_FAILED');
    // No enumeration: the start answer has the same shape and content as for a name nobody has.
    const out = await startAnswer(user.name);
    const unknown = await startAnswer('nobody-at-all-93');
    const strip = (a: typeof out) => ({ ...a, recoveryId: typeof a.recoveryId, expiresAt: typeof a.expiresAt });
    assert.deepEqual(strip(out), strip(unknown));
    const audit = readFileSync(join(k.config.dataDir, 'logs', 'audit.log'), 'utf8');
    assert.match(audit, /"reason":"out_of_scope"/, 'the real reason goes to the audit log only');

    await admin.addMember(group, `CN=${user.name},${d.seed.peopleOu}`);
    await sync();
    assert.equal((await verifyTotp(user.name)).status, 200, 'disable-enrollment kept the factor: usable again once back in scope');
  });
});
