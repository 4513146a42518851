// The names a directory answers to when it is one of several: the NETBIOS\ prefix, the DNS
// domain (also typed as a prefix) and the UPN suffixes. Derived from configuration alone, so
// routing never has to ask a DC and a down DC cannot change where a name goes. Part of config/:
// validation refuses two directories claiming one name before any backend exists.

/** What names are derived from: a `directories` entry (DirectoryEntryConfig fits; schema.ts validates with this file). */
export interface NamedDirectoryEntry {
  readonly name: string;
  readonly netbios?: string | undefined;
  readonly upnSuffixes: readonly string[];
  readonly ad?: { readonly baseDn: string } | undefined;
}

export interface DirectoryNames {
  readonly name: string;
  /** Upper case: what may stand before the backslash (NetBIOS name and DNS domain). */
  readonly prefixes: readonly string[];
  /** Lower case UPN suffixes: the AD domain's DNS name plus the declared alternatives. */
  readonly upnSuffixes: readonly string[];
}

/**
 * The DNS domain of a base DN, from its DC components: `OU=x,DC=corp,DC=example` → `corp.example`.
 * DC values are DNS labels, so they hold no escaped comma; a plain split is exact.
 */
export function dnsDomainOfBaseDn(baseDn: string): string {
  return [...baseDn.matchAll(/(?:^|,)\s*DC\s*=\s*([^,]+)/gi)].map((m) => (m[1] as string).trim()).join('.').toLowerCase();
}

export function directoryNames(entry: NamedDirectoryEntry): DirectoryNames {
  const dns = entry.ad ? dnsDomainOfBaseDn(entry.ad.baseDn) : '';
  const netbios = entry.netbios ?? (dns ? (dns.split('.')[0] ?? '').toUpperCase() : '');
  const prefixes = [...new Set([netbios, dns.toUpperCase()].filter(Boolean))];
  const upnSuffixes = [...new Set([dns, ...entry.upnSuffixes].filter(Boolean))];
  return { name: entry.name, prefixes, upnSuffixes };
}
