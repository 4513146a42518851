// Keeps the store's population of each directory in line with the directory: the first sync (or
// `full`) reads every user page by page; later ones read only what changed since the watermark of
// the server that answers (AD: highestCommittedUSN per DC), plus deletions. Target-group membership
// is walked again only when a group inside the target closure changed (adding or removing a member
// changes the group's own uSN; a user's does not). Leavers are handled by the configured rule.
import { randomUUID } from 'node:crypto';
import { KeyhatchError, isKeyhatchError } from '../../errors/catalogue.js';
import type { AuditSink } from '../../log/audit.js';
import type { Logger } from '../../log/logger.js';
import { utcDay, type PopulationFacts, type PopulationRecord, type TargetGroup } from '../../store/population-repo.js';
import type { Store } from '../../store/store.js';
import type { Membership, PopulationSession, PopulationSource, SourceUser } from '../../directory/population-source.js';

/** What happens to a user's enrollment when they leave the target groups or are disabled. */
export type { LeaverRule } from '../../store/population-repo.js';
import type { LeaverRule } from '../../store/population-repo.js';

export type SyncPhase = 'connect' | 'members' | 'users' | 'changes' | 'store' | 'done';
export interface SyncProgress {
  readonly directoryId: string;
  readonly phase: SyncPhase;
  /** Users read so far in this phase. */
  readonly done: number;
  /** Expected users (the population the last sync saw), when known. */
  readonly total?: number;
}

export interface SyncResult {
  readonly directoryId: string;
  readonly mode: 'full' | 'incremental';
  /** Which server answered (AD: its NTDS Settings DN). */
  readonly server: string;
  readonly fromMark?: string;
  readonly toMark: string;
  /** Users read from the directory. */
  readonly scanned: number;
  /** Population rows written. */
  readonly written: number;
  readonly removed: number;
  readonly leavers: number;
  readonly statusChanges: number;
  readonly membershipWalked: boolean;
  readonly durationMs: number;
}

export type ConnectorState = 'Connected' | 'Unauthorized' | 'Unreachable';
export interface ConnectorStatus {
  readonly directoryId: string;
  /** Undefined until the first sync ran. */
  readonly state?: ConnectorState;
  readonly lastSuccess?: string;
  readonly lastError?: { readonly at: string; readonly code: string; readonly message: string };
  readonly lastResult?: SyncResult;
}

interface Cursor {
  /** Watermark per server: uSNs of one DC mean nothing on another. */
  readonly marks: Record<string, string>;
  /** Ids of the target groups and their nested groups at the last walk. */
  readonly closure: string[];
  /** The targets the cursor was built for; other targets need a full sync. */
  readonly targets: string;
  /** Epoch ms of the last full sync. */
  readonly lastFull?: number;
}

export interface SyncEngineDeps {
  readonly store: Store;
  readonly sources: readonly PopulationSource[];
  readonly leaverRule: LeaverRule;
  readonly log: Logger;
  readonly audit?: AuditSink;
  readonly now?: () => number;
  /**
   * A full sync at least this often (default 24 h): it catches what incremental sync cannot see,
   * e.g. deletions of untargeted users when the service account may not list Deleted Objects.
   */
  readonly fullEveryMs?: number;
}

const CURSOR = 'cursor';
const CONNECTOR = 'connector';
const LEASE_MS = 15 * 60_000;
const BATCH = 1000;
const DAY_MS = 86_400_000;

const targetsKey = (s: PopulationSession, t: readonly TargetGroup[]): string => JSON.stringify(t.map((g) => s.idKey(g.groupId)).sort());
const active = (r: { inScope: boolean; disabled: boolean } | undefined): boolean => r !== undefined && r.inScope && !r.disabled;

export class SyncEngine {
  private readonly running = new Map<string, Promise<SyncResult>>();
  private readonly now: () => number;
  private readonly holder = randomUUID();

  constructor(private readonly d: SyncEngineDeps) { this.now = d.now ?? Date.now; }

  get directoryIds(): string[] { return this.d.sources.map((s) => s.directoryId); }

  source(directoryId: string): PopulationSource {
    const s = this.d.sources.find((x) => x.directoryId === directoryId);
    if (!s) throw new KeyhatchError('NOT_FOUND', { message: `no directory named "${directoryId}" is configured for sync` });
    return s;
  }

  /** One sync per directory at a time: a second call while one runs gets the running one's result. */
  sync(directoryId: string, opts: { full?: boolean; onProgress?: (p: SyncProgress) => void } = {}): Promise<SyncResult> {
    const running = this.running.get(directoryId);
    if (running) return running;
    const p = this.guarded(directoryId, opts).finally(() => this.running.delete(directoryId));
    this.running.set(directoryId, p);
    return p;
  }

  async connectorStatus(directoryId: string): Promise<ConnectorStatus> {
    this.source(directoryId);
    return await this.d.store.population.getState<ConnectorStatus>(directoryId, CONNECTOR) ?? { directoryId };
  }

