// Decisions of the kiosk wizard that do not need a DOM, so they are tested under Node.
import type { AccountState, RecoveryFactor } from './api.js';

export type Action = 'unlock' | 'reset';

/** Unlock is offered only to a locked account the policy lets unlock; reset whenever allowed. */
export function actionsFor(account: AccountState | undefined): Action[] {
  if (!account) return [];
  const out: Action[] = [];
  if (account.locked && account.canUnlock) out.push('unlock');
  if (account.canReset) out.push('reset');
  return out;
}

/** A reset of a locked account also unlocks it (a reset alone does not, in AD). */
export function unlockWithReset(account: AccountState | undefined): boolean {
  return Boolean(account?.locked && account.canUnlock);
}

/** Factors still worth offering: those not yet used in this session. */
export function remainingFactors(all: readonly RecoveryFactor[], used: ReadonlySet<string>): RecoveryFactor[] {
  return all.filter((f) => !used.has(f.id));
}

export function factorLabelKey(type: string): string { return `factor.${type}`; }
export function methodNameKey(type: string): string { return `method.${type}`; }

/** The kiosk secret handed over in the URL fragment (#k=…) for browsers and the demo. */
export function secretFromFragment(hash: string): string | undefined {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const k = params.get('k');
  return k && /^[A-Za-z0-9_-]{16,256}$/.test(k) ? k : undefined;
}

/** E-mail and SMS codes go only to an address the user types in full. */
export function needsContact(type: string): boolean { return type === 'email' || type === 'sms'; }
