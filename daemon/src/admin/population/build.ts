// Builds discovery and sync from the configuration: the population sources the directory backends
// give (named like the directory; "default" for the single-directory form), the sync engine,
// the admin-facing service and the periodic scheduler (recovery's scope check is built with recovery,
// core/core-services.ts).
// Entra ID directories sync through Graph delta queries (directory/entra/entra-population-source.ts).
import type { KeyhatchConfig } from '../../config/schema.js';
import type { Directory } from '../../directory/directory.js';
import type { PopulationSource } from '../../directory/population-source.js';
import type { AuditSink } from '../../log/audit.js';
import type { Logger } from '../../log/logger.js';
import type { Store } from '../../store/store.js';
import { SyncScheduler } from '../sync/scheduler.js';
import { SyncEngine } from '../sync/sync-engine.js';
import { PopulationService } from './population-service.js';

export const DEFAULT_DIRECTORY_ID = 'default';

export interface PopulationParts {
  readonly engine: SyncEngine;
  readonly service: PopulationService;
  readonly scheduler: SyncScheduler;
}

export interface PopulationBuildDeps {
  readonly config: KeyhatchConfig;
  readonly store: Store;
  /** The configured directory (one backend or the router over several): each gives its population sources. */
  readonly directory: Directory;
  readonly log: Logger;
  readonly audit?: AuditSink;
  readonly now?: () => number;
}

/** One source per synchronisable directory, named as configured ("default" for the single-directory form). */
export function populationSources(directory: Directory): PopulationSource[] {
  return directory.populationSources?.(DEFAULT_DIRECTORY_ID) ?? [];
}

export function buildPopulation(d: PopulationBuildDeps): PopulationParts {
  const p = d.config.population;
  const engine = new SyncEngine({
    store: d.store, sources: populationSources(d.directory), leaverRule: p.leaverRule, log: d.log,
    ...(d.audit ? { audit: d.audit } : {}), ...(d.now ? { now: d.now } : {}),
  });
  return {
    engine,
    service: new PopulationService({ store: d.store, engine, licenceLimit: p.licenceLimit, ...(d.audit ? { audit: d.audit } : {}) }),
    scheduler: new SyncScheduler(engine, p.syncIntervalSeconds * 1000, d.log),
  };
}
