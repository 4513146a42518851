// The Active Directory backend of the Directory interface, over ldapts.
import { randomBytes } from 'node:crypto';
import type { Client, Entry } from 'ldapts';
import type { AdConfig } from '../../config/schema.js';
import { KeyhatchError } from '../../errors/catalogue.js';
import type { AuditSink } from '../../log/audit.js';
import type { Logger } from '../../log/logger.js';
import type { PasswordPolicy } from '../../password/policy.js';
import { checkPassword } from '../../password/rules.js';
import type { AccountStatus, Directory, DirectoryCheck, DirectoryUser, InterruptedResetListener, OperationContext, PrivilegeInfo, ReplayCache, SingleSignOn, SingleSignOnSettings } from '../directory.js';
import type { WithWindowsDomain } from '../windows-account.js';
import { assertNotPrivileged } from '../privilege-gate.js';
import { parseUsername } from '../username.js';
import { decodeAccountStatus } from './account-flags.js';
import { mapLdapError } from './ad-errors.js';
import { readDomainPolicy, readPso } from './ad-policy.js';
import { AdConnection } from './connection.js';
import { dnToDnsDomain, escapeFilterValue, isDnWithin, normalizeDn } from './ldap-escape.js';
import { AdPasswordOps } from './password-ops.js';
import { privilegedGroupsIn } from './privileged.js';
import { ResetJournal, type JournalEntry } from './reset-journal.js';
import { sidToString } from './sid.js';
import { AdPopulationSource } from './ad-population-source.js';
import { adSingleSignOn } from './kerberos/single-sign-on.js';
import type { PopulationSource } from '../population-source.js';

const USER_ATTRS = ['sAMAccountName', 'userPrincipalName', 'displayName', 'mail', 'mobile', 'objectGUID', 'objectSid'];
const STATUS_ATTRS = ['userAccountControl', 'msDS-User-Account-Control-Computed', 'pwdLastSet', 'lockoutTime', 'badPwdCount', 'accountExpires'];
const POLICY_CACHE_MS = 5 * 60_000;
const USER_FILTER = '(&(objectCategory=person)(objectClass=user)';

/** What start-up found for one journal entry (see recoverInterruptedResets). */
export type ResetOutcome = 'interrupted' | 'still-open' | 'completed' | 'not-applied' | 'settled';

export interface AdDirectoryDeps {
  config: AdConfig;
  dataDir: string;
  log: Logger;
  audit: AuditSink;
  clock?: () => Date;
}

export class AdDirectory implements Directory {
  readonly label = 'Active Directory';
  readonly conn: AdConnection;
  private readonly ops: AdPasswordOps;
  private readonly journal: ResetJournal;
  private readonly clock: () => Date;
  private domainPolicy: { value: PasswordPolicy; at: number } | undefined;
  private netbiosName: string | undefined;
  private netbiosRetryAt = 0;

  constructor(private readonly deps: AdDirectoryDeps) {
    this.conn = new AdConnection(deps.config, deps.log);
    this.journal = new ResetJournal(`${deps.dataDir}/reset-journal`);
    this.ops = new AdPasswordOps(this.conn, this.journal, deps.audit, deps.log, deps.config.resetStrategy);
    this.clock = deps.clock ?? (() => new Date());
  }

  private get cfg(): AdConfig { return this.deps.config; }

  private async search(base: string, filter: string, attributes: string[], scope: 'base' | 'sub' = 'base', buffers: string[] = []): Promise<Entry[]> {
    try {
      const { searchEntries } = await this.conn.withService((c) => c.search(base, { scope, filter, attributes, sizeLimit: scope === 'sub' ? 2 : 0, explicitBufferAttributes: buffers }), 'read');
      return searchEntries;
    } catch (err) { throw mapLdapError(err, 'search'); }
  }

  /**
   * NetBIOS name of the domain, read from the partitions container. Only a successful read is
   * kept: an error or an unreadable entry refuses the lookup and is tried again next time
   * (a guess would let DOMAIN\\name of another domain match, or real names stop matching).
   */
  private async domainNetbios(): Promise<string> {
    if (this.netbiosName) return this.netbiosName;
    const nc = (await this.conn.rootDse()).defaultNamingContext;
    const entries = await this.search(`CN=Partitions,CN=Configuration,${nc}`, `(&(objectClass=crossRef)(nCName=${escapeFilterValue(nc)}))`, ['nETBIOSName'], 'sub');
    const name = entries[0]?.nETBIOSName;
    if (name === undefined || String(name) === '') {
      this.deps.audit.write({ action: 'directory.netbios', actor: 'keyhatch', target: nc, result: 'failure', reason: 'INSUFFICIENT_RIGHTS', correlationId: 'netbios' });
      throw new KeyhatchError('INSUFFICIENT_RIGHTS', { reason: 'the crossRef nETBIOSName of the domain is not readable' });
    }
    this.netbiosName = String(name).toUpperCase();
    return this.netbiosName;
  }

