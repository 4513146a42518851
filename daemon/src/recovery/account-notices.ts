// Telling a user that their account changed (reset, unlock, a reset left half-way): on every
// channel notificationChannels finds, so a thief who added their own address cannot hide it.
import type { DirectoryUser } from '../directory/directory.js';
import type { Outbox } from '../notify/outbox.js';
import { noticeTime } from '../notify/templates.js';
import type { Store } from '../store/store.js';
import { notificationChannels } from './channels.js';

export type AccountNotice = 'reset' | 'unlock' | 'resetIncomplete';

export class AccountNotices {
  constructor(private readonly d: { store: Store; outbox: Outbox; now: () => number }) {}

  async send(user: DirectoryUser, kind: AccountNotice, locale: string, correlationId: string): Promise<void> {
    const channels = await notificationChannels(this.d.store, user, this.d.outbox);
    for (const ch of channels) {
      this.d.outbox.send(ch, kind, locale, { user: user.accountName ?? user.userPrincipalName ?? user.id, time: noticeTime(this.d.now()) },
        { user: user.accountName ?? user.id, correlationId });
    }
  }
}
