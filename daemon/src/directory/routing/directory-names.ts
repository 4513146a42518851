// The names a directory answers to when it is one of several: the NETBIOS\ prefix, the DNS
// domain (also typed as a prefix) and the UPN suffixes. Derived from configuration alone, so
// routing never has to ask a DC and a down DC cannot change where a name goes.
import type { DirectoryEntryConfig } from '../../config/schema.js';
import { dnToDnsDomain } from '../ad/ldap-escape.js';

export interface DirectoryNames {
  readonly name: string;
  /** Upper case: what may stand before the backslash (NetBIOS name and DNS domain). */
  readonly prefixes: readonly string[];
  /** Lower case UPN suffixes: the AD domain's DNS name plus the declared alternatives. */
  readonly upnSuffixes: readonly string[];
}

export function directoryNames(entry: DirectoryEntryConfig): DirectoryNames {
  const dns = entry.ad ? dnToDnsDomain(entry.ad.baseDn) : '';
  const netbios = entry.netbios ?? (dns ? (dns.split('.')[0] ?? '').toUpperCase() : '');
  const prefixes = [...new Set([netbios, dns.toUpperCase()].filter(Boolean))];
  const upnSuffixes = [...new Set([dns, ...entry.upnSuffixes].filter(Boolean))];
  return { name: entry.name, prefixes, upnSuffixes };
}
