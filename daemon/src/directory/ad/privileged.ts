// Which accounts Keyhatch refuses for self-service: members (direct, nested or by primary group)
// of the groups that can take over a domain. Decided from base-scope tokenGroups SIDs, never from
// adminCount, which is only a hint (it is not cleared when someone leaves an admin group).
import { domainOf, ridOf } from './sid.js';

/** Domain-relative RIDs of privileged groups. */
export const PRIVILEGED_DOMAIN_RIDS: Readonly<Record<number, string>> = {
  512: 'Domain Admins',
  516: 'Domain Controllers',
  517: 'Cert Publishers',
  518: 'Schema Admins',
  519: 'Enterprise Admins',
  520: 'Group Policy Creator Owners',
  521: 'Read-only Domain Controllers',
  526: 'Key Admins',
  527: 'Enterprise Key Admins',
};

/** Builtin (S-1-5-32-x) privileged groups. */
export const PRIVILEGED_BUILTIN: Readonly<Record<string, string>> = {
  'S-1-5-32-544': 'Administrators',
  'S-1-5-32-548': 'Account Operators',
  'S-1-5-32-549': 'Server Operators',
  'S-1-5-32-550': 'Print Operators',
  'S-1-5-32-551': 'Backup Operators',
  'S-1-5-32-552': 'Replicator',
};

export function privilegedGroupsIn(tokenGroupSids: readonly string[], accountSid: string, extraSids: readonly string[] = []): string[] {
  const domain = domainOf(accountSid);
  const hits: string[] = [];
  for (const sid of tokenGroupSids) {
    const builtin = PRIVILEGED_BUILTIN[sid];
    if (builtin) hits.push(builtin);
    else if (sid.startsWith('S-1-5-21-') && domainOf(sid) === domain && PRIVILEGED_DOMAIN_RIDS[ridOf(sid)]) {
      hits.push(PRIVILEGED_DOMAIN_RIDS[ridOf(sid)] as string);
    } else if (sid.startsWith('S-1-5-21-') && ridOf(sid) === 519) hits.push('Enterprise Admins'); // forest root domain
    if (extraSids.includes(sid)) hits.push(sid);
  }
  return [...new Set(hits)];
}
