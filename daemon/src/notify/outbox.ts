// Codes and notices are delivered in the background: a request never waits on SMTP or an SMS
// provider, so response time cannot tell a real account from a decoy. Failures are audited.
import type { AuditSink } from '../log/audit.js';
import type { Logger } from '../log/logger.js';
import type { Mailer } from './mailer.js';
import type { SmsSender } from './sms.js';
import { render, type TemplateKind } from './templates.js';

export type Channel = { kind: 'email'; address: string } | { kind: 'sms'; phone: string };

export class Outbox {
  private readonly inFlight = new Set<Promise<void>>();
  constructor(private readonly deps: { mailer?: Mailer; sms?: SmsSender; audit: AuditSink; log: Logger }) {}

  canSend(kind: Channel['kind']): boolean {
    return kind === 'email' ? this.deps.mailer !== undefined : this.deps.sms !== undefined;
  }

  send(channel: Channel, kind: TemplateKind, locale: string | undefined, vars: Record<string, string>, meta: { user: string; correlationId: string }): void {
    const msg = render(kind, locale, vars);
    const job = (async () => {
      if (channel.kind === 'email') {
        if (!this.deps.mailer) throw new Error('no SMTP configured');
        await this.deps.mailer.send({ to: channel.address, subject: msg.subject, text: msg.text });
      } else {
        if (!this.deps.sms) throw new Error('no SMS provider configured');
        await this.deps.sms.send(channel.phone, `${msg.subject}: ${msg.text}`);
      }
    })().catch((err: unknown) => {
      this.deps.audit.write({ action: `deliver.${kind}`, actor: 'keyhatch', target: meta.user, result: 'failure', reason: (err as { code?: string }).code ?? 'DELIVERY_FAILED',
        correlationId: meta.correlationId, details: { channel: channel.kind } });
      this.deps.log.warn('delivery failed', { channel: channel.kind, kind, error: (err as Error).message });
    }).finally(() => { this.inFlight.delete(job); });
    this.inFlight.add(job);
  }

  /** Waits for everything queued so far (shutdown, tests). */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}
