// What discovery and sync (admin/sync) need from a directory, whatever its vendor. The AD implementation
// is ad/ad-population-source.ts; the Entra one (entra/entra-population-source.ts) answers them with Graph delta queries.

export interface GroupHit {
  /** AD: the group's DN; Entra: its object id. What `setTargetGroups` takes. */
  readonly groupId: string;
  readonly name: string;
  readonly description: string;
}

/** One account as the directory has it now. */
export interface SourceUser {
  readonly objectId: string;
  readonly userKey: string;
  readonly dn: string;
  /** Canonical form of `dn` for comparing with membership (AD DNs compare case-insensitively). */
  readonly dnKey: string;
  readonly accountName: string;
  readonly displayName: string;
  readonly mail: string;
  readonly disabled: boolean;
  /** Epoch ms until which the account is locked (0: not locked). */
  readonly lockoutUntil: number;
}

/** When a user's password expires. */
export interface PasswordExpiry {
  readonly objectId: string;
  /** Epoch ms; null: never expires (flag or no maximum age); 0: must change at next sign-in already. */
  readonly expiresAt: number | null;
}

/** The target groups' members, nesting resolved. */
export interface Membership {
  /** Canonical DNs of every non-group member, at any depth. */
  readonly memberDns: Set<string>;
  /** Ids of the target groups and every group nested in them: a change to one of these may change membership. */
  readonly groupIds: Set<string>;
}

export interface ChangeSet {
  readonly users: SourceUser[];
  readonly changedGroupIds: string[];
  readonly deletedIds: string[];
}

/** Everything one sync does runs inside one session (one DC for AD: watermarks are per DC). */
export interface PopulationSession {
  /** Canonical form of a user or group id for comparing (AD: the DN, normalised; DNs compare case-insensitively). */
  idKey(id: string): string;
  /** Which server answers and its current change position (AD: dsServiceName and highestCommittedUSN). */
  position(): Promise<{ server: string; mark: string }>;
  searchGroups(query: string, limit: number): Promise<GroupHit[]>;
  membership(targets: readonly { readonly groupId: string }[]): Promise<Membership>;
  /** Every user, a page at a time. */
  allUsers(onPage: (users: SourceUser[]) => Promise<void>): Promise<void>;
  /**
   * Users and groups changed, and objects deleted, after `mark`; undefined when the source can no
   * longer tell (Entra: delta links expire after 7 days) — the engine then reads everything.
   */
  changesSince(mark: string): Promise<ChangeSet | undefined>;
  usersByDn(dns: readonly string[]): Promise<SourceUser[]>;
  /** Every user's password expiry (effective maximum age: domain or fine-grained policy), a page at a time. */
  passwordExpiries(onPage: (rows: PasswordExpiry[]) => Promise<void>): Promise<void>;
  /** Of these object ids, the ones that no longer exist (deleted where tombstones are not readable). */
  missing(objectIds: readonly string[]): Promise<string[]>;
}

export interface PopulationSource {
  readonly directoryId: string;
  session<T>(fn: (s: PopulationSession) => Promise<T>): Promise<T>;
}
