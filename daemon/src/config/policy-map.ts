// Every Group Policy value Keyhatch reads, in one table: where it lives under
// HKLM\SOFTWARE\Policies\Keyhatch, its registry type, and who reads it (the daemon, into a config
// path, or the credential provider DLL). The ADMX must write exactly these (test/installer/).
// Policy values are readable by every user: never a secret here.

export const POLICY_ROOT = 'SOFTWARE\\Policies\\Keyhatch';

/** 'flag': REG_DWORD 1/0 from an on/off policy, a boolean in the config. */
export type PolicyType = 'dword' | 'string' | 'list' | 'flag';

export interface PolicyValue {
  /** Subkey under POLICY_ROOT ('' = the root itself). */
  key: string;
  name: string;
  type: PolicyType;
  /** Config path the daemon sets; absent for values only the credential provider reads. */
  path?: string;
  reader: 'daemon' | 'provider';
}

const daemon = (key: string, name: string, type: PolicyType, path: string): PolicyValue => ({ key, name, type, path, reader: 'daemon' });
const provider = (name: string, type: PolicyType): PolicyValue => ({ key: 'CredentialProvider', name, type, reader: 'provider' });

export const POLICY_VALUES: readonly PolicyValue[] = [
  daemon('', 'Role', 'string', 'role'),
  daemon('', 'LogLevel', 'string', 'log.level'),
  daemon('Relay', 'GatewayUrls', 'list', 'gateway.urls'),
  daemon('Relay', 'GatewayPin', 'string', 'gateway.pin'),
  daemon('Relay', 'UpdateCachedCredentials', 'flag', 'gateway.updateCachedCredentials'),
  daemon('Kiosk', 'IdleSeconds', 'dword', 'kiosk.idleSeconds'),
  daemon('Kiosk', 'Language', 'string', 'kiosk.language'),
  daemon('Kiosk', 'HostName', 'string', 'kiosk.hostName'),
  daemon('Recovery', 'EnabledFactors', 'list', 'recovery.enabledFactors'),
  daemon('Recovery', 'UnlockFactors', 'dword', 'recovery.unlock.factors'),
  daemon('Recovery', 'UnlockMinWeight', 'dword', 'recovery.unlock.minWeight'),
  daemon('Recovery', 'ResetFactors', 'dword', 'recovery.reset.factors'),
  daemon('Recovery', 'ResetMinWeight', 'dword', 'recovery.reset.minWeight'),
  provider('ShowForgotPassword', 'dword'),
  provider('ShowUnlockAccount', 'dword'),
  provider('ForgotPasswordText', 'string'),
  provider('UnlockAccountText', 'string'),
  provider('Language', 'string'),
];

/** Full registry location of a value, for messages and `keyhatch doctor`. */
export function policyLocation(v: PolicyValue): string {
  return `HKLM\\${POLICY_ROOT}${v.key ? `\\${v.key}` : ''}\\${v.name}`;
}
