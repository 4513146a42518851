// SMTP down or slow, SMS provider 429/5xx: the kiosk is answered at once (the user is told the code
// is on its way), every code is delivered exactly once when the service returns (the queue drains),
// the codes still work, and the event loop is never blocked (only a generous hang bound is asserted).
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DOMAIN_SETUP_TIMEOUT_MS, testDomain, type TestDomain } from '../support/global-domain.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { rememberSecret } from '../support/run-dir.js';
import { startSmtpCatcher, type SmtpCatcher } from '../support/smtp-catcher.js';
import { Outbox } from '../../daemon/src/notify/outbox.js';
import { SmtpMailer } from '../../daemon/src/notify/mailer.js';
import { WebhookSmsSender } from '../../daemon/src/notify/sms-webhook.js';
import { makeTestCa, TlsReceiver } from '../notify/tls-receiver.js';
import { createLogger } from '../../daemon/src/log/logger.js';
import type { AuditEvent } from '../../daemon/src/log/audit.js';
import { freshDir } from '../support/run-dir.js';

/** A hang bound, not a speed target: a blocked loop would show seconds, a busy machine shows tens of ms. */
const HANG_BOUND_MS = 2_000;

function auditRecorder() {
  const events: Array<AuditEvent & { details?: any }> = [];
  return { events, write: (e: AuditEvent) => { events.push(e); } };
}

