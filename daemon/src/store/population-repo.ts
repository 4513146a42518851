// What the store keeps for discovery and sync (issue 12): the targeted population of every directory,
// its status, sync watermarks, connector status, target groups, daily status counts (adoption over
// time) and which reminder mail went to whom on which day. SQLite and PostgreSQL implement it alike
// (sqlite-population.ts, postgres-population.ts); the store contract tests run on both.

export const POPULATION_STATUSES = ['DISCOVERED', 'ENROLLED', 'LOCKED', 'OUT_OF_SCOPE', 'DISABLED'] as const;
export type PopulationStatus = typeof POPULATION_STATUSES[number];

/** What sync learns from the directory about one account; the status is derived from it by the store. */
export interface PopulationFacts {
  /** The configured directory's name ("corp"; "default" for the single-directory form). */
  readonly directoryId: string;
  /** Stable id in the directory (AD: objectGUID hex; Entra: object id). */
  readonly objectId: string;
  /** The key enrollment is stored under (`userKeyOf` of the directory user), so status and recovery agree. */
  readonly userKey: string;
  readonly dn: string;
  readonly accountName: string;
  readonly displayName: string;
  readonly mail: string;
  /** Member of a target group (nested membership resolved), or every user when no target is set. */
  readonly inScope: boolean;
  readonly disabled: boolean;
  /** Epoch ms until which the account is locked out (0: not locked; MAX_SAFE_INTEGER: until an admin unlocks). */
  readonly lockoutUntil: number;
}

export interface PopulationRecord extends PopulationFacts {
  /** Has at least one confirmed factor in the enrollment store. */
  readonly enrolled: boolean;
  readonly status: PopulationStatus;
  /** ISO time the status last changed. */
  readonly lastChange: string;
  /** ISO time sync last wrote the facts. */
  readonly syncedAt: string;
}

export interface PopulationQuery {
  readonly directoryId?: string;
  readonly status?: PopulationStatus;
  /** Case-insensitive substring of the account name, display name or mail. */
  readonly search?: string;
  readonly limit?: number;
  readonly offset?: number;
}

/** What happens to a user's enrollment when they leave the target groups (population.leaverRule). */
export type LeaverRule = 'keep' | 'disable-enrollment' | 'delete-enrollment';

export interface TargetGroup {
  readonly directoryId: string;
  /** AD: distinguished name; Entra: group object id. */
  readonly groupId: string;
  readonly name: string;
}

export type StatusCounts = Record<PopulationStatus, number>;

export interface DailyCounts {
  /** UTC day, YYYY-MM-DD. */
  readonly day: string;
  readonly directoryId: string;
  readonly counts: StatusCounts;
}

export interface PopulationRepo {
  /** Writes the facts of many accounts at once (one transaction); call `refresh` afterwards. */
  upsert(rows: readonly PopulationFacts[], now: number): Promise<void>;
  /**
   * Recomputes `enrolled` (from the factors table) and `status` for one directory's rows at `now`
   * (lockouts expire with time, enrollment changes without the directory knowing); stamps
   * `lastChange` where the status changed. Returns how many statuses changed.
   */
  refresh(directoryId: string, now: number): Promise<number>;
  get(directoryId: string, objectId: string): Promise<PopulationRecord | undefined>;
  /** By enrollment key: what recovery's scope check asks. */
  byUserKey(userKey: string): Promise<PopulationRecord | undefined>;
  list(q: PopulationQuery): Promise<{ total: number; rows: PopulationRecord[] }>;
  /** Every row of one directory (sync compares against it); small fields only. */
  all(directoryId: string): Promise<PopulationRecord[]>;
  counts(directoryId?: string): Promise<StatusCounts>;
  /** Removes rows (accounts deleted from the directory). */
  remove(directoryId: string, objectIds: readonly string[]): Promise<void>;

  setTargets(directoryId: string, groups: readonly TargetGroup[]): Promise<void>;
  targets(directoryId?: string): Promise<TargetGroup[]>;

  /** Small per-directory state as JSON (watermarks per DC, connector status); undefined when never set. */
  getState<T>(directoryId: string, key: string): Promise<T | undefined>;
  setState(directoryId: string, key: string, value: unknown): Promise<void>;

  /** Replaces the counts of `day` for one directory (the last sync of a day wins). */
  recordDaily(entry: DailyCounts): Promise<void>;
  daily(directoryId?: string, sinceDay?: string): Promise<DailyCounts[]>;

  /**
   * Claims "send `kind` to `userKey` on `day`" atomically: true the first time, false when any
   * process already claimed it — so a reminder never goes out twice on one day.
   */
  claimNotice(kind: string, userKey: string, day: string, at: number): Promise<boolean>;
  /** Days on which `kind` went to `userKey` (newest first). */
  notices(kind: string, userKey: string): Promise<string[]>;
}

export const emptyCounts = (): StatusCounts => ({ DISCOVERED: 0, ENROLLED: 0, LOCKED: 0, OUT_OF_SCOPE: 0, DISABLED: 0 });

/** The status rule, as one SQL expression both backends evaluate (`$NOW` is replaced by a parameter). */
export function statusSql(now: string, t: string = ''): string {
  const p = t ? `${t}.` : '';
  return `CASE WHEN ${p}disabled = ${TRUE_} THEN 'DISABLED' WHEN ${p}in_scope = ${FALSE_} THEN 'OUT_OF_SCOPE'`
    + ` WHEN ${p}lockout_until > ${now} THEN 'LOCKED' WHEN ${p}enrolled = ${TRUE_} THEN 'ENROLLED' ELSE 'DISCOVERED' END`;
}
// Booleans are stored as 0/1 in both backends (INTEGER in SQLite, SMALLINT in PostgreSQL) so one expression serves both.
const TRUE_ = '1';
const FALSE_ = '0';

/** LIKE pattern for a substring search, with %, _ and the escape character escaped. */
export function likePattern(s: string): string {
  return `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** A population row as both SQL stores return it (PostgreSQL hands BIGINT back as a string). */
export interface PopulationRow {
  directory_id: string; object_id: string; user_key: string; dn: string; account_name: string; display_name: string; mail: string;
  in_scope: number; disabled: number; lockout_until: number | string; enrolled: number; status: string; last_change: string; synced_at: string;
}

export function toPopulationRecord(r: PopulationRow): PopulationRecord {
  return {
    directoryId: r.directory_id, objectId: r.object_id, userKey: r.user_key, dn: r.dn, accountName: r.account_name, displayName: r.display_name,
    mail: r.mail, inScope: Number(r.in_scope) === 1, disabled: Number(r.disabled) === 1, lockoutUntil: Number(r.lockout_until),
    enrolled: Number(r.enrolled) === 1, status: r.status as PopulationStatus, lastChange: r.last_change, syncedAt: r.synced_at,
  };
}
