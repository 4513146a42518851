// A realistic in-memory Active Directory for the fuzz runs: names go through the real username
// parser, and failures are what a DC really throws (ldapts result-code errors, socket and TLS
// errno errors, each carrying LDAP diagnostic text and DNs) mapped by the real AD error mapping.
// A fake rather than Samba because a fuzz run sends hundreds of thousands of requests that must
// replay from a seed (a real directory drifts: passwords change, accounts lock) and must inject
// dependency failures on demand; Samba-backed behaviour is covered by the rest of the suite.
import {
  BusyError, ConstraintViolationError, InsufficientAccessError, InvalidCredentialsError, NoSuchObjectError, UnavailableError, UnwillingToPerformError,
} from 'ldapts';
import type { AccountStatus, Directory, DirectoryUser, OperationContext, PrivilegeInfo } from '../../../daemon/src/directory/directory.js';
import type { GroupHit, PopulationSession, PopulationSource, SourceUser } from '../../../daemon/src/directory/population-source.js';
import { mapLdapError } from '../../../daemon/src/directory/ad/ad-errors.js';
import { parseUsername } from '../../../daemon/src/directory/username.js';
import { KeyhatchError } from '../../../daemon/src/errors/catalogue.js';
import type { PasswordPolicy } from '../../../daemon/src/password/policy.js';

export const FAKE_BASE_DN = 'OU=People,DC=fuzz,DC=test';

/**
 * Text only the directory side produces; a response that carries any of it leaked directory detail.
 * Specific enough not to match inside a random id (a bare /ldap/i once matched a base64url recovery id).
 */
export const DIRECTORY_TEXT = [/ldaps?:\/\/|LdapErr/i, /DSID-/i, /\bDC=fuzz\b/i, /OU=People/i, /\b0000(052D|0056|2024|2035|20EF)\b/i, /ECONNREFUSED|ECONNRESET|ETIMEDOUT/, /UNABLE_TO_VERIFY_LEAF_SIGNATURE/];

/** Dependency failures the fake can inject, each as the DC (or the socket) really reports it. */
export const FAULTS = {
  none: undefined,
  'dc-down': () => Object.assign(new Error(`connect ECONNREFUSED 127.0.0.9:636 (${FAKE_BASE_DN})`), { code: 'ECONNREFUSED' }),
  'dc-reset': () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
  'dc-tls': () => Object.assign(new Error('unable to verify the first certificate; ldaps://dc1.fuzz.test'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }),
  'dc-busy': () => new BusyError('00002024: LdapErr: DSID-0C0907B7, comment: server busy, data 0, v4563'),
  'dc-unavailable': () => new UnavailableError('00000000: LdapErr: DSID-0C090F78, comment: The server is unavailable, data 0, v4563'),
  'dc-rights': () => new InsufficientAccessError(`00002098: SecErr: DSID-03150F94, problem 4003 (INSUFF_ACCESS_RIGHTS), data 0 on CN=Alice,${FAKE_BASE_DN}`),
  'dc-unwilling': () => new UnwillingToPerformError('00002035: LdapErr: DSID-0C090FC6, comment: unwilling to perform, data 0'),
  'dc-no-object': () => new NoSuchObjectError(`0000208D: NameErr: DSID-0310028B, problem 2001 (NO_OBJECT), data 0, best match of: '${FAKE_BASE_DN}'`),
  'dc-policy': () => new ConstraintViolationError('0000052D: Constraint violation - check_password_restrictions: the password was already used (in history)!'),
  'dc-bind': () => new InvalidCredentialsError('80090308: LdapErr: DSID-0C09056B, comment: AcceptSecurityContext error, data 775, v4563'),
} as const;
export type Fault = keyof typeof FAULTS;
export const FAULT_NAMES = Object.keys(FAULTS) as Fault[];

interface FakeUser extends DirectoryUser {
  password: string;
  locked: boolean;
  disabled: boolean;
  privileged: boolean;
}

const POLICY: PasswordPolicy = {
  source: 'domain', minLength: 8, maxLength: 256, complexity: true, historyLength: 24, minAgeDays: 0, maxAgeDays: 42,
  lockoutThreshold: 5, lockoutDurationMinutes: 30, lockoutWindowMinutes: 30, bannedWords: ['keyhatch'],
};

function user(sam: string, password: string, extra: Partial<FakeUser> = {}): FakeUser {
  const dn = `CN=${sam},${FAKE_BASE_DN}`;
  return {
    id: dn, key: `ad:${Buffer.from(sam).toString('hex').padEnd(32, '0')}`, accountName: sam, userPrincipalName: `${sam}@fuzz.test`,
    displayName: sam, mail: `${sam}@mail.fuzz.test`, password, locked: false, disabled: false, privileged: false, ...extra,
  };
}

