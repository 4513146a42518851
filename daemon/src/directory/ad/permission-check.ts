// Proves, with the service account's own connection, every directory right Keyhatch needs.
// Write rights come from the DC's own evaluation (allowedAttributesEffective); Reset Password is
// an extended right with no such attribute, so its DACL is evaluated against tokenGroups.
import { Control, BerWriter, type Entry } from 'ldapts';
import type { AdConfig } from '../../config/schema.js';
import type { AdConnection } from './connection.js';
import { escapeFilterValue } from './ldap-escape.js';
import { holdsExtendedRight, parseDacl } from './security-descriptor.js';
import { sidToString } from './sid.js';
import type { DirectoryCheck as Check } from '../directory.js';
import { checkPasswordPolicyVisibility } from './pso-visibility.js';

export const RESET_PASSWORD_GUID = '00299570-246d-11d0-a768-00aa006e0529';

/** LDAP_SERVER_SD_FLAGS: ask for the DACL only, which a non-owner with READ_CONTROL may read. */
class SdFlagsControl extends Control {
  constructor() { super('1.2.840.113556.1.4.801', { critical: false }); }
  protected override writeControl(writer: BerWriter): void {
    const inner = new BerWriter();
    inner.startSequence();
    inner.writeInt(4);
    inner.endSequence();
    writer.writeBuffer(inner.buffer, 0x04);
  }
}

export type { Check };

const fix = (right: string, base: string) =>
  `grant it on "${base}" (descendant User objects): dsacls "${base}" /I:S /G "DOMAIN\\svc-account:${right}" — see docs/delegation.md`;

interface UserRights { dn: string; name: string; lockoutTime: boolean; pwdLastSet: boolean; reset: boolean; servable: boolean }

/** Parent container of a DN (everything after the first unescaped comma). */
export function parentOf(dn: string): string {
  for (let i = 0; i < dn.length; i++) {
    if (dn[i] === '\\') { i++; continue; }
    if (dn[i] === ',') return dn.slice(i + 1);
  }
  return '';
}

function rightsOf(e: Entry, sids: ReadonlySet<string>, cfg: AdConfig): UserRights {
  const writable = new Set(([] as unknown[]).concat(e.allowedAttributesEffective ?? []).map((a) => String(a).toLowerCase()));
  const sd = ([] as Buffer[]).concat((e.nTSecurityDescriptor as Buffer[] | Buffer | undefined) ?? [])[0];
  const name = String(e.sAMAccountName ?? e.dn);
  // adminCount=1 accounts are refused (unless excepted): AdminSDHolder strips delegated rights from them anyway.
  const excepted = cfg.adminCountExceptions.some((x) => [name, e.dn].some((v) => v.toLowerCase() === x.toLowerCase()));
  return {
    dn: e.dn, name,
    lockoutTime: writable.has('lockouttime'),
    pwdLastSet: writable.has('pwdlastset'),
    reset: sd ? holdsExtendedRight(parseDacl(sd), sids, RESET_PASSWORD_GUID) : false,
    servable: cfg.allowPrivileged || String(e.adminCount ?? '0') !== '1' || excepted,
  };
}

/**
 * One check per right (how many users it covers) and a coverage verdict per container. Passes when
 * every user the service may serve (enabled; adminCount=1 only when allowed) holds all three rights.
 */
function coverage(entries: readonly Entry[], sids: ReadonlySet<string>, cfg: AdConfig): Check[] {
  const all = entries.map((e) => rightsOf(e, sids, cfg));
  const servable = all.filter((u) => u.servable);
  const out: Check[] = [];
  for (const [key, label, what, right] of [['lockoutTime', 'write lockoutTime', 'Write lockoutTime', 'WP;lockoutTime'], ['pwdLastSet', 'write pwdLastSet', 'Write pwdLastSet', 'WP;pwdLastSet'],
    ['reset', 'Reset Password', 'Reset Password', 'CA;Reset Password']] as const) {
    const missing = servable.filter((u) => !u[key]);
    const where = [...new Set(missing.map((u) => parentOf(u.dn)))];
    out.push({ name: label, ok: missing.length === 0, detail: missing.length === 0
      ? `granted on all ${servable.length} users the service may serve`
      : `MISSING: ${what} — ${where.slice(0, 5).map((w) => fix(right, w)).join('; ')} (${missing.length} of ${servable.length} users lack it)` });
  }
  const byContainer = new Map<string, { total: number; covered: number }>();
  const uncovered: string[] = [];
  for (const u of servable) {
    const c = byContainer.get(parentOf(u.dn)) ?? { total: 0, covered: 0 };
    c.total++;
    if (u.lockoutTime && u.pwdLastSet && u.reset) c.covered++;
    else uncovered.push(u.name);
    byContainer.set(parentOf(u.dn), c);
  }
  const perContainer = [...byContainer].map(([dn, c]) => `${dn}: ${c.covered}/${c.total}`).join('; ');
  const skipped = all.length - servable.length;
  out.push({ name: 'rights coverage', ok: uncovered.length === 0,
    detail: `${perContainer}${skipped ? ` (${skipped} adminCount=1 account(s) not served)` : ''}${uncovered.length ? ` — not covered: ${uncovered.slice(0, 20).join(', ')}${uncovered.length > 20 ? ` and ${uncovered.length - 20} more` : ''}` : ''}` });
  return out;
}

