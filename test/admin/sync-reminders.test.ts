// Password-expiry reminders and enrollment campaigns against Samba and a real SMTP server
// (STARTTLS): the right users get the right mail — targeted only, fine-grained policy honoured,
// never-expiring skipped, never twice a day, localised, campaigns stop once the user enrolls.
import assert from 'node:assert/strict';
import { DOMAIN_SETUP_TIMEOUT_MS, testDomain, type TestDomain } from '../support/global-domain.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { adConfig } from '../support/ad-env.js';
import { freshDir } from '../support/run-dir.js';
import { startSmtpCatcher, type SmtpCatcher } from '../support/smtp-catcher.js';
import { AdConnection } from '../../daemon/src/directory/ad/connection.js';
import { AdPopulationSource } from '../../daemon/src/admin/sync/ad-population-source.js';
import { SyncEngine } from '../../daemon/src/admin/sync/sync-engine.js';
import { ReminderService, type ReminderSettings } from '../../daemon/src/admin/reminders/reminder-service.js';
import { SmtpMailer } from '../../daemon/src/notify/mailer.js';
import { SqliteStore } from '../../daemon/src/store/sqlite-store.js';
import { MemoryAudit } from '../../daemon/src/log/audit.js';
import { silentLogger } from '../../daemon/src/log/logger.js';
import type { AdConfig } from '../../daemon/src/config/schema.js';

const DAY = 86_400_000;

