// Active Directory side of discovery and sync: group search, nested membership of the target groups
// (a walk that reads `member` with range retrieval, since real AD returns at most 1500 values per
// read), a paged full read of every user, and changes since a uSNChanged watermark (deletions from
// the Deleted Objects container with the show-deleted control). Each sync runs on ONE connection
// (`session`), because uSN values are per DC: the watermark read from rootDSE and the searches that
// use it must hit the same DC. Vendor-neutral callers see only `PopulationSource`.
import { Control, type Client, type Entry } from 'ldapts';
import type { AdConnection } from './connection.js';
import { mapLdapError } from './ad-errors.js';
import { UF_ACCOUNTDISABLE, UF_DONT_EXPIRE_PASSWD } from './account-flags.js';
import { escapeFilterValue, isDnWithin, normalizeDn } from './ldap-escape.js';
import type { ChangeSet, GroupHit, Membership, PasswordExpiry, PopulationSession, PopulationSource, SourceUser } from '../population-source.js';

const USER_FILTER = '(&(objectCategory=person)(objectClass=user))';
const USER_ATTRS = ['objectGUID', 'sAMAccountName', 'displayName', 'mail', 'userAccountControl', 'lockoutTime'];
const PAGE_SIZE = 1000;
/** LDAP_SERVER_SHOW_DELETED_OID: deleted objects (tombstones) become visible to the search. */
const SHOW_DELETED = '1.2.840.113556.1.4.417';
const FOREVER = Number.MAX_SAFE_INTEGER;
/** FILETIME "never". */
const NEVER = 0x7fffffffffffffffn;

const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);
const str = (v: unknown): string => {
  const x = first(v);
  return x === undefined || x === null ? '' : Buffer.isBuffer(x) ? x.toString('utf8') : String(x);
};
const guidHex = (v: unknown): string => {
  const b = first(v);
  return Buffer.isBuffer(b) ? b.toString('hex') : '';
};
/** objectGUID bytes (hex) to the registry form AD and Samba accept in <GUID=…> (first three fields little-endian). */
function guidString(hex: string): string {
  const b = Buffer.from(hex, 'hex');
  const le = (start: number, len: number) => Buffer.from(b.subarray(start, start + len)).reverse().toString('hex');
  return `${le(0, 4)}-${le(4, 2)}-${le(6, 2)}-${b.subarray(8, 10).toString('hex')}-${b.subarray(10, 16).toString('hex')}`;
}
/** A lockout duration attribute (negative 100 ns interval) in ms; 0 or the minimum: until an administrator unlocks. */
function durationMs(v: unknown): number {
  const raw = BigInt(str(v) || '0');
  return raw === 0n || raw <= -0x7fffffffffffffffn ? FOREVER : Number(-raw / 10_000n);
}
/**
 * USER_FILTER on an entry already read: objectClass user (computers are users too) and objectCategory
 * person, whose value is the DN of the schema's Person class (contacts are persons but not users).
 */
function isUserEntry(lowerClasses: readonly string[], objectCategory: unknown): boolean {
  return lowerClasses.includes('user') && /^cn=person,/i.test(str(objectCategory));
}
/** FILETIME (100 ns since 1601) to epoch ms. */
const fileTimeMs = (ft: bigint): number => Number(ft / 10_000n) - 11_644_473_600_000;

export interface AdSourceOptions {
  readonly directoryId: string;
  readonly baseDn: string;
  readonly conn: AdConnection;
  readonly pageSize?: number;
  /**
   * Values of `member` asked for per read (`member;range=lo-hi`). Default: all (`lo-*`), and the
   * server decides (real AD: 1500). Small steps let tests prove the range loop against Samba,
   * which does not cut ranges on its own.
   */
  readonly memberRangeStep?: number;
}

export class AdPopulationSource implements PopulationSource {
  readonly directoryId: string;
  constructor(private readonly o: AdSourceOptions) { this.directoryId = o.directoryId; }

  async session<T>(fn: (s: PopulationSession) => Promise<T>): Promise<T> {
    return this.o.conn.withService((c) => fn(mapped(new AdSession(c, this.o))), 'read');
  }
}

/**
 * The session as the sync engine and the console see it: a search that fails reaches them in the
 * catalogue's terms, like every other AD call (withService maps only its own bind). Raw ldapts errors
 * surfaced as INTERNAL on the console's group search and put the DC's diagnostic text into the
 * connector status. What the caller's own page callbacks throw (the store) passes through unchanged.
 */