  async findUser(name: string): Promise<(DirectoryUser & WithWindowsDomain) | null> {
    const parsed = parseUsername(name);
    let filter: string;
    if (parsed.kind === 'sam') {
      if (parsed.domain && parsed.domain !== await this.domainNetbios() && parsed.domain !== dnToDnsDomain(this.cfg.baseDn).toUpperCase()) return null;
      filter = `${USER_FILTER}(sAMAccountName=${escapeFilterValue(parsed.sam)}))`;
    } else {
      const implicit = parsed.suffix === dnToDnsDomain((await this.conn.rootDse()).defaultNamingContext);
      const upn = `(userPrincipalName=${escapeFilterValue(parsed.upn)})`;
      filter = implicit ? `${USER_FILTER}(|${upn}(sAMAccountName=${escapeFilterValue(parsed.local)})))` : `${USER_FILTER}${upn})`;
    }
    // sizeLimit 2: ldapts returns the entries it got when the limit is hit, so two means ambiguous.
    const entries = await this.search(this.cfg.baseDn, filter, USER_ATTRS, 'sub', ['objectGUID', 'objectSid']);
    if (entries.length > 1) throw new KeyhatchError('AMBIGUOUS_USER', { reason: `${entries.length} entries match` });
    const e = entries[0];
    if (!e || !isDnWithin(e.dn, this.cfg.baseDn)) return null;
    const str = (v: unknown) => (v === undefined || v === '' || (Array.isArray(v) && v.length === 0) ? undefined : String(Array.isArray(v) ? v[0] : v));
    const guid = ([] as Buffer[]).concat((e.objectGUID as Buffer[] | Buffer | undefined) ?? [])[0];
    const sid = ([] as Buffer[]).concat((e.objectSid as Buffer[] | Buffer | undefined) ?? [])[0];
    const netbios = await this.netbiosOrNothing();
    const user: DirectoryUser & WithWindowsDomain = {
      id: e.dn,
      ...(guid ? { key: `ad:${guid.toString('hex')}` } : {}),
      ...(sid && sid.length >= 8 ? { sid: sidToString(sid) } : {}),
      ...(netbios ? { netbiosDomain: netbios } : {}),
      dnsDomain: dnToDnsDomain(e.dn),
      accountName: str(e.sAMAccountName) as string,
      ...(str(e.userPrincipalName) ? { userPrincipalName: str(e.userPrincipalName) } : {}),
      ...(str(e.displayName) ? { displayName: str(e.displayName) } : {}),
      ...(str(e.mail) ? { mail: str(e.mail) } : {}),
      ...(str(e.mobile) ? { mobile: str(e.mobile) } : {}),
    };
    return user;
  }

  /**
   * The NetBIOS domain for the user's Windows identity (the workstation's logon cache is keyed by
   * it). Read once like domainNetbios(); unreadable only means no cached-credential refresh.
   */
  private async netbiosOrNothing(): Promise<string | undefined> {
    if (this.netbiosName) return this.netbiosName;
    if (Date.now() < this.netbiosRetryAt) return undefined; // audited once, not on every lookup
    return this.domainNetbios().catch(() => {
      this.netbiosRetryAt = Date.now() + POLICY_CACHE_MS;
      return undefined;
    });
  }

  async sampleUser(): Promise<DirectoryUser | null> {
    const entries = await this.search(this.cfg.baseDn, `${USER_FILTER}(!(userAccountControl:1.2.840.113556.1.4.803:=2)))`, ['sAMAccountName'], 'sub');
    const e = entries[0];
    return e ? { id: e.dn, accountName: String(e.sAMAccountName) } : null;
  }

  /** A DN next to `near` (same container) that names nobody: a bind as it fails like a wrong password. */
  populationSources(name: string): PopulationSource[] {
    return [new AdPopulationSource({ directoryId: name, baseDn: this.cfg.baseDn, conn: this.conn })];
  }

