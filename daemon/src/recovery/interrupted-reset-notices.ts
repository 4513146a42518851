// Settles the directory's interrupted resets (AD's two-step journal, per directory) and tells the user what they do not know yet:
// a reset a crash or a lost DC cut between its two steps left them with a temporary password
// nobody knows ("did not finish"), or one that had in fact completed ("your password was reset").
import type { Directory } from '../directory/directory.js';
import type { Logger } from '../log/logger.js';
import { notificationChannels } from './channels.js';
import type { Store } from '../store/store.js';
import type { Outbox } from '../notify/outbox.js';
import { noticeTime } from '../notify/templates.js';

/** Returns the accounts still left with a temporary password (or not checkable yet). */
export async function settleInterruptedResets(directory: Directory, deps: { store: Store; outbox: Outbox; log: Logger }): Promise<string[]> {
  return await directory.interruptedResets?.(async (entry, outcome, user) => {
    if (outcome !== 'interrupted' && outcome !== 'completed') return;
    if (!user) {
      deps.log.warn('cannot tell the user about an interrupted reset (account not found by name); the audit log has it', { user: entry.user });
      return;
    }
    const channels = await notificationChannels(deps.store, user, deps.outbox);
    if (channels.length === 0) deps.log.warn('no e-mail or phone to tell the user about an interrupted reset; the audit log has it', { user: entry.user });
    // The journal holds no locale: the notice goes out in the default language.
    for (const ch of channels) {
      deps.outbox.send(ch, outcome === 'completed' ? 'reset' : 'resetIncomplete', undefined, { user: entry.user, time: noticeTime(Date.parse(entry.startedAt)) },
        { user: entry.user, correlationId: entry.correlationId });
    }
  }).catch((err: Error) => {
    deps.log.warn('could not check the reset journal yet', { error: err.message });
    return [];
  }) ?? [];
}
