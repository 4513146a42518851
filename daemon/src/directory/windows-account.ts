// What Windows knows a directory user by on a workstation: the account SID (the user's tile at the
// logon screen) and DOMAIN\sAMAccountName (the key of the local cached logon verifier). Only
// accounts that live in an on-premises AD have one (AD users; Entra users synced from AD).
import type { DirectoryUser } from './directory.js';

/** Backends that know the user's Windows domain add it to the users they return (AD: both; Entra: the DNS name of a synced user's). */
export interface WithWindowsDomain {
  readonly netbiosDomain?: string;
  readonly dnsDomain?: string;
}

export interface WindowsAccount {
  readonly sid: string;
  /** NetBIOS domain name; absent when the backend does not know it (then no cache refresh). */
  readonly domain?: string;
  readonly account?: string;
  /** DNS name of the account's domain (from its DN): where the relay looks for a DC. */
  readonly dnsDomain?: string;
}

const SID = /^S-1-5-21(-[0-9]{1,10}){4}$/;

/** The user's Windows identity, or undefined for accounts without a domain SID (cloud-only). */
export function windowsAccountOf(user: DirectoryUser): WindowsAccount | undefined {
  if (!user.sid || !SID.test(user.sid)) return undefined;
  const { netbiosDomain: domain, dnsDomain: dns } = user as WithWindowsDomain;
  return { sid: user.sid, ...(domain ? { domain } : {}), ...(user.accountName ? { account: user.accountName } : {}), ...(dns ? { dnsDomain: dns } : {}) };
}