  absentUser(near: DirectoryUser | null): DirectoryUser {
    const name = `kh-decoy-${randomBytes(8).toString('hex')}`;
    const parent = near ? near.id.replace(/^.*?(?<!\\),/, '') : 'DC=invalid';
    const suffix = near?.userPrincipalName?.split('@')[1] ?? 'invalid';
    return { id: `CN=${name},${parent}`, userPrincipalName: `${name}@${suffix}`, accountName: name };
  }

  describe(user: DirectoryUser): Record<string, string | null> {
    return { dn: user.id, sAMAccountName: user.accountName ?? null };
  }

  singleSignOn(settings: SingleSignOnSettings, replay: ReplayCache, now: () => number): SingleSignOn {
    return adSingleSignOn(settings, dnToDnsDomain(this.cfg.baseDn), replay, now);
  }

  async doctorChecks(): Promise<DirectoryCheck[]> {
    return (await import('./ad-doctor.js')).adDoctorChecks(this, this.cfg);
  }

  async interruptedResets(onOutcome?: InterruptedResetListener): Promise<string[]> {
    return (await this.recoverInterruptedResets(onOutcome)).map((e) => e.user);
  }

  /** An AD user's id is its DN. */
  private dnOf(user: DirectoryUser): string {
    if (!/^[A-Za-z][\w-]*=/.test(user.id)) throw new KeyhatchError('INTERNAL', { reason: 'AD user without DN' });
    return user.id;
  }

  private async readStatus(c: Client, dn: string): Promise<Entry> {
    const { searchEntries } = await c.search(dn, { scope: 'base', filter: '(objectClass=user)', attributes: STATUS_ATTRS });
    if (!searchEntries[0]) throw new KeyhatchError('DIRECTORY_ERROR', { reason: 'user vanished' });
    return searchEntries[0];
  }

  async accountStatus(user: DirectoryUser): Promise<AccountStatus> {
    const [e] = await this.search(this.dnOf(user), '(objectClass=user)', STATUS_ATTRS);
    if (!e) throw new KeyhatchError('DIRECTORY_ERROR', { reason: 'user vanished' });
    return decodeAccountStatus(e, this.clock());
  }

  async privilege(user: DirectoryUser): Promise<PrivilegeInfo> {
    const [e] = await this.search(this.dnOf(user), '(objectClass=user)', ['tokenGroups', 'objectSid', 'adminCount'], 'base', ['tokenGroups', 'objectSid']);
    if (!e || !e.objectSid) throw new KeyhatchError('INSUFFICIENT_RIGHTS', { reason: 'cannot read objectSid/tokenGroups of the user' });
    const sids = ([] as Buffer[]).concat(e.tokenGroups as Buffer[] | Buffer ?? []).map(sidToString);
    const own = sidToString(([] as Buffer[]).concat(e.objectSid as Buffer[] | Buffer)[0] as Buffer);
    const extra = await this.extraPrivilegedSids();
    const groups = privilegedGroupsIn(sids, own, extra);
    const adminCount = String(e.adminCount ?? '0') === '1';
    const via = adminCount ? [...groups, 'adminCount=1'] : groups;
    const base = { via, adminCountHint: adminCount };
    if (via.length === 0) return { privileged: false, ...base };
    if (this.cfg.allowPrivileged) return { privileged: false, ...base, allowedBy: 'ad.allowPrivileged' };
    // An exception covers only the adminCount mark (e.g. a former admin whose flag was never
    // cleared), never a current membership of a privileged group.
    if (groups.length === 0 && this.isAdminCountException(user, e.dn, own)) return { privileged: false, ...base, allowedBy: 'ad.adminCountExceptions' };
    return { privileged: true, ...base };
  }

  private isAdminCountException(user: DirectoryUser, dn: string, sid: string): boolean {
    const names = [user.accountName, user.userPrincipalName, dn, sid].filter((v): v is string => !!v).map((v) => v.toLowerCase());
    return this.cfg.adminCountExceptions.some((x) => names.includes(x.toLowerCase()));
  }