function mapped(s: AdSession): PopulationSession {
  const theirs = new WeakSet<object>();
  const rethrow = (err: unknown): never => { throw err !== null && typeof err === 'object' && theirs.has(err) ? err : mapLdapError(err, 'search'); };
  const own = <A extends unknown[]>(cb: (...a: A) => Promise<void>) => async (...a: A): Promise<void> => {
    try { await cb(...a); } catch (err) {
      if (err !== null && typeof err === 'object') theirs.add(err);
      throw err;
    }
  };
  return {
    idKey: (id) => s.idKey(id),
    position: () => s.position().catch(rethrow),
    searchGroups: (q, limit) => s.searchGroups(q, limit).catch(rethrow),
    membership: (targets) => s.membership(targets).catch(rethrow),
    allUsers: (onPage) => s.allUsers(own(onPage)).catch(rethrow),
    changesSince: (mark) => s.changesSince(mark).catch(rethrow),
    usersByDn: (dns) => s.usersByDn(dns).catch(rethrow),
    passwordExpiries: (onPage) => s.passwordExpiries(own(onPage)).catch(rethrow),
    missing: (ids) => s.missing(ids).catch(rethrow),
  };
}

class AdSession implements PopulationSession {
  private lockoutMs: number | undefined;
  /** Normalised PSO DN → its lockout duration (undefined: not readable), read once per sync. */
  private readonly psoLockoutMs = new Map<string, number | undefined>();
  /** The domain's naming context: groups and tombstones may live outside the users' search base. */
  private nc: string | undefined;
  constructor(private readonly c: Client, private readonly o: AdSourceOptions) {}

  idKey(id: string): string { return normalizeDn(id); }

