// Several directories (AD domains/forests, Entra tenants, hybrid pairs) behind one Directory.
// The typed name picks the directory: a UPN suffix, a NETBIOS\ (or DNS\) prefix, else the
// workstation's own domain (LookupHint.defaultDomain), else the `ambiguous` policy. Everything
// after findUser routes by the user itself, so recovery, enrollment and the help desk stay unaware.
import { KeyhatchError } from '../../errors/catalogue.js';
import type { PasswordPolicy } from '../../password/policy.js';
import { groupKeyOf, type AccountStatus, type Directory, type DirectoryCheck, type DirectoryUser, type InterruptedResetListener, type LookupHint, type OperationContext, type PrivilegeInfo } from '../directory.js';
import type { PopulationSource } from '../population-source.js';
import { parseUsername } from '../username.js';
import type { DirectoryNames } from '../../config/directory-names.js';

export interface RoutedMember {
  readonly names: DirectoryNames;
  readonly directory: Directory;
}

export type AmbiguityPolicy = 'refuse' | 'first-match';

/** A user as the router hands it out: `id` is `<directory>:<backend id>`, unique across directories. */
export interface RoutedUser extends DirectoryUser {
  readonly directory: string;
}

export class RoutingDirectory implements Directory {
  readonly label: string;
  private readonly byName = new Map<string, RoutedMember>();
  private readonly byPrefix = new Map<string, RoutedMember>();
  private readonly bySuffix = new Map<string, RoutedMember>();

  constructor(readonly members: readonly RoutedMember[], private readonly ambiguous: AmbiguityPolicy) {
    if (members.length === 0) throw new KeyhatchError('CONFIG_INVALID', { message: 'invalid configuration: directories: needs at least one directory' });
    for (const m of members) {
      this.claim(this.byName, m.names.name, m);
      for (const p of m.names.prefixes) this.claim(this.byPrefix, p.toUpperCase(), m);
      for (const s of m.names.upnSuffixes) this.claim(this.bySuffix, s.toLowerCase(), m);
    }
    this.label = members.map((m) => `${m.names.name} (${m.directory.label})`).join(', ');
  }

  /** Config validation already refuses duplicates; this keeps a hand-built router honest too. */
  private claim(map: Map<string, RoutedMember>, key: string, m: RoutedMember): void {
    const owner = map.get(key);
    if (owner && owner !== m) throw new KeyhatchError('CONFIG_INVALID', { message: `invalid configuration: directories: "${key}" is claimed by both "${owner.names.name}" and "${m.names.name}"` });
    map.set(key, m);
  }

  /** The directory a domain name (NetBIOS or DNS, any case) belongs to. */
  memberForDomain(domain: string): RoutedMember | undefined {
    const d = domain.trim().toUpperCase();
    return this.byPrefix.get(d) ?? this.bySuffix.get(d.toLowerCase());
  }

  async findUser(name: string, hint?: LookupHint): Promise<RoutedUser | null> {
    const parsed = parseUsername(name);
    if (parsed.kind === 'upn') {
      // An unknown suffix is an unknown user: no other directory is asked.
      const m = this.bySuffix.get(parsed.suffix);
      return m ? this.wrap(m, await m.directory.findUser(parsed.upn)) : null;
    }
    if (parsed.domain) {
      const m = this.memberForDomain(parsed.domain);
      return m ? this.wrap(m, await m.directory.findUser(`${parsed.domain}\\${parsed.sam}`)) : null;
    }
    const home = hint?.defaultDomain ? this.memberForDomain(hint.defaultDomain) : undefined;
    if (home) return this.wrap(home, await home.directory.findUser(parsed.sam));
    return this.findEverywhere(parsed.sam);
  }

  /**
   * A bare name with no known home: every directory is asked (the same work whatever the answer).
   * A failing directory fails the lookup whenever its answer could change the result (fail closed).
   */
  private async findEverywhere(sam: string): Promise<RoutedUser | null> {
    const answers = await Promise.allSettled(this.members.map((m) => m.directory.findUser(sam)));
    const found: RoutedUser[] = [];
    for (const [i, a] of answers.entries()) {
      const m = this.members[i] as RoutedMember;
      // first-match has returned before any failure that comes after a match.
      if (a.status === 'rejected') throw a.reason;
      const u = this.wrap(m, a.value);
      if (!u) continue;
      if (this.ambiguous === 'first-match') return u;
      found.push(u);
    }
    if (found.length > 1) throw new KeyhatchError('AMBIGUOUS_USER', { reason: `bare name found in directories ${found.map((u) => u.directory).join(', ')}` });
    return found[0] ?? null;
  }

