// Entra ID side of discovery and sync, over Microsoft Graph: group search ($search, an advanced
// query), nested membership of the target groups (transitiveMembers: Graph resolves the nesting),
// a paged read of every user, and changes since a pair of delta links (users/delta for the users,
// groups/delta for membership: users/delta does not report that a user joined or left a group, a
// group's `members` change does, and the engine walks the targets again when one of their groups
// changed — the same rule as AD's uSNChanged on the group object).
//
// The mark is `{"users": deltaLink, "groups": deltaLink}` as JSON. `position()` asks for both with
// `$deltatoken=latest` ("sync from now": a deltaLink without resources) BEFORE anything is read, like
// AD's highestCommittedUSN: a change made while a sync reads is seen again next time, never missed.
// Delta links are kept and followed verbatim (they carry the $select of the first request).
//
// Identity: objectId = dn = the user's Entra object id (Graph ids are lower-case GUIDs; `idKey`
// lower-cases anyway so membership compares on one form). userKey is `toEntraUser(...).key`, the key
// EntraDirectory stores enrollment under. LOCKED never happens here: Graph exposes no lockout state
// (smart lockout is per sign-in location and releases itself), so lockoutUntil is always 0.
import { KeyhatchError, isKeyhatchError } from '../../errors/catalogue.js';
import { userKeyOf } from '../directory.js';
import type { ChangeSet, GroupHit, Membership, PasswordExpiry, PopulationSession, PopulationSource, SourceUser } from '../population-source.js';
import { toEntraUser, type GraphUser } from './entra-user.js';
import type { GraphClient, GraphRequest } from './graph-client.js';
import { isExpiredDeltaLink } from './graph-errors.js';

const USER_FIELDS = ['id', 'userPrincipalName', 'displayName', 'mail', 'accountEnabled', 'userType'] as const;
const USER_SELECT = USER_FIELDS.join(',');
const GROUP_DELTA_SELECT = 'id,displayName,members';
const EXPIRY_SELECT = 'id,userPrincipalName,lastPasswordChangeDateTime,passwordPolicies,onPremisesSyncEnabled,userType';
const PAGE_SIZE = 999;
/** passwordValidityPeriodInDays meaning "passwords never expire" (Int32 max). */
const NEVER_DAYS = 2147483647;
const DAY_MS = 86_400_000;

interface DirObject { '@odata.type'?: string; id: string }
interface Removed { '@removed'?: { reason?: string } }
interface GraphGroup { id: string; displayName?: string | null; description?: string | null }
interface GraphDomain { id: string; passwordValidityPeriodInDays?: number | null }
interface Page<T> { value?: T[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string }
interface DeltaMark { users: string; groups: string }

export interface EntraSourceOptions {
  readonly directoryId: string;
  /** Names the "server" of the marks: delta links belong to the tenant. */
  readonly tenantId: string;
  readonly graph: GraphClient;
  /** $top of user and member pages (Graph's maximum, 999, by default; the server may return fewer). */
  readonly pageSize?: number;
}

export class EntraPopulationSource implements PopulationSource {
  readonly directoryId: string;
  constructor(private readonly o: EntraSourceOptions) { this.directoryId = o.directoryId; }

