// `keyhatch doctor`: one line per check; exit 0 only when all pass. The directory checks come from
// the backend itself (Directory.doctorChecks): only it knows what its connection and rights need.
import { access, mkdir, constants } from 'node:fs/promises';
import type { CoreServices } from './core-services.js';
import type { DirectoryCheck as Check } from '../directory/directory.js';
import { KeyhatchError } from '../errors/catalogue.js';
import { machineChecks } from '../preflight/machine-checks.js';

async function attempt(name: string, fn: () => Promise<string>): Promise<Check> {
  try { return { name, ok: true, detail: await fn() }; } catch (err) {
    const e = err as KeyhatchError;
    return { name, ok: false, detail: `${e.code ?? 'ERROR'}: ${e.message}${e.reason ? ` (${e.reason})` : ''}` };
  }
}

export async function runDoctor(core: CoreServices, configSource: string): Promise<Check[]> {
  const checks: Check[] = [];
  checks.push({ name: 'config', ok: true, detail: `valid (${configSource}; role ${core.config.role})` });
  checks.push(await attempt('data directory', async () => {
    await mkdir(core.config.dataDir, { recursive: true, mode: 0o700 });
    await access(core.config.dataDir, constants.W_OK);
    return `${core.config.dataDir} writable`;
  }));
  checks.push(...await machineChecks(core.config));
  checks.push(...await core.directory.doctorChecks?.() ?? []);
  const negotiate = core.config.adminConsole.negotiate;
  if (negotiate) {
    checks.push(await attempt('console single sign-on', async () => {
      if (!core.directory.singleSignOn) throw new KeyhatchError('CONFIG_INVALID', { message: 'the directory offers no single sign-on (Active Directory only)' });
      return `keytab ${negotiate.keytabFile} holds ${core.directory.singleSignOn(negotiate, { claim: async () => true }, () => Date.now()).describe}`;
    }));
  }
  return checks;
}

export function formatChecks(checks: readonly Check[]): string {
  return checks.map((c) => `${!c.ok ? 'FAIL' : c.warn ? 'WARN' : 'ok  '}  ${c.name}: ${c.detail}`).join('\n');
}
