// `keyhatch doctor` for Active Directory: TLS to every DC URL, the service account bind, the reset
// method the DC supports, every right the product needs (permission-check.ts) and the reset journal.
import type { AdConfig } from '../../config/schema.js';
import { KeyhatchError } from '../../errors/catalogue.js';
import type { DirectoryCheck } from '../directory.js';
import type { AdConnection } from './connection.js';
import type { JournalEntry } from './reset-journal.js';
import { checkDirectoryRights } from './permission-check.js';

async function attempt(name: string, fn: () => Promise<string>): Promise<DirectoryCheck> {
  try { return { name, ok: true, detail: await fn() }; } catch (err) {
    const e = err as KeyhatchError;
    return { name, ok: false, detail: `${e.code ?? 'ERROR'}: ${e.message}${e.reason ? ` (${e.reason})` : ''}` };
  }
}

/** What the checks use of the AD backend (AdDirectory fits). */
export interface AdDoctorTarget { readonly conn: AdConnection; recoverInterruptedResets(): Promise<JournalEntry[]> }

export async function adDoctorChecks(ad: AdDoctorTarget, cfg: AdConfig): Promise<DirectoryCheck[]> {
  const checks: DirectoryCheck[] = [];
  for (const url of cfg.urls) {
    checks.push(await attempt(`TLS ${url}`, async () => {
      // ldaps:// connects lazily: an anonymous rootDSE read forces the handshake.
      try {
        const c = await ad.conn.open(url);
        try { await c.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ['supportedLDAPVersion'] }); } finally { await c.unbind().catch(() => undefined); }
      } catch (err) {
        throw new KeyhatchError(codeForTls(err), { reason: `${(err as NodeJS.ErrnoException).code ?? ''} ${(err as Error).message}`.trim() });
      }
      return `certificate verified${cfg.caFile ? ` against ${cfg.caFile}` : ''}${url.startsWith('ldap://') ? ' (StartTLS)' : ''}`;
    }));
  }
  const bind = await attempt('service account bind', async () => {
    const dse = await ad.conn.rootDse();
    return `bound as ${cfg.bindDn}; naming context ${dse.defaultNamingContext}`;
  });
  checks.push(bind);
  if (!bind.ok) return checks;
  checks.push(await attempt('reset method', async () => {
    const dse = await ad.conn.rootDse();
    const hints = dse.supportedControls.has('1.2.840.113556.1.4.2239');
    const strategy = cfg.resetStrategy ?? 'auto';
    if (strategy === 'policy-hints' && !hints) throw new KeyhatchError('CONFIG_INVALID', { message: 'ad.resetStrategy is policy-hints but the DC does not list control 1.2.840.113556.1.4.2239' });
    return hints && strategy !== 'two-step' ? 'policy-hints control (history enforced in one step)' : 'two-step (temporary password, then change; history enforced)';
  }));
  try {
    checks.push(...await checkDirectoryRights(ad.conn, cfg));
  } catch (err) {
    checks.push({ name: 'directory rights', ok: false, detail: `${(err as KeyhatchError).code ?? 'ERROR'}: ${(err as Error).message}` });
  }
  checks.push(await attempt('interrupted resets', async () => {
    const open = await ad.recoverInterruptedResets();
    if (open.length > 0) throw new KeyhatchError('RESET_INCOMPLETE', { message: `${open.length} account(s) hold a temporary password after an interrupted reset: ${open.map((e) => e.user).join(', ')} — a new reset of each (self-service, the console, or keyhatch reset <name> --password-stdin) settles it` });
    return 'none';
  }));
  return checks;
}

function codeForTls(err: unknown): 'DIRECTORY_TLS' | 'DIRECTORY_UNAVAILABLE' {
  return /cert|self.signed|altname|ssl|tls/i.test(String((err as Error)?.message ?? '') + String((err as NodeJS.ErrnoException)?.code ?? '')) ? 'DIRECTORY_TLS' : 'DIRECTORY_UNAVAILABLE';
}