  /** Graph has no connection to hold: the session only groups one sync's calls. */
  session<T>(fn: (s: PopulationSession) => Promise<T>): Promise<T> {
    return fn(new EntraSession(this.o));
  }
}

const key = (id: string): string => id.toLowerCase();
/** A $search term: inside double quotes, `"` and `\` are escaped with a backslash. */
const searchTerm = (s: string): string => s.replace(/[\\"]/g, (c) => `\\${c}`);
const hasAll = (o: object): boolean => USER_FIELDS.every((f) => f in o);

class EntraSession implements PopulationSession {
  private readonly top: string;
  constructor(private readonly o: EntraSourceOptions) { this.top = String(Math.min(o.pageSize ?? PAGE_SIZE, PAGE_SIZE)); }

  idKey(id: string): string { return key(id); }

  /** Pages of a collection, following @odata.nextLink verbatim; returns the @odata.deltaLink of a delta round. */
  private async walk<T>(first: GraphRequest, onPage: (items: T[]) => Promise<void> | void, enough = () => false): Promise<string | undefined> {
    let req = first;
    for (;;) {
      const r = await this.o.graph.request<Page<T>>(req);
      await onPage(r.body?.value ?? []);
      const next = r.body?.['@odata.nextLink'];
      if (!next || enough()) return r.body?.['@odata.deltaLink'];
      req = { path: next, ...(first.context ? { context: first.context } : {}), ...(first.advanced ? { advanced: true } : {}) };
    }
  }

  private async latest(path: string, select: string): Promise<string> {
    const link = await this.walk({ path, query: { $select: select, $deltatoken: 'latest' } }, () => undefined);
    if (!link) throw new KeyhatchError('DIRECTORY_ERROR', { reason: `Graph ${path}?$deltatoken=latest returned no @odata.deltaLink` });
    return link;
  }

  async position(): Promise<{ server: string; mark: string }> {
    const users = await this.latest('/users/delta', USER_SELECT);
    const groups = await this.latest('/groups/delta', GROUP_DELTA_SELECT);
    return { server: this.o.tenantId, mark: JSON.stringify({ users, groups } satisfies DeltaMark) };
  }

  async searchGroups(query: string, limit: number): Promise<GroupHit[]> {
    const q = query.trim();
    const top = String(Math.min(Math.max(1, limit), PAGE_SIZE));
    // $search matches words by prefix in displayName and description (Graph tokenises them); it needs
    // ConsistencyLevel: eventual. The term is quoted, so OData and $search syntax in it stays text.
    const req: GraphRequest = q
      ? { path: '/groups', query: { $search: `"displayName:${searchTerm(q)}" OR "description:${searchTerm(q)}"`, $select: 'id,displayName,description', $top: top }, advanced: true, context: 'groups' }
      : { path: '/groups', query: { $select: 'id,displayName,description', $top: top }, context: 'groups' };
    const found: GraphGroup[] = [];
    // The server may page below $top: read on until `limit` groups are in.
    await this.walk<GraphGroup>(req, (items) => { found.push(...items); }, () => found.length >= limit);
    return found.map((g) => ({ groupId: g.id, name: g.displayName ?? g.id, description: g.description ?? '' }))
      .sort((a, b) => a.name.localeCompare(b.name)).slice(0, limit);
  }

  async membership(targets: readonly { readonly groupId: string }[]): Promise<Membership> {
    const memberDns = new Set<string>();
    const groupIds = new Set<string>();
    for (const t of targets) {
      groupIds.add(key(t.groupId));
      try {
        await this.walk<DirObject>({ path: `/groups/${encodeURIComponent(t.groupId)}/transitiveMembers`, query: { $select: 'id', $top: this.top }, context: 'groups' }, (items) => {
          for (const m of items) {
            const type = m['@odata.type'];
            // Nested groups are in the closure: a change to their members changes the population.
            if (type === '#microsoft.graph.group') groupIds.add(key(m.id));
            // Devices, contacts and service principals are members too; they never sign in at a logon screen.
            else if (type === undefined || type === '#microsoft.graph.user') memberDns.add(key(m.id));
          }
        });
      } catch (err) {
        if (isKeyhatchError(err, 'USER_NOT_FOUND')) continue; // the target group was deleted: it has no members
        throw err;
      }
    }
    return { memberDns, groupIds };
  }

  /** Guests (B2B) cannot sign in to Windows: they are not part of the population. */
  private toUser(g: GraphUser): SourceUser | undefined {
    if (!g.id || g.userType === 'Guest') return undefined;
    return {
      objectId: g.id,
      userKey: userKeyOf(toEntraUser(g)), // the key EntraDirectory's users carry: enrollment is stored under it
      dn: g.id,
      dnKey: key(g.id),
      accountName: g.userPrincipalName ?? '',
      displayName: g.displayName ?? '',
      mail: g.mail ?? '',
      disabled: g.accountEnabled === false,
      lockoutUntil: 0, // no lockout state in Graph (see the file comment)
    };
  }

  async allUsers(onPage: (users: SourceUser[]) => Promise<void>): Promise<void> {
    await this.walk<GraphUser>({ path: '/users', query: { $select: USER_SELECT, $top: this.top } }, async (items) => {
      await onPage(items.map((g) => this.toUser(g)).filter((u): u is SourceUser => u !== undefined));
    });
  }

  private parseMark(mark: string): DeltaMark {
    let m: Partial<DeltaMark> | undefined;
    try { m = JSON.parse(mark) as Partial<DeltaMark>; } catch { m = undefined; }
    if (typeof m?.users !== 'string' || typeof m.groups !== 'string') {
      throw new KeyhatchError('DIRECTORY_ERROR', { reason: 'the stored Entra sync mark is not a pair of delta links; run a full sync' });
    }
    return { users: m.users, groups: m.groups };
  }

  /** A user by object id with the population's properties; undefined when it no longer exists. */
  private async getUser(id: string, select = USER_SELECT): Promise<GraphUser | undefined> {
    try {
      return (await this.o.graph.request<GraphUser>({ path: `/users/${encodeURIComponent(id)}`, query: { $select: select } })).body;
    } catch (err) {
      if (isKeyhatchError(err, 'USER_NOT_FOUND')) return undefined;
      throw err;
    }
  }

  async changesSince(mark: string): Promise<ChangeSet | undefined> {
    const m = this.parseMark(mark);
    const changed = new Map<string, Partial<GraphUser> & { id: string }>();
    const deleted = new Set<string>();
    const changedGroupIds = new Set<string>();
    try {
      // One object may come more than once in a delta round: later entries win, properties merge.
      await this.walk<GraphUser & Removed>({ path: m.users }, (items) => {
        for (const u of items) {
          if (u['@removed']) { deleted.add(u.id); changed.delete(u.id); continue; }
          deleted.delete(u.id);
          changed.set(u.id, { ...changed.get(u.id), ...u });
        }
      });
      // Removed groups count as changed: a deleted nested group takes its members out of scope.
      await this.walk<DirObject & Removed>({ path: m.groups, context: 'groups' }, (items) => { for (const g of items) changedGroupIds.add(key(g.id)); });
    } catch (err) {
      if (isExpiredDeltaLink(err)) return undefined; // Graph keeps delta state 7 days: read everything instead
      throw err;
    }
    const users: SourceUser[] = [];
    for (const [id, partial] of changed) {
      // A delta entry may carry only the properties that changed: read the rest.
      const full = hasAll(partial) ? partial as GraphUser : await this.getUser(id);
      const u = full ? this.toUser(full) : undefined;
      // Gone since the round, or a guest now: no longer a population member.
      if (u) users.push(u); else deleted.add(id);
    }
    return { users, changedGroupIds: [...changedGroupIds], deletedIds: [...deleted] };
  }

  async usersByDn(dns: readonly string[]): Promise<SourceUser[]> {
    const out: SourceUser[] = [];
    for (const id of dns) {
      const g = await this.getUser(id);
      const u = g ? this.toUser(g) : undefined;
      if (u) out.push(u);
    }
    return out;
  }

  async missing(objectIds: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    for (const id of objectIds) if (!await this.getUser(id, 'id')) out.push(id);
    return out;
  }

  /** Validity period per domain (null: never expires), read once per call; needs Domain.Read.All. */
  private async domainValidity(): Promise<Map<string, number | null>> {
    const out = new Map<string, number | null>();
    try {
      await this.walk<GraphDomain>({ path: '/domains', query: { $select: 'id,passwordValidityPeriodInDays' } }, (items) => {
        for (const d of items) {
          const days = d.passwordValidityPeriodInDays;
          out.set(d.id.toLowerCase(), typeof days !== 'number' || days <= 0 || days >= NEVER_DAYS ? null : days);
        }
      });
    } catch (err) {
      if (isKeyhatchError(err, 'INSUFFICIENT_RIGHTS')) {
        throw new KeyhatchError('INSUFFICIENT_RIGHTS', { reason: `${err.reason ?? ''}; password expiry needs the Domain.Read.All application permission`, cause: err });
      }
      throw err;
    }
    return out;
  }

  /**
   * Cloud passwords expire `passwordValidityPeriodInDays` (of the domain of the user's UPN) after
   * lastPasswordChangeDateTime, unless passwordPolicies holds DisablePasswordExpiration. Synced users'
   * passwords follow AD's policy (their AD account says when; the AD source reports it): null here.
   */
  async passwordExpiries(onPage: (rows: PasswordExpiry[]) => Promise<void>): Promise<void> {
    const validity = await this.domainValidity();
    const daysFor = (upn: string | null | undefined): number | null => {
      // A UPN in a subdomain that is not itself listed takes its parent domain's setting.
      for (let d = (upn ?? '').split('@')[1]?.toLowerCase() ?? ''; d; d = d.includes('.') ? d.slice(d.indexOf('.') + 1) : '') {
        if (validity.has(d)) return validity.get(d) ?? null;
      }
      return null;
    };
    await this.walk<GraphUser>({ path: '/users', query: { $select: EXPIRY_SELECT, $top: this.top } }, async (items) => {
      await onPage(items.filter((g) => g.id && g.userType !== 'Guest').map((g): PasswordExpiry => {
        const days = daysFor(g.userPrincipalName);
        const last = Date.parse(g.lastPasswordChangeDateTime ?? '');
        const never = (g.passwordPolicies ?? '').split(',').some((p) => p.trim() === 'DisablePasswordExpiration') || g.onPremisesSyncEnabled === true;
        return { objectId: g.id, expiresAt: never || days === null || Number.isNaN(last) ? null : last + days * DAY_MS };
      }));
    });
  }
}
