// Composition root: every service is built here, by hand, from the frozen configuration.
// Nothing else constructs I/O-bearing objects, so tests can swap any of them.
import { join } from 'node:path';
import type { KeyhatchConfig } from './config/schema.js';
import { KeyhatchError } from './errors/catalogue.js';
import type { Directory } from './directory/directory.js';
import { AdDirectory } from './directory/ad/ad-directory.js';
import { createAuditLog, type AuditLog, type AuditSink } from './log/audit.js';
import { createLogger, type Logger } from './log/logger.js';

export interface CoreServices {
  readonly config: KeyhatchConfig;
  readonly log: Logger;
  readonly audit: AuditLog;
  readonly directory: Directory;
  /** Present when the directory is Active Directory (doctor, journal recovery). */
  readonly ad: AdDirectory | undefined;
  close(): Promise<void>;
}

export interface CoreOptions {
  /** Also log to stderr (the service does; CLI commands do not, to keep their output clean). */
  logToConsole?: boolean;
  extraAuditSinks?: AuditSink[];
}

export function logDir(config: KeyhatchConfig): string {
  return config.log.dir ?? join(config.dataDir, 'logs');
}

/** The directory backend, chosen once. */
export function createDirectory(config: KeyhatchConfig, log: Logger, audit: AuditSink): AdDirectory {
  if (config.ad) return new AdDirectory({ config: config.ad, dataDir: config.dataDir, log, audit });
  throw new KeyhatchError('CONFIG_INVALID', { message: 'invalid configuration: ad: no directory configured (set ad.* or KEYHATCH_AD_URL)' });
}

export async function buildCore(config: KeyhatchConfig, opts: CoreOptions = {}): Promise<CoreServices> {
  const log = createLogger({ dir: logDir(config), level: config.log.level, console: opts.logToConsole ?? config.log.console });
  const audit = createAuditLog(logDir(config), opts.extraAuditSinks);
  let directory: AdDirectory;
  try {
    directory = createDirectory(config, log, audit);
  } catch (err) {
    await Promise.all([log.close(), audit.close()]);
    throw err;
  }
  return {
    config, log, audit, directory, ad: directory,
    async close() {
      await directory.close();
      await Promise.all([audit.close(), log.close()]);
    },
  };
}
