// Resets that failed after the directory may have done half the work (AD's two-step reset: the
// account holds a temporary password). Kept per session until the session is cancelled or expires;
// then `abandonReset` asks the directory — the judge — and the user is told when it was half-done.
import type { Directory, DirectoryUser } from '../directory/directory.js';
import type { Logger } from '../log/logger.js';
import type { AccountNotices } from './account-notices.js';

interface PendingReset { expiresAt: number; user: DirectoryUser; locale: string }

export class PendingResets {
  private readonly pending = new Map<string, PendingReset>();

  constructor(private readonly d: { directory: Directory; notices: AccountNotices; log: Logger }) {}

  /** Before asking the directory to reset: the session `ref` may leave an operation open. */
  begin(ref: string, entry: PendingReset): void { this.pending.set(ref, entry); }

  /** The reset completed: nothing is left open. */
  settle(ref: string): void { this.pending.delete(ref); }

  /** The session ended (`why`: cancelled, expired): close its open operation, if any, and tell the user. */
  async abandon(ref: string, why: string): Promise<void> {
    const p = this.pending.get(ref);
    if (!p) return;
    this.pending.delete(ref);
    const ctx = { actor: 'keyhatch', correlationId: ref.slice(0, 12), operationId: ref };
    if (await this.d.directory.abandonReset(ref, ctx)) {
      this.d.log.warn('a reset was left half-way; the account holds a temporary password', { user: p.user.accountName, why });
      await this.d.notices.send(p.user, 'resetIncomplete', p.locale, ctx.correlationId);
    }
  }

  /** Abandons the operations of sessions that have expired by `now`. */
  async expire(now: number): Promise<void> {
    for (const [ref, p] of [...this.pending]) if (p.expiresAt <= now) await this.abandon(ref, 'expired');
  }
}
