// Builds discovery and sync from the configuration: one AD population source per configured AD
// directory (named like the directory; "default" for the single-directory form), the sync engine,
// the admin-facing service, recovery's scope check and the periodic scheduler.
// Entra ID directories are not synchronised yet (no delta-query source; see docs/admin.md).
import type { KeyhatchConfig } from '../../config/schema.js';
import type { AdDirectory } from '../../directory/ad/ad-directory.js';
import type { AuditSink } from '../../log/audit.js';
import type { Logger } from '../../log/logger.js';
import type { Store } from '../../store/store.js';
import { AdPopulationSource } from '../sync/ad-population-source.js';
import { SyncScheduler } from '../sync/scheduler.js';
import { SyncEngine } from '../sync/sync-engine.js';
import type { PopulationSource } from '../sync/source.js';
import { PopulationService } from './population-service.js';
import { RecoveryScope } from './recovery-scope.js';

export const DEFAULT_DIRECTORY_ID = 'default';

export interface PopulationParts {
  readonly engine: SyncEngine;
  readonly service: PopulationService;
  readonly scope: RecoveryScope;
  readonly scheduler: SyncScheduler;
}

export interface PopulationBuildDeps {
  readonly config: KeyhatchConfig;
  readonly store: Store;
  /** The AD backends in configuration order (CoreServices.adDirectories, or [core.ad]). */
  readonly adDirectories: readonly AdDirectory[];
  readonly log: Logger;
  readonly audit?: AuditSink;
  readonly now?: () => number;
}

export function populationSources(config: KeyhatchConfig, adDirectories: readonly AdDirectory[]): PopulationSource[] {
  const named = config.directories
    ? config.directories.filter((d) => d.ad).map((d) => ({ id: d.name, baseDn: d.ad?.baseDn as string }))
    : config.ad ? [{ id: DEFAULT_DIRECTORY_ID, baseDn: config.ad.baseDn }] : [];
  return named.flatMap((n, i) => {
    const ad = adDirectories[i];
    return ad ? [new AdPopulationSource({ directoryId: n.id, baseDn: n.baseDn, conn: ad.conn })] : [];
  });
}

export function buildPopulation(d: PopulationBuildDeps): PopulationParts {
  const p = d.config.population;
  const engine = new SyncEngine({
    store: d.store, sources: populationSources(d.config, d.adDirectories), leaverRule: p.leaverRule, log: d.log,
    ...(d.audit ? { audit: d.audit } : {}), ...(d.now ? { now: d.now } : {}),
  });
  return {
    engine,
    service: new PopulationService({ store: d.store, engine, licenceLimit: p.licenceLimit, ...(d.audit ? { audit: d.audit } : {}) }),
    scope: new RecoveryScope(d.store, p.leaverRule),
    scheduler: new SyncScheduler(engine, p.syncIntervalSeconds * 1000, d.log),
  };
}
