// E-mail goes out through one small interface; the SMTP implementation uses nodemailer.
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
    this.transport = nodemailer.createTransport({
      host: u.hostname,
      port: Number(u.port || (u.protocol === 'smtps:' ? 465 : 25)),
      secure: u.protocol === 'smtps:',
      ...(u.username ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
      tls: { ...(caFile ? { ca: [readFileSync(caFile)] } : {}), rejectUnauthorized: true },
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