export async function checkDirectoryRights(conn: AdConnection, cfg: AdConfig): Promise<Check[]> {
  const checks: Check[] = [];
  const base = cfg.baseDn;
  const bindName = cfg.bindDn;

  const self = await conn.withService(async (c) => {
    const filter = bindName.includes('=')
      ? '(objectClass=user)'
      : `(&(objectClass=user)(|(userPrincipalName=${escapeFilterValue(bindName)})(sAMAccountName=${escapeFilterValue(bindName.split('@')[0] ?? '')})))`;
    const dse = await conn.rootDse();
    const where = bindName.includes('=') ? bindName : dse.defaultNamingContext;
    const { searchEntries } = await c.search(where, { scope: bindName.includes('=') ? 'base' : 'sub', filter, attributes: ['distinguishedName'], sizeLimit: 2 });
    const dn = searchEntries[0]?.dn;
    if (!dn) return undefined;
    const tg = await c.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes: ['tokenGroups', 'objectSid'], explicitBufferAttributes: ['tokenGroups', 'objectSid'] });
    const e = tg.searchEntries[0];
    const sids = new Set<string>(['S-1-1-0', 'S-1-5-11']);
    for (const b of ([] as Buffer[]).concat((e?.tokenGroups as Buffer[] | Buffer | undefined) ?? [])) sids.add(sidToString(b));
    for (const b of ([] as Buffer[]).concat((e?.objectSid as Buffer[] | Buffer | undefined) ?? [])) sids.add(sidToString(b));
    return { dn, sids };
  }, 'read');
  if (!self) {
    checks.push({ name: 'service account', ok: false, detail: `cannot find its own entry for ${bindName}` });
    return checks;
  }
  checks.push({ name: 'service account', ok: true, detail: `${self.dn} (${self.sids.size} SIDs in token)` });

  // Every enabled user under the base, not a sample: rights are often delegated on some OUs only,
  // and a sample would make the verdict depend on which user the DC returns first.
  const scan = await conn.withService((c) => c.search(base, {
    scope: 'sub', filter: '(&(objectCategory=person)(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))',
    attributes: ['sAMAccountName', 'adminCount', 'allowedAttributesEffective', 'nTSecurityDescriptor', 'msDS-User-Account-Control-Computed'],
    explicitBufferAttributes: ['nTSecurityDescriptor'], paged: { pageSize: 500 },
  }, new SdFlagsControl()), 'read').catch((err: Error) => err);
  const users = scan instanceof Error ? [] : scan.searchEntries;
  const user = users[0];
  if (!user) {
    const why = scan instanceof Error ? ` (${scan.message})` : '';
    checks.push({ name: 'search base', ok: false, detail: `no enabled user objects readable under ${base}${why}: grant Read on it or fix ad.baseDn` });
    return checks;
  }
  checks.push({ name: 'search base', ok: true, detail: `${base} readable (${users.length} enabled users)` });
  checks.push(...coverage(users, self.sids, cfg));
  // tokenGroups is constructed only on a base-scope read.
  const tgEntry = await conn.withService((c) => c.search(user.dn, { scope: 'base', filter: '(objectClass=*)', attributes: ['tokenGroups'], explicitBufferAttributes: ['tokenGroups'] }), 'read')
    .then((r) => r.searchEntries[0]).catch(() => undefined);
  const tg = ([] as unknown[]).concat(tgEntry?.tokenGroups ?? []);
  checks.push({ name: 'read tokenGroups', ok: tg.length > 0, detail: tg.length > 0 ? 'readable (privileged-account detection works)' : 'MISSING: read tokenGroups — add the account to "Windows Authorization Access Group"' });
  const uac = user['msDS-User-Account-Control-Computed'];
  const computed = uac !== undefined && !(Array.isArray(uac) && uac.length === 0); // ldapts gives [] for an unreadable attribute
  checks.push({ name: 'read lock state', ok: computed, detail: computed ? 'msDS-User-Account-Control-Computed readable' : 'MISSING: read msDS-User-Account-Control-Computed' });

  checks.push(await checkPasswordPolicyVisibility(conn, base));
  return checks;
}
