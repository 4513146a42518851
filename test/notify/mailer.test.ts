// The SMTP mailer against a real SMTP server (smtp-server in its own process) with a CA of its own.
import assert from 'node:assert/strict';
import { SmtpMailer } from '../../daemon/src/notify/mailer.js';
import { KeyhatchError } from '../../daemon/src/errors/catalogue.js';
import { startSmtpCatcher, type SmtpCatcher } from '../support/smtp-catcher.js';
import { makeTestCa } from '../support/test-ca.js';

describe('SMTP mailer: TLS is required', () => {
  const servers: SmtpCatcher[] = [];
  const start = async (mode: Parameters<typeof startSmtpCatcher>[0]) => { const s = await startSmtpCatcher(mode); servers.push(s); return s; };
  after(async () => { await Promise.all(servers.map((s) => s.close())); });

  it('sends over smtp:// only after STARTTLS, verified against the configured CA', async () => {
    const s = await start('starttls');
    await new SmtpMailer(s.url, 'keyhatch@keyhatch.test', s.caFile).send({ to: 'ann@example.test', subject: 'Code', text: 'Your code is 123456' });
    const { mail } = await s.waitFor('ann@example.test', /code is (\d{6})/);
    assert.equal(mail.secure, true, 'the message travelled inside TLS');
  });

  it('sends over smtps:// (TLS from the first byte)', async () => {
    const s = await start('smtps');
    await new SmtpMailer(s.url, 'keyhatch@keyhatch.test', s.caFile).send({ to: 'bob@example.test', subject: 'Code', text: 'Your code is 654321' });
    assert.equal((await s.waitFor('bob@example.test', /code is (\d{6})/)).mail.secure, true);
  });

  it('refuses to send over smtp:// to a server that does not offer STARTTLS', async () => {
    const s = await start('plain');
    await assert.rejects(new SmtpMailer(s.url, 'keyhatch@keyhatch.test').send({ to: 'eve@example.test', subject: 'Code', text: 'Your code is 111111' }),
      (e: KeyhatchError) => e.code === 'DELIVERY_FAILED' && /STARTTLS/i.test(e.reason ?? ''));
    assert.equal(s.messages().length, 0, 'nothing was sent in the clear');
  });

  it('refuses a server whose certificate is not signed by the configured CA (or any trusted CA)', async () => {
    const s = await start('starttls');
    const other = makeTestCa('other-ca');
    for (const ca of [undefined, other.caFile]) {
      await assert.rejects(new SmtpMailer(s.url, 'keyhatch@keyhatch.test', ca).send({ to: 'eve@example.test', subject: 'Code', text: 'Your code is 222222' }),
        (e: KeyhatchError) => e.code === 'DELIVERY_FAILED');
    }
    assert.equal(s.messages().length, 0);
  });
});