  private wrap(m: RoutedMember, user: DirectoryUser | null): RoutedUser | null {
    if (!user) return null;
    const name = m.names.name;
    // Backend keys are objectGUID / Entra object id based, unique across directories already;
    // keeping them lets enrollments survive a move from the single-directory form to `directories`.
    return { ...user, id: `${name}:${user.id}`, key: user.key ?? `${name}:${user.id}`, directory: name };
  }

  /** The member a user came from, and the user as that member handed it out. */
  private route(user: DirectoryUser): { m: RoutedMember; inner: DirectoryUser } {
    const colon = user.id.indexOf(':');
    const name = colon > 0 ? user.id.slice(0, colon) : '';
    const m = this.byName.get(name);
    const declared = (user as Partial<RoutedUser>).directory;
    if (!m || (declared !== undefined && declared !== name)) throw new KeyhatchError('INTERNAL', { reason: 'user from no configured directory' });
    const { directory: _d, ...rest } = user as RoutedUser;
    const inner: DirectoryUser = { ...rest, id: user.id.slice(colon + 1) };
    return { m, inner };
  }

  async sampleUser(): Promise<DirectoryUser | null> {
    for (const m of this.members) {
      const u = m.directory.sampleUser ? await m.directory.sampleUser() : null;
      if (u) return this.wrap(m, u);
    }
    return null;
  }

  async accountStatus(user: DirectoryUser): Promise<AccountStatus> {
    const { m, inner } = this.route(user);
    return m.directory.accountStatus(inner);
  }

  async privilege(user: DirectoryUser): Promise<PrivilegeInfo> {
    const { m, inner } = this.route(user);
    return m.directory.privilege(inner);
  }

  async groups(user: DirectoryUser): Promise<string[]> {
    const { m, inner } = this.route(user);
    return m.directory.groups(inner);
  }

  /**
   * Configured group ids name no directory: the first member with a comparison of its own beyond
   * case (AD's DN normalisation) decides; group ids are DNs or GUIDs, unambiguous either way.
   */
  groupKey(id: string): string {
    const plain = id.toLowerCase();
    return this.members.map((m) => groupKeyOf(m.directory, id)).find((k) => k !== plain) ?? plain;
  }

  async effectivePolicy(user: DirectoryUser): Promise<PasswordPolicy> {
    const { m, inner } = this.route(user);
    return m.directory.effectivePolicy(inner);
  }

  async unlock(user: DirectoryUser, ctx: OperationContext): Promise<void> {
    const { m, inner } = this.route(user);
    return m.directory.unlock(inner, ctx);
  }

  async resetPassword(user: DirectoryUser, newPassword: string, ctx: OperationContext): Promise<void> {
    const { m, inner } = this.route(user);
    return m.directory.resetPassword(inner, newPassword, ctx);
  }

  /** Operation ids are unique, so at most one member knows this one; ask them all. */
  async abandonReset(operationId: string, ctx: OperationContext): Promise<boolean> {
    const answers = await Promise.all(this.members.map((m) => m.directory.abandonReset(operationId, ctx)));
    return answers.some(Boolean);
  }

  async changePassword(user: DirectoryUser, oldPassword: string, newPassword: string, ctx: OperationContext): Promise<void> {
    const { m, inner } = this.route(user);
    return m.directory.changePassword(inner, oldPassword, newPassword, ctx);
  }

  async verifyPassword(user: DirectoryUser, password: string): Promise<void> {
    const { m, inner } = this.route(user);
    return m.directory.verifyPassword(inner, password);
  }

  /** Next to `near` in its directory (else in the first): routed like any user of that directory. */
  absentUser(near: DirectoryUser | null): DirectoryUser {
    const { m, inner } = near ? this.route(near) : { m: this.members[0] as RoutedMember, inner: null };
    return this.wrap(m, m.directory.absentUser(inner)) as RoutedUser;
  }

  /** Every member's checks, each named for its directory. */
  async doctorChecks(): Promise<DirectoryCheck[]> {
    const out: DirectoryCheck[] = [];
    for (const m of this.members) for (const c of await m.directory.doctorChecks?.() ?? []) out.push({ ...c, name: `${m.names.name}: ${c.name}` });
    return out;
  }

  populationSources(): PopulationSource[] {
    return this.members.flatMap((m) => m.directory.populationSources?.(m.names.name) ?? []);
  }

  async interruptedResets(onOutcome?: InterruptedResetListener): Promise<string[]> {
    return (await Promise.all(this.members.map(async (m) => (await m.directory.interruptedResets?.(onOutcome) ?? []).map((u) => `${m.names.name}: ${u}`)))).flat();
  }

  describe(user: DirectoryUser): Record<string, string | null> {
    const { m, inner } = this.route(user);
    return { directory: m.names.name, ...m.directory.describe(inner) };
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((m) => m.directory.close()));
  }
}
