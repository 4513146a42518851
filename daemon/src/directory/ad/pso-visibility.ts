// Can the service account read every fine-grained password policy (PSO) that governs the users it
// serves? Without Read on a PSO, a reset for its users is refused (INSUFFICIENT_RIGHTS from the
// effective-policy read), so `doctor` warns and names the policies and the users they apply to.
// Two independent sources say which PSOs exist: the Password Settings Container's children (a DN
// is listed even when its settings are not readable) and each user's msDS-ResultantPSO (computed
// by the DC, so it shows a PSO even when the container cannot be listed at all).
import type { AdConnection } from './connection.js';
import type { DirectoryCheck as Check } from '../directory.js';

const NAME = 'read password policies';
const MIN_LENGTH = 'msDS-MinimumPasswordLength';

/** ldapts gives a requested attribute it did not receive as [] — unreadable, not absent. */
const hasValue = (v: unknown) => v !== undefined && !(Array.isArray(v) && v.length === 0);

const grant = (container: string) => `dsacls "${container}" /I:T /G "DOMAIN\\svc-account:GR" — see docs/delegation.md`;

export async function checkPasswordPolicyVisibility(conn: AdConnection, baseDn: string): Promise<Check> {
  const container = `CN=Password Settings Container,CN=System,${(await conn.rootDse()).defaultNamingContext}`;
  const key = (dn: string) => dn.toLowerCase();
  const known = new Map<string, { dn: string; readable: boolean; users: string[] }>();
  const note = (dn: string) => {
    const p = known.get(key(dn)) ?? { dn, readable: false, users: [] };
    known.set(key(dn), p);
    return p;
  };

  const listed = await conn.withService((c) => c.search(container, { scope: 'one', filter: '(objectClass=*)', attributes: [MIN_LENGTH] }), 'read')
    .then((r) => r.searchEntries).catch((err: Error) => err);
  if (!(listed instanceof Error)) for (const e of listed) note(e.dn).readable ||= hasValue(e[MIN_LENGTH]);

  const users = await conn.withService((c) => c.search(baseDn, {
    scope: 'sub', filter: '(&(objectCategory=person)(objectClass=user))', attributes: ['sAMAccountName', 'msDS-ResultantPSO'], paged: { pageSize: 500 },
  }), 'read').then((r) => r.searchEntries).catch(() => []);
  for (const u of users) {
    const pso = u['msDS-ResultantPSO'];
    if (typeof pso === 'string' && pso !== '') note(pso).users.push(String(u.sAMAccountName ?? u.dn));
  }

  // A PSO seen only through a user was not listed: read it directly before calling it unreadable.
  for (const p of known.values()) {
    if (p.readable) continue;
    p.readable = await conn.withService((c) => c.search(p.dn, { scope: 'base', filter: '(objectClass=*)', attributes: [MIN_LENGTH] }), 'read')
      .then((r) => hasValue(r.searchEntries[0]?.[MIN_LENGTH])).catch(() => false);
  }

  const hidden = [...known.values()].filter((p) => !p.readable);
  if (hidden.length > 0) {
    const named = hidden.map((p) => `${p.dn}${p.users.length ? ` (applies to ${p.users.length} user(s) in scope: ${p.users.slice(0, 10).join(', ')}${p.users.length > 10 ? ', …' : ''})` : ''}`);
    return { name: NAME, ok: true, warn: true,
      detail: `cannot read ${hidden.length} of ${known.size} fine-grained password polic${known.size === 1 ? 'y' : 'ies'}: ${named.join('; ')} — resets for their users are refused; ${grant(container)}` };
  }
  if (listed instanceof Error) {
    return { name: NAME, ok: true, warn: true,
      detail: `cannot list ${container} (${listed.message}); fine-grained policies the account cannot see may exist — ${grant(container)}` };
  }
  return { name: NAME, ok: true, detail: `${known.size} fine-grained polic${known.size === 1 ? 'y' : 'ies'} readable` };
}
