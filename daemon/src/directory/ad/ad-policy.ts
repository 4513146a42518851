// Effective password policy: the domain root's values, overridden by the user's resultant PSO
// (msDS-ResultantPSO resolves nested groups and precedence on the DC itself).
import type { Client } from 'ldapts';
import { adIntervalToMinutes, type PasswordPolicy } from '../../password/policy.js';
import { KeyhatchError } from '../../errors/catalogue.js';

const DOMAIN_ATTRS = ['minPwdLength', 'pwdProperties', 'pwdHistoryLength', 'maxPwdAge', 'minPwdAge',
  'lockoutThreshold', 'lockoutDuration', 'lockOutObservationWindow'];
const PSO_ATTRS = ['cn', 'msDS-MinimumPasswordLength', 'msDS-PasswordComplexityEnabled', 'msDS-PasswordHistoryLength',
  'msDS-MaximumPasswordAge', 'msDS-MinimumPasswordAge', 'msDS-LockoutThreshold', 'msDS-LockoutDuration', 'msDS-LockoutObservationWindow'];

/** AD accepts at most 256 characters in unicodePwd-based sets (real AD: 256; Samba similar). */
const AD_MAX_LENGTH = 256;
const DOMAIN_PASSWORD_COMPLEX = 0x1;

export async function readDomainPolicy(c: Client, namingContext: string, bannedWords: readonly string[]): Promise<PasswordPolicy> {
  const { searchEntries } = await c.search(namingContext, { scope: 'base', filter: '(objectClass=*)', attributes: DOMAIN_ATTRS });
  const e = searchEntries[0];
  if (!e) throw new KeyhatchError('DIRECTORY_ERROR', { reason: 'domain policy not readable' });
  const maxAge = adIntervalToMinutes(String(e.maxPwdAge ?? ''));
  return {
    source: 'domain',
    minLength: Number(e.minPwdLength ?? 0),
    maxLength: AD_MAX_LENGTH,
    complexity: (Number(e.pwdProperties ?? 0) & DOMAIN_PASSWORD_COMPLEX) !== 0,
    historyLength: Number(e.pwdHistoryLength ?? 0),
    minAgeDays: (adIntervalToMinutes(String(e.minPwdAge ?? '')) ?? 0) / 1440,
    maxAgeDays: maxAge === null || maxAge === 0 ? null : maxAge / 1440,
    lockoutThreshold: Number(e.lockoutThreshold ?? 0),
    lockoutDurationMinutes: adIntervalToMinutes(String(e.lockoutDuration ?? '')) ?? 0,
    lockoutWindowMinutes: adIntervalToMinutes(String(e.lockOutObservationWindow ?? '')) ?? 0,
    bannedWords,
  };
}

export async function readPso(c: Client, psoDn: string, bannedWords: readonly string[]): Promise<PasswordPolicy> {
  const { searchEntries } = await c.search(psoDn, { scope: 'base', filter: '(objectClass=msDS-PasswordSettings)', attributes: PSO_ATTRS });
  const e = searchEntries[0];
  // ldapts reports a requested attribute it did not get as [] (an unreadable PSO lists, but shows no value).
  const min = e?.['msDS-MinimumPasswordLength'];
  if (!e || min === undefined || (Array.isArray(min) && min.length === 0)) {
    throw new KeyhatchError('INSUFFICIENT_RIGHTS', {
      reason: `cannot read the fine-grained password policy ${psoDn}: grant the service account Read on CN=Password Settings Container,CN=System`,
    });
  }
  const maxAge = adIntervalToMinutes(String(e['msDS-MaximumPasswordAge'] ?? ''));
  return {
    source: 'pso',
    psoName: String(e.cn),
    minLength: Number(e['msDS-MinimumPasswordLength']),
    maxLength: AD_MAX_LENGTH,
    complexity: String(e['msDS-PasswordComplexityEnabled']).toUpperCase() === 'TRUE',
    historyLength: Number(e['msDS-PasswordHistoryLength'] ?? 0),
    minAgeDays: (adIntervalToMinutes(String(e['msDS-MinimumPasswordAge'] ?? '')) ?? 0) / 1440,
    maxAgeDays: maxAge === null || maxAge === 0 ? null : maxAge / 1440,
    lockoutThreshold: Number(e['msDS-LockoutThreshold'] ?? 0),
    lockoutDurationMinutes: adIntervalToMinutes(String(e['msDS-LockoutDuration'] ?? '')) ?? 0,
    lockoutWindowMinutes: adIntervalToMinutes(String(e['msDS-LockoutObservationWindow'] ?? '')) ?? 0,
    bannedWords,
  };
}
