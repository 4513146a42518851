// What a help-desk agent may do for a verified caller: unlock, issue a one-time help-desk code
// (the same factor `keyhatch helpdesk code` issues), reset the enrollment. Each re-checks that
// the account is neither privileged nor disabled right before acting, and is audited with the
// agent's identity.
import type { CoreServices, RecoveryServices } from '../../core/core-services.js';
import type { DirectoryUser, OperationContext } from '../../directory/directory.js';
import { userKeyOf } from '../../directory/directory.js';
import { KeyhatchError } from '../../errors/catalogue.js';
import { notificationChannels } from '../../recovery/channels.js';
import { noticeTime } from '../../notify/templates.js';
import { actorOf } from './caller-verification.js';
import type { ConsoleSession } from './sessions.js';

const nameOf = (u: DirectoryUser): string => u.accountName ?? u.userPrincipalName ?? u.id;

export class HelpdeskActions {
  constructor(private readonly core: CoreServices, private readonly services: RecoveryServices, private readonly now: () => number, private readonly locale: string) {}

  private ctx(s: ConsoleSession, correlationId: string): OperationContext {
    return { actor: actorOf(s), correlationId, operationId: correlationId };
  }

  private audit(s: ConsoleSession, action: string, user: DirectoryUser, correlationId: string, result: 'success' | 'failure' | 'refused', reason?: string, details: Record<string, unknown> = {}): void {
    this.core.audit.write({ action, actor: actorOf(s), target: nameOf(user), result, ...(reason ? { reason } : {}), correlationId, details: { role: s.role, ...details } });
  }

  /** Help desk may not act on what self-service refuses either (checked now, never cached). */
  private async guard(s: ConsoleSession, action: string, user: DirectoryUser, correlationId: string): Promise<void> {
    const [status, privilege] = await Promise.all([this.core.directory.accountStatus(user), this.core.directory.privilege(user)]);
    if (privilege.privileged) {
      this.audit(s, action, user, correlationId, 'refused', 'PRIVILEGED_ACCOUNT', { via: privilege.via });
      throw new KeyhatchError('PRIVILEGED_ACCOUNT', { message: 'Keyhatch does not act on administrative accounts.', reason: `member of ${privilege.via.join(', ')}` });
    }
    if (status.disabled) {
      this.audit(s, action, user, correlationId, 'refused', 'ACCOUNT_DISABLED');
      throw new KeyhatchError('ACCOUNT_DISABLED', { reason: 'account disabled' });
    }
  }

  private async run<T>(s: ConsoleSession, action: string, user: DirectoryUser, correlationId: string, fn: () => Promise<T>, details?: (r: T) => Record<string, unknown>): Promise<T> {
    await this.guard(s, action, user, correlationId);
    let r: T;
    try { r = await fn(); } catch (err) {
      this.audit(s, action, user, correlationId, 'failure', (err as KeyhatchError).code ?? 'INTERNAL');
      throw err;
    }
    this.audit(s, action, user, correlationId, 'success', undefined, details?.(r));
    return r;
  }

  unlock(s: ConsoleSession, user: DirectoryUser, correlationId: string): Promise<{ unlocked: true }> {
    return this.run(s, 'console.unlock', user, correlationId, async () => {
      await this.core.directory.unlock(user, this.ctx(s, correlationId));
      return { unlocked: true as const };
    });
  }

  /** A one-time code the agent reads to the caller, who types it at the kiosk (single use, 10 minutes). */
  helpdeskCode(s: ConsoleSession, user: DirectoryUser, correlationId: string): Promise<{ code: string; expiresAt: string }> {
    return this.run(s, 'console.helpdesk-code', user, correlationId, async () => {
      const { code, expiresAt } = await this.services.helpdesk.issue(userKeyOf(user));
      return { code, expiresAt: new Date(expiresAt).toISOString() };
    }, (r) => ({ expiresAt: r.expiresAt }));
  }

  /** Removes every enrolled method; the user's channels (as they were) are told. */
  resetEnrollment(s: ConsoleSession, user: DirectoryUser, correlationId: string): Promise<{ removed: number }> {
    return this.run(s, 'console.reset-enrollment', user, correlationId, async () => {
      const factors = await this.services.store.factors.list(userKeyOf(user));
      const channels = await notificationChannels(this.services.store, user, this.services.outbox);
      for (const f of factors) await this.services.store.factors.delete(f.id);
      const confirmed = factors.filter((f) => f.confirmed);
      if (confirmed.length > 0) {
        const method = [...new Set(confirmed.map((f) => f.type))].join(', ');
        for (const ch of channels) {
          this.services.outbox.send(ch, 'factorRemoved', this.locale, { user: nameOf(user), method, time: noticeTime(this.now()) }, { user: nameOf(user), correlationId });
        }
      }
      return { removed: factors.length };
    }, (r) => ({ removed: r.removed }));
  }
}
