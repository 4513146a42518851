// Laptops away from the office: after a reset the workstation still holds the old cached logon
// verifier, so an offline sign-in needs the OLD password until a DC is reachable again. When this
// relay reached the gateway (the reset happened there) but cannot reach a DC itself, it updates
// the local cache through MSV1_0's ChangeCachedPassword (native addon, as SYSTEM). Never
// otherwise: with a DC in reach Windows refreshes the cache at the next sign-in by itself, and
// touching LSA needlessly only widens the surface. Every unknown answer means "do not update".
import type { NativeAddon } from './native-addon.js';

export interface CachedCredentialFacts {
  /** Policy switch (config / Group Policy); false turns the feature off entirely. */
  enabled: boolean;
  role: 'standalone' | 'gateway' | 'relay';
  /** Where the password was changed: at the gateway (we relayed) or by this daemon against a DC. */
  resetAt: 'gateway' | 'directory';
  /** The account's domain is a real domain, not this computer (local accounts have no cache). */
  domainAccount: boolean;
  /** Result of the DC probe right after the reset; undefined when the probe failed or timed out. */
  dcReachable: boolean | undefined;
}

export type CachedCredentialSkip = 'POLICY_OFF' | 'NOT_A_RELAY' | 'NOT_RESET_AT_GATEWAY' | 'LOCAL_ACCOUNT' | 'DC_REACHABLE' | 'DC_STATE_UNKNOWN';
export type CachedCredentialDecision = { update: true } | { update: false; reason: CachedCredentialSkip };

export function decideCachedCredentialUpdate(f: CachedCredentialFacts): CachedCredentialDecision {
  if (!f.enabled) return { update: false, reason: 'POLICY_OFF' };
  if (f.role !== 'relay') return { update: false, reason: 'NOT_A_RELAY' };
  if (f.resetAt !== 'gateway') return { update: false, reason: 'NOT_RESET_AT_GATEWAY' };
  if (!f.domainAccount) return { update: false, reason: 'LOCAL_ACCOUNT' };
  if (f.dcReachable === undefined) return { update: false, reason: 'DC_STATE_UNKNOWN' };
  if (f.dcReachable) return { update: false, reason: 'DC_REACHABLE' };
  return { update: true };
}

export interface CachedCredentialUpdaterOptions {
  addon: Pick<NativeAddon, 'changeCachedPassword'>;
  enabled: boolean;
  role: CachedCredentialFacts['role'];
  /** This computer's NetBIOS name (a "domain" equal to it means a local account). */
  computerName: string;
  /** Whether a DC of the user's domain answers right now (e.g. DsGetDcName / LDAP ping). */
  dcReachable: (domain: string) => Promise<boolean>;
  /** Bound for the probe; an unanswered probe counts as unknown (no update). */
  probeTimeoutMs?: number;
}

export type CachedCredentialOutcome = CachedCredentialDecision | { update: true; failed: string };

export class CachedCredentialUpdater {
  constructor(private readonly o: CachedCredentialUpdaterOptions) {}

  /** Call after a successful reset; never throws (the reset itself already succeeded). */
  async afterReset(user: { domain: string; account: string }, newPassword: string, resetAt: CachedCredentialFacts['resetAt']): Promise<CachedCredentialOutcome> {
    const domainAccount = user.domain.length > 0 && user.domain.toUpperCase() !== this.o.computerName.toUpperCase();
    const cheap = decideCachedCredentialUpdate({ enabled: this.o.enabled, role: this.o.role, resetAt, domainAccount, dcReachable: false });
    if (!cheap.update) return cheap; // no probe needed to say no
    const decision = decideCachedCredentialUpdate({ enabled: true, role: this.o.role, resetAt, domainAccount, dcReachable: await this.probe(user.domain) });
    if (!decision.update) return decision;
    try {
      await this.o.addon.changeCachedPassword(user.domain, user.account, newPassword);
      return decision;
    } catch (err) {
      const e = err as { code?: string };
      return { update: true, failed: typeof e.code === 'string' ? e.code : 'UNKNOWN' };
    }
  }

  private async probe(domain: string): Promise<boolean | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), this.o.probeTimeoutMs ?? 3000); });
    try {
      return await Promise.race([this.o.dcReachable(domain).then((v) => v === true, () => undefined), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
