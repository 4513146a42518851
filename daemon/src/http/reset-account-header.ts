// The gateway tells the relay whose password it just reset — the account's SID, NetBIOS domain and
// sAMAccountName — in one response header of the reset answer. The relay acts on it (the logon
// tile offers "Sign in with your new password"; an offline laptop's cached verifier is refreshed)
// and never forwards it: the kiosk page only ever sees the JSON body. No framework imports (the
// relay loads this).
import type { WindowsAccount } from '../directory/windows-account.js';

export const RESET_ACCOUNT_HEADER = 'x-keyhatch-reset-account';

const SID = /^S-1-5-21(-[0-9]{1,10}){4}$/;
const NETBIOS = /^[A-Za-z0-9][A-Za-z0-9!#$%&'()^_{}~.-]{0,14}$/;
const DNS = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
/** sAMAccountName: 1-256 characters, none of them a control character or one AD forbids in it. */
const accountOk = (a: string): boolean => a.length >= 1 && a.length <= 256 && ![...a].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f || '"/\\[]:;|=,+*?<>'.includes(c));

export function encodeResetAccount(a: WindowsAccount): string {
  return Buffer.from(JSON.stringify({ sid: a.sid, ...(a.domain ? { domain: a.domain } : {}), ...(a.account ? { account: a.account } : {}), ...(a.dnsDomain ? { dnsDomain: a.dnsDomain } : {}) }), 'utf8').toString('base64url');
}

/** Undefined for anything malformed: the relay then does nothing rather than guess. */
export function decodeResetAccount(value: unknown): WindowsAccount | undefined {
  if (typeof value !== 'string' || value.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
  let o: unknown;
  try { o = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')); } catch { return undefined; }
  if (typeof o !== 'object' || o === null) return undefined;
  const { sid, domain, account, dnsDomain } = o as Record<string, unknown>;
  if (typeof sid !== 'string' || !SID.test(sid)) return undefined;
  if (domain !== undefined && (typeof domain !== 'string' || !NETBIOS.test(domain))) return undefined;
  if (account !== undefined && (typeof account !== 'string' || !accountOk(account))) return undefined;
  if (dnsDomain !== undefined && (typeof dnsDomain !== 'string' || !DNS.test(dnsDomain))) return undefined;
  return { sid, ...(domain ? { domain } : {}), ...(account ? { account } : {}), ...(dnsDomain ? { dnsDomain } : {}) };
}