  private async guarded(directoryId: string, opts: { full?: boolean; onProgress?: (p: SyncProgress) => void }): Promise<SyncResult> {
    const source = this.source(directoryId);
    const store = this.d.store;
    const leaseKey = `sync:${directoryId}`;
    // Several gateways share one store: only one of them syncs a directory at a time.
    if (!await store.leases.acquire(leaseKey, this.holder, this.now(), LEASE_MS)) {
      throw new KeyhatchError('DIRECTORY_THROTTLED', { message: `a sync of "${directoryId}" is already running on another gateway` });
    }
    const prev = await this.connectorStatus(directoryId);
    try {
      const result = await source.session((s) => this.run(directoryId, s, opts));
      await store.population.setState(directoryId, CONNECTOR, { directoryId, state: 'Connected', lastSuccess: new Date(this.now()).toISOString(), lastResult: result } satisfies ConnectorStatus);
      return result;
    } catch (err) {
      const code = isKeyhatchError(err) ? err.code : 'DIRECTORY_UNAVAILABLE';
      const state: ConnectorState = code === 'SERVICE_BIND_FAILED' || code === 'INSUFFICIENT_RIGHTS' || code === 'INVALID_CREDENTIALS' ? 'Unauthorized' : 'Unreachable';
      const message = (err as Error).message;
      await store.population.setState(directoryId, CONNECTOR, {
        ...prev, directoryId, state, lastError: { at: new Date(this.now()).toISOString(), code, message },
      } satisfies ConnectorStatus).catch(() => undefined);
      this.d.log.warn('directory sync failed', { directory: directoryId, code, error: message });
      throw err;
    } finally {
      await store.leases.release(leaseKey, this.holder).catch(() => undefined);
    }
  }

  private async run(directoryId: string, s: PopulationSession, opts: { full?: boolean; onProgress?: (p: SyncProgress) => void }): Promise<SyncResult> {
    const started = this.now();
    const progress = (phase: SyncPhase, done: number, total?: number) => opts.onProgress?.({ directoryId, phase, done, ...(total !== undefined ? { total } : {}) });
    progress('connect', 0);
    const pop = this.d.store.population;
    // Read the position first: changes committed while we read are seen again next time (harmless), never missed.
    const pos = await s.position();
    const targets = await pop.targets(directoryId);
    const cursor = await pop.getState<Cursor>(directoryId, CURSOR);
    const fromMark = cursor?.marks[pos.server];
    const fullDue = (cursor?.lastFull ?? 0) + (this.d.fullEveryMs ?? DAY_MS) <= started;
    const wanted = !opts.full && !fullDue && fromMark !== undefined && cursor?.targets === targetsKey(s, targets);
    const changed = wanted ? await this.incremental(directoryId, s, targets, cursor as Cursor, fromMark as string, progress) : undefined;
    if (wanted && !changed) this.d.log.info('directory sync: the source no longer knows the last mark, reading everything', { directoryId, server: pos.server });
    const incremental = changed !== undefined;
    const counters = changed ?? await this.full(directoryId, s, targets, progress);
    const now = this.now();
    progress('store', counters.scanned);
    const statusChanges = await pop.refresh(directoryId, now);
    await pop.recordDaily({ day: utcDay(now), directoryId, counts: await pop.counts(directoryId) });
    await pop.setState(directoryId, CURSOR, {
      marks: { ...(incremental ? cursor?.marks : {}), [pos.server]: pos.mark },
      closure: counters.closure,
      targets: targetsKey(s, targets),
      lastFull: incremental ? cursor?.lastFull ?? started : started,
    } satisfies Cursor);
    const result: SyncResult = {
      directoryId, mode: incremental ? 'incremental' : 'full', server: pos.server, ...(incremental ? { fromMark } : {}), toMark: pos.mark,
      scanned: counters.scanned, written: counters.written, removed: counters.removed, leavers: counters.leavers, statusChanges,
      membershipWalked: counters.walked, durationMs: this.now() - started,
    };
    progress('done', counters.scanned);
    this.d.log.info('directory sync finished', { ...result });
    return result;
  }

  private inScope(u: SourceUser, targets: readonly TargetGroup[], m: Membership | undefined): boolean {
    return targets.length === 0 || (m?.memberDns.has(u.dnKey) ?? false);
  }

  private facts(directoryId: string, u: SourceUser, inScope: boolean): PopulationFacts {
    return { directoryId, objectId: u.objectId, userKey: u.userKey, dn: u.dn, accountName: u.accountName, displayName: u.displayName, mail: u.mail, inScope, disabled: u.disabled, lockoutUntil: u.lockoutUntil };
  }

