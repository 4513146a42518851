// The Microsoft Entra ID backend of the Directory interface, over Microsoft Graph (app-only).
import { randomBytes, randomUUID } from 'node:crypto';
import type { EntraConfig } from '../../config/schema.js';
import { KeyhatchError, isKeyhatchError } from '../../errors/catalogue.js';
import type { AuditSink } from '../../log/audit.js';
import type { Logger } from '../../log/logger.js';
import type { PasswordPolicy } from '../../password/policy.js';
import { checkPassword } from '../../password/rules.js';
import type { PopulationSource } from '../population-source.js';
import type { AccountStatus, Directory, DirectoryCheck, DirectoryUser, OperationContext, PrivilegeInfo } from '../directory.js';
import { assertNotPrivileged } from '../privilege-gate.js';
import { parseUsername } from '../username.js';
import { resolveEndpoints, type EntraEndpoints } from './endpoints.js';
import { USER_SELECT, isEntraUser, toEntraUser, type EntraUser, type GraphUser } from './entra-user.js';
import { EntraPopulationSource } from './entra-population-source.js';
import { GraphClient } from './graph-client.js';
import { odataString } from './graph-client.js';
import { createHttpsFetch, readCaFile } from '../../net/https-fetch.js';
import { preEnrollmentFrom, type PreEnrollment } from './pre-enrollment.js';
import { RESET_ROLE_TEXT, USER_WRITE_PERMISSIONS, roleName } from './roles.js';
import { MsalTokenProvider, type TokenProvider } from './token-provider.js';

