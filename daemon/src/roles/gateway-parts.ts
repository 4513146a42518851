// The gateway's services, shared by the gateway role and standalone (gateway + relay in one
// process): directory, store, recovery and enrollment, audit, the session sweeper.
import type { KeyhatchConfig } from '../config/schema.js';
import { buildPopulation, type PopulationParts } from '../admin/population/build.js';
import { buildCore, buildRecovery, type CoreServices, type RecoveryOptions, type RecoveryServices } from '../main.js';

export interface GatewayParts {
  readonly core: CoreServices;
  readonly services: RecoveryServices;
  /** Discovery and sync (admin/population): the console's PopulationService, the periodic scheduler. */
  readonly population: PopulationParts;
  /** Starts the periodic sweep of expired sessions. */
  startSweeper(): void;
  close(): Promise<void>;
}

export interface GatewayPartsOptions extends RecoveryOptions {
  logToConsole?: boolean;
  core?: CoreServices;
}

export async function buildGatewayParts(config: KeyhatchConfig, opts: GatewayPartsOptions = {}): Promise<GatewayParts> {
  const core = opts.core ?? await buildCore(config, { logToConsole: opts.logToConsole ?? false });
  const services = await buildRecovery(core, opts);
  const open = (await Promise.all((core.adDirectories ?? (core.ad ? [core.ad] : [])).map((ad) => ad.recoverInterruptedResets().catch((err: Error) => {
    core.log.warn('could not check the reset journal yet', { error: err.message });
    return [];
  })))).flat();
  if (open.length > 0) core.log.warn('accounts left with a temporary password by an interrupted reset', { users: open.map((e) => e.user) });
  const population = buildPopulation({ config, store: services.store, adDirectories: core.adDirectories ?? (core.ad ? [core.ad] : []), log: core.log, audit: core.audit });
  let sweeper: NodeJS.Timeout | undefined;
  return {
    core, services, population,
    startSweeper() {
      population.scheduler.start();
      sweeper = setInterval(() => { services.recovery.sweep().catch((err: Error) => core.log.warn('sweep failed', { error: err.message })); }, 30_000);
      sweeper.unref();
    },
    async close() {
      if (sweeper) clearInterval(sweeper);
      await population.scheduler.stop();
      await services.recovery.sweep().catch(() => undefined);
      await services.close();
      if (!opts.core) await core.close();
    },
  };
}
