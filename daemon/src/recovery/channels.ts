// Where notices about an account go: every confirmed e-mail and phone the user enrolled, plus the
// directory's `mail` attribute, so a thief who adds their own address still cannot hide the change.
import type { DirectoryUser } from '../directory/directory.js';
import { userKeyOf } from '../directory/directory.js';
import type { Channel, Outbox } from '../notify/outbox.js';
import type { Store } from '../store/store.js';

export async function notificationChannels(store: Store, user: DirectoryUser, outbox: Outbox, exceptFactorId?: string): Promise<Channel[]> {
  const factors = (await store.factors.list(userKeyOf(user))).filter((f) => f.confirmed && f.id !== exceptFactorId);
  const emails = new Set<string>();
  const phones = new Set<string>();
  for (const f of factors) {
    if (f.type === 'email' && typeof f.data.address === 'string') emails.add(f.data.address.toLowerCase());
    if (f.type === 'sms' && typeof f.data.phone === 'string') phones.add(f.data.phone);
  }
  if (user.mail) emails.add(user.mail.toLowerCase());
  const out: Channel[] = [];
  if (outbox.canSend('email')) for (const address of emails) out.push({ kind: 'email', address });
  if (outbox.canSend('sms')) for (const phone of phones) out.push({ kind: 'sms', phone });
  return out;
}
