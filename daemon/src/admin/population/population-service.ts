// The admin's view of discovery and sync, for the console (daemon/src/admin/console) and the CLI:
// group search and targeting, synchronisation (periodic and "now"), the population with statuses,
// licence count and limit, connector status and adoption over time. docs/admin.md documents it.
import { KeyhatchError } from '../../errors/catalogue.js';
import type { AuditSink } from '../../log/audit.js';
import {
  emptyCounts, POPULATION_STATUSES,
  type DailyCounts, type PopulationRecord, type PopulationStatus, type StatusCounts, type TargetGroup,
} from '../../store/population-repo.js';
import type { Store } from '../../store/store.js';
import type { GroupHit } from '../sync/source.js';
import type { ConnectorStatus, SyncEngine, SyncProgress, SyncResult } from '../sync/sync-engine.js';

export interface UserQuery {
  readonly directoryId?: string;
  readonly status?: PopulationStatus;
  readonly search?: string;
  /** 1-500, default 50. */
  readonly limit?: number;
  readonly offset?: number;
}

/** A population row with a console-friendly id (`directoryId:objectId`). */
export type PopulationUser = PopulationRecord & { readonly id: string };

export interface LicenceInfo {
  /** Licensed users: in scope and not disabled (DISCOVERED + ENROLLED + LOCKED), all directories. */
  readonly count: number;
  readonly limit?: number;
  readonly exceeded: boolean;
  /** Set when the limit is exceeded: show it to the admin as it is. */
  readonly warning?: string;
}

export interface PopulationServiceDeps {
  readonly store: Store;
  readonly engine: SyncEngine;
  readonly licenceLimit?: number | undefined;
  readonly audit?: AuditSink;
}

const licensed = (c: StatusCounts): number => c.DISCOVERED + c.ENROLLED + c.LOCKED;

export class PopulationService {
  constructor(private readonly d: PopulationServiceDeps) {}

  /** Configured directory ids ("default" for the single-directory form). */
  directories(): string[] { return this.d.engine.directoryIds; }

  /** Groups whose name, account name or description contains `query` (at most `limit`, default 50). */
  async searchGroups(directoryId: string, query: string, limit = 50): Promise<GroupHit[]> {
    if (typeof query !== 'string' || query.length > 256) throw new KeyhatchError('BAD_REQUEST', { message: 'query must be a string of at most 256 characters' });
    return this.d.engine.source(directoryId).session((s) => s.searchGroups(query, Math.min(Math.max(1, limit), 500)));
  }

  /** Replaces the target groups of one directory; the next sync is a full one. Empty: everyone is in scope. */
  async setTargetGroups(directoryId: string, groups: readonly { groupId: string; name: string }[], actor = 'admin'): Promise<void> {
    this.d.engine.source(directoryId);
    await this.d.store.population.setTargets(directoryId, groups.map((g): TargetGroup => ({ directoryId, groupId: g.groupId, name: g.name })));
    this.d.audit?.write({ action: 'population.targets', actor, result: 'success', correlationId: `targets:${directoryId}`,
      details: { directory: directoryId, groups: groups.map((g) => g.name) } });
  }

  targetGroups(directoryId?: string): Promise<TargetGroup[]> { return this.d.store.population.targets(directoryId); }

  /** Synchronises now (incremental when possible); `onProgress` sees each page. */
  syncNow(directoryId: string, onProgress?: (p: SyncProgress) => void, opts: { full?: boolean } = {}): Promise<SyncResult> {
    return this.d.engine.sync(directoryId, { ...opts, ...(onProgress ? { onProgress } : {}) });
  }

  connectorStatus(directoryId: string): Promise<ConnectorStatus> { return this.d.engine.connectorStatus(directoryId); }

  async listUsers(q: UserQuery = {}): Promise<{ total: number; users: PopulationUser[] }> {
    if (q.status !== undefined && !(POPULATION_STATUSES as readonly string[]).includes(q.status)) {
      throw new KeyhatchError('BAD_REQUEST', { message: `status must be one of ${POPULATION_STATUSES.join(', ')}` });
    }
    const limit = Math.min(Math.max(1, Math.trunc(q.limit ?? 50)), 500);
    const offset = Math.max(0, Math.trunc(q.offset ?? 0));
    const { total, rows } = await this.d.store.population.list({ ...q, limit, offset });
    return { total, users: rows.map(withId) };
  }

  /** By console id (`directoryId:objectId`); undefined when unknown. */
  async getUser(id: string): Promise<PopulationUser | undefined> {
    const colon = id.indexOf(':');
    if (colon <= 0) return undefined;
    const r = await this.d.store.population.get(id.slice(0, colon), id.slice(colon + 1));
    return r ? withId(r) : undefined;
  }

  async counts(directoryId?: string): Promise<StatusCounts> { return this.d.store.population.counts(directoryId); }

  async licence(): Promise<LicenceInfo> {
    const count = licensed(await this.d.store.population.counts());
    const limit = this.d.licenceLimit;
    const exceeded = limit !== undefined && count > limit;
    return {
      count, ...(limit !== undefined ? { limit } : {}), exceeded,
      ...(exceeded ? { warning: `${count} users are in the target groups, more than the licence allows (${limit}). Remove groups or raise the licence.` } : {}),
    };
  }

  /** Status counts per day (the last sync of each day), summed over directories unless one is named. */
  async adoptionSeries(directoryId?: string, sinceDay?: string): Promise<{ day: string; counts: StatusCounts }[]> {
    const byDay = new Map<string, StatusCounts>();
    for (const e of await this.d.store.population.daily(directoryId, sinceDay) as DailyCounts[]) {
      const c = byDay.get(e.day) ?? emptyCounts();
      for (const s of POPULATION_STATUSES) c[s] += e.counts[s];
      byDay.set(e.day, c);
    }
    return [...byDay.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([day, counts]) => ({ day, counts }));
  }
}

const withId = (r: PopulationRecord): PopulationUser => ({ ...r, id: `${r.directoryId}:${r.objectId}` });