  /**
   * SIDs of the configured privileged groups. Only a complete list is kept: a group that cannot
   * be read refuses the privilege check (and with it the operation) and is tried again next time,
   * so a configured group never silently stops protecting.
   */
  private extraSids: string[] | undefined;
  private async extraPrivilegedSids(): Promise<string[]> {
    if (this.extraSids) return this.extraSids;
    const out: string[] = [];
    for (const g of this.cfg.privilegedGroups) {
      if (g.startsWith('S-1-')) { out.push(g); continue; }
      let e: Entry | undefined;
      try { [e] = await this.search(g, '(objectClass=group)', ['objectSid'], 'base', ['objectSid']); } catch (err) {
        if (/LDAP result 32\b/.test((err as KeyhatchError).reason ?? '')) e = undefined; // noSuchObject: reported below as a config error
        else {
          this.deps.audit.write({ action: 'directory.privileged-groups', actor: 'keyhatch', target: g, result: 'failure', reason: (err as KeyhatchError).code ?? 'INTERNAL', correlationId: 'privileged-groups',
            details: { why: 'a configured privileged group could not be read; privilege checks refuse until it can' } });
          throw err;
        }
      }
      if (!e?.objectSid) {
        this.deps.audit.write({ action: 'directory.privileged-groups', actor: 'keyhatch', target: g, result: 'failure', reason: 'CONFIG_INVALID', correlationId: 'privileged-groups' });
        throw new KeyhatchError('CONFIG_INVALID', { message: `ad.privilegedGroups: ${g} is not a group the service account can read` });
      }
      out.push(sidToString(([] as Buffer[]).concat(e.objectSid as Buffer[] | Buffer)[0] as Buffer));
    }
    this.extraSids = out;
    return out;
  }

  async groups(user: DirectoryUser): Promise<string[]> {
    const nc = (await this.conn.rootDse()).defaultNamingContext;
    try {
      const { searchEntries } = await this.conn.withService((c) => c.search(nc, {
        scope: 'sub', filter: `(member:1.2.840.113556.1.4.1941:=${escapeFilterValue(this.dnOf(user))})`, attributes: ['dn'], paged: { pageSize: 1000 },
      }), 'read');
      return searchEntries.map((e) => e.dn);
    } catch (err) { throw mapLdapError(err, 'search'); }
  }

  /** DNs compare by their normalised form; anything else (a SID, a typo) case-insensitively. */
  groupKey(id: string): string {
    try { return normalizeDn(id); } catch { return id.toLowerCase(); }
  }

  async effectivePolicy(user: DirectoryUser): Promise<PasswordPolicy> {
    const [e] = await this.search(this.dnOf(user), '(objectClass=user)', ['msDS-ResultantPSO']);
    const pso = e?.['msDS-ResultantPSO'];
    if (pso && String(pso) !== '') {
      try { return await this.conn.withService((c) => readPso(c, String(pso), this.cfg.bannedWords), 'read'); } catch (err) { throw mapLdapError(err, 'search'); }
    }
    if (this.domainPolicy && Date.now() - this.domainPolicy.at < POLICY_CACHE_MS) return this.domainPolicy.value;
    const nc = (await this.conn.rootDse()).defaultNamingContext;
    const value = await this.conn.withService((c: Client) => readDomainPolicy(c, nc, this.cfg.bannedWords), 'read').catch((err) => { throw mapLdapError(err, 'search'); });
    this.domainPolicy = { value, at: Date.now() };
    return value;
  }

  async unlock(user: DirectoryUser, ctx: OperationContext): Promise<void> {
    await assertNotPrivileged(() => this.privilege(user), user, ctx, 'unlock', this.deps.audit);
    await this.ops.unlock(this.dnOf(user));
  }

  /** Rules we can check ourselves go first, so the DC is asked only about what only it knows (history). */
  private async precheck(user: DirectoryUser, newPassword: string): Promise<void> {
    const policy = await this.effectivePolicy(user);
    const violations = checkPassword(newPassword, policy, user);
    if (violations.length > 0) throw new KeyhatchError('PASSWORD_POLICY', { violations, reason: violations.map((v) => v.code).join(',') });
  }

  async resetPassword(user: DirectoryUser, newPassword: string, ctx: OperationContext): Promise<void> {
    await this.precheck(user, newPassword);
    await assertNotPrivileged(() => this.privilege(user), user, ctx, 'reset', this.deps.audit);
    await this.ops.reset({ dn: this.dnOf(user), name: user.accountName ?? user.id }, newPassword, ctx);
  }

  async abandonReset(operationId: string, ctx: OperationContext): Promise<boolean> {
    return this.ops.abandon(operationId, ctx);
  }

  hasPendingReset(operationId: string): boolean { return this.ops.hasPending(operationId); }

  async changePassword(user: DirectoryUser, oldPassword: string, newPassword: string, _ctx: OperationContext): Promise<void> {
    await this.precheck(user, newPassword);
    await this.ops.change(this.dnOf(user), oldPassword, newPassword);
  }

