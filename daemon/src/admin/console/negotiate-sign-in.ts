// Console single sign-on: the browser's Negotiate token, accepted by the directory's SingleSignOn
// (AD: Kerberos with the gateway's keytab), then exactly the checks of password sign-in after the
// password: the account (found in this directory, not disabled, locked or expired — a ticket outlives
// all three by hours) and membership of an admin or help-desk group. Every token attempt is reserved on
// the source's `negotiate-source` gate and stays counted when the token is refused, so a source cannot
// probe the acceptor without limit; an accepted token costs nothing. The token itself is never logged.
import { randomUUID } from 'node:crypto';
import type { Directory, ReplayCache, SingleSignOn } from '../../directory/directory.js';
import { groupKeyOf, userKeyOf } from '../../directory/directory.js';
import { KeyhatchError, isKeyhatchError } from '../../errors/catalogue.js';
import type { AuditSink } from '../../log/audit.js';
import { gate, type RateLimiter } from '../../recovery/rate-limiter.js';
import type { Store } from '../../store/store.js';
import { roleOf, type SignedIn } from './sign-in.js';

export interface NegotiateSignInDeps {
  sso: SingleSignOn;
  directory: Directory;
  limiter: RateLimiter;
  audit: AuditSink;
  adminGroups: readonly string[];
  helpdeskGroups: readonly string[];
}

/** Seen authenticators in the shared store, so a token replayed to another gateway of the cluster is refused too. */
export function storeReplayCache(store: Store, now: () => number): ReplayCache {
  return { claim: (key, ttlMs) => store.leases.acquire(`negotiate-replay:${key}`, randomUUID(), now(), ttlMs) };
}

export class NegotiateSignIn {
  constructor(private readonly d: NegotiateSignInDeps) {}

  async signIn(token: string, client: { source: string }): Promise<SignedIn> {
    const correlationId = randomUUID().slice(0, 12);
    const audit = (who: string, result: 'success' | 'refused', reason: string | undefined, details: Record<string, unknown>) => this.d.audit.write({
      action: 'console.sign-in', actor: who, target: who, result, ...(reason ? { reason } : {}), correlationId, source: client.source, details: { method: 'negotiate', ...details },
    });
    const attempt = await this.d.limiter.reserve([gate('negotiate-source', client.source)]);
    let accepted: { username: string; principal: string };
    try { accepted = await this.d.sso.accept(token); } catch (err) {
      if (!isKeyhatchError(err, 'NEGOTIATE_MALFORMED') && !isKeyhatchError(err, 'NEGOTIATE_FAILED')) { await attempt.succeeded(); throw err; }
      const blocked = await attempt.failed();
      audit('unknown', 'refused', err.code, { why: err.reason, blocked });
      throw err;
    }
    await attempt.succeeded();
    const found = await this.d.directory.findUser(accepted.username).catch((err: unknown) => {
      if (isKeyhatchError(err, 'AMBIGUOUS_USER')) return null;
      throw err;
    });
    const refuse = (who: string, code: 'FORBIDDEN' | 'NEGOTIATE_FAILED', why: string): never => {
      audit(who, 'refused', code, { why, principal: accepted.principal });
      throw code === 'FORBIDDEN'
        ? new KeyhatchError('FORBIDDEN', { message: 'This account may not use the Keyhatch admin console.', reason: why })
        : new KeyhatchError('NEGOTIATE_FAILED', { reason: why });
    };
    if (!found) return refuse(accepted.principal, 'NEGOTIATE_FAILED', 'no such account in the directory');
    const name = found.accountName ?? found.userPrincipalName ?? accepted.principal;
    const status = await this.d.directory.accountStatus(found);
    if (status.disabled || status.locked || status.accountExpired) return refuse(name, 'NEGOTIATE_FAILED', status.disabled ? 'disabled' : status.locked ? 'locked' : 'account expired');
    const role = roleOf(await this.d.directory.groups(found), this.d.adminGroups, this.d.helpdeskGroups, (g) => groupKeyOf(this.d.directory, g));
    if (!role) return refuse(name, 'FORBIDDEN', 'in no admin or help-desk group');
    audit(name, 'success', undefined, { role });
    return { name, displayName: found.displayName ?? name, userKey: userKeyOf(found), role };
  }
}
