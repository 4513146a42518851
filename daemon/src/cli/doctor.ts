// `keyhatch doctor`: one line per check; exit 0 only when all pass.
import { access, mkdir, constants } from 'node:fs/promises';
import type { CoreServices } from '../main.js';
import { checkDirectoryRights, type Check } from '../directory/ad/permission-check.js';
import { KeyhatchError } from '../errors/catalogue.js';
import { checkEntra } from '../directory/entra/doctor.js';
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
  if (core.entra) checks.push(...await checkEntra(core.entra, { dismissRisk: core.config.entra?.dismissRisk }));
  const ad = core.ad;
  if (!ad || !core.config.ad) return checks;
  for (const url of core.config.ad.urls) {
    checks.push(await attempt(`TLS ${url}`, async () => {
      // ldaps:// connects lazily: an anonymous rootDSE read forces the handshake.
      try {
        const c = await ad.conn.open(url);
        try { await c.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ['supportedLDAPVersion'] }); } finally { await c.unbind().catch(() => undefined); }
      } catch (err) {
        throw new KeyhatchError(codeForTls(err), { reason: `${(err as NodeJS.ErrnoException).code ?? ''} ${(err as Error).message}`.trim() });
      }
      return `certificate verified${core.config.ad?.caFile ? ` against ${core.config.ad.caFile}` : ''}${url.startsWith('ldap://') ? ' (StartTLS)' : ''}`;
    }));
  }
  const bind = await attempt('service account bind', async () => {
    const dse = await ad.conn.rootDse();
    return `bound as ${core.config.ad?.bindDn}; naming context ${dse.defaultNamingContext}`;
  });
  checks.push(bind);
  if (!bind.ok) return checks;
  checks.push(await attempt('reset method', async () => {
    const dse = await ad.conn.rootDse();
    const hints = dse.supportedControls.has('1.2.840.113556.1.4.2239');
    const strategy = core.config.ad?.resetStrategy ?? 'auto';
    if (strategy === 'policy-hints' && !hints) throw new KeyhatchError('CONFIG_INVALID', { message: 'ad.resetStrategy is policy-hints but the DC does not list control 1.2.840.113556.1.4.2239' });
    return hints && strategy !== 'two-step' ? 'policy-hints control (history enforced in one step)' : 'two-step (temporary password, then change; history enforced)';
  }));
  try {
    checks.push(...await checkDirectoryRights(ad.conn, core.config.ad));
  } catch (err) {
    checks.push({ name: 'directory rights', ok: false, detail: `${(err as KeyhatchError).code ?? 'ERROR'}: ${(err as Error).message}` });
  }
  checks.push(await attempt('interrupted resets', async () => {
    const open = await ad.recoverInterruptedResets();
    if (open.length > 0) throw new KeyhatchError('RESET_INCOMPLETE', { message: `${open.length} account(s) hold a temporary password after an interrupted reset: ${open.map((e) => e.user).join(', ')}` });
    return 'none';
  }));
  return checks;
}

function codeForTls(err: unknown): 'DIRECTORY_TLS' | 'DIRECTORY_UNAVAILABLE' {
  return /cert|self.signed|altname|ssl|tls/i.test(String((err as Error)?.message ?? '') + String((err as NodeJS.ErrnoException)?.code ?? '')) ? 'DIRECTORY_TLS' : 'DIRECTORY_UNAVAILABLE';
}

export function formatChecks(checks: readonly Check[]): string {
  return checks.map((c) => `${!c.ok ? 'FAIL' : c.warn ? 'WARN' : 'ok  '}  ${c.name}: ${c.detail}`).join('\n');
}
