// Codes and notices are delivered in the background: a request never waits on SMTP or an SMS
// provider, so response time cannot tell a real account from a decoy. Failures are audited.
//
// A transient failure (server unreachable or timing out, SMTP 4xx, provider 429/5xx) is retried
// with backoff until the message is no longer worth sending: a code until it expires, a notice for
// an hour. Each message is one job that is sent once or given up on, never queued twice, so a
// mail server coming back drains the queue without duplicates (a server that accepts a message
// but drops the connection before saying so is the one case SMTP itself cannot tell apart).
// The queue lives in memory: codes are secrets and are never written to disk.
import type { AuditSink } from '../log/audit.js';
import type { Logger } from '../log/logger.js';
import type { Mailer } from './mailer.js';
import type { SmsSender } from './sms.js';
import { render, type TemplateKind } from './templates.js';

export type Channel = { kind: 'email'; address: string } | { kind: 'sms'; phone: string };

export interface OutboxRetry {
  /** First wait after a transient failure; doubled each time (full jitter), capped at maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** How long a notice (not a code) is retried. */
  noticeMs: number;
}

const DEFAULT_RETRY: OutboxRetry = { baseDelayMs: 1_000, maxDelayMs: 30_000, noticeMs: 60 * 60_000 };
const SMTP_TRANSIENT = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EGREETING']);

/** Worth another try later: the service was unreachable, slow or said "not now". */
export function isTransientDelivery(err: unknown): boolean {
  const e = err as { code?: unknown; reason?: unknown; cause?: { code?: unknown; responseCode?: unknown } };
  const cause = e?.cause;
  if (typeof cause?.responseCode === 'number') return cause.responseCode >= 400 && cause.responseCode < 500;
  if (typeof cause?.code === 'string' && SMTP_TRANSIENT.has(cause.code)) return true;
  return e?.code === 'SMS_FAILED' && typeof e.reason === 'string' && /HTTP (429|5\d\d)\b|timed out|unreachable|error 20429\b/.test(e.reason);
}

interface Job {
  readonly channel: Channel;
  readonly kind: TemplateKind;
  readonly msg: { subject: string; text: string };
  readonly meta: { user: string; correlationId: string };
  readonly deadline: number;
  attempt: number;
}

export class Outbox {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly waiting = new Map<Job, NodeJS.Timeout>();
  private readonly retry: OutboxRetry;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly deps: { mailer?: Mailer; sms?: SmsSender; audit: AuditSink; log: Logger; retry?: Partial<OutboxRetry>; now?: () => number }) {
    this.retry = { ...DEFAULT_RETRY, ...deps.retry };
    this.now = deps.now ?? (() => Date.now());
  }

  canSend(kind: Channel['kind']): boolean {
    return kind === 'email' ? this.deps.mailer !== undefined : this.deps.sms !== undefined;
  }

  /** Messages waiting for a retry (a gauge for health pages and tests). */
  get queued(): number { return this.waiting.size; }

  send(channel: Channel, kind: TemplateKind, locale: string | undefined, vars: Record<string, string>, meta: { user: string; correlationId: string }): void {
    const minutes = Number(vars.minutes);
    const lifetime = kind === 'code' && minutes > 0 ? minutes * 60_000 : this.retry.noticeMs;
    this.attempt({ channel, kind, msg: render(kind, locale, vars), meta, deadline: this.now() + lifetime, attempt: 0 });
  }

  private attempt(job: Job): void {
    const run = (async () => {
      if (job.channel.kind === 'email') {
        if (!this.deps.mailer) throw new Error('no SMTP configured');
        await this.deps.mailer.send({ to: job.channel.address, subject: job.msg.subject, text: job.msg.text });
      } else {
        if (!this.deps.sms) throw new Error('no SMS provider configured');
        await this.deps.sms.send(job.channel.phone, `${job.msg.subject}: ${job.msg.text}`);
      }
      if (job.attempt > 0) {
        this.deps.audit.write({ action: `deliver.${job.kind}`, actor: 'keyhatch', target: job.meta.user, result: 'success', correlationId: job.meta.correlationId,
          details: { channel: job.channel.kind, attempts: job.attempt + 1 } });
      }
    })().catch((err: unknown) => this.failed(job, err)).finally(() => { this.inFlight.delete(run); });
    this.inFlight.add(run);
  }

  private failed(job: Job, err: unknown): void {
    const delay = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** job.attempt) * (0.5 + Math.random() / 2);
    const again = !this.closed && isTransientDelivery(err) && this.now() + delay < job.deadline;
    this.deps.log.warn(again ? 'delivery failed; will retry' : 'delivery failed', { channel: job.channel.kind, kind: job.kind, attempt: job.attempt + 1, error: (err as Error).message });
    if (again) {
      job.attempt += 1;
      const timer = setTimeout(() => { this.waiting.delete(job); this.attempt(job); }, delay);
      timer.unref();
      this.waiting.set(job, timer);
      return;
    }
    this.deps.audit.write({ action: `deliver.${job.kind}`, actor: 'keyhatch', target: job.meta.user, result: 'failure', reason: (err as { code?: string }).code ?? 'DELIVERY_FAILED',
      correlationId: job.meta.correlationId, details: { channel: job.channel.kind, attempts: job.attempt + 1, ...(isTransientDelivery(err) ? { gaveUp: 'the message expired before the service came back' } : {}) } });
  }

  /** Waits for the attempts under way (shutdown, tests); with `drain`, also for queued retries. */
  async flush(opts: { drain?: boolean } = {}): Promise<void> {
    while (this.inFlight.size > 0 || (opts.drain && this.waiting.size > 0)) {
      if (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
      else await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops retrying: what still waits is audited as given up (the daemon is stopping). */
  async close(): Promise<void> {
    this.closed = true;
    for (const [job, timer] of this.waiting) {
      clearTimeout(timer);
      this.deps.audit.write({ action: `deliver.${job.kind}`, actor: 'keyhatch', target: job.meta.user, result: 'failure', reason: 'DELIVERY_FAILED',
        correlationId: job.meta.correlationId, details: { channel: job.channel.kind, attempts: job.attempt, gaveUp: 'the daemon stopped before the service came back' } });
    }
    this.waiting.clear();
    await this.flush();
  }
}
