// `keyhatch doctor` for Entra ID: proves token acquisition, the Graph application permissions the
// token carries (its `roles` claim), the directory role of the app's service principal (the token's
// `wids` claim: role template ids) and that Graph answers an advanced query. Needs no permission
// beyond the ones Keyhatch already uses.
import type { KeyhatchError } from '../../errors/catalogue.js';
import type { DirectoryCheck as Check } from '../directory.js';
import type { EntraEndpoints } from './endpoints.js';
import type { GraphClient } from './graph-client.js';
import type { TokenProvider } from './token-provider.js';

/** What the checks use of the Entra backend (EntraDirectory fits). */
export interface EntraDoctorTarget { readonly tokens: TokenProvider; readonly endpoints: EntraEndpoints; readonly graph: GraphClient }
import { DOMAIN_READ_PERMISSIONS, GROUP_READ_PERMISSIONS, RESET_ROLES, RESET_ROLE_TEXT, RISK_PERMISSION, ROLE_TEMPLATES, USER_WRITE_PERMISSIONS } from './roles.js';

const consent = (perm: string) =>
  `MISSING: application permission ${perm} — app registration → API permissions → Microsoft Graph → Application permissions → ${perm}, then "Grant admin consent" (see docs/entra.md)`;

function describe(err: unknown): string {
  const e = err as KeyhatchError;
  return `${e.code ?? 'ERROR'}: ${e.message}${e.reason ? ` (${e.reason})` : ''}`;
}

export async function checkEntra(entra: EntraDoctorTarget, opts: { dismissRisk?: boolean } = {}): Promise<Check[]> {
  const checks: Check[] = [];
  let claims;
  try {
    const t = await entra.tokens.getToken(true);
    claims = t.claims;
    checks.push({ name: 'Entra token', ok: true, detail: `app-only token from ${entra.endpoints.authority} (${entra.tokens.credentialKind} credential; no discovery call)` });
  } catch (err) {
    checks.push({ name: 'Entra token', ok: false, detail: describe(err) });
    return checks;
  }

  const has = (perms: readonly string[]) => claims.roles.find((r) => perms.includes(r));
  const write = has(USER_WRITE_PERMISSIONS);
  checks.push({ name: 'Graph permission User.ReadWrite.All', ok: !!write, detail: write ? `granted (${write})` : consent('User.ReadWrite.All') });
  const groups = has(GROUP_READ_PERMISSIONS);
  checks.push({ name: 'Graph permission GroupMember.Read.All', ok: !!groups, detail: groups ? `granted (${groups})` : consent('GroupMember.Read.All (or Group.Read.All)') });
  if (opts.dismissRisk ?? true) {
    const risk = claims.roles.includes(RISK_PERMISSION);
    checks.push({ name: `Graph permission ${RISK_PERMISSION}`, ok: true,
      detail: risk ? 'granted (unlock also dismisses Identity Protection risk; needs Entra ID P2)' : `not granted (optional): unlock will not dismiss user risk — grant ${RISK_PERMISSION} or set entra.dismissRisk to false` });
  }

  const domains = has(DOMAIN_READ_PERMISSIONS);
  checks.push({ name: 'Graph permission Domain.Read.All', ok: true,
    detail: domains ? `granted (${domains}; password-expiry reminders read each domain's validity period)` : 'not granted (optional): password-expiry reminders cannot read the domains\' validity period and will fail — grant Domain.Read.All if population.reminders is enabled' });

  const role = RESET_ROLES.find((r) => claims.wids.includes(r.id));
  const admins = claims.wids.includes(ROLE_TEMPLATES.privilegedAuthenticationAdministrator.id) || claims.wids.includes(ROLE_TEMPLATES.globalAdministrator.id);
  checks.push({
    name: 'Entra directory role', ok: !!role,
    detail: role ? `${role.name}${admins ? '' : ' (resets of administrators need Privileged Authentication Administrator; they are refused by default anyway)'}`
      : `MISSING: assign the directory role ${RESET_ROLE_TEXT} to the app's service principal (Entra admin center → Roles and administrators → User Administrator → Add assignments → the app), then wait for a new token`,
  });

  try {
    const r = await entra.graph.request<{ value?: unknown[]; '@odata.count'?: number }>({ path: '/users', query: { $select: 'id', $top: '1' }, advanced: true });
    checks.push({ name: 'Graph users', ok: true, detail: `${entra.endpoints.graphBase} answers (advanced query; ${r.body['@odata.count'] ?? r.body.value?.length ?? 0} users)` });
  } catch (err) {
    checks.push({ name: 'Graph users', ok: false, detail: describe(err) });
  }
  return checks;
}