  async verifyPassword(user: DirectoryUser, password: string): Promise<void> {
    await this.conn.withBind(this.dnOf(user), password, async () => undefined);
  }

  /**
   * Called at start-up (and again while some stay unchecked): settles two-step resets that a crash,
   * a lost DC or an abandoned session left behind. pwdLastSet tells what the DC holds:
   * - 0 (must change): step 1 landed and step 2 did not, so the account holds a temporary password
   *   nobody knows. Reported (audit + log + `interrupted`, once) until a new reset succeeds.
   * - newer than the entry: step 2 landed (`completed`, the user is told it worked).
   * - older: step 1 never reached the DC; the old password still works (`not-applied`). With several
   *   DCs this is asked again of the DC that took step 1 (the one that answered may not have it yet,
   *   and would hand the temporary password on later); while that DC does not answer, the entry stays.
   * - not 0 on an entry already reported: someone reset the account since (`settled`).
   * An entry whose account cannot be read (DC down) stays as it is and is returned.
   * (The DC's clock against ours only picks between completed and not-applied; it never hides a
   * temporary password, which is recognised by pwdLastSet=0 alone.)
   */
  async recoverInterruptedResets(onOutcome?: (entry: JournalEntry, outcome: ResetOutcome, user: DirectoryUser | null) => Promise<void>): Promise<JournalEntry[]> {
    const unresolved: JournalEntry[] = [];
    for (const entry of await this.journal.list()) {
      let status: AccountStatus;
      try { status = await this.accountStatus({ id: entry.userDn }); } catch (err) {
        this.deps.log.warn('cannot check an interrupted reset yet', { user: entry.user, error: (err as Error).message });
        unresolved.push(entry);
        continue;
      }
      let outcome = judgeEntry(entry, status);
      if (outcome === 'not-applied' && entry.dc && this.conn.urls.length > 1 && this.conn.urls.includes(entry.dc)) {
        // Another DC may not have received step 1 yet: only the DC that took it can say it never happened.
        try { outcome = judgeEntry(entry, decodeAccountStatus(await this.conn.withServiceAt(entry.dc, (c) => this.readStatus(c, entry.userDn)), this.clock())); } catch (err) {
          this.deps.log.warn('cannot check an interrupted reset yet: the DC that took its first step does not answer', { user: entry.user, dc: entry.dc, error: (err as Error).message });
          unresolved.push(entry);
          continue;
        }
      }
      const audit = { actor: 'keyhatch', target: entry.user, correlationId: entry.correlationId };
      if (outcome === 'still-open') { unresolved.push(entry); continue; }
      if (outcome === 'interrupted') {
        const reported: JournalEntry = { ...entry, state: 'reported' };
        await this.journal.write(reported);
        this.deps.audit.write({ action: 'reset.interrupted', ...audit, result: 'failure', reason: 'RESET_INCOMPLETE',
          details: { startedAt: entry.startedAt, previousState: entry.state, note: 'account holds an unknown temporary password; the user must reset again (self-service or help desk)' } });
        this.deps.log.warn('a password reset was interrupted; the account needs a new reset', { user: entry.user });
        unresolved.push(reported);
      } else {
        await this.journal.remove(entry.operationId);
        const note = { completed: 'the second step had completed before the interruption', 'not-applied': 'the first step never reached the DC; the password is unchanged', settled: 'the account was reset since; it no longer holds the temporary password' }[outcome];
        this.deps.audit.write({ action: outcome === 'completed' ? 'reset.recovered' : `reset.${outcome}`, ...audit, result: outcome === 'completed' ? 'success' : 'info', details: { note } });
      }
      // Notices (the user is told) are the caller's: only for what the user does not know yet.
      if (onOutcome && entry.state === 'temporary-set' && (outcome === 'interrupted' || outcome === 'completed')) {
        const user = await this.findUser(entry.user).catch(() => null);
        await onOutcome(entry, outcome, user?.id === entry.userDn ? user : null);
      }
    }
    return unresolved;
  }

  async close(): Promise<void> { await this.conn.close(); }
}

/** What a DC's view of the account says about a journal entry (see recoverInterruptedResets). */
function judgeEntry(entry: JournalEntry, status: AccountStatus): ResetOutcome {
  if (status.mustChange) return entry.state === 'reported' ? 'still-open' : 'interrupted';
  if (entry.state !== 'temporary-set') return 'settled';
  return status.pwdLastSet && status.pwdLastSet > entry.startedAt ? 'completed' : 'not-applied';
}
