// E-mail goes out through one small interface; the SMTP implementation uses nodemailer.
// Codes travel in these mails, so TLS is never optional: smtps:// is TLS from the first byte,
// smtp:// must upgrade with STARTTLS (requireTLS) or nothing is sent; certificates are verified.
import nodemailer, { type Transporter } from 'nodemailer';
import { readFileSync } from 'node:fs';
import { KeyhatchError } from '../errors/catalogue.js';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
}

export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;
  constructor(url: string, private readonly from: string, caFile?: string) {
    const u = new URL(url);
    if (u.protocol !== 'smtps:' && u.protocol !== 'smtp:') throw new KeyhatchError('CONFIG_INVALID', { message: 'smtp.url must be smtps://host[:port] or smtp://host[:port] (STARTTLS)' });
    const implicitTls = u.protocol === 'smtps:';
    this.transport = nodemailer.createTransport({
      host: u.hostname,
      port: Number(u.port || (implicitTls ? 465 : 587)),
      secure: implicitTls,
      // smtp://: refuse to send unless the server offers STARTTLS and the upgrade succeeds.
      requireTLS: !implicitTls,
      ignoreTLS: false,
      ...(u.username ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
      tls: { ...(caFile ? { ca: [readFileSync(caFile)] } : {}), rejectUnauthorized: true, minVersion: 'TLSv1.2' },
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
  }
  async send(mail: OutgoingMail): Promise<void> {
    try {
      await this.transport.sendMail({ from: this.from, to: mail.to, subject: mail.subject, text: mail.text });
    } catch (err) {
      throw new KeyhatchError('DELIVERY_FAILED', { reason: `smtp: ${(err as Error).message}`, cause: err });
    }
  }
}