describe('expiry reminders and enrollment campaigns (Samba AD DC + SMTP)', function () {
  this.timeout(120_000);
  let d: TestDomain;
  let admin: DomainAdmin;
  let smtp: SmtpCatcher;
  let conn: AdConnection;
  let store: SqliteStore;
  let engine: SyncEngine;
  let ou: string;
  const mailOf = (n: string) => `${n}@mail.keyhatch.test`;
  let t0 = 0;

  const service = (now: number, settings: Partial<ReminderSettings> = {}, audit = new MemoryAudit()) => new ReminderService({
    store, engine, mailer: new SmtpMailer(smtp.config.url, smtp.config.from, smtp.config.caFile), log: silentLogger, audit, now: () => now,
    settings: {
      reminders: { enabled: true, daysBefore: [7], language: 'en' },
      campaign: { enabled: false, everyDays: 7, maxMails: 2 },
      portalUrl: 'https://keyhatch.keyhatch.test/portal/',
      ...settings,
    },
  });
  const to = (n: string, since: number) => smtp.messages().slice(since).filter((m) => m.to.includes(mailOf(n)));

  before(async function () {
    this.timeout(DOMAIN_SETUP_TIMEOUT_MS);
    d = await testDomain();
    smtp = await startSmtpCatcher('starttls');
    admin = await DomainAdmin.connect(d.dc);
    ou = `OU=ReminderTest,${d.seed.peopleOu}`;
    await admin.addOu(ou);
    const group = `CN=Reminder Targets,${d.seed.groupsOu}`;
    const psoGroup = `CN=Reminder Short PSO,${d.seed.groupsOu}`;
    await admin.addGroup(group, 'Reminder Targets');
    await admin.addGroup(psoGroup, 'Reminder Short PSO');
    // rm-a: domain policy (42 days); rm-d: a 20-day PSO; rm-b: never expires; rm-c: not targeted.
    for (const n of ['rm-a', 'rm-b', 'rm-c', 'rm-d']) await admin.addUser({ name: n, password: 'Reminder-Passw0rd!', mail: mailOf(n), displayName: `Person ${n}` }, ou);
    for (const n of ['rm-a', 'rm-b', 'rm-d']) await admin.addMember(group, `CN=${n},${ou}`);
    await admin.replace(`CN=rm-b,${ou}`, 'userAccountControl', String(0x200 | 0x10000));
    await admin.addMember(psoGroup, `CN=rm-d,${ou}`);
    await admin.ldap.add(`CN=ReminderPSO,CN=Password Settings Container,CN=System,${d.dc.baseDn}`, {
      objectClass: ['top', 'msDS-PasswordSettings'], 'msDS-PasswordSettingsPrecedence': '7', 'msDS-PasswordReversibleEncryptionEnabled': 'FALSE',
      'msDS-PasswordHistoryLength': '0', 'msDS-PasswordComplexityEnabled': 'TRUE', 'msDS-MinimumPasswordLength': '8', 'msDS-MinimumPasswordAge': '0',
      'msDS-MaximumPasswordAge': String(-20n * 864_000_000_000n), 'msDS-LockoutThreshold': '0', 'msDS-LockoutObservationWindow': '-18000000000',
      'msDS-LockoutDuration': '-18000000000', 'msDS-PSOAppliesTo': psoGroup,
    });
    const cfg = adConfig(d).ad as AdConfig;
    conn = new AdConnection(cfg, silentLogger);
    store = new SqliteStore(freshDir('reminders'));
    engine = new SyncEngine({ store, sources: [new AdPopulationSource({ directoryId: 'corp', baseDn: cfg.baseDn, conn })], leaverRule: 'disable-enrollment', log: silentLogger });
    await store.population.setTargets('corp', [{ directoryId: 'corp', groupId: group, name: 'Reminder Targets' }]);
    await engine.sync('corp');
    t0 = Date.now(); // passwords were set moments ago
  });
  after(async () => {
    await conn?.close();
    await store?.close();
    await smtp?.close();
    await admin?.close();
  });

  it('dry run lists who would get an expiry reminder and sends nothing', async () => {
    const before = smtp.messages().length;
    const planned = await service(t0 + 13 * DAY).expiry(true);
    assert.deepEqual(planned.map((p) => [p.accountName, p.days, p.result]), [['rm-d', 7, 'would-send']], 'rm-d: 20-day PSO, 7 days left; rm-a has 29');
    assert.equal(smtp.messages().length, before);
    assert.deepEqual(await store.population.notices('expiry', (await store.population.list({ search: 'rm-d' })).rows[0]?.userKey as string), []);
  });

  it('sends the reminder to the targeted user whose (PSO) password expires in 7 days, once per day', async () => {
    const before = smtp.messages().length;
    const audit = new MemoryAudit();
    const sent = await service(t0 + 13 * DAY, {}, audit).expiry(false);
    assert.deepEqual(sent.map((p) => [p.accountName, p.result]), [['rm-d', 'sent']]);
    const { mail } = await smtp.waitFor(mailOf('rm-d'), /expires on \d{4}-\d{2}-\d{2} \(in 7 days\)/, 20_000, before);
    assert.equal(mail.subject, 'Your password expires in 7 days');
    assert.equal(mail.secure, true, 'delivered over STARTTLS');
    assert.equal(audit.events.filter((e) => e.action === 'reminder.expiry').length, 1);
    // Same day again (another gateway or a second run): nothing.
    const again = await service(t0 + 13 * DAY + 3_600_000).expiry(false);
    assert.deepEqual(again.map((p) => p.result), ['already-sent-today']);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(to('rm-d', before).length, 1);
    for (const n of ['rm-a', 'rm-b', 'rm-c']) assert.equal(to(n, before).length, 0, n);
  });

  it('domain policy users get it on their day, in the configured language; never-expiring and untargeted users never', async () => {
    const before = smtp.messages().length;
    const sent = await service(t0 + 35 * DAY, { reminders: { enabled: true, daysBefore: [7], language: 'de' } }).expiry(false);
    assert.deepEqual(sent.map((p) => [p.accountName, p.result]), [['rm-a', 'sent']]);
    const { mail } = await smtp.waitFor(mailOf('rm-a'), /läuft am \d{4}-\d{2}-\d{2} ab \(in 7 Tagen\)/, 20_000, before);
    assert.equal(mail.subject, 'Ihr Kennwort läuft in 7 Tagen ab');
    // Every day from now to a year ahead: rm-b (never expires) and rm-c (not targeted) are never due.
    const svc = service(t0, { reminders: { enabled: true, daysBefore: Array.from({ length: 366 }, (_, i) => i), language: 'en' } });
    const all = await svc.expiry(true);
    assert.deepEqual(all.map((p) => p.accountName).sort(), ['rm-a', 'rm-d']);
  });

  it('campaign: DISCOVERED users get the portal link every N days, at most M times, and not once they enrolled', async () => {
    const campaign = { reminders: { enabled: false, daysBefore: [7], language: 'en' }, campaign: { enabled: true, everyDays: 7, maxMails: 2 } };
    const before = smtp.messages().length;
    const first = await service(t0, campaign).run();
    assert.deepEqual(first.map((p) => [p.accountName, p.result]).sort(), [['rm-a', 'sent'], ['rm-b', 'sent'], ['rm-d', 'sent']]);
    const { mail } = await smtp.waitFor(mailOf('rm-a'), /https:\/\/keyhatch\.keyhatch\.test\/portal\//, 20_000, before);
    assert.equal(mail.subject, 'Set up password self-service');
    assert.equal(to('rm-c', before).length, 0, 'not targeted');

    // rm-a enrolls; the next sync sees it.
    const key = (await store.population.list({ search: 'rm-a' })).rows[0]?.userKey as string;
    await store.factors.insert({ id: 'rm-a-totp', userKey: key, type: 'totp', hint: 'app', confirmed: true, data: {}, createdAt: new Date().toISOString() });
    await engine.sync('corp');
    assert.equal((await store.population.list({ search: 'rm-a' })).rows[0]?.status, 'ENROLLED');

    assert.deepEqual(await service(t0 + 1 * DAY, campaign).run(), [], 'not before everyDays');
    const second = await service(t0 + 7 * DAY, campaign).run();
    assert.deepEqual(second.map((p) => p.accountName).sort(), ['rm-b', 'rm-d'], 'rm-a enrolled: no more campaign mail');
    assert.deepEqual(await service(t0 + 14 * DAY, campaign).run(), [], 'maxMails reached');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(to('rm-a', before).length, 1);
    assert.equal(to('rm-d', before).length, 2);
  });
});
