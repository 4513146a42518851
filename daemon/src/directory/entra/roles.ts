// Microsoft Entra built-in directory roles Keyhatch cares about (role template ids are the same in
// every tenant) and the application permissions it asks for.

export const ROLE_TEMPLATES = {
  globalAdministrator: { id: '62e90394-69f5-4237-9190-012177145e10', name: 'Global Administrator' },
  privilegedAuthenticationAdministrator: { id: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13', name: 'Privileged Authentication Administrator' },
  userAdministrator: { id: 'fe930be7-5e62-47db-91af-98c3a49a38b1', name: 'User Administrator' },
  passwordAdministrator: { id: '966707d0-3269-4727-9be2-8c3a10f19b9d', name: 'Password Administrator' },
  helpdeskAdministrator: { id: '729827e3-9c14-49f7-bb1b-9608f156bbb8', name: 'Helpdesk Administrator' },
  authenticationAdministrator: { id: 'c4e39bd9-1100-46d3-8c65-fb160da0071f', name: 'Authentication Administrator' },
  securityAdministrator: { id: '194ae4cb-b126-40b2-bd5b-6091b380977d', name: 'Security Administrator' },
} as const;

/** Any one of these lets an app reset the password of a non-administrator (least privileged first). */
export const RESET_ROLES = [ROLE_TEMPLATES.passwordAdministrator, ROLE_TEMPLATES.helpdeskAdministrator, ROLE_TEMPLATES.userAdministrator,
  ROLE_TEMPLATES.privilegedAuthenticationAdministrator, ROLE_TEMPLATES.globalAdministrator] as const;

export const RESET_ROLE_TEXT = 'User Administrator (Microsoft\'s documented minimum for app-only resets; Password or Helpdesk Administrator cover non-administrators; Privileged Authentication Administrator is needed to reset administrators)';

export const REQUIRED_PERMISSIONS = ['User.ReadWrite.All', 'GroupMember.Read.All'] as const;
/** Any of these satisfies the group-membership read. */
export const GROUP_READ_PERMISSIONS = ['GroupMember.Read.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
export const USER_WRITE_PERMISSIONS = ['User.ReadWrite.All', 'Directory.ReadWrite.All'];
export const RISK_PERMISSION = 'IdentityRiskyUser.ReadWrite.All';
/** Any of these reads the domains' password validity period (password-expiry reminders). */
export const DOMAIN_READ_PERMISSIONS = ['Domain.Read.All', 'Domain.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];

export function roleName(templateId: string): string {
  return Object.values(ROLE_TEMPLATES).find((r) => r.id === templateId)?.name ?? templateId;
}