describe('faults: mail and SMS providers down, slow or throttling', function () {
  this.timeout(300_000);

  describe('SMTP server down, then back (Samba AD DC + real SMTP server process)', () => {
    let d: TestDomain;
    let admin: DomainAdmin;
    let smtp: SmtpCatcher;
    let k: TestDaemon;
    const users = Array.from({ length: 4 }, (_, i) => ({ name: `mailfault${i}`, mail: `mailfault${i}@mail.keyhatch.test`, password: `Mail-Fault-${i}-Pw!` }));

    before(async function () {
      this.timeout(DOMAIN_SETUP_TIMEOUT_MS);
      d = await testDomain();
      admin = await DomainAdmin.connect(d.dc);
      for (const u of users) {
        rememberSecret(u.password);
        await admin.addUser({ name: u.name, password: u.password, displayName: 'Mail Fault', mail: u.mail }, d.seed.peopleOu);
      }
      k = await startTestDaemon(d, { recovery: { preEnrollFromDirectory: true }, rateLimits: { startsPerSource: 10_000 } });
      smtp = k.smtp;
    });
    after(async () => { await k?.close(); await smtp?.close(); await admin?.close(); });

    it('answers challenges at once while SMTP is down; each code arrives exactly once when it returns and still verifies', async () => {
      const { port, caFile } = smtp;
      await smtp.close(); // the mail server goes away
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const sessions: Array<{ user: (typeof users)[number]; id: string; factor: string }> = [];
      // A 503 (the DC slow on a busy machine) is retried as the kiosk would, after a pause.
      const api = async (method: string, path: string, body?: unknown) => {
        for (let i = 0; ; i++) {
          const r = await k.api(method, path, body);
          if (r.status !== 503 || i >= 5) return r;
          await new Promise((res) => setTimeout(res, 1_000));
        }
      };
      await Promise.all(users.flatMap((user) => [0, 1].map(async () => {
        const start = await api('POST', '/api/v1/recovery', { username: user.name });
        assert.equal(start.status, 201);
        const factor = (start.body.factors as Array<{ id: string; type: string }>).find((f) => f.type === 'email')!.id;
        const ch = await api('POST', `/api/v1/recovery/${start.body.recoveryId as string}/challenge`, { factor, contact: user.mail });
        assert.deepEqual([ch.status, ch.body], [200, { sent: true }], 'the kiosk says the code is on its way, as for any account');
        sessions.push({ user, id: start.body.recoveryId as string, factor });
      })));
      // Every send failed at least once and waits for a retry (nothing was dropped).
      const outbox = k.server.services.outbox;
      const deadline = Date.now() + 60_000;
      while (outbox.queued < sessions.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(outbox.queued, sessions.length, 'every code is queued for a retry');
      await new Promise((r) => setTimeout(r, 3_000)); // down a while: several retries fail

      const back = await startSmtpCatcher('starttls', { port, caFile });
      k.smtp = back;
      smtp = back;
      await outbox.flush({ drain: true });
      loop.disable();
      assert.equal(outbox.queued, 0, 'the queue drained');
      // The catcher process reports each accepted mail on a pipe, which may reach this process just
      // after the SMTP reply the daemon acted on: wait for the reports (nothing is sent any more).
      const codeMails = () => back.messages().filter((m) => /code is \d{6}/.test(m.text));
      for (const until = Date.now() + 10_000; codeMails().length < sessions.length && Date.now() < until;) await new Promise((r) => setTimeout(r, 25));

      for (const u of users) {
        const codes = back.messages().filter((m) => m.to.includes(u.mail) && /code is \d{6}/.test(m.text));
        assert.equal(codes.length, 2, `${u.name}: one mail per challenge, none lost, none twice`);
      }
      // The codes are still good: each session verifies with the code sent to it.
      const byUser = new Map<string, string[]>();
      for (const m of back.messages()) {
        const code = /code is (\d{6})/.exec(m.text)?.[1];
        if (code) { rememberSecret(code); byUser.set(m.to[0] as string, [...(byUser.get(m.to[0] as string) ?? []), code]); }
      }
      let verified = 0;
      for (const s of sessions) {
        for (const code of byUser.get(s.user.mail) ?? []) {
          const v = await api('POST', `/api/v1/recovery/${s.id}/verify`, { factor: s.factor, response: code });
          if (v.status === 200) { verified += 1; break; }
        }
      }
      assert.equal(verified, sessions.length, 'every session verifies with its delayed code');
      const maxMs = loop.max / 1e6;
      console.log(`      event-loop delay while SMTP was down: p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${maxMs.toFixed(1)} ms`);
      assert.ok(maxMs < HANG_BOUND_MS, `event loop blocked for ${maxMs} ms`);
    });
  });

  describe('slow SMTP (a server that accepts and never speaks) and an SMS provider answering 429/503', () => {
    const log = createLogger({ dir: freshDir('outbox-log'), level: 'debug', console: false });
    after(async () => { await log.close(); });

    it('a mail server that never greets holds no request and blocks no loop; the send gives up with a clear audit', async () => {
      const sockets: Socket[] = [];
      const tarpit: Server = createServer((s) => { sockets.push(s); });
      await new Promise<void>((r) => tarpit.listen(0, '127.0.0.1', r));
      const port = (tarpit.address() as { port: number }).port;
      const audit = auditRecorder();
      const mailer = new SmtpMailer(`smtp://127.0.0.1:${port}`, 'keyhatch@keyhatch.test');
      // Notices are retried for a short while only here, so the test sees the give-up.
      const outbox = new Outbox({ mailer, audit, log, retry: { baseDelayMs: 200, maxDelayMs: 500, noticeMs: 1_000 } });
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const t0 = Date.now();
      for (let i = 0; i < 50; i++) outbox.send({ kind: 'email', address: `slow${i}@keyhatch.test` }, 'reset', 'en', { user: `slow${i}`, time: 'now' }, { user: `slow${i}`, correlationId: `c${i}` });
      assert.ok(Date.now() - t0 < HANG_BOUND_MS, 'send() only queues');
      await outbox.flush({ drain: true }); // nodemailer's greeting timeout (10 s) ends each attempt
      loop.disable();
      tarpit.close();
      for (const s of sockets) s.destroy();
      const failures = audit.events.filter((e) => e.action === 'deliver.reset' && e.result === 'failure');
      assert.equal(failures.length, 50, 'each message is given up on once, and audited');
      assert.ok(failures.every((e) => e.details.gaveUp), 'the audit says why');
      assert.ok(loop.max / 1e6 < HANG_BOUND_MS, `event loop blocked for ${loop.max / 1e6} ms`);
    });

    it('SMS: 429 and 503 storms are retried until the provider accepts; each text is sent once', async () => {
      const ca = makeTestCa('sms-fault');
      const receiver = new TlsReceiver();
      const url = await receiver.start(ca);
      let refusals = 0;
      const accepted: string[] = [];
      receiver.handler = (req, res) => {
        // The first 12 calls are refused (a storm), alternating 429 with Retry-After and 503.
        if (refusals < 12) { refusals += 1; res.writeHead(refusals % 2 ? 429 : 503, { 'retry-after': '0' }).end(); return; }
        accepted.push((JSON.parse(req.body) as { to: string }).to);
        res.writeHead(200).end('{}');
      };
      const secret = 'sms-fault-webhook-secret-0123';
      rememberSecret(secret);
      const sms = new WebhookSmsSender({ provider: 'webhook', url, secret, caFile: ca.caFile });
      const audit = auditRecorder();
      const outbox = new Outbox({ sms, audit, log, retry: { baseDelayMs: 50, maxDelayMs: 200 } });
      const phones = ['+15550100101', '+15550100102', '+15550100103', '+15550100104'];
      for (const phone of phones) outbox.send({ kind: 'sms', phone }, 'code', 'en', { code: '123456', minutes: '10' }, { user: phone, correlationId: phone });
      await outbox.flush({ drain: true });
      await receiver.stop();
      assert.equal(refusals, 12);
      assert.deepEqual([...accepted].sort(), phones, 'every text delivered exactly once');
      assert.equal(audit.events.filter((e) => e.result === 'failure').length, 0);
      assert.ok(audit.events.some((e) => e.action === 'deliver.code' && e.result === 'success' && e.details.attempts > 1), 'the retries are audited');
    });

    it('SMS: a permanent refusal (400) is not retried', async () => {
      const ca = makeTestCa('sms-perm');
      const receiver = new TlsReceiver();
      const url = await receiver.start(ca);
      receiver.handler = (_req, res) => { res.writeHead(400).end(); };
      const sms = new WebhookSmsSender({ provider: 'webhook', url, secret: 'sms-fault-webhook-secret-0123', caFile: ca.caFile });
      const audit = auditRecorder();
      const outbox = new Outbox({ sms, audit, log, retry: { baseDelayMs: 50, maxDelayMs: 200 } });
      outbox.send({ kind: 'sms', phone: '+15550100109' }, 'code', 'en', { code: '123456', minutes: '10' }, { user: 'u', correlationId: 'c' });
      await outbox.flush({ drain: true });
      await receiver.stop();
      assert.equal(receiver.requests.length, 1);
      assert.equal(audit.events.filter((e) => e.result === 'failure').length, 1);
    });
  });
});
