// The last check before a directory write: privilege is read again immediately before an unlock
// or reset (it may have changed since the session started), and a refusal — or a failure to read
// it — stops the write and leaves an audit record. Each backend calls it with its own reading.
import { KeyhatchError } from '../errors/catalogue.js';
import type { AuditSink } from '../log/audit.js';
import type { DirectoryUser, OperationContext, PrivilegeInfo } from './directory.js';

export async function assertNotPrivileged(
  read: () => Promise<PrivilegeInfo>, user: DirectoryUser, ctx: OperationContext, action: 'unlock' | 'reset', audit: AuditSink,
): Promise<void> {
  const target = user.accountName ?? user.userPrincipalName ?? user.id;
  let info: PrivilegeInfo;
  try { info = await read(); } catch (err) {
    audit.write({ action: `directory.${action}`, actor: ctx.actor, target, result: 'refused', reason: (err as KeyhatchError).code ?? 'INTERNAL', correlationId: ctx.correlationId,
      details: { why: 'privilege could not be re-checked before the write' } });
    throw err;
  }
  if (!info.privileged) return;
  audit.write({ action: `directory.${action}`, actor: ctx.actor, target, result: 'refused', reason: 'PRIVILEGED_ACCOUNT', correlationId: ctx.correlationId,
    details: { via: info.via } });
  throw new KeyhatchError('PRIVILEGED_ACCOUNT', { reason: `re-checked before ${action}: ${info.via.join(', ')}` });
}
