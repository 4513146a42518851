// What a per-user gate is keyed on. A name that resolves to an account: the account's stable id
// (objectGUID / Entra object id), whatever spelling found it. A name that resolves to nobody: a
// canonical form that the spellings a directory treats as equal all share, so that a made-up name
// is limited exactly like a real one (otherwise "does the block follow the variant?" would tell).
import { directoryNames, type NamedDirectoryEntry } from '../config/directory-names.js';
import type { DirectoryUser } from '../directory/directory.js';
import { userKeyOf } from '../directory/directory.js';

/** Full case folding as far as JavaScript offers it: "ß" and "SS" fold alike. */
const fold = (s: string) => s.toUpperCase().toLowerCase();

/**
 * NFKC, case folded, trimmed, inner white space collapsed, no space around `\` or `@`, and a
 * `DOMAIN\` prefix or `@suffix` dropped when it names one of `homeDomains` (NetBIOS or DNS names).
 */
export function canonicalName(raw: string, homeDomains: readonly string[]): string {
  let s = fold(raw.normalize('NFKC')).trim().replace(/\s+/g, ' ').replace(/ ?([\\@]) ?/g, '$1');
  const home = new Set(homeDomains.map((d) => fold(d.normalize('NFKC')).trim()));
  const bs = s.indexOf('\\');
  if (bs >= 0 && home.has(s.slice(0, bs))) s = s.slice(bs + 1);
  const at = s.lastIndexOf('@');
  if (at > 0 && home.has(s.slice(at + 1))) s = s.slice(0, at);
  return s;
}

/** The key a per-user gate hashes: the account when there is one, else the canonical name. */
export function accountGateKey(user: DirectoryUser | null | undefined, raw: string, homeDomains: readonly string[]): string {
  return user ? `account:${userKeyOf(user)}` : `name:${canonicalName(raw, homeDomains)}`;
}

/** DNS name and first label of a base DN: `OU=x,DC=corp,DC=example` → ["corp.example", "corp"]. */
export function domainsOfBaseDn(baseDn: string): string[] {
  const labels = [...baseDn.matchAll(/(?:^|,)\s*DC=([^,]+)/gi)].map((m) => (m[1] as string).trim());
  return labels.length === 0 ? [] : [labels.join('.'), labels[0] as string];
}

/** What homeDomainsOf reads of the configuration. */
export interface ServedDomains {
  readonly ad?: { readonly baseDn: string } | undefined;
  readonly directories?: readonly NamedDirectoryEntry[] | undefined;
  readonly recovery: { readonly domainAliases: readonly string[] };
}

/**
 * Every domain name a typed name may carry (`DOMAIN\` prefix, `@suffix`) for an account served here:
 * the AD domain's DNS name and first label, or with `directories` each one's NetBIOS name, DNS name
 * and UPN suffixes; plus `recovery.domainAliases`. Spellings with and without one then share a gate,
 * for a made-up name as for a real one (with several directories a bare name's gate is shared by
 * the namesakes of every directory: a block, never an extra attempt).
 */
export function homeDomainsOf(c: ServedDomains): string[] {
  const served = c.directories
    ? c.directories.flatMap((d) => { const n = directoryNames(d); return [...n.prefixes, ...n.upnSuffixes]; })
    : c.ad ? domainsOfBaseDn(c.ad.baseDn) : [];
  return [...new Set([...served, ...c.recovery.domainAliases])];
}

/** Loopback is shared by every process on the machine, so it identifies nobody. */
export function isLoopback(address: string): boolean {
  const a = address.replace(/^::ffff:/i, '');
  return a === '::1' || /^127\./.test(a) || a === 'localhost';
}
