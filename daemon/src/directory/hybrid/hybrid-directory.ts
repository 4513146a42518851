// Hybrid identity: an Active Directory backend and an Entra ID backend behind one Directory.
// Users synchronised from AD (onPremisesSyncEnabled) have their password mastered in AD, so a reset
// lands there (the landing zone); a sync watcher then polls the user's lastPasswordChangeDateTime
// in Entra and audits `entra.sync-mismatch` when the change has not arrived within
// entra.syncWatchSeconds. Cloud-only users are reset in Entra directly.
import type { EntraConfig } from '../../config/schema.js';
import { KeyhatchError, isKeyhatchError } from '../../errors/catalogue.js';
import type { AuditSink } from '../../log/audit.js';
import type { Logger } from '../../log/logger.js';
import type { PasswordPolicy } from '../../password/policy.js';
import { groupKeyOf, type AccountStatus, type Directory, type DirectoryCheck, type DirectoryUser, type InterruptedResetListener, type OperationContext, type PrivilegeInfo, type ReplayCache, type SingleSignOn, type SingleSignOnSettings } from '../directory.js';
import type { EntraDirectory } from '../entra/entra-directory.js';
import type { PopulationSource } from '../population-source.js';
import type { EntraUser } from '../entra/entra-user.js';

export interface HybridUser extends DirectoryUser {
  /** Where the password is mastered. */
  readonly home: 'ad' | 'entra';
  readonly adUser?: DirectoryUser;
  /** The Entra object: the synced copy of an AD user, or the cloud-only user itself. */
  readonly entraUser?: EntraUser;
}

export interface SyncWatch {
  readonly entraId: string;
  readonly user: string;
  readonly correlationId: string;
  readonly actor: string;
  /** When the AD reset completed. */
  readonly resetAt: string;
  /** lastPasswordChangeDateTime in Entra just before the reset. */
  readonly before: string | null;
  readonly deadline: string;
  state: 'pending' | 'mismatch';
  lastSeen: string | null;
}

export interface SyncStatus {
  /** Resets made in AD whose arrival in Entra is still awaited (including flagged mismatches). */
  readonly watching: readonly SyncWatch[];
  /** Watches past their deadline without the change arriving. */
  readonly mismatches: number;
  readonly confirmed: number;
  readonly lastPollAt: string | null;
  readonly lastPollError: string | null;
}

export interface HybridDirectoryDeps {
  ad: Directory;
  entra: EntraDirectory;
  config: EntraConfig;
  log: Logger;
  audit: AuditSink;
  clock?: () => Date;
  /** Poll on a timer (default true); tests call checkSync() themselves. */
  autoPoll?: boolean;
}

/** A watch is dropped after this long past its deadline (the mismatch stays in the audit). */
const GIVE_UP_AFTER_MS = 24 * 3600_000;
/** lastPasswordChangeDateTime comes from AD's pwdLastSet via sync; allow for clock skew. */
const SKEW_MS = 5 * 60_000;

const isDn = (id: string) => /^[A-Za-z]+=.+,/.test(id);

export class HybridDirectory implements Directory {
  readonly label = 'Active Directory + Entra ID';
  private readonly clock: () => Date;
  private readonly watches = new Map<string, SyncWatch>();
  private timer: NodeJS.Timeout | undefined;
  private lastPollAt: string | null = null;
  private lastPollError: string | null = null;
  private confirmed = 0;
  private polling = false;

