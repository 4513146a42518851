// "Verify connection": the very checks `keyhatch doctor` runs (cli/doctor.ts runDoctor), from the
// console, with the last result kept for the status page. A summary state per run: connected,
// unauthorized (the service account cannot bind or lacks a right) or unreachable (network, TLS).
import { randomUUID } from 'node:crypto';
import { runDoctor } from '../../core/doctor.js';
import type { DirectoryCheck as Check } from '../../directory/directory.js';
import type { CoreServices } from '../../core/core-services.js';

export type ConnectorState = 'connected' | 'unauthorized' | 'unreachable' | 'failing';

export interface VerifyResult { at: string; by: string; state: ConnectorState; checks: Check[] }

export function stateOf(checks: readonly Check[]): ConnectorState {
  const failed = checks.filter((c) => !c.ok);
  if (failed.length === 0) return 'connected';
  if (failed.some((c) => /DIRECTORY_UNAVAILABLE|DIRECTORY_TLS|^TLS /.test(`${c.name} ${c.detail}`))) return 'unreachable';
  if (failed.some((c) => /SERVICE_BIND_FAILED|INSUFFICIENT_RIGHTS|ENTRA_ROLE_MISSING|bind|right/i.test(`${c.name} ${c.detail}`))) return 'unauthorized';
  return 'failing';
}

export class Connectors {
  private last: VerifyResult | undefined;
  constructor(private readonly core: CoreServices, private readonly now: () => number) {}

  /** The configured directories (no credential) and the last verification on this gateway. */
  status(): { directories: Array<{ name: string; kind: string; servers: string[] }>; last: VerifyResult | undefined } {
    const c = this.core.config;
    const entries = c.directories ?? [{ name: 'default', ad: c.ad, entra: c.entra }];
    const directories = entries.flatMap((d) => [
      ...(d.ad ? [{ name: d.name, kind: 'Active Directory', servers: d.ad.urls }] : []),
      ...(d.entra ? [{ name: d.name, kind: 'Entra ID', servers: [d.entra.graphUrl] }] : []),
    ]);
    return { directories, last: this.last };
  }

  async verify(actor: string): Promise<VerifyResult> {
    const checks = await runDoctor(this.core, 'admin console');
    this.last = { at: new Date(this.now()).toISOString(), by: actor, state: stateOf(checks), checks };
    this.core.audit.write({ action: 'console.verify-connection', actor, result: this.last.state === 'connected' ? 'success' : 'failure', reason: this.last.state, correlationId: randomUUID().slice(0, 12),
      details: { failed: checks.filter((c) => !c.ok).map((c) => c.name) } });
    return this.last;
  }
}
