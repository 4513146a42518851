// Decodes AD account attributes into AccountStatus. Lock state comes from the computed
// msDS-User-Account-Control-Computed (lockoutTime goes stale after the lockout duration).
import type { AccountStatus } from '../directory.js';

export const UF_ACCOUNTDISABLE = 0x2;
export const UF_LOCKOUT = 0x10;
export const UF_DONT_EXPIRE_PASSWD = 0x10000;
export const UF_PASSWORD_EXPIRED = 0x800000;
const NEVER = 0x7fffffffffffffffn;

/** FILETIME (100 ns since 1601) → ISO string; 0 and "never" → null. */
export function fileTimeToIso(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  const v = BigInt(String(value));
  if (v <= 0n || v >= NEVER) return null;
  const ms = Number(v / 10_000n) - 11_644_473_600_000;
  return new Date(ms).toISOString();
}

export function decodeAccountStatus(e: Record<string, unknown>, now: Date): AccountStatus {
  const uac = Number(e.userAccountControl ?? 0);
  const computed = Number(e['msDS-User-Account-Control-Computed'] ?? 0);
  const pwdLastSetRaw = String(e.pwdLastSet ?? '');
  const mustChange = pwdLastSetRaw === '0';
  const accountExpiresIso = fileTimeToIso(e.accountExpires);
  return {
    locked: (computed & UF_LOCKOUT) !== 0,
    disabled: (uac & UF_ACCOUNTDISABLE) !== 0,
    passwordExpired: !mustChange && (computed & UF_PASSWORD_EXPIRED) !== 0,
    mustChange,
    accountExpired: accountExpiresIso !== null && new Date(accountExpiresIso) <= now,
    pwdLastSet: fileTimeToIso(pwdLastSetRaw),
    lockoutTime: fileTimeToIso(e.lockoutTime),
    badPwdCount: Number(e.badPwdCount ?? 0),
  };
}