  constructor(private readonly deps: HybridDirectoryDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  get ad(): Directory { return this.deps.ad; }
  get entra(): EntraDirectory { return this.deps.entra; }

  async findUser(name: string): Promise<HybridUser | null> {
    let adUser: DirectoryUser | null;
    try { adUser = await this.deps.ad.findUser(name); } catch (err) {
      if (!isKeyhatchError(err, 'DIRECTORY_UNAVAILABLE')) throw err;
      // AD unreachable: cloud-only users can still be served; synced ones cannot (their password lives in AD).
      const cloud = await this.deps.entra.findUser(name);
      if (cloud && !cloud.onPremisesSyncEnabled) return { ...cloud, home: 'entra', entraUser: cloud };
      throw err;
    }
    let entraUser: EntraUser | null = null;
    try {
      entraUser = await this.deps.entra.findUser(name);
      if (!entraUser && adUser?.userPrincipalName && adUser.userPrincipalName !== name) entraUser = await this.deps.entra.findUser(adUser.userPrincipalName);
    } catch (err) {
      if (!adUser || isKeyhatchError(err, 'AMBIGUOUS_USER')) throw err;
      // AD works and is where this user's password lives; only the sync watch is lost.
      this.deps.log.warn('Entra lookup failed for an AD user; no sync watch possible', { code: (err as KeyhatchError).code, reason: (err as KeyhatchError).reason });
    }
    if (adUser) {
      const synced = entraUser?.onPremisesSyncEnabled ? entraUser : undefined;
      return { ...adUser, home: 'ad', adUser, ...(synced ? { entraUser: synced } : {}) };
    }
    if (entraUser && !entraUser.onPremisesSyncEnabled) return { ...entraUser, home: 'entra', entraUser };
    if (entraUser) {
      this.deps.log.warn('a user synced from AD was not found in AD (check ad.baseDn)', { entraId: entraUser.id });
    }
    return null;
  }

  /** A decoy target for recovery's anti-enumeration: AD's when it offers one, else Entra's. */
  async sampleUser(): Promise<DirectoryUser | null> {
    const ad = this.deps.ad as Directory & { sampleUser?: () => Promise<DirectoryUser | null> };
    const fromAd = ad.sampleUser ? await ad.sampleUser() : null;
    return fromAd ?? this.deps.entra.sampleUser();
  }

  /** Callers may hand back a plain DirectoryUser (e.g. rebuilt from its id): route by the id's shape. */
  private homeOf(user: DirectoryUser): 'ad' | 'entra' {
    const h = (user as Partial<HybridUser>).home;
    return h ?? (isDn(user.id) ? 'ad' : 'entra');
  }
  private adSide(user: DirectoryUser): DirectoryUser { return (user as Partial<HybridUser>).adUser ?? user; }
  private entraSide(user: DirectoryUser): EntraUser | DirectoryUser | undefined {
    const h = user as Partial<HybridUser>;
    return h.entraUser ?? (this.homeOf(user) === 'entra' ? user : undefined);
  }

  /** Null for AD-homed users (a real unlock exists); the cloud note for cloud-only users. */
  unlockNote(user: DirectoryUser): string | null {
    return this.homeOf(user) === 'entra' ? this.deps.entra.unlockNote(user) : null;
  }

  async accountStatus(user: DirectoryUser): Promise<AccountStatus> {
    return this.homeOf(user) === 'ad' ? this.deps.ad.accountStatus(this.adSide(user)) : this.deps.entra.accountStatus(user);
  }

  async privilege(user: DirectoryUser): Promise<PrivilegeInfo> {
    if (this.homeOf(user) === 'entra') return this.deps.entra.privilege(user);
    const a = await this.deps.ad.privilege(this.adSide(user));
    const cloud = this.entraSide(user);
    if (!cloud) return a;
    // A synced user can hold Entra directory roles (Global Administrator…): privileged too.
    const e = await this.deps.entra.privilege(cloud);
    // Each side applies its own allowPrivileged: refused when either side refuses.
    const allowedBy = [a.allowedBy, e.allowedBy].filter(Boolean).join(', ');
    return { privileged: a.privileged || e.privileged, via: [...a.via, ...e.via.map((v) => `Entra: ${v}`)], adminCountHint: a.adminCountHint, ...(allowedBy ? { allowedBy } : {}) };
  }

  async groups(user: DirectoryUser): Promise<string[]> {
    if (this.homeOf(user) === 'entra') return this.deps.entra.groups(user);
    const out = await this.deps.ad.groups(this.adSide(user));
    const cloud = this.entraSide(user);
    return cloud ? [...out, ...await this.deps.entra.groups(cloud)] : out;
  }

  /** `groups()` holds AD DNs and Entra object ids: each compares the way its directory does. */
  groupKey(id: string): string {
    return isDn(id) ? groupKeyOf(this.deps.ad, id) : groupKeyOf(this.deps.entra, id);
  }

  async effectivePolicy(user: DirectoryUser): Promise<PasswordPolicy> {
    return this.homeOf(user) === 'ad' ? this.deps.ad.effectivePolicy(this.adSide(user)) : this.deps.entra.effectivePolicy(user);
  }

  async unlock(user: DirectoryUser, ctx: OperationContext): Promise<void> {
    if (this.homeOf(user) === 'entra') return this.deps.entra.unlock(user, ctx);
    const cloud = this.entraSide(user);
    // A synced user can hold Entra roles: re-checked here, AD's side by the AD backend itself.
    if (cloud) await this.deps.entra.assertNotPrivileged(cloud, ctx, 'unlock');
    await this.deps.ad.unlock(this.adSide(user), ctx);
    if (cloud) await this.deps.entra.unlock(cloud, ctx).catch((err: unknown) => this.deps.log.warn('Entra risk dismissal after AD unlock failed', { code: (err as KeyhatchError).code }));
  }

  async resetPassword(user: DirectoryUser, newPassword: string, ctx: OperationContext): Promise<void> {
    if (this.homeOf(user) === 'entra') return this.deps.entra.resetPassword(user, newPassword, ctx);
    const cloud = this.entraSide(user);
    let before: string | null = null;
    if (cloud) {
      await this.deps.entra.assertNotPrivileged(cloud, ctx, 'reset');
      before = await this.deps.entra.getUser(cloud.id).then((u) => u.lastPasswordChangeDateTime).catch(() => (cloud as Partial<EntraUser>).lastPasswordChangeDateTime ?? null);
    }
    await this.deps.ad.resetPassword(this.adSide(user), newPassword, ctx);
    if (cloud) this.watch(cloud, user, before, ctx);
  }

  private watch(cloud: DirectoryUser, user: DirectoryUser, before: string | null, ctx: OperationContext): void {
    const now = this.clock();
    const w: SyncWatch = {
      entraId: cloud.id, user: user.userPrincipalName ?? user.accountName ?? user.id, correlationId: ctx.correlationId, actor: ctx.actor,
      resetAt: now.toISOString(), before, deadline: new Date(now.getTime() + this.deps.config.syncWatchSeconds * 1000).toISOString(),
      state: 'pending', lastSeen: before,
    };
    this.watches.set(cloud.id, w);
    this.deps.audit.write({ action: 'entra.sync-pending', actor: ctx.actor, target: w.user, result: 'info', correlationId: ctx.correlationId,
      details: { landingZone: 'Active Directory', deadline: w.deadline, before } });
    if ((this.deps.autoPoll ?? true) && !this.timer) {
      this.timer = setInterval(() => {
        if (this.polling) return; // a slow poll is still running
        this.polling = true;
        void this.checkSync().catch((err: unknown) => this.deps.log.warn('sync watch poll failed', { error: (err as Error).message })).finally(() => { this.polling = false; });
      }, this.deps.config.syncPollSeconds * 1000);
      this.timer.unref();
    }
  }

  /** One poll of every watched user's lastPasswordChangeDateTime in Entra. */
  async checkSync(): Promise<SyncStatus> {
    const now = this.clock();
    this.lastPollAt = now.toISOString();
    this.lastPollError = null;
    for (const w of [...this.watches.values()]) {
      let seen: string | null;
      try { seen = (await this.deps.entra.getUser(w.entraId)).lastPasswordChangeDateTime; } catch (err) {
        this.lastPollError = `${(err as KeyhatchError).code ?? 'ERROR'}: ${(err as KeyhatchError).reason ?? (err as Error).message}`;
        this.deps.log.warn('sync watch: cannot read Entra', { user: w.user, code: (err as KeyhatchError).code });
        continue;
      }
      w.lastSeen = seen;
      const arrived = seen !== null && seen !== w.before && Date.parse(seen) >= Date.parse(w.resetAt) - SKEW_MS;
      if (arrived) {
        this.watches.delete(w.entraId);
        this.confirmed++;
        this.deps.audit.write({ action: 'entra.sync-confirmed', actor: 'keyhatch', target: w.user, result: 'success', correlationId: w.correlationId,
          details: { resetAt: w.resetAt, entraLastChange: seen, late: w.state === 'mismatch' } });
        continue;
      }
      const overdue = now.getTime() >= Date.parse(w.deadline);
      if (overdue && w.state === 'pending') {
        w.state = 'mismatch';
        this.deps.audit.write({ action: 'entra.sync-mismatch', actor: 'keyhatch', target: w.user, result: 'failure', reason: 'sync_not_arrived', correlationId: w.correlationId,
          details: { resetAt: w.resetAt, deadline: w.deadline, entraLastChange: seen, syncWatchSeconds: this.deps.config.syncWatchSeconds,
            note: 'the password was reset in AD but Entra still shows the previous change: check Microsoft Entra Connect password hash sync; cloud sign-ins may still take the old password' } });
        this.deps.log.warn('password change has not reached Entra in time (sync mismatch)', { user: w.user, deadline: w.deadline });
      }
      if (now.getTime() > Date.parse(w.deadline) + GIVE_UP_AFTER_MS) this.watches.delete(w.entraId);
    }
    if (this.watches.size === 0 && this.timer) { clearInterval(this.timer); this.timer = undefined; }
    return this.syncStatus();
  }

  syncStatus(): SyncStatus {
    const watching = [...this.watches.values()].map((w) => ({ ...w }));
    return { watching, mismatches: watching.filter((w) => w.state === 'mismatch').length, confirmed: this.confirmed, lastPollAt: this.lastPollAt, lastPollError: this.lastPollError };
  }

  async abandonReset(operationId: string, ctx: OperationContext): Promise<boolean> {
    return this.deps.ad.abandonReset(operationId, ctx);
  }

  async changePassword(user: DirectoryUser, oldPassword: string, newPassword: string, ctx: OperationContext): Promise<void> {
    if (this.homeOf(user) === 'entra') return this.deps.entra.changePassword(user, oldPassword, newPassword, ctx);
    return this.deps.ad.changePassword(this.adSide(user), oldPassword, newPassword, ctx);
  }

  async verifyPassword(user: DirectoryUser, password: string): Promise<void> {
    if (this.homeOf(user) === 'entra') return this.deps.entra.verifyPassword(user, password);
    return this.deps.ad.verifyPassword(this.adSide(user), password);
  }

  absentUser(near: DirectoryUser | null): DirectoryUser {
    return near && this.homeOf(near) === 'entra' ? this.deps.entra.absentUser(near) : this.deps.ad.absentUser(near && this.adSide(near));
  }

  /** Single sign-on is the AD side's: Kerberos tickets come from the domain controllers. */
  singleSignOn(settings: SingleSignOnSettings, replay: ReplayCache, now: () => number): SingleSignOn {
    if (!this.deps.ad.singleSignOn) throw new KeyhatchError('CONFIG_INVALID', { message: 'invalid configuration: adminConsole.negotiate: the directory offers no single sign-on' });
    return this.deps.ad.singleSignOn(settings, replay, now);
  }

  async doctorChecks(): Promise<DirectoryCheck[]> {
    return [...await this.deps.entra.doctorChecks(), ...await this.deps.ad.doctorChecks?.() ?? []];
  }

  /**
   * Synced users live in AD: it is what sync reads. Entra's own source (delta queries) is not added
   * here: synced users would be counted twice, and one name cannot carry two sources (docs/admin.md).
   */
  populationSources(name: string): PopulationSource[] {
    return this.deps.ad.populationSources?.(name) ?? [];
  }

  async interruptedResets(onOutcome?: InterruptedResetListener): Promise<string[]> {
    return await this.deps.ad.interruptedResets?.(onOutcome) ?? [];
  }

  describe(user: DirectoryUser): Record<string, string | null> {
    return this.homeOf(user) === 'entra' ? this.deps.entra.describe(user) : this.deps.ad.describe(this.adSide(user));
  }

  async close(): Promise<void> {
    if (this.timer) { clearInterval(this.timer); this.timer = undefined; }
    await Promise.all([this.deps.ad.close(), this.deps.entra.close()]);
  }
}

