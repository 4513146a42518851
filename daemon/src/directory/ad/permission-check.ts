// Proves, with the service account's own connection, every directory right Keyhatch needs.
// Write rights come from the DC's own evaluation (allowedAttributesEffective); Reset Password is
// an extended right with no such attribute, so its DACL is evaluated against tokenGroups.
import { Control, BerWriter } from 'ldapts';
import type { AdConfig } from '../../config/schema.js';
import type { AdConnection } from './connection.js';
import { escapeFilterValue } from './ldap-escape.js';
import { holdsExtendedRight, parseDacl } from './security-descriptor.js';
import { sidToString } from './sid.js';

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

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

const fix = (right: string, base: string) =>
  `grant it on "${base}" (descendant User objects): dsacls "${base}" /I:S /G "DOMAIN\\svc-account:${right}" — see docs/delegation.md`;

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

  const sample = await conn.withService((c) => c.search(base, {
    scope: 'sub', filter: '(&(objectCategory=person)(objectClass=user))',
    attributes: ['allowedAttributesEffective', 'nTSecurityDescriptor', 'msDS-User-Account-Control-Computed'],
    explicitBufferAttributes: ['nTSecurityDescriptor'], sizeLimit: 1,
  }, new SdFlagsControl()), 'read').catch((err: Error) => err);
  const user = sample instanceof Error ? undefined : sample.searchEntries[0];
  if (!user) {
    const why = sample instanceof Error ? ` (${sample.message})` : '';
    checks.push({ name: 'search base', ok: false, detail: `no user objects readable under ${base}${why}: grant Read on it or fix ad.baseDn` });
    return checks;
  }
  checks.push({ name: 'search base', ok: true, detail: `${base} readable (sample ${user.dn})` });

  const writable = new Set(([] as unknown[]).concat(user.allowedAttributesEffective ?? []).map((a) => String(a).toLowerCase()));
  for (const [attr, right] of [['lockoutTime', 'WP;lockoutTime'], ['pwdLastSet', 'WP;pwdLastSet']] as const) {
    const ok = writable.has(attr.toLowerCase());
    checks.push({ name: `write ${attr}`, ok, detail: ok ? 'granted (allowedAttributesEffective)' : `MISSING: Write ${attr} — ${fix(right, base)}` });
  }

  const sd = ([] as Buffer[]).concat((user.nTSecurityDescriptor as Buffer[] | Buffer | undefined) ?? [])[0];
  if (!sd) {
    checks.push({ name: 'Reset Password', ok: false, detail: `cannot read the user's security descriptor to prove it: grant Read Permissions on ${base}` });
  } else {
    const ok = holdsExtendedRight(parseDacl(sd), self.sids, RESET_PASSWORD_GUID);
    checks.push({ name: 'Reset Password', ok, detail: ok ? 'granted (DACL evaluated against the account\'s tokenGroups)' : `MISSING: Reset Password — ${fix('CA;Reset Password', base)}` });
  }

  // tokenGroups is constructed only on a base-scope read.
  const tgEntry = await conn.withService((c) => c.search(user.dn, { scope: 'base', filter: '(objectClass=*)', attributes: ['tokenGroups'], explicitBufferAttributes: ['tokenGroups'] }), 'read')
    .then((r) => r.searchEntries[0]).catch(() => undefined);
  const tg = ([] as unknown[]).concat(tgEntry?.tokenGroups ?? []);
  checks.push({ name: 'read tokenGroups', ok: tg.length > 0, detail: tg.length > 0 ? 'readable (privileged-account detection works)' : 'MISSING: read tokenGroups — add the account to "Windows Authorization Access Group"' });
  const computed = user['msDS-User-Account-Control-Computed'] !== undefined;
  checks.push({ name: 'read lock state', ok: computed, detail: computed ? 'msDS-User-Account-Control-Computed readable' : 'MISSING: read msDS-User-Account-Control-Computed' });

  const nc = (await conn.rootDse()).defaultNamingContext;
  const psos = await conn.withService((c) => c.search(`CN=Password Settings Container,CN=System,${nc}`, {
    scope: 'one', filter: '(objectClass=msDS-PasswordSettings)', attributes: ['msDS-MinimumPasswordLength'],
  }), 'read').then((r) => r.searchEntries).catch(() => undefined);
  const psoOk = psos !== undefined && psos.every((p) => p['msDS-MinimumPasswordLength'] !== undefined);
  checks.push({ name: 'read password policies', ok: psoOk, detail: psoOk ? `${psos?.length ?? 0} fine-grained polic${psos?.length === 1 ? 'y' : 'ies'} readable`
    : `MISSING: Read on CN=Password Settings Container,CN=System,${nc} — dsacls "CN=Password Settings Container,CN=System,${nc}" /I:T /G "DOMAIN\\svc-account:GR"` });
  return checks;
}
