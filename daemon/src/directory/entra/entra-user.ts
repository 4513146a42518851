// The Entra view of a user: what Graph returns for the properties Keyhatch selects.
import type { DirectoryUser } from '../directory.js';

export const USER_SELECT = ['id', 'userPrincipalName', 'displayName', 'mail', 'mobilePhone', 'otherMails', 'accountEnabled',
  'onPremisesSyncEnabled', 'onPremisesSamAccountName', 'onPremisesDomainName', 'onPremisesDistinguishedName', 'onPremisesSecurityIdentifier',
  'lastPasswordChangeDateTime', 'passwordPolicies', 'userType'].join(',');

export interface GraphUser {
  id: string;
  userPrincipalName?: string | null;
  displayName?: string | null;
  mail?: string | null;
  mobilePhone?: string | null;
  otherMails?: string[] | null;
  accountEnabled?: boolean | null;
  onPremisesSyncEnabled?: boolean | null;
  onPremisesSamAccountName?: string | null;
  onPremisesDomainName?: string | null;
  onPremisesDistinguishedName?: string | null;
  /** The synced user's AD objectSid (string form): its tile on hybrid-joined workstations. */
  onPremisesSecurityIdentifier?: string | null;
  lastPasswordChangeDateTime?: string | null;
  passwordPolicies?: string | null;
  userType?: string | null;
}

export interface EntraUser extends DirectoryUser {
  readonly source: 'entra';
  /** True for users synchronised from on-premises AD (their password lives in AD). */
  readonly onPremisesSyncEnabled: boolean;
  readonly onPremisesDomainName?: string;
  readonly onPremisesDistinguishedName?: string;
  readonly accountEnabled: boolean;
  readonly lastPasswordChangeDateTime: string | null;
  readonly otherMails: readonly string[];
  readonly passwordPolicies?: string;
}

export function isEntraUser(u: DirectoryUser): u is EntraUser {
  return (u as Partial<EntraUser>).source === 'entra';
}

export function toEntraUser(g: GraphUser): EntraUser {
  const opt = <K extends string>(k: K, v: string | null | undefined) => (v ? { [k]: v } as Record<K, string> : {});
  return {
    source: 'entra',
    id: g.id,
    // Enrollment is keyed by this; the object id never changes (renames change the UPN only).
    key: `entra:${g.id}`,
    ...opt('userPrincipalName', g.userPrincipalName),
    ...opt('displayName', g.displayName),
    ...opt('mail', g.mail),
    ...opt('mobile', g.mobilePhone),
    ...opt('accountName', g.onPremisesSamAccountName),
    ...opt('onPremisesDistinguishedName', g.onPremisesDistinguishedName),
    ...opt('sid', g.onPremisesSecurityIdentifier),
    ...opt('dnsDomain', g.onPremisesDomainName), // a synced user's Windows domain (windows-account.ts)
    ...opt('onPremisesDomainName', g.onPremisesDomainName),
    ...opt('passwordPolicies', g.passwordPolicies),
    onPremisesSyncEnabled: g.onPremisesSyncEnabled === true,
    accountEnabled: g.accountEnabled !== false,
    lastPasswordChangeDateTime: g.lastPasswordChangeDateTime ?? null,
    otherMails: g.otherMails ?? [],
  };
}