export interface EntraDirectoryDeps {
  config: EntraConfig;
  log: Logger;
  audit: AuditSink;
  clock?: () => Date;
  fetch?: typeof fetch;
  /** PEM file of an extra CA (overrides entra.caFile). */
  caFile?: string;
  /** Injected for tests (retry waits); default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  tokens?: TokenProvider;
}

/** Entra's cloud password policy (not readable through Graph; documented by Microsoft). */
export function entraCloudPolicy(bannedWords: readonly string[]): PasswordPolicy {
  return {
    source: 'entra', minLength: 8, maxLength: 256, complexity: true,
    historyLength: 1, minAgeDays: 0,
    // Expiry is a tenant setting Graph does not expose to app-only callers; DisablePasswordExpiration says "never".
    maxAgeDays: null,
    // Smart lockout defaults: 10 failed sign-ins, then 60 s, growing with repeated lockouts.
    lockoutThreshold: 10, lockoutDurationMinutes: 1, lockoutWindowMinutes: 0,
    bannedWords,
  };
}

export interface RiskState {
  readable: boolean;
  riskLevel?: string;
  riskState?: string;
  /** Why it was not readable (permission, licence), for status pages. */
  note?: string;
}

/** Characters Entra accepts in a cloud password (ASCII letters, digits, listed symbols and space). */
export const ENTRA_PASSWORD_CHARS = /^[A-Za-z0-9@#$%^&*\-_!+=[\]{}|\\:',.?/`~"();<> ]*$/;

/** What "unlock" means for a cloud account — shown by the kiosk (see docs/entra.md). */
export const CLOUD_UNLOCK_NOTE =
  'Cloud accounts are not locked the way Windows accounts are: Microsoft Entra smart lockout releases the account by itself after a short wait. ' +
  'Keyhatch cannot shorten that wait. Where your organisation allows it, Keyhatch also clears a sign-in risk flag on your account.';

interface DirectoryObject { '@odata.type'?: string; id: string; displayName?: string | null; roleTemplateId?: string | null }

export class EntraDirectory implements Directory {
  readonly label = 'Entra ID';
  readonly endpoints: EntraEndpoints;
  readonly graph: GraphClient;
  readonly tokens: TokenProvider;
  private readonly clock: () => Date;

  constructor(private readonly deps: EntraDirectoryDeps) {
    const cfg = deps.config;
    this.endpoints = resolveEndpoints(cfg);
    this.clock = deps.clock ?? (() => new Date());
    const ca = readCaFile(deps.caFile ?? cfg.caFile);
    const doFetch = deps.fetch ?? createHttpsFetch({ ...(ca ? { ca } : {}), timeoutMs: cfg.timeoutMs });
    this.tokens = deps.tokens ?? new MsalTokenProvider({ config: cfg, endpoints: this.endpoints, log: deps.log, fetch: doFetch });
    this.graph = new GraphClient({
      baseUrl: this.endpoints.graphBase, tokens: this.tokens, fetch: doFetch, log: deps.log, timeoutMs: cfg.timeoutMs,
      retry: { maxRetries: cfg.maxRetries, maxRetryAfterMs: cfg.maxRetryAfterSeconds * 1000 },
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
      ...(deps.random ? { random: deps.random } : {}),
    });
  }

  private get cfg(): EntraConfig { return this.deps.config; }

  private async queryUsers(filter: string, advanced: boolean): Promise<GraphUser[]> {
    const r = await this.graph.request<{ value?: GraphUser[] }>({ path: '/users', query: { $filter: filter, $select: USER_SELECT, $top: '2' }, advanced });
    return r.body?.value ?? [];
  }

  async findUser(name: string): Promise<EntraUser | null> {
    const parsed = parseUsername(name);
    let found: GraphUser[];
    if (parsed.kind === 'upn') {
      found = await this.queryUsers(`userPrincipalName eq ${odataString(parsed.upn)}`, false);
      if (found.length === 0) found = await this.queryUsers(`mail eq ${odataString(parsed.upn)}`, false);
    } else {
      // onPremisesSamAccountName is only filterable as an advanced query.
      found = await this.queryUsers(`onPremisesSamAccountName eq ${odataString(parsed.sam)}`, true);
      if (parsed.domain) {
        const want = parsed.domain.toUpperCase();
        found = found.filter((u) => {
          const dns = (u.onPremisesDomainName ?? '').toUpperCase();
          return dns === want || dns.split('.')[0] === want;
        });
      }
    }
    if (found.length > 1) throw new KeyhatchError('AMBIGUOUS_USER', { reason: `${found.length} Entra users match` });
    const g = found[0];
    return g ? toEntraUser(g) : null;
  }

  /** Any ordinary enabled user: recovery's decoy lookups cost the same Graph work as real ones. */
  async sampleUser(): Promise<EntraUser | null> {
    const r = await this.graph.request<{ value?: GraphUser[] }>({ path: '/users', query: { $filter: 'accountEnabled eq true', $select: USER_SELECT, $top: '1' } });
    const g = r.body?.value?.[0];
    return g ? toEntraUser(g) : null;
  }

  /** A made-up user of this tenant (a fresh object id and UPN): it exists nowhere. */
  absentUser(near: DirectoryUser | null): DirectoryUser {
    const name = `kh-decoy-${randomBytes(8).toString('hex')}`;
    return { id: randomUUID(), userPrincipalName: `${name}@${near?.userPrincipalName?.split('@')[1] ?? 'invalid'}`, accountName: name };
  }

  describe(user: DirectoryUser): Record<string, string | null> {
    const u = user as Partial<EntraUser>;
    return { dn: u.onPremisesDistinguishedName ?? null, sAMAccountName: user.accountName ?? null, objectId: user.id };
  }

  async doctorChecks(): Promise<DirectoryCheck[]> {
    return (await import('./doctor.js')).checkEntra(this, { dismissRisk: this.cfg.dismissRisk });
  }

  /** Fresh state of one user (by object id). */
  async getUser(id: string): Promise<EntraUser> {
    const r = await this.graph.request<GraphUser>({ path: `/users/${encodeURIComponent(id)}`, query: { $select: USER_SELECT } });
    return toEntraUser(r.body);
  }

  private async entraUser(user: DirectoryUser): Promise<EntraUser> {
    return isEntraUser(user) ? user : this.getUser(user.id);
  }

  async accountStatus(user: DirectoryUser): Promise<AccountStatus> {
    const u = await this.getUser(user.id);
    return {
      // Smart lockout state is not exposed by Graph; it releases itself (see CLOUD_UNLOCK_NOTE).
      locked: false,
      disabled: !u.accountEnabled,
      passwordExpired: false,
      mustChange: false,
      accountExpired: false,
      pwdLastSet: u.lastPasswordChangeDateTime,
      lockoutTime: null,
      badPwdCount: 0,
    };
  }

  /** Identity Protection risk, where the app may read it (IdentityRiskyUser.Read.All + Entra ID P2). */
  async riskState(user: DirectoryUser): Promise<RiskState> {
    try {
      const r = await this.graph.request<{ riskLevel?: string; riskState?: string }>({ path: `/identityProtection/riskyUsers/${encodeURIComponent(user.id)}`, query: { $select: 'id,riskLevel,riskState' }, context: 'risk' });
      return { readable: true, ...(r.body.riskLevel ? { riskLevel: r.body.riskLevel } : {}), ...(r.body.riskState ? { riskState: r.body.riskState } : {}) };
    } catch (err) {
      if (isKeyhatchError(err, 'USER_NOT_FOUND')) return { readable: true, riskLevel: 'none', riskState: 'none' };
      if (isKeyhatchError(err, 'INSUFFICIENT_RIGHTS')) return { readable: false, note: 'risk not readable (IdentityRiskyUser permission or Entra ID P2 licence missing)' };
      throw err;
    }
  }

  private async memberOf(user: DirectoryUser): Promise<DirectoryObject[]> {
    return this.graph.list<DirectoryObject>({
      path: `/users/${encodeURIComponent(user.id)}/transitiveMemberOf`,
      query: { $select: 'id,displayName,roleTemplateId', $top: '999' }, advanced: true, context: 'groups',
    });
  }

  async privilege(user: DirectoryUser): Promise<PrivilegeInfo> {
    const objs = await this.memberOf(user);
    const via: string[] = [];
    for (const o of objs) {
      // Without Directory.Read.All Graph returns roles with limited information (type and id only): still privileged.
      if (o['@odata.type'] === '#microsoft.graph.directoryRole') via.push(o.displayName ?? (o.roleTemplateId ? roleName(o.roleTemplateId) : `directory role ${o.id}`));
      else if (this.cfg.privilegedGroups.includes(o.id)) via.push(o.displayName ?? o.id);
    }
    if (via.length === 0) return { privileged: false, via, adminCountHint: false };
    // Entra's own setting decides for Entra accounts, whatever ad.allowPrivileged says.
    if (this.cfg.allowPrivileged) return { privileged: false, via, adminCountHint: false, allowedBy: 'entra.allowPrivileged' };
    return { privileged: true, via, adminCountHint: false };
  }

  /** Re-reads roles immediately before a write (the hybrid backend calls it for synced users too). */
  async assertNotPrivileged(user: DirectoryUser, ctx: OperationContext, action: 'unlock' | 'reset'): Promise<void> {
    await assertNotPrivileged(() => this.privilege(user), user, ctx, action, this.deps.audit);
  }

  async groups(user: DirectoryUser): Promise<string[]> {
    const objs = await this.graph.list<DirectoryObject>({
      path: `/users/${encodeURIComponent(user.id)}/transitiveMemberOf/microsoft.graph.group`,
      query: { $select: 'id', $top: '999' }, advanced: true, context: 'groups',
    });
    return objs.map((o) => o.id);
  }

  /** Group targeting: every member (nested included) of a group, by object id. */
  async transitiveMembers(groupId: string): Promise<string[]> {
    const objs = await this.graph.list<DirectoryObject>({
      path: `/groups/${encodeURIComponent(groupId)}/transitiveMembers`,
      query: { $select: 'id', $top: '999' }, advanced: true, context: 'groups',
    });
    return objs.filter((o) => o['@odata.type'] === undefined || o['@odata.type'] === '#microsoft.graph.user').map((o) => o.id);
  }

  /** Discovery and sync (admin/sync): target groups, users and changes through Graph delta queries. */
  populationSources(name: string): PopulationSource[] {
    return [new EntraPopulationSource({ directoryId: name, tenantId: this.cfg.tenantId, graph: this.graph })];
  }

  async isMember(user: DirectoryUser, groupId: string): Promise<boolean> {
    return (await this.groups(user)).includes(groupId);
  }

  async effectivePolicy(user: DirectoryUser): Promise<PasswordPolicy> {
    void user;
    return entraCloudPolicy(this.cfg.bannedWords);
  }

  async preEnrollment(user: DirectoryUser): Promise<PreEnrollment> {
    if (!this.cfg.preEnrollment) return { emails: [], phones: [] };
    return preEnrollmentFrom(await this.entraUser(user), true);
  }

  /**
   * There is no Graph call that releases smart lockout (it expires by itself). Where the tenant
   * allows it, the user's Identity Protection risk is dismissed; the audit says what happened.
   */
  async unlock(user: DirectoryUser, ctx: OperationContext): Promise<void> {
    await this.assertNotPrivileged(user, ctx, 'unlock');
    const details: Record<string, unknown> = { smartLockout: 'released by Entra itself after its lockout period; no API exists' };
    let result: 'success' | 'info' = 'info';
    if (this.cfg.dismissRisk) {
      const risk = await this.riskState(user).catch((err: unknown) => ({ readable: false, note: (err as KeyhatchError).code ?? 'error' } as RiskState));
      details.risk = risk;
      if (risk.readable && risk.riskState === 'atRisk') {
        try {
          await this.graph.request({ method: 'POST', path: '/identityProtection/riskyUsers/dismiss', body: { userIds: [user.id] }, context: 'risk' });
          details.riskDismissed = true;
          result = 'success';
        } catch (err) {
          details.riskDismissed = false;
          details.riskError = (err as KeyhatchError).code ?? 'error';
          this.deps.log.warn('risk dismiss failed', { user: user.id, code: (err as KeyhatchError).code, reason: (err as KeyhatchError).reason });
        }
      }
    }
    this.deps.audit.write({ action: 'entra.unlock', actor: ctx.actor, target: user.userPrincipalName ?? user.id, result, correlationId: ctx.correlationId, details });
  }

  async resetPassword(user: DirectoryUser, newPassword: string, ctx: OperationContext): Promise<void> {
    const policy = await this.effectivePolicy(user);
    // Entra does not refuse the user's names in the password; only length, character classes, banned words.
    const violations = checkPassword(newPassword, policy, {});
    if (violations.length > 0) throw new KeyhatchError('PASSWORD_POLICY', { violations, reason: violations.map((v) => v.code).join(',') });
    await this.assertNotPrivileged(user, ctx, 'reset');
    try {
      await this.graph.request({
        method: 'PATCH', path: `/users/${encodeURIComponent(user.id)}`, context: 'reset',
        body: { passwordProfile: { password: newPassword, forceChangePasswordNextSignIn: false } },
      });
    } catch (err) {
      throw await this.explainResetError(err, user, ctx, newPassword);
    }
    this.deps.log.info('entra password reset', { user: user.id, correlationId: ctx.correlationId });
  }

  /** A 403 on reset is either the missing app permission or the missing directory role: the token says which. */
  private async explainResetError(err: unknown, user: DirectoryUser, ctx: OperationContext, newPassword: string): Promise<unknown> {
    if (isKeyhatchError(err, 'PASSWORD_POLICY') && !ENTRA_PASSWORD_CHARS.test(newPassword) && !err.violations?.some((v) => v.code === 'invalid_character')) {
      // Entra's message is the generic complexity one; say what is really wrong, too.
      return new KeyhatchError('PASSWORD_POLICY', { violations: [...(err.violations ?? []), { code: 'invalid_character' }], ...(err.reason ? { reason: err.reason } : {}), cause: err });
    }
    if (!isKeyhatchError(err, 'ENTRA_ROLE_MISSING')) return err;
    const claims = (await this.tokens.getToken().catch(() => undefined))?.claims;
    if (claims && !claims.roles.some((r) => USER_WRITE_PERMISSIONS.includes(r))) {
      return new KeyhatchError('INSUFFICIENT_RIGHTS', { reason: `${err.reason ?? ''}; the app lacks the User.ReadWrite.All application permission (admin consent)`, cause: err });
    }
    const reason = `${err.reason ?? ''}; the app's service principal needs the Entra directory role ${RESET_ROLE_TEXT}`;
    this.deps.log.error('Entra refused the password reset: directory role missing', { user: user.id, correlationId: ctx.correlationId, neededRole: RESET_ROLE_TEXT });
    return new KeyhatchError('ENTRA_ROLE_MISSING', { reason, cause: err });
  }

  async abandonReset(_operationId: string, _ctx: OperationContext): Promise<boolean> {
    return false; // a Graph reset is a single step: nothing is ever left half-done
  }

  async changePassword(_user: DirectoryUser, _oldPassword: string, _newPassword: string, _ctx: OperationContext): Promise<void> {
    throw new KeyhatchError('OPERATION_UNSUPPORTED', { reason: 'Graph changePassword needs a delegated (signed-in user) token; app-only cannot prove the old password' });
  }

  async verifyPassword(_user: DirectoryUser, _password: string): Promise<void> {
    throw new KeyhatchError('OPERATION_UNSUPPORTED', { reason: 'proving a cloud password needs an interactive Entra sign-in (ROPC is not used: it bypasses MFA and fails for federated users)' });
  }

  /** What "unlock" can mean for this user, for the kiosk to show (cloud accounts: see CLOUD_UNLOCK_NOTE). */
  unlockNote(_user: DirectoryUser): string | null { return CLOUD_UNLOCK_NOTE; }

  now(): Date { return this.clock(); }

  async close(): Promise<void> {}
}