/** Groups the fake's population source finds (console group search and targeting). */
export const FAKE_GROUPS: readonly GroupHit[] = [
  { groupId: `CN=Staff,${FAKE_BASE_DN}`, name: 'Staff', description: 'Everyone' },
  { groupId: `CN=Keyhatch Admins,${FAKE_BASE_DN}`, name: 'Keyhatch Admins', description: 'Admin console' },
  { groupId: `CN=Keyhatch Helpdesk,${FAKE_BASE_DN}`, name: 'Keyhatch Helpdesk', description: 'Help desk' },
];

export class FakeDirectory implements Directory {
  readonly label = 'Active Directory';
  /** The failure every directory call throws while set (one fuzz case at a time). */
  fault: Fault = 'none';
  /** Groups (DNs) beyond everyone's Staff group, by account name: console roles. */
  readonly memberOf: Record<string, string[]> = {};
  /** Offer a population source (discovery and sync); read when the gateway is built. */
  population = false;
  private readonly users: FakeUser[];

  constructor(readonly people: Record<'alice' | 'bob' | 'dave' | 'grace', string>) {
    this.users = [
      user('alice', people.alice), user('bob', people.bob, { locked: true }),
      user('dave', people.dave, { disabled: true }), user('grace', people.grace, { privileged: true }),
    ];
  }

  private async io(context: 'bind' | 'modify' | 'password' | 'search'): Promise<void> {
    await new Promise((r) => setImmediate(r)); // a real call always yields
    const make = FAULTS[this.fault];
    if (make) throw mapLdapError(make(), context);
  }

  private own(u: DirectoryUser): FakeUser {
    const found = this.users.find((x) => x.id === u.id);
    if (!found) throw mapLdapError(FAULTS['dc-no-object'](), 'search');
    return found;
  }

  async findUser(name: string): Promise<DirectoryUser | null> {
    const parsed = parseUsername(name);
    await this.io('search');
    if (parsed.kind === 'sam' && parsed.domain && parsed.domain !== 'FUZZ' && parsed.domain !== 'FUZZ.TEST') return null;
    const sam = (parsed.kind === 'sam' ? parsed.sam : parsed.suffix === 'fuzz.test' ? parsed.local : '').toLowerCase();
    const u = this.users.find((x) => x.accountName === sam);
    return u ? { ...u, password: undefined } as DirectoryUser : null;
  }

  /** The current password (a fuzzed reset may have changed it). */
  passwordOf(sam: string): string {
    const u = this.users.find((x) => x.accountName === sam);
    if (!u) throw new Error(`no fake user ${sam}`);
    return u.password;
  }

  async sampleUser(): Promise<DirectoryUser | null> { return this.users[0] as FakeUser; }

  absentUser(): DirectoryUser { return { id: `CN=kh-absent,${FAKE_BASE_DN}`, accountName: 'kh-absent' }; }
  describe(u: DirectoryUser): Record<string, string | null> { return { dn: u.id, sAMAccountName: u.accountName ?? null }; }

  async accountStatus(u: DirectoryUser): Promise<AccountStatus> {
    await this.io('search');
    const x = this.own(u);
    return { locked: x.locked, disabled: x.disabled, passwordExpired: false, mustChange: false, accountExpired: false, pwdLastSet: '133000000000000000', lockoutTime: x.locked ? '133000000000000001' : '0', badPwdCount: 0 };
  }

  async privilege(u: DirectoryUser): Promise<PrivilegeInfo> {
    await this.io('search');
    const x = this.own(u);
    return { privileged: x.privileged, via: x.privileged ? ['Domain Admins'] : [], adminCountHint: x.privileged };
  }

  async groups(u: DirectoryUser): Promise<string[]> {
    await this.io('search');
    const x = this.own(u);
    return [`CN=Staff,${FAKE_BASE_DN}`, ...(this.memberOf[x.accountName as string] ?? [])];
  }

  populationSources(name: string): PopulationSource[] {
    return this.population ? [{ directoryId: name, session: (fn) => fn(new FakePopulationSession(this, this.users)) }] : [];
  }

  /**
   * A call of a population session fails as AdPopulationSource's does: a failure to connect or bind
   * as its bind (ad/connection.ts serviceClient), a failing search mapped as a search (its session
   * wrapper). Before that wrapper existed the search's raw ldapts error reached the console as
   * INTERNAL; fuzz-regressions.test.ts pins the real source's mapping.
   */
  async populationIo(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    const make = FAULTS[this.fault];
    if (!make) return;
    throw mapLdapError(make(), this.fault === 'dc-down' || this.fault === 'dc-tls' || this.fault === 'dc-bind' ? 'service-bind' : 'search');
  }