  async position(): Promise<{ server: string; mark: string }> {
    const { searchEntries } = await this.c.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ['highestCommittedUSN', 'dsServiceName', 'dnsHostName', 'defaultNamingContext'] });
    const e: Partial<Entry> = searchEntries[0] ?? {};
    this.nc = str(e.defaultNamingContext) || undefined;
    // dsServiceName names the DC's NTDS Settings object: stable for the DC, unlike the URL used to reach it.
    return { server: str(e.dsServiceName) || str(e.dnsHostName), mark: str(e.highestCommittedUSN) };
  }

  private async namingContext(): Promise<string> {
    if (this.nc === undefined) await this.position();
    return this.nc ?? this.o.baseDn;
  }

  /** The one object at `dn` (filter and attributes as given), or undefined when it does not exist (noSuchObject). */
  private async baseEntry(dn: string, filter: string, attributes: string[], explicitBufferAttributes: string[] = []): Promise<Entry | undefined> {
    const { searchEntries } = await this.c.search(dn, { scope: 'base', filter, attributes, explicitBufferAttributes })
      .catch((err: unknown) => { if ((err as { code?: number }).code === 32) return { searchEntries: [] as Entry[] }; throw err; });
    return searchEntries[0];
  }

  async searchGroups(query: string, limit: number): Promise<GroupHit[]> {
    const q = escapeFilterValue(query.trim());
    const filter = q ? `(&(objectClass=group)(|(cn=*${q}*)(sAMAccountName=*${q}*)(description=*${q}*)))` : '(objectClass=group)';
    const { searchEntries } = await this.c.search(await this.namingContext(), { scope: 'sub', filter, attributes: ['cn', 'sAMAccountName', 'description'], sizeLimit: limit })
      .catch((err: unknown) => { if ((err as { code?: number }).code === 4) return { searchEntries: [] as Entry[] }; throw err; });
    return searchEntries.map((e) => ({ groupId: e.dn, name: str(e.sAMAccountName) || str(e.cn), description: str(e.description) }))
      .sort((a, b) => a.name.localeCompare(b.name)).slice(0, limit);
  }

  /** Reads every value of `member` of one group, following `member;range=lo-hi` until the server says `*`. */
  private async members(groupDn: string): Promise<string[]> {
    const out: string[] = [];
    let lo = 0;
    for (;;) {
      const step = this.o.memberRangeStep;
      const { searchEntries } = await this.c.search(groupDn, { scope: 'base', filter: '(objectClass=*)', attributes: [`member;range=${lo}-${step ? lo + step - 1 : '*'}`] });
      const e = searchEntries[0];
      if (!e) return out;
      const key = Object.keys(e).find((k) => k.toLowerCase().startsWith('member;range='));
      if (!key) {
        // Servers that do not range the attribute answer with plain `member` (or nothing for an empty group).
        const plain = e.member;
        if (lo === 0 && plain !== undefined) out.push(...([] as unknown[]).concat(plain).map(String));
        return out;
      }
      const values = ([] as unknown[]).concat(e[key] ?? []).map(String);
      out.push(...values);
      const hi = key.slice(key.indexOf('=') + 1).split('-')[1];
      if (hi === '*' || values.length === 0) return out;
      lo = Number(hi) + 1;
    }
  }

  async membership(targets: readonly { readonly groupId: string }[]): Promise<Membership> {
    const memberDns = new Set<string>();
    const groupIds = new Set<string>();
    const seen = new Set<string>();
    const queue = targets.map((t) => t.groupId);
    while (queue.length > 0) {
      const dn = queue.shift() as string;
      const norm = normalizeDn(dn);
      if (seen.has(norm)) continue; // nesting may loop
      seen.add(norm);
      const g = await this.baseEntry(dn, '(objectClass=group)', ['objectGUID'], ['objectGUID']);
      if (!g) continue; // target deleted
      groupIds.add(guidHex(g.objectGUID));
      // Nested groups: one search for the groups that are members, so users need no per-DN lookup.
      const nested = await this.c.search(await this.namingContext(), { scope: 'sub', filter: `(&(objectClass=group)(memberOf=${escapeFilterValue(dn)}))`, attributes: ['1.1'] });
      const nestedNorm = new Set(nested.searchEntries.map((n) => normalizeDn(n.dn)));
      for (const n of nested.searchEntries) queue.push(n.dn);
      for (const m of await this.members(dn)) {
        const mn = normalizeDn(m);
        if (!nestedNorm.has(mn)) memberDns.add(mn);
      }
    }
    return { memberDns, groupIds };
  }

  private async lockoutDurationMs(): Promise<number> {
    if (this.lockoutMs !== undefined) return this.lockoutMs;
    // The domain object holds it, not the OU the users' base may name (an OU has none: "forever").
    const { searchEntries } = await this.c.search(await this.namingContext(), { scope: 'base', filter: '(objectClass=*)', attributes: ['lockoutDuration'] });
    this.lockoutMs = durationMs(searchEntries[0]?.lockoutDuration);
    return this.lockoutMs;
  }

  /**
   * The lockout duration of a locked user's own policy: msDS-ResultantPSO names the fine-grained
   * policy that applies (a constructed attribute, costly for the DC: asked only for users with a
   * lockoutTime, never in the paged read of everyone), whose msDS-LockoutDuration wins over the
   * domain's. Each policy is read once per sync. None, or one the service account may not read
   * (the DC withholds the attribute; `keyhatch doctor` warns about it): the domain's duration.
   */
  private async lockoutMsOf(e: Entry, domainMs: number): Promise<number> {
    const pso = str((await this.baseEntry(e.dn, '(objectClass=*)', ['msDS-ResultantPSO']))?.['msDS-ResultantPSO']);
    if (!pso) return domainMs;
    const key = normalizeDn(pso);
    if (!this.psoLockoutMs.has(key)) {
      const value = (await this.baseEntry(pso, '(objectClass=msDS-PasswordSettings)', ['msDS-LockoutDuration']))?.['msDS-LockoutDuration'];
      this.psoLockoutMs.set(key, value === undefined || (Array.isArray(value) && value.length === 0) ? undefined : durationMs(value));
    }
    return this.psoLockoutMs.get(key) ?? domainMs;
  }

  private async toUsers(entries: readonly Entry[]): Promise<SourceUser[]> {
    const domainMs = await this.lockoutDurationMs();
    const out: SourceUser[] = [];
    for (const e of entries) {
      const locked = BigInt(str(e.lockoutTime) || '0') > 0n;
      const u = this.toUser(e, locked ? await this.lockoutMsOf(e, domainMs) : domainMs);
      if (u) out.push(u);
    }
    return out;
  }

  private toUser(e: Entry, lockoutMs: number): SourceUser | undefined {
    const objectId = guidHex(e.objectGUID);
    if (!objectId) return undefined;
    const lockoutTime = BigInt(str(e.lockoutTime) || '0');
    const until = lockoutTime > 0n ? (lockoutMs === FOREVER ? FOREVER : fileTimeMs(lockoutTime) + lockoutMs) : 0;
    const dn = e.dn;
    return {
      objectId,
      userKey: `ad:${objectId}`, // the key AdDirectory gives the same account (enrollment is stored under it)
      dn,
      // Read only when target groups are set; parsing the DN was the costliest step of reading a user.
      get dnKey() { return normalizeDn(dn); },
      accountName: str(e.sAMAccountName),
      displayName: str(e.displayName),
      mail: str(e.mail),
      disabled: (Number(str(e.userAccountControl) || '0') & UF_ACCOUNTDISABLE) !== 0,
      lockoutUntil: until,
    };
  }

  async allUsers(onPage: (users: SourceUser[]) => Promise<void>): Promise<void> {
    const pages = this.c.searchPaginated(this.o.baseDn, {
      scope: 'sub', filter: USER_FILTER, attributes: USER_ATTRS, explicitBufferAttributes: ['objectGUID'], paged: { pageSize: this.o.pageSize ?? PAGE_SIZE },
    });
    const it = pages[Symbol.asyncIterator]();
    let next = it.next();
    for (;;) {
      const r = await next;
      if (r.done) return;
      // Ask for the next page before handling this one: the DC works while we store.
      next = it.next();
      await onPage(await this.toUsers(r.value.searchEntries));
    }
  }

  async changesSince(mark: string): Promise<ChangeSet> {
    const nc = await this.namingContext();
    const from = (BigInt(mark) + 1n).toString();
    const userEntries: Entry[] = [];
    const changedGroupIds: string[] = [];
    const deletedIds: string[] = [];
    // The whole naming context: target groups may live outside the users' base, and a user moved
    // out of the base must leave the population (reported like a deletion). The filter is the uSN
    // alone and users and groups are told apart here: the DC answers it from the uSNChanged index,
    // where ANDing it with USER_FILTER made Samba intersect the index lists of every user and group
    // (0.4 s at 20,000 users, growing with the domain: the bulk of an incremental sync's time).
    const pages = this.c.searchPaginated(nc, {
      scope: 'sub', filter: `(uSNChanged>=${from})`,
      attributes: [...USER_ATTRS, 'objectClass', 'objectCategory'], explicitBufferAttributes: ['objectGUID'], paged: { pageSize: this.o.pageSize ?? PAGE_SIZE },
    });
    for await (const page of pages) {
      for (const e of page.searchEntries) {
        const classes = ([] as unknown[]).concat(e.objectClass ?? []).map((c) => String(c).toLowerCase());
        if (classes.includes('group')) changedGroupIds.push(guidHex(e.objectGUID));
        else if (!isUserEntry(classes, e.objectCategory)) continue;
        else if (!isDnWithin(e.dn, this.o.baseDn)) deletedIds.push(guidHex(e.objectGUID));
        else userEntries.push(e);
      }
    }
    // Tombstones keep objectGUID; they live in the naming context's Deleted Objects container.
    const deleted = await this.c.search(`CN=Deleted Objects,${nc}`, {
      scope: 'one', filter: `(&(isDeleted=TRUE)(uSNChanged>=${from}))`, attributes: ['objectGUID'], explicitBufferAttributes: ['objectGUID'],
    }, new Control(SHOW_DELETED, { critical: true }));
    deletedIds.push(...deleted.searchEntries.map((e) => guidHex(e.objectGUID)));
    return { users: await this.toUsers(userEntries), changedGroupIds, deletedIds: deletedIds.filter((g) => g !== '') };
  }

  async passwordExpiries(onPage: (rows: PasswordExpiry[]) => Promise<void>): Promise<void> {
    const { searchEntries } = await this.c.search(await this.namingContext(), { scope: 'base', filter: '(objectClass=*)', attributes: ['maxPwdAge'] });
    const maxAge = BigInt(str(searchEntries[0]?.maxPwdAge) || '0');
    const domainMaxMs = maxAge === 0n || maxAge <= -0x7fffffffffffffffn ? null : Number(-maxAge / 10_000n);
    const pages = this.c.searchPaginated(this.o.baseDn, {
      scope: 'sub', filter: USER_FILTER, attributes: ['objectGUID', 'userAccountControl', 'pwdLastSet', 'msDS-UserPasswordExpiryTimeComputed'],
      explicitBufferAttributes: ['objectGUID'], paged: { pageSize: this.o.pageSize ?? PAGE_SIZE },
    });
    for await (const page of pages) {
      await onPage(page.searchEntries.map((e): PasswordExpiry => {
        const uac = Number(str(e.userAccountControl) || '0');
        const computed = str(e['msDS-UserPasswordExpiryTimeComputed']);
        const pwdLastSet = BigInt(str(e.pwdLastSet) || '0');
        let expiresAt: number | null;
        if ((uac & UF_DONT_EXPIRE_PASSWD) !== 0) expiresAt = null;
        // The DC's own answer includes a fine-grained policy (PSO); the domain maximum is the fallback.
        else if (computed !== '') expiresAt = BigInt(computed) >= NEVER ? null : BigInt(computed) === 0n ? 0 : fileTimeMs(BigInt(computed));
        else if (pwdLastSet === 0n) expiresAt = 0;
        else expiresAt = domainMaxMs === null ? null : fileTimeMs(pwdLastSet) + domainMaxMs;
        return { objectId: guidHex(e.objectGUID), expiresAt };
      }).filter((x) => x.objectId !== ''));
    }
  }

  async missing(objectIds: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    for (const id of objectIds) {
      // <GUID=…> binds the search base to the object wherever it lives; a deleted object is not found.
      if (!(await this.baseEntry(`<GUID=${guidString(id)}>`, '(objectClass=*)', ['1.1']))) out.push(id);
    }
    return out;
  }

  async usersByDn(dns: readonly string[]): Promise<SourceUser[]> {
    const out: Entry[] = [];
    for (const dn of dns) {
      const e = await this.baseEntry(dn, USER_FILTER, USER_ATTRS, ['objectGUID']);
      if (e) out.push(e);
    }
    return this.toUsers(out);
  }
}
