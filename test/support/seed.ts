// What every test run and the demo find in the throwaway domain.
import type { SambaDomain } from './samba-dc.js';
import { DomainAdmin } from './domain-admin.js';

/** Schema GUIDs used by the delegation (identical in every AD forest). */
export const GUID = {
  resetPassword: '00299570-246d-11d0-a768-00aa006e0529',
  lockoutTime: '28630ebf-41d5-11d1-a9c1-0000f80367c1',
  pwdLastSet: 'bf967a0a-0de6-11d0-a285-00aa003049e2',
  userClass: 'bf967aba-0de6-11d0-a285-00aa003049e2',
} as const;

export const SEED_PASSWORD = 'Seed-Passw0rd-2026!';
export const SERVICE_PASSWORD = 'Svc-Keyhatch-Secret-91!';

export interface SeedInfo {
  peopleOu: string;
  groupsOu: string;
  serviceOu: string;
  service: { dn: string; upn: string; password: string };
  /** Delegated everything but write lockoutTime — for proving `doctor` names the missing right. */
  partialService: { dn: string; upn: string; password: string };
  users: Record<'alice' | 'bob' | 'carol' | 'dave' | 'erin' | 'grace' | 'henry', { dn: string; name: string; password: string }>;
  pso: { dn: string; name: string; minLength: number; historyLength: number };
  strictGroup: string;
  nestedGroup: string;
}

export function delegationSddl(sid: string, rights: { reset?: boolean; lockoutTime?: boolean; pwdLastSet?: boolean } = {}): string {
  const { reset = true, lockoutTime = true, pwdLastSet = true } = rights;
  return [
    reset ? `(OA;CIIO;CR;${GUID.resetPassword};${GUID.userClass};${sid})` : '',
    lockoutTime ? `(OA;CIIO;RPWP;${GUID.lockoutTime};${GUID.userClass};${sid})` : '',
    pwdLastSet ? `(OA;CIIO;RPWP;${GUID.pwdLastSet};${GUID.userClass};${sid})` : '',
  ].join('');
}

export async function seedDomain(domain: SambaDomain): Promise<SeedInfo> {
  const admin = await DomainAdmin.connect(domain);
  const base = domain.baseDn;
  const peopleOu = `OU=People,${base}`;
  const groupsOu = `OU=Groups,${base}`;
  const serviceOu = `OU=Service Accounts,${base}`;
  try {
    // Real-world-like domain policy: lockout after 5 bad attempts for 30 min, history 24, complexity on.
    await admin.replace(base, 'lockoutThreshold', '5');
    await admin.replace(base, 'lockoutDuration', '-18000000000');
    await admin.replace(base, 'lockOutObservationWindow', '-18000000000');
    await admin.replace(base, 'minPwdAge', '0');
    await admin.replace(base, 'minPwdLength', '8');
    await admin.replace(base, 'pwdHistoryLength', '24');

    for (const ou of [peopleOu, groupsOu, serviceOu]) await admin.addOu(ou);

    const strictGroup = `CN=Strict Password Users,${groupsOu}`;
    const nestedGroup = `CN=Finance Managers,${groupsOu}`;
    const staff = `CN=Staff,${groupsOu}`;
    await admin.addGroup(strictGroup, 'Strict Password Users');
    await admin.addGroup(nestedGroup, 'Finance Managers');
    await admin.addGroup(staff, 'Staff');
    await admin.addMember(strictGroup, nestedGroup);

    const mk = async (name: string, extra: Partial<Parameters<DomainAdmin['addUser']>[0]> = {}) => ({
      dn: await admin.addUser({ name, password: SEED_PASSWORD, mail: `${name}@mail.${domain.dnsDomain}`, ...extra }, peopleOu), name, password: SEED_PASSWORD,
    });
    const users = {
      alice: await mk('alice', { displayName: 'Alice Anders', mobile: '+15550100001' }),
      bob: await mk('bob', { displayName: 'Bob Brown' }),
      carol: await mk('carol', { displayName: 'Carol Chen' }),
      dave: await mk('dave', { displayName: 'Dave Disabled', disabled: true }),
      erin: await mk('erin', { displayName: 'Erin Evans', mustChange: true }),
      grace: await mk('grace', { displayName: 'Grace Admin' }),
      henry: await mk('henry', { displayName: 'Henry Hughes' }),
    };
    for (const u of Object.values(users)) await admin.addMember(staff, u.dn);
    await admin.addMember(nestedGroup, users.carol.dn);
    await admin.addMember(`CN=Domain Admins,CN=Users,${base}`, users.grace.dn);

    // Fine-grained policy through a nested group: carol ∈ Finance Managers ∈ Strict Password Users.
    const pso = { name: 'StrictPSO', minLength: 14, historyLength: 5, dn: `CN=StrictPSO,CN=Password Settings Container,CN=System,${base}` };
    await admin.ldap.add(pso.dn, {
      objectClass: ['top', 'msDS-PasswordSettings'],
      'msDS-PasswordSettingsPrecedence': '10',
      'msDS-PasswordReversibleEncryptionEnabled': 'FALSE',
      'msDS-PasswordHistoryLength': String(pso.historyLength),
      'msDS-PasswordComplexityEnabled': 'TRUE',
      'msDS-MinimumPasswordLength': String(pso.minLength),
      'msDS-MinimumPasswordAge': '0',
      'msDS-MaximumPasswordAge': '-36288000000000',
      'msDS-LockoutThreshold': '3',
      'msDS-LockoutObservationWindow': '-18000000000',
      'msDS-LockoutDuration': '-18000000000',
      'msDS-PSOAppliesTo': strictGroup,
    });

    const svcDn = await admin.addUser({ name: 'svc-keyhatch', password: SERVICE_PASSWORD, displayName: 'Keyhatch service', ou: serviceOu }, serviceOu);
    const partialDn = await admin.addUser({ name: 'svc-partial', password: SERVICE_PASSWORD, displayName: 'Keyhatch partial', ou: serviceOu }, serviceOu);
    const svcSid = await admin.sidOf(svcDn);
    const partialSid = await admin.sidOf(partialDn);
    await domain.sambaTool(['dsacl', 'set', `--objectdn=${peopleOu}`, `--sddl=${delegationSddl(svcSid)}${delegationSddl(partialSid, { lockoutTime: false })}`]);
    // Reading fine-grained policies needs Read on the Password Settings Container (admins only by default).
    await domain.sambaTool(['dsacl', 'set', `--objectdn=CN=Password Settings Container,CN=System,${base}`, `--sddl=(A;CI;RPLCLORC;;;${svcSid})(A;CI;RPLCLORC;;;${partialSid})`]);

    return {
      peopleOu, groupsOu, serviceOu, users, pso, strictGroup, nestedGroup,
      service: { dn: svcDn, upn: `svc-keyhatch@${domain.dnsDomain}`, password: SERVICE_PASSWORD },
      partialService: { dn: partialDn, upn: `svc-partial@${domain.dnsDomain}`, password: SERVICE_PASSWORD },
    };
  } finally {
    await admin.close();
  }
}
