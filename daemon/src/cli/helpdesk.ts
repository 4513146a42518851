// Help-desk account commands: user show, unlock, reset, policy show. Every change is audited
// with the operator's OS account as actor.
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { KeyhatchError } from '../errors/catalogue.js';
import type { DirectoryUser, OperationContext } from '../directory/directory.js';
import type { CoreServices, RecoveryServices } from '../core/core-services.js';
import { userKeyOf } from '../directory/directory.js';

export function operatorContext(): OperationContext {
  let name = 'unknown';
  try { name = userInfo().username; } catch { /* no passwd entry */ }
  const id = randomUUID();
  return { actor: `cli:${name}`, correlationId: id, operationId: id };
}

async function resolve(core: CoreServices, name: string): Promise<DirectoryUser> {
  const user = await core.directory.findUser(name);
  if (!user) throw new KeyhatchError('USER_NOT_FOUND', { message: `no user "${name}" under the configured search base` });
  return user;
}

export async function userShow(core: CoreServices, name: string, factors: (u: DirectoryUser) => Promise<unknown[]>): Promise<Record<string, unknown>> {
  const user = await resolve(core, name);
  const [status, privilege] = await Promise.all([core.directory.accountStatus(user), core.directory.privilege(user)]);
  return {
    // The documented keys (dn, sAMAccountName) come from the backend that holds the account.
    dn: null,
    sAMAccountName: user.accountName ?? null,
    ...core.directory.describe(user),
    userPrincipalName: user.userPrincipalName ?? null,
    displayName: user.displayName ?? null,
    locked: status.locked,
    disabled: status.disabled,
    passwordExpired: status.passwordExpired,
    mustChange: status.mustChange,
    accountExpired: status.accountExpired,
    privileged: privilege.privileged,
    privilegedVia: privilege.via,
    adminCount: privilege.adminCountHint,
    privilegeAllowedBy: privilege.allowedBy ?? null,
    pwdLastSet: status.pwdLastSet,
    lockoutTime: status.lockoutTime,
    badPwdCount: status.badPwdCount,
    factors: await factors(user),
  };
}

/** Help desk may not act on what self-service refuses either, unless the admin allowed it. */
async function guard(core: CoreServices, user: DirectoryUser, ctx: OperationContext, action: string): Promise<void> {
  const [status, privilege] = await Promise.all([core.directory.accountStatus(user), core.directory.privilege(user)]);
  const refuse = (code: 'PRIVILEGED_ACCOUNT' | 'ACCOUNT_DISABLED', reason: string) => {
    core.audit.write({ action, actor: ctx.actor, target: user.accountName ?? user.id, result: 'refused', reason: code, correlationId: ctx.correlationId, details: { why: reason } });
    return new KeyhatchError(code, { reason });
  };
  // The directory that holds the account applied its own allowPrivileged (AD or Entra).
  if (privilege.privileged) throw refuse('PRIVILEGED_ACCOUNT', `member of ${privilege.via.join(', ')}`);
  if (status.disabled) throw refuse('ACCOUNT_DISABLED', 'account disabled');
}

export async function helpdeskUnlock(core: CoreServices, name: string): Promise<void> {
  const ctx = operatorContext();
  const user = await resolve(core, name);
  await guard(core, user, ctx, 'helpdesk.unlock');
  try {
    await core.directory.unlock(user, ctx);
  } catch (err) {
    core.audit.write({ action: 'helpdesk.unlock', actor: ctx.actor, target: user.accountName ?? user.id, result: 'failure', reason: (err as KeyhatchError).code ?? 'INTERNAL', correlationId: ctx.correlationId });
    throw err;
  }
  core.audit.write({ action: 'helpdesk.unlock', actor: ctx.actor, target: user.accountName ?? user.id, result: 'success', correlationId: ctx.correlationId });
}

export async function helpdeskReset(core: CoreServices, name: string, newPassword: string): Promise<void> {
  const ctx = operatorContext();
  const user = await resolve(core, name);
  await guard(core, user, ctx, 'helpdesk.reset');
  try {
    await core.directory.resetPassword(user, newPassword, ctx);
  } catch (err) {
    const code = (err as KeyhatchError).code ?? 'INTERNAL';
    core.audit.write({ action: 'helpdesk.reset', actor: ctx.actor, target: user.accountName ?? user.id, result: 'failure', reason: code, correlationId: ctx.correlationId,
      details: { violations: (err as KeyhatchError).violations?.map((v) => v.code) } });
    // A one-shot command cannot retry within the operation. If the first step had landed, say so plainly.
    if (await core.directory.abandonReset(ctx.operationId as string, ctx) && err instanceof KeyhatchError) {
      throw new KeyhatchError(err.code, { message: `${err.message} The account now holds a temporary password: run reset again with another password.`,
        ...(err.violations ? { violations: err.violations } : {}), ...(err.reason ? { reason: err.reason } : {}) });
    }
    throw err;
  }
  core.audit.write({ action: 'helpdesk.reset', actor: ctx.actor, target: user.accountName ?? user.id, result: 'success', correlationId: ctx.correlationId });
}

export async function policyShow(core: CoreServices, name: string): Promise<Record<string, unknown>> {
  const user = await resolve(core, name);
  const policy = await core.directory.effectivePolicy(user);
  return { user: user.accountName ?? user.id, ...policy };
}

/** Issues a one-time code the agent reads to a caller whose identity they verified. */
export async function helpdeskCode(core: CoreServices, services: RecoveryServices, name: string): Promise<string> {
  const ctx = operatorContext();
  const user = await resolve(core, name);
  await guard(core, user, ctx, 'helpdesk.code');
  const { code, expiresAt } = await services.helpdesk.issue(userKeyOf(user));
  core.audit.write({ action: 'helpdesk.code', actor: ctx.actor, target: user.accountName ?? user.id, result: 'success', correlationId: ctx.correlationId, details: { expiresAt: new Date(expiresAt).toISOString() } });
  return `one-time code for ${user.accountName ?? name}: ${code.slice(0, 4)} ${code.slice(4)} (valid until ${new Date(expiresAt).toISOString()}, single use)`;
}