  private async full(directoryId: string, s: PopulationSession, targets: readonly TargetGroup[], progress: (p: SyncPhase, done: number, total?: number) => void) {
    const pop = this.d.store.population;
    progress('members', 0);
    const m = targets.length > 0 ? await s.membership(targets) : undefined;
    const known = new Map((await pop.all(directoryId)).map((r) => [r.objectId, r]));
    const expected = known.size > 0 ? known.size : undefined;
    const seen = new Set<string>();
    let scanned = 0;
    let written = 0;
    let leavers = 0;
    await s.allUsers(async (page) => {
      const rows: PopulationFacts[] = [];
      for (const u of page) {
        seen.add(u.objectId);
        const before = known.get(u.objectId);
        const inScope = this.inScope(u, targets, m);
        // Users never in scope are not kept: the population is who the licence covers.
        if (!inScope && !before) continue;
        const f = this.facts(directoryId, u, inScope);
        if (active(before) && !active(f)) { leavers++; await this.leaver(before as PopulationRecord, f.disabled ? 'disabled' : 'out_of_scope'); }
        rows.push(f);
      }
      scanned += page.length;
      if (rows.length > 0) await pop.upsert(rows, this.now());
      written += rows.length;
      progress('users', scanned, expected);
    });
    const gone = [...known.values()].filter((r) => !seen.has(r.objectId));
    for (const r of gone) if (active(r)) { leavers++; await this.leaver(r, 'deleted'); }
    await pop.remove(directoryId, gone.map((r) => r.objectId));
    return { scanned, written, removed: gone.length, leavers, walked: m !== undefined, closure: m ? [...m.groupIds] : [] };
  }

  private async incremental(directoryId: string, s: PopulationSession, targets: readonly TargetGroup[], cursor: Cursor, fromMark: string,
    progress: (p: SyncPhase, done: number, total?: number) => void) {
    const pop = this.d.store.population;
    progress('changes', 0);
    const cs = await s.changesSince(fromMark);
    if (!cs) return undefined;
    const closure = new Set(cursor.closure);
    const walk = targets.length > 0 && [...cs.changedGroupIds, ...cs.deletedIds].some((id) => closure.has(id));
    const m = walk ? await s.membership(targets) : undefined;
    let written = 0;
    let leavers = 0;
    const rows: PopulationFacts[] = [];
    const touched = new Set<string>();
    const deletedIds = new Set(cs.deletedIds);
    const apply = async (f: PopulationFacts, before: PopulationRecord | undefined): Promise<void> => {
      if (active(before) && !active(f)) { leavers++; await this.leaver(before as PopulationRecord, f.disabled ? 'disabled' : 'out_of_scope'); }
      rows.push(f);
      touched.add(f.objectId);
    };
    for (const u of cs.users) {
      const before = await pop.get(directoryId, u.objectId);
      // Without a walk, membership is what it was: joining or leaving a group changes the group, not the user.
      const inScope = targets.length === 0 || (m ? m.memberDns.has(u.dnKey) : before?.inScope ?? false);
      if (inScope || before) await apply(this.facts(directoryId, u, inScope), before);
    }
    if (m) {
      const known = await pop.all(directoryId);
      const knownDns = new Set<string>();
      const leaving: PopulationRecord[] = [];
      for (const r of known) {
        if (touched.has(r.objectId)) continue;
        const key = s.idKey(r.dn);
        knownDns.add(key);
        const inScope = m.memberDns.has(key);
        if (inScope && !r.inScope) await apply({ ...r, inScope }, r);
        else if (!inScope && r.inScope) leaving.push(r);
      }
      // A deleted member also leaves its groups; where tombstones are not readable, this tells deletion from leaving.
      const gone = new Set(await s.missing(leaving.map((r) => r.objectId)));
      for (const r of leaving) {
        if (gone.has(r.objectId)) deletedIds.add(r.objectId);
        else await apply({ ...r, inScope: false }, r);
      }
      for (const f of rows) knownDns.add(s.idKey(f.dn));
      const joined = [...m.memberDns].filter((dn) => !knownDns.has(dn));
      for (const u of await s.usersByDn(joined)) await apply(this.facts(directoryId, u, true), await pop.get(directoryId, u.objectId));
    }
    for (let i = 0; i < rows.length; i += BATCH) await pop.upsert(rows.slice(i, i + BATCH), this.now());
    written += rows.length;
    const deleted: string[] = [];
    for (const id of deletedIds) {
      const r = await pop.get(directoryId, id);
      if (!r) continue;
      if (active(r)) { leavers++; await this.leaver(r, 'deleted'); }
      deleted.push(id);
    }
    await pop.remove(directoryId, deleted);
    progress('changes', cs.users.length);
    return { scanned: cs.users.length, written, removed: deleted.length, leavers, walked: walk, closure: m ? [...m.groupIds] : cursor.closure };
  }

  /** Applies the leaver rule; keep and disable-enrollment keep the factors (recovery's scope check decides). */
  private async leaver(r: PopulationRecord, why: 'out_of_scope' | 'disabled' | 'deleted'): Promise<void> {
    let deleted = 0;
    if (this.d.leaverRule === 'delete-enrollment') {
      for (const f of await this.d.store.factors.list(r.userKey)) { await this.d.store.factors.delete(f.id); deleted++; }
    }
    this.d.audit?.write({ action: 'population.leaver', actor: 'sync', target: r.accountName, result: 'info', reason: why, correlationId: randomUUID(),
      details: { directory: r.directoryId, rule: this.d.leaverRule, factorsDeleted: deleted } });
  }
}