  async effectivePolicy(u: DirectoryUser): Promise<PasswordPolicy> {
    await this.io('search');
    this.own(u);
    return POLICY;
  }

  async unlock(u: DirectoryUser, _ctx: OperationContext): Promise<void> {
    await this.io('modify');
    this.own(u).locked = false;
  }

  async resetPassword(u: DirectoryUser, newPassword: string, _ctx: OperationContext): Promise<void> {
    await this.io('password');
    const x = this.own(u);
    if (newPassword === x.password) throw mapLdapError(FAULTS['dc-policy'](), 'password');
    x.password = newPassword;
  }

  async abandonReset(): Promise<boolean> {
    await this.io('modify');
    return false;
  }

  async changePassword(u: DirectoryUser, oldPassword: string, newPassword: string): Promise<void> {
    await this.io('password');
    const x = this.own(u);
    if (x.password !== oldPassword) throw new KeyhatchError('WRONG_PASSWORD');
    x.password = newPassword;
  }

  async verifyPassword(u: DirectoryUser, password: string): Promise<void> {
    await this.io('bind');
    const x = this.users.find((y) => y.id === u.id);
    if (!x || x.password !== password) throw mapLdapError(new InvalidCredentialsError('80090308: LdapErr: DSID-0C09056B, comment: AcceptSecurityContext error, data 52e, v4563'), 'bind');
    if (x.disabled) throw mapLdapError(new InvalidCredentialsError('80090308: LdapErr: DSID-0C09056B, comment: AcceptSecurityContext error, data 533, v4563'), 'bind');
  }

  async close(): Promise<void> { /* nothing held */ }
}

/** What AdSession answers, over the fake's users; every call can fail like a search. */
class FakePopulationSession implements PopulationSession {
  constructor(private readonly dir: FakeDirectory, private readonly users: readonly FakeUser[]) {}

  idKey(id: string): string { return id.toLowerCase(); }

  private source(u: FakeUser): SourceUser {
    return {
      objectId: u.key as string, userKey: u.key as string, dn: u.id, dnKey: u.id.toLowerCase(), accountName: u.accountName as string,
      displayName: u.displayName ?? '', mail: u.mail ?? '', disabled: u.disabled, lockoutUntil: u.locked ? Date.now() + 1_800_000 : 0,
    };
  }

  async position(): Promise<{ server: string; mark: string }> {
    await this.dir.populationIo();
    return { server: 'CN=NTDS Settings,CN=DC1', mark: '1000' };
  }

  async searchGroups(query: string, limit: number): Promise<GroupHit[]> {
    await this.dir.populationIo();
    const q = query.trim().toLowerCase();
    return FAKE_GROUPS.filter((g) => g.name.toLowerCase().includes(q) || g.description.toLowerCase().includes(q)).slice(0, limit);
  }

  async membership(targets: readonly { readonly groupId: string }[]): Promise<{ memberDns: Set<string>; groupIds: Set<string> }> {
    await this.dir.populationIo();
    const wanted = new Set(targets.map((t) => t.groupId.toLowerCase()));
    const staff = `CN=Staff,${FAKE_BASE_DN}`.toLowerCase();
    const memberDns = new Set(this.users.filter((u) => wanted.has(staff) || (this.dir.memberOf[u.accountName as string] ?? []).some((g) => wanted.has(g.toLowerCase()))).map((u) => u.id.toLowerCase()));
    return { memberDns, groupIds: wanted };
  }

  async allUsers(onPage: (users: SourceUser[]) => Promise<void>): Promise<void> {
    await this.dir.populationIo();
    await onPage(this.users.map((u) => this.source(u)));
  }

  async changesSince(): Promise<{ users: SourceUser[]; changedGroupIds: string[]; deletedIds: string[] }> {
    await this.dir.populationIo();
    return { users: [], changedGroupIds: [], deletedIds: [] };
  }

  async usersByDn(dns: readonly string[]): Promise<SourceUser[]> {
    await this.dir.populationIo();
    const keys = new Set(dns.map((d) => d.toLowerCase()));
    return this.users.filter((u) => keys.has(u.id.toLowerCase())).map((u) => this.source(u));
  }

  async passwordExpiries(onPage: (rows: Array<{ objectId: string; expiresAt: number | null }>) => Promise<void>): Promise<void> {
    await this.dir.populationIo();
    await onPage(this.users.map((u) => ({ objectId: u.key as string, expiresAt: null })));
  }

  async missing(objectIds: readonly string[]): Promise<string[]> {
    await this.dir.populationIo();
    return objectIds.filter((id) => !this.users.some((u) => u.key === id));
  }
}
