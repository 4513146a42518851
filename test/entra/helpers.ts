// Shared set-up for the Entra tests: a config pointing at the emulator, a capturing logger, and a
// fake sleep that records the waits it was asked for (no wall-clock assertions anywhere).
import { entraSchema, type EntraConfig } from '../../daemon/src/config/schema.js';
import { EntraDirectory, type EntraDirectoryDeps } from '../../daemon/src/directory/entra/entra-directory.js';
import { MemoryAudit } from '../../daemon/src/log/audit.js';
import type { Logger } from '../../daemon/src/log/logger.js';
import { redact } from '../../daemon/src/log/redact.js';
import type { GraphEmulator } from '../support/graph-emulator/index.js';

export class CapturingLogger implements Logger {
  readonly lines: Array<{ level: string; message: string; meta?: Record<string, unknown> }> = [];
  private push(level: string, message: string, meta?: Record<string, unknown>) {
    // The real logger redacts secret-looking keys; do the same so the test sees what would be written.
    this.lines.push({ level, message, ...(meta ? { meta: redact(meta) as Record<string, unknown> } : {}) });
  }
  error(m: string, meta?: Record<string, unknown>) { this.push('error', m, meta); }
  warn(m: string, meta?: Record<string, unknown>) { this.push('warn', m, meta); }
  info(m: string, meta?: Record<string, unknown>) { this.push('info', m, meta); }
  debug(m: string, meta?: Record<string, unknown>) { this.push('debug', m, meta); }
  text(): string { return JSON.stringify(this.lines); }
}

export function emulatorConfig(g: GraphEmulator, extra: Partial<Record<keyof EntraConfig, unknown>> = {}): EntraConfig {
  return entraSchema.parse({
    tenantId: g.tenantId, clientId: g.clientId, clientSecret: g.clientSecret,
    authorityHost: g.authorityHost, graphUrl: g.graphUrl, caFile: g.caFile, ...extra,
  });
}

export class FakeSleep {
  readonly waits: number[] = [];
  readonly fn = async (ms: number): Promise<void> => { this.waits.push(ms); };
}

export interface Harness {
  dir: EntraDirectory;
  log: CapturingLogger;
  audit: MemoryAudit;
  sleep: FakeSleep;
}

export function makeDirectory(g: GraphEmulator, extra: Partial<Record<keyof EntraConfig, unknown>> = {}, deps: Partial<EntraDirectoryDeps> = {}): Harness {
  const log = new CapturingLogger();
  const audit = new MemoryAudit();
  const sleep = new FakeSleep();
  const dir = new EntraDirectory({ config: emulatorConfig(g, extra), log, audit, sleep: sleep.fn, random: () => 0.5, ...deps });
  return { dir, log, audit, sleep };
}

export const ctx = { correlationId: 'corr-entra-test', actor: 'self-service' };
