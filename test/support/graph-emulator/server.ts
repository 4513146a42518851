// A local Microsoft identity platform + Microsoft Graph emulator for tests. It serves HTTPS with its
// own test CA and follows Microsoft's documented behaviour for exactly the calls Keyhatch makes:
//  - POST /{tenant}/oauth2/v2.0/token (client credentials; client secret or private_key_jwt
//    client assertion whose signature is verified against the registered certificate)
//  - GET /v1.0/users ($filter/$select/$top/$count, advanced queries), GET /v1.0/users/{id|upn}
//  - PATCH /v1.0/users/{id} with passwordProfile (complexity, role and sync checks)
//  - GET /v1.0/users/{id}/transitiveMemberOf[/microsoft.graph.group], /v1.0/groups/{id}/transitiveMembers
//  - GET /v1.0/identityProtection/riskyUsers/{id}, POST /v1.0/identityProtection/riskyUsers/dismiss
//  - GET /v1.0/users/delta and /v1.0/groups/delta (change tracking: pages with @odata.nextLink, a last
//    page with @odata.deltaLink; the deltaLink returns only what changed since, deletions as `@removed`;
//    groups carry `members@delta` when members are selected; `$deltatoken=latest` = "sync from now")
//  - GET /v1.0/groups ($search with ConsistencyLevel: eventual, $filter, $select, $top), GET /v1.0/domains
// Change tracking needs real changes: mutate through the state's helpers (addUser, updateUser,
// deleteUser, addGroup, addGroupMember, removeGroupMember, deleteGroup), which bump a change counter.
// Server-driven paging returns @odata.nextLink and only accepts links it issued, byte for byte.
// Every request is recorded (secrets masked); faults (429 + Retry-After, 503, 500) can be injected.
import { createHash, createPublicKey, createSign, createVerify, randomUUID, constants as cc, X509Certificate, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makePki, type EmulatorPki } from './certs.js';
import { FilterSyntaxError, parseFilter, type Obj } from './odata-filter.js';

export const ROLE = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  privilegedAuthenticationAdministrator: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
  userAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  passwordAdministrator: '966707d0-3269-4727-9be2-8c3a10f19b9d',
  helpdeskAdministrator: '729827e3-9c14-49f7-bb1b-9608f156bbb8',
} as const;
const ROLE_NAMES: Record<string, string> = {
  [ROLE.globalAdministrator]: 'Global Administrator', [ROLE.privilegedAuthenticationAdministrator]: 'Privileged Authentication Administrator',
  [ROLE.userAdministrator]: 'User Administrator', [ROLE.passwordAdministrator]: 'Password Administrator', [ROLE.helpdeskAdministrator]: 'Helpdesk Administrator',
};

export interface EmuUserInput {
  id?: string;
  userPrincipalName: string;
  displayName?: string;
  mail?: string | null;
  mobilePhone?: string | null;
  otherMails?: string[];
  accountEnabled?: boolean;
  onPremisesSyncEnabled?: boolean | null;
  onPremisesSamAccountName?: string | null;
  onPremisesDomainName?: string | null;
  onPremisesDistinguishedName?: string | null;
  onPremisesSecurityIdentifier?: string | null;
  lastPasswordChangeDateTime?: string;
  passwordPolicies?: string | null;
  /** 'Member' (default) or 'Guest' (B2B). */
  userType?: 'Member' | 'Guest';
  password?: string;
  /** Directory role template ids the user holds (makes them an administrator). */
  roles?: string[];
  riskLevel?: 'none' | 'low' | 'medium' | 'high';
  riskState?: 'none' | 'atRisk' | 'confirmedCompromised' | 'remediated' | 'dismissed';
}

export interface EmuGroupInput { id?: string; displayName: string; description?: string; /** user ids/UPNs or group ids/names */ members?: string[] }

export interface EmuUser extends Required<Pick<EmuUserInput, 'id' | 'userPrincipalName'>>, Omit<EmuUserInput, 'id' | 'userPrincipalName'> {
  passwordHistory: string[];
}
export interface EmuGroup { id: string; displayName: string; description?: string; members: string[] }
/** A verified domain of the tenant; passwordValidityPeriodInDays 2147483647 = passwords never expire. */
export interface EmuDomain { id: string; passwordValidityPeriodInDays?: number; passwordNotificationWindowInDays?: number; isDefault?: boolean; isVerified?: boolean }

export interface Fault {
  status: 429 | 500 | 503 | 504;
  /** Retry-After header value (seconds or HTTP date); omitted when undefined. */
  retryAfter?: string;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** 'graph' (default) or 'token'. */
  target?: 'graph' | 'token';
  /** Only requests whose path contains this. */
  pathIncludes?: string;
  /** Only requests with this method (GET and PATCH share /users/{id}). */
  method?: string;
}

export interface RecordedRequest {
  method: string;
  /** Raw path + query as received. */
  url: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: unknown;
  status?: number;
}

export interface EmulatorOptions {
  users?: EmuUserInput[];
  groups?: EmuGroupInput[];
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** Application permissions granted (admin-consented) to the app: the token's `roles`. */
  appPermissions?: string[];
  /** Directory role template ids assigned to the app's service principal: the token's `wids`. */
  appDirectoryRoles?: string[];
  /** PEM of the certificate registered on the app (default: the generated app certificate). */
  appCertificatePem?: string;
  /** Entra ID P2 (Identity Protection) licensed. */
  p2Licensed?: boolean;
  /** Largest page the server returns, whatever $top says (server-driven paging). */
  maxPageSize?: number;
  /** The tenant's domains (default: one per UPN suffix of the initial users, passwords never expire). */
  domains?: EmuDomain[];
  clock?: () => Date;
}

export interface EmulatorState {
  users: Map<string, EmuUser>;
  groups: Map<string, EmuGroup>;
  requests: RecordedRequest[];
  faults: Fault[];
  clientSecret: string;
  appPermissions: string[];
  appDirectoryRoles: string[];
  p2Licensed: boolean;
  maxPageSize: number;
  /**
   * Delta rounds from a token return only the id and the properties changed since (Graph documents
   * "at least the properties that changed"); default false: every selected property.
   */
  deltaChangedPropertiesOnly: boolean;
  tokensIssued: number;
  /** Client assertions that carried an x5c chain (subject name + issuer authentication). */
  readonly assertionsWithX5c: number;
  clock: () => Date;
  /** Set a user's lastPasswordChangeDateTime as if a password hash sync had arrived. */
  markPasswordSynced(idOrUpn: string, at?: Date): void;
  findUser(idOrUpn: string): EmuUser | undefined;
  graphRequests(): RecordedRequest[];
  tokenRequests(): RecordedRequest[];
  domains: EmuDomain[];
  /** Object id → value of the tenant's change counter at the object's last change (what delta queries compare). */
  readonly changes: ReadonlyMap<string, number>;
  addUser(input: EmuUserInput): EmuUser;
  /** Changes properties of a user (displayName, accountEnabled, …) as an administrator would. */
  updateUser(idOrUpn: string, patch: Partial<Omit<EmuUserInput, 'id'>>): EmuUser;
  /** Deletes a user (soft: restorable, delta says reason "changed"; permanent: reason "deleted"); it leaves its groups. */
  deleteUser(idOrUpn: string, opts?: { permanent?: boolean }): void;
  addGroup(input: EmuGroupInput): EmuGroup;
  addGroupMember(group: string, member: string): void;
  removeGroupMember(group: string, member: string): void;
  deleteGroup(group: string): void;
  /** Forgets every delta link handed out, as Graph does after 7 days: following one answers 400 syncStateNotFound. */
  expireDeltaLinks(): void;
}

export interface GraphEmulator {
  authorityHost: string;
  graphUrl: string;
  caFile: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  pki: EmulatorPki;
  state: EmulatorState;
  close(): Promise<void>;
}

const PASSWORD_COMPLEXITY = 'The specified password does not comply with password complexity requirements. Please provide a different password.';
const INSUFFICIENT = 'Insufficient privileges to complete the operation.';
const SYNCED = 'Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.';
const USER_PROPS = ['id', 'userPrincipalName', 'displayName', 'mail', 'mobilePhone', 'otherMails', 'accountEnabled', 'onPremisesSyncEnabled',
  'onPremisesSamAccountName', 'onPremisesDomainName', 'onPremisesDistinguishedName', 'onPremisesSecurityIdentifier', 'lastPasswordChangeDateTime', 'passwordPolicies', 'userType',
  'businessPhones', 'givenName', 'surname', 'jobTitle', 'officeLocation', 'preferredLanguage'];
const DEFAULT_SELECT = ['businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id'];
/** Properties Graph only filters on as an advanced query (ConsistencyLevel: eventual + $count=true). */
const ADVANCED_ONLY_PROPS = new Set(['onpremisessamaccountname']);
const ADVANCED_ONLY_OPS = new Set(['ne', 'not', 'endswith']);
const GROUP_PROPS = ['id', 'displayName', 'description'];
const NEVER_EXPIRES = 2147483647;

/** Entra's rule for cloud passwords: 8–256 characters, 3 of 4 classes, only the allowed characters. */
export function entraPasswordOk(pw: string): boolean {
  if (pw.length < 8 || pw.length > 256) return false;
  if (!/^[A-Za-z0-9@#$%^&*\-_!+=[\]{}|\\:',.?/`~"();<> ]+$/.test(pw)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(pw)).length;
  return classes >= 3;
}

function b64url(b: Buffer | string): string { return Buffer.from(b).toString('base64url'); }

export async function startGraphEmulator(opts: EmulatorOptions = {}): Promise<GraphEmulator> {
  const pki = makePki();
  const tenantId = opts.tenantId ?? randomUUID();
  const clientId = opts.clientId ?? randomUUID();
  const clientSecret = opts.clientSecret ?? `emu~${randomUUID()}`;
  const spId = randomUUID();
  const clock = opts.clock ?? (() => new Date());
  const registeredCert = new X509Certificate(opts.appCertificatePem ?? pki.appCertPem);
  const registeredKey: KeyObject = registeredCert.publicKey;
  const thumbSha256 = b64url(createHash('sha256').update(registeredCert.raw).digest());
  const thumbSha1 = b64url(createHash('sha1').update(registeredCert.raw).digest());
  const signingKey = pki.serverKey;
  const verifyKey = createPublicKey(pki.serverCert);

  const users = new Map<string, EmuUser>();
  for (const u of opts.users ?? []) {
    const id = u.id ?? randomUUID();
    users.set(id, { accountEnabled: true, onPremisesSyncEnabled: null, otherMails: [], riskLevel: 'none', riskState: 'none', mail: null, mobilePhone: null,
      lastPasswordChangeDateTime: '2026-01-01T00:00:00Z', ...u, id, passwordHistory: u.password ? [u.password] : [] });
  }
  const groups = new Map<string, EmuGroup>();
  for (const g of opts.groups ?? []) {
    const id = g.id ?? randomUUID();
    groups.set(id, { id, displayName: g.displayName, ...(g.description !== undefined ? { description: g.description } : {}), members: g.members ?? [] });
  }
  const findUser = (key: string) => users.get(key) ?? [...users.values()].find((u) => u.userPrincipalName.toLowerCase() === key.toLowerCase());
  const findGroup = (key: string) => groups.get(key) ?? [...groups.values()].find((g) => g.displayName === key);

  // Change tracking: one counter for the tenant; every object remembers the value at its last change.
  let seq = 0;
  const changes = new Map<string, number>();
  const touch = (id: string) => { changes.set(id, ++seq); };
  /** Per user: counter at creation and at the last change of each property (for deltaChangedPropertiesOnly). */
  const createdAt = new Map<string, number>();
  const propChanged = new Map<string, Map<string, number>>();
  /** Deleted objects (soft or permanent) with the counter at deletion. */
  const tombstones = new Map<string, { seq: number; kind: 'users' | 'groups'; permanent: boolean }>();
  /** Direct membership changes, for members@delta. */
  const memberLog: Array<{ groupId: string; memberId: string; type: 'user' | 'group'; op: 'add' | 'remove'; seq: number }> = [];
  const resolveMember = (m: string): { id: string; type: 'user' | 'group' } | undefined => {
    const u = findUser(m);
    if (u) return { id: u.id, type: 'user' };
    const g = findGroup(m);
    return g ? { id: g.id, type: 'group' } : undefined;
  };
  const newUser = (u: EmuUserInput): EmuUser => {
    const id = u.id ?? randomUUID();
    const user: EmuUser = { accountEnabled: true, onPremisesSyncEnabled: null, otherMails: [], riskLevel: 'none', riskState: 'none', mail: null, mobilePhone: null,
      lastPasswordChangeDateTime: '2026-01-01T00:00:00Z', ...u, id, passwordHistory: u.password ? [u.password] : [] };
    users.set(id, user);
    touch(id);
    createdAt.set(id, seq);
    return user;
  };
  const mustUser = (key: string) => { const u = findUser(key); if (!u) throw new Error(`no emulated user ${key}`); return u; };
  const mustGroup = (key: string) => { const g = findGroup(key); if (!g) throw new Error(`no emulated group ${key}`); return g; };
  const removeMemberRefs = (g: EmuGroup, id: string, type: 'user' | 'group') => {
    const before = g.members.length;
    g.members = g.members.filter((m) => resolveMember(m)?.id !== id);
    if (g.members.length === before) return false;
    touch(g.id);
    memberLog.push({ groupId: g.id, memberId: id, type, op: 'remove', seq });
    return true;
  };
  for (const u of users.values()) touch(u.id);
  for (const g of groups.values()) touch(g.id);
  const domains: EmuDomain[] = opts.domains ?? [...new Set([...users.values()].map((u) => u.userPrincipalName.split('@')[1]?.toLowerCase()).filter((d): d is string => !!d))]
    .map((id, i) => ({ id, passwordValidityPeriodInDays: NEVER_EXPIRES, passwordNotificationWindowInDays: 14, isDefault: i === 0, isVerified: true }));

  /** Every nextLink and deltaLink handed out: only these are followed (an altered link is refused). */
  const issuedLinks = new Set<string>();
  const state: EmulatorState = {
    users, groups, requests: [], faults: [], clientSecret,
    appPermissions: opts.appPermissions ?? ['User.ReadWrite.All', 'GroupMember.Read.All', 'IdentityRiskyUser.ReadWrite.All'],
    appDirectoryRoles: opts.appDirectoryRoles ?? [ROLE.userAdministrator],
    p2Licensed: opts.p2Licensed ?? true,
    maxPageSize: opts.maxPageSize ?? 999,
    deltaChangedPropertiesOnly: false,
    tokensIssued: 0,
    get assertionsWithX5c() { return x5cSeen; },
    clock,
    markPasswordSynced(key, at) {
      const u = findUser(key);
      if (!u) throw new Error(`no emulated user ${key}`);
      u.lastPasswordChangeDateTime = (at ?? clock()).toISOString().replace(/\.\d{3}Z$/, 'Z');
      touch(u.id);
    },
    findUser,
    domains,
    changes,
    addUser: (input) => newUser(input),
    updateUser(key, patch) {
      const u = mustUser(key);
      Object.assign(u, patch);
      touch(u.id);
      const props = propChanged.get(u.id) ?? new Map<string, number>();
      for (const k of Object.keys(patch)) props.set(k, seq);
      propChanged.set(u.id, props);
      return u;
    },
    deleteUser(key, o = {}) {
      const u = mustUser(key);
      // Entra removes a deleted user's memberships (a restore brings them back): its groups change too.
      for (const g of groups.values()) removeMemberRefs(g, u.id, 'user');
      users.delete(u.id);
      changes.delete(u.id);
      tombstones.set(u.id, { seq: ++seq, kind: 'users', permanent: o.permanent ?? false });
    },
    addGroup(input) {
      const id = input.id ?? randomUUID();
      const g: EmuGroup = { id, displayName: input.displayName, ...(input.description !== undefined ? { description: input.description } : {}), members: [] };
      groups.set(id, g);
      touch(id);
      for (const m of input.members ?? []) this.addGroupMember(id, m);
      return g;
    },
    addGroupMember(group, member) {
      const g = mustGroup(group);
      const m = resolveMember(member);
      if (!m) throw new Error(`no emulated user or group ${member}`);
      if (g.members.some((x) => resolveMember(x)?.id === m.id)) return;
      g.members.push(m.id);
      touch(g.id);
      memberLog.push({ groupId: g.id, memberId: m.id, type: m.type, op: 'add', seq });
    },
    removeGroupMember(group, member) {
      const g = mustGroup(group);
      const m = resolveMember(member);
      if (!m || !removeMemberRefs(g, m.id, m.type)) throw new Error(`${member} is not a member of ${group}`);
    },
    deleteGroup(group) {
      const g = mustGroup(group);
      for (const other of groups.values()) removeMemberRefs(other, g.id, 'group');
      groups.delete(g.id);
      changes.delete(g.id);
      tombstones.set(g.id, { seq: ++seq, kind: 'groups', permanent: false });
    },
    expireDeltaLinks() { for (const l of [...issuedLinks]) if (l.includes('$deltatoken=')) issuedLinks.delete(l); },
    graphRequests() { return this.requests.filter((r) => r.path.startsWith('/v1.0/')); },
    tokenRequests() { return this.requests.filter((r) => r.path.endsWith('/oauth2/v2.0/token')); },
  };

  let base = '';
  let x5cSeen = 0;

  const send = (res: ServerResponse, rec: RecordedRequest, status: number, body?: unknown, headers: Record<string, string> = {}) => {
    rec.status = status;
    const requestId = randomUUID();
    const h: Record<string, string> = { 'request-id': requestId, 'client-request-id': rec.headers['client-request-id'] ?? requestId, ...headers };
    if (body === undefined) { res.writeHead(status, h); res.end(); return; }
    const text = JSON.stringify(body);
    res.writeHead(status, { ...h, 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) });
    res.end(text);
  };
  const graphError = (res: ServerResponse, rec: RecordedRequest, status: number, code: string, message: string, headers: Record<string, string> = {}) => {
    send(res, rec, status, { error: { code, message, innerError: { date: clock().toISOString().slice(0, 19), 'request-id': randomUUID(), 'client-request-id': rec.headers['client-request-id'] ?? randomUUID() } } }, headers);
  };
  const tokenError = (res: ServerResponse, rec: RecordedRequest, status: number, error: string, aadsts: number, text: string, headers: Record<string, string> = {}) => {
    const trace = randomUUID(), corr = rec.headers['client-request-id'] ?? randomUUID();
    send(res, rec, status, {
      error, error_description: `AADSTS${aadsts}: ${text} Trace ID: ${trace} Correlation ID: ${corr} Timestamp: ${clock().toISOString()}`,
      error_codes: [aadsts], timestamp: clock().toISOString().replace('T', ' ').slice(0, 19) + 'Z', trace_id: trace, correlation_id: corr,
      error_uri: `${base}/error?code=${aadsts}`,
    }, headers);
  };

  const takeFault = (target: 'graph' | 'token', path: string, method: string): Fault | undefined => {
    const f = state.faults.find((x) => (x.target ?? 'graph') === target && (x.pathIncludes === undefined || path.includes(x.pathIncludes))
      && (x.method === undefined || x.method === method) && (x.times ?? 1) > 0);
    if (!f) return undefined;
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) state.faults.splice(state.faults.indexOf(f), 1);
    return f;
  };

  const signJwt = (payload: Record<string, unknown>) => {
    const head = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid: 'emulator' }));
    const body = b64url(JSON.stringify(payload));
    const sig = createSign('RSA-SHA256').update(`${head}.${body}`).sign(signingKey);
    return `${head}.${body}.${b64url(sig)}`;
  };

  const checkAssertion = (assertion: string, tokenEndpoint: string): string | undefined => {
    const parts = assertion.split('.');
    if (parts.length !== 3) return 'malformed assertion';
    const [h, p, s] = parts as [string, string, string];
    let header: Record<string, unknown>, payload: Record<string, unknown>;
    try { header = JSON.parse(Buffer.from(h, 'base64url').toString()); payload = JSON.parse(Buffer.from(p, 'base64url').toString()); } catch { return 'malformed assertion'; }
    if (header['x5t#S256'] !== undefined ? header['x5t#S256'] !== thumbSha256 : header.x5t !== thumbSha1) return 'certificate thumbprint not registered on the app';
    if (header.x5c !== undefined) {
      // Subject name + issuer authentication: the first certificate of the chain is the signer.
      const first = Array.isArray(header.x5c) ? String(header.x5c[0]) : String(header.x5c);
      if (!Buffer.from(first, 'base64').equals(registeredCert.raw)) return 'x5c does not start with the registered certificate';
      x5cSeen++;
    }
    const sig = Buffer.from(s, 'base64url');
    let ok: boolean;
    if (header.alg === 'PS256') ok = createVerify('RSA-SHA256').update(`${h}.${p}`).verify({ key: registeredKey, padding: cc.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig);
    else if (header.alg === 'RS256') ok = createVerify('RSA-SHA256').update(`${h}.${p}`).verify(registeredKey, sig);
    else return `unsupported alg ${String(header.alg)}`;
    if (!ok) return 'signature validation failed';
    const now = Math.floor(clock().getTime() / 1000);
    if (payload.aud !== tokenEndpoint) return `audience ${String(payload.aud)} is not the token endpoint`;
    if (payload.iss !== clientId || payload.sub !== clientId) return 'iss/sub must be the client id';
    if (typeof payload.exp !== 'number' || payload.exp < now - 300) return 'assertion expired';
    if (typeof payload.nbf === 'number' && payload.nbf > now + 300) return 'assertion not yet valid';
    if (typeof payload.jti !== 'string') return 'jti missing';
    return undefined;
  };

  const handleToken = (res: ServerResponse, rec: RecordedRequest, tenant: string, raw: string) => {
    const form = new URLSearchParams(raw);
    const masked: Record<string, string> = {};
    for (const [k, v] of form) masked[k] = k === 'client_secret' || k === 'client_assertion' ? '[masked]' : v;
    rec.body = masked;
    const fault = takeFault('token', rec.path, rec.method);
    if (fault) {
      return tokenError(res, rec, fault.status, fault.status === 429 ? 'temporarily_unavailable' : 'server_error', fault.status === 429 ? 50196 : 90033,
        fault.status === 429 ? 'The server encountered a client request loop and is throttling.' : 'A transient error has occurred. Please try again.',
        fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {});
    }
    if (tenant !== tenantId) return tokenError(res, rec, 400, 'invalid_request', 90002, `Tenant '${tenant}' not found.`);
    if (form.get('grant_type') !== 'client_credentials') return tokenError(res, rec, 400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    if (form.get('client_id') !== clientId) return tokenError(res, rec, 400, 'unauthorized_client', 700016, `Application with identifier '${form.get('client_id')}' was not found in the directory.`);
    const scope = form.get('scope') ?? '';
    if (scope.split(' ').filter((s) => s !== 'openid' && s !== 'profile' && s !== 'offline_access').join(' ') !== `${base}/.default`) {
      return tokenError(res, rec, 400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.`);
    }
    const tokenEndpoint = `${base}/${tenantId}/oauth2/v2.0/token`;
    if (form.has('client_assertion')) {
      if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return tokenError(res, rec, 400, 'invalid_request', 50027, 'Invalid client_assertion_type.');
      const why = checkAssertion(form.get('client_assertion') ?? '', tokenEndpoint);
      if (why) return tokenError(res, rec, 401, 'invalid_client', 700027, `Client assertion failed signature validation. (${why})`);
    } else if (form.has('client_secret')) {
      if (form.get('client_secret') !== state.clientSecret) {
        return tokenError(res, rec, 401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`);
      }
    } else {
      return tokenError(res, rec, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    const now = Math.floor(clock().getTime() / 1000);
    const accessToken = signJwt({
      aud: base, iss: `https://sts.windows.net/${tenantId}/`, iat: now, nbf: now, exp: now + 3599,
      appid: clientId, azp: clientId, idtyp: 'app', oid: spId, sub: spId, tid: tenantId,
      roles: [...state.appPermissions], wids: [...state.appDirectoryRoles, '0997a1d0-0d1d-4acb-b408-d5ca73121e90'], ver: '1.0',
    });
    state.tokensIssued++;
    send(res, rec, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken });
  };

  const authenticate = (authz: string | undefined): Record<string, unknown> | string => {
    const m = /^Bearer (.+)$/.exec(authz ?? '');
    if (!m) return 'Access token is empty.';
    const [h, p, s] = (m[1] as string).split('.');
    if (!h || !p || !s) return 'IDX14100: JWT is not well formed.';
    if (!createVerify('RSA-SHA256').update(`${h}.${p}`).verify(verifyKey, Buffer.from(s, 'base64url'))) return 'Invalid signature.';
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    if ((claims.exp as number) * 1000 < clock().getTime()) return 'Lifetime validation failed, the token is expired.';
    if (claims.aud !== base || claims.tid !== tenantId) return 'Invalid audience.';
    return claims;
  };

  const project = (u: EmuUser, select: string[] | undefined): Obj => {
    const full: Obj = { ...u, '@odata.type': undefined };
    const out: Obj = {};
    for (const k of select ?? DEFAULT_SELECT) {
      const key = USER_PROPS.find((p) => p.toLowerCase() === k.toLowerCase());
      if (!key) continue;
      out[key] = full[key] ?? (key === 'businessPhones' || key === 'otherMails' ? [] : key === 'userType' ? 'Member' : null);
    }
    return out;
  };

  const memberIdsOf = (g: EmuGroup, seen = new Set<string>()): { users: Set<string>; groups: Set<string> } => {
    const us = new Set<string>(), gs = new Set<string>();
    if (seen.has(g.id)) return { users: us, groups: gs };
    seen.add(g.id);
    for (const m of g.members) {
      const u = findUser(m);
      if (u) { us.add(u.id); continue; }
      const sub = findGroup(m);
      if (sub) {
        gs.add(sub.id);
        const r = memberIdsOf(sub, seen);
        r.users.forEach((x) => us.add(x));
        r.groups.forEach((x) => gs.add(x));
      }
    }
    return { users: us, groups: gs };
  };

  /** Paged collection response, server-driven; nextLink is opaque and only accepted verbatim. */
  const page = (res: ServerResponse, rec: RecordedRequest, items: Obj[], q: Record<string, string>, rawPath: string, context: string) => {
    let offset = 0;
    if (q.$skiptoken !== undefined) {
      if (!issuedLinks.has(`${base}${rec.url}`)) return graphError(res, rec, 400, 'Request_BadRequest', "Invalid or altered '$skiptoken' (nextLink must be used as returned).");
      offset = Number(JSON.parse(Buffer.from(q.$skiptoken.split('~')[1] ?? '', 'base64url').toString()).o);
    }
    const top = Math.min(Number(q.$top ?? 100), 999, state.maxPageSize);
    if (!Number.isInteger(top) || top < 1) return graphError(res, rec, 400, 'Request_BadRequest', `Invalid page size specified: '${q.$top}'. Must be between 1 and 999 inclusive.`);
    const slice = items.slice(offset, offset + top);
    const body: Obj = { '@odata.context': `${base}/v1.0/$metadata#${context}` };
    if (q.$count === 'true') body['@odata.count'] = items.length;
    body.value = slice;
    if (offset + top < items.length) {
      const keep = rec.url.split('?')[1]?.split('&').filter((kv) => !kv.startsWith('$skiptoken=') && !kv.startsWith('%24skiptoken=')) ?? [];
      // Real skiptokens are opaque and full of characters a client must not re-encode.
      const token = `RFNwdAIAAQAAAB8%3A~${b64url(JSON.stringify({ o: offset + top, r: randomUUID() }))}`;
      const link = `${base}${rawPath}?${[...keep, `$skiptoken=${token}`].join('&')}`;
      issuedLinks.add(link);
      body['@odata.nextLink'] = link;
    }
    send(res, rec, 200, body);
  };

  const advancedOk = (rec: RecordedRequest, q: Record<string, string>) => rec.headers.consistencylevel === 'eventual' && q.$count === 'true';

  const projectGroup = (g: EmuGroup, select: string[] | undefined): Obj => {
    const out: Obj = {};
    for (const k of select ?? GROUP_PROPS) {
      const key = GROUP_PROPS.find((p) => p.toLowerCase() === k.toLowerCase());
      if (key) out[key] = (g as unknown as Obj)[key] ?? null;
    }
    out.id = g.id;
    return out;
  };

  /** Delta sessions in progress: the ids to report, fixed at the first page, and the counter they report up to. */
  const deltaSessions = new Map<string, { r: 'users' | 'groups'; ids: string[]; from: number; to: number; sel: string | undefined }>();
  const deltaLinkFor = (r: 'users' | 'groups', to: number, sel: string | undefined) => {
    const token = b64url(JSON.stringify({ r, s: to, sel: sel ?? null, n: randomUUID() }));
    const link = `${base}/v1.0/${r}/delta?$deltatoken=${token}`;
    issuedLinks.add(link);
    return link;
  };
  const handleDelta = (res: ServerResponse, rec: RecordedRequest, r: 'users' | 'groups', q: Record<string, string>) => {
    let session;
    let offset = 0;
    let sid: string;
    if (q.$skiptoken !== undefined) {
      if (!issuedLinks.has(`${base}${rec.url}`)) return graphError(res, rec, 400, 'Request_BadRequest', "Invalid or altered '$skiptoken' (nextLink must be used as returned).");
      const [id, o] = q.$skiptoken.split('~');
      sid = id ?? '';
      session = deltaSessions.get(sid);
      offset = Number(o);
      if (!session || session.r !== r) return graphError(res, rec, 400, 'Request_BadRequest', 'Invalid skip token.');
    } else {
      let from = -1;
      let sel = q.$select;
      if (q.$deltatoken === 'latest') {
        // "Sync from now": no resources, just a deltaLink for the current state.
        return send(res, rec, 200, { '@odata.context': `${base}/v1.0/$metadata#${r}`, value: [], '@odata.deltaLink': deltaLinkFor(r, seq, sel) });
      }
      if (q.$deltatoken !== undefined) {
        if (!issuedLinks.has(`${base}${rec.url}`)) return graphError(res, rec, 400, 'syncStateNotFound', 'The sync state generation is not found. The delta token is expired and data must be synchronized again.');
        const t = JSON.parse(Buffer.from(q.$deltatoken, 'base64url').toString()) as { r: string; s: number; sel: string | null };
        if (t.r !== r) return graphError(res, rec, 400, 'Request_BadRequest', 'The delta token belongs to another resource.');
        from = t.s;
        sel = t.sel ?? undefined;
      }
      const live = r === 'users' ? [...users.keys()] : [...groups.keys()];
      const ids = from < 0 ? live.sort()
        : [...live.filter((id) => (changes.get(id) ?? 0) > from), ...[...tombstones].filter(([, t]) => t.kind === r && t.seq > from).map(([id]) => id)].sort();
      sid = randomUUID();
      session = { r, ids, from, to: seq, sel };
      deltaSessions.set(sid, session);
    }
    const select = session.sel ? session.sel.split(',').map((x) => x.trim()) : undefined;
    const withMembers = select?.some((x) => x.toLowerCase() === 'members') ?? false;
    const size = Math.min(state.maxPageSize, 999);
    const value: Obj[] = [];
    for (const id of session.ids.slice(offset, offset + size)) {
      const gone = tombstones.get(id);
      if (gone && !users.has(id) && !groups.has(id)) { value.push({ id, '@removed': { reason: gone.permanent ? 'deleted' : 'changed' } }); continue; }
      if (r === 'users') {
        const u = users.get(id);
        if (!u) continue;
        const full = project(u, select);
        if (!state.deltaChangedPropertiesOnly || session.from < 0 || (createdAt.get(id) ?? 0) > session.from) { value.push(full); continue; }
        const props = propChanged.get(id);
        value.push(Object.fromEntries(Object.entries(full).filter(([k]) => k === 'id' || (props?.get(k) ?? 0) > session.from)));
        continue;
      }
      const g = groups.get(id);
      if (!g) continue;
      const o = projectGroup(g, select?.filter((x) => x.toLowerCase() !== 'members'));
      if (withMembers) {
        if (session.from < 0) {
          o['members@delta'] = g.members.map(resolveMember).filter((m) => m !== undefined).map((m) => ({ '@odata.type': `#microsoft.graph.${m.type}`, id: m.id }));
        } else {
          // Only the membership changes since the token: the last change of each member, removals marked.
          const last = new Map<string, (typeof memberLog)[number]>();
          for (const e of memberLog) if (e.groupId === id && e.seq > session.from) last.set(e.memberId, e);
          o['members@delta'] = [...last.values()].map((e) => ({ '@odata.type': `#microsoft.graph.${e.type}`, id: e.memberId, ...(e.op === 'remove' ? { '@removed': { reason: 'deleted' } } : {}) }));
        }
      }
      value.push(o);
    }
    const body: Obj = { '@odata.context': `${base}/v1.0/$metadata#${r}`, value };
    if (offset + size < session.ids.length) {
      const link = `${base}/v1.0/${r}/delta?$skiptoken=${sid}~${offset + size}`;
      issuedLinks.add(link);
      body['@odata.nextLink'] = link;
    } else {
      deltaSessions.delete(sid);
      body['@odata.deltaLink'] = deltaLinkFor(r, session.to, session.sel);
    }
    send(res, rec, 200, body);
  };

  /** $search="displayName:x" OR "description:y": every word of the value prefixes a word of the property (Graph tokenises). */
  const parseSearch = (src: string): ((o: Obj) => boolean) | string => {
    const clauses: Array<{ prop: string; words: string[] }> = [];
    const ops: string[] = [];
    const re = /\s*"((?:[^"\\]|\\.)*)"\s*(?:(OR|AND)\s*|$)/gy;
    let m: RegExpExecArray | null;
    let end = 0;
    while ((m = re.exec(src)) !== null) {
      const text = (m[1] as string).replace(/\\(.)/g, '$1');
      const colon = text.indexOf(':');
      if (colon <= 0) return `Syntax error: '${text}' is not property:value.`;
      clauses.push({ prop: text.slice(0, colon), words: text.slice(colon + 1).toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean) });
      if (m[2]) ops.push(m[2]);
      end = re.lastIndex;
      if (!m[2]) break;
    }
    if (clauses.length === 0 || end !== src.length || ops.length !== clauses.length - 1) return `Syntax error: invalid $search '${src}'.`;
    const bad = clauses.find((c) => !['displayname', 'description'].includes(c.prop.toLowerCase()));
    if (bad) return `Property '${bad.prop}' cannot be searched.`;
    const hit = (o: Obj, c: { prop: string; words: string[] }) => {
      const v = String(o[c.prop.toLowerCase() === 'displayname' ? 'displayName' : 'description'] ?? '');
      const tokens = v.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
      return c.words.every((w) => tokens.some((t) => t.startsWith(w)));
    };
    return (o) => clauses.reduce((acc, c, i) => (i === 0 ? hit(o, c) : ops[i - 1] === 'AND' ? acc && hit(o, c) : acc || hit(o, c)), false);
  };

  const handleGraph = (res: ServerResponse, rec: RecordedRequest, raw: string, authz: string | undefined) => {
    const fault = takeFault('graph', rec.path, rec.method);
    if (fault) {
      const code = fault.status === 429 ? 'TooManyRequests' : fault.status === 503 ? 'serviceNotAvailable' : fault.status === 504 ? 'timeout' : 'UnknownError';
      const msg = fault.status === 429 ? 'Too many requests.' : 'The service is temporarily unavailable.';
      return graphError(res, rec, fault.status, code, msg, fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {});
    }
    const auth = authenticate(authz);
    if (typeof auth === 'string') return graphError(res, rec, 401, 'InvalidAuthenticationToken', auth);
    const roles = (auth.roles as string[] | undefined) ?? [];
    const wids = (auth.wids as string[] | undefined) ?? [];
    const q = rec.query;
    if (q.$count === 'true' && rec.headers.consistencylevel !== 'eventual') {
      return graphError(res, rec, 400, 'Request_BadRequest', '$count is not currently supported.');
    }
    const seg = rec.path.slice('/v1.0'.length).split('/').filter(Boolean).map(decodeURIComponent);
    const select = q.$select ? q.$select.split(',').map((s) => s.trim()) : undefined;
    if (seg[0] === 'users' && seg.length <= 2 && select) {
      const unknown = select.find((p) => !USER_PROPS.some((x) => x.toLowerCase() === p.toLowerCase()));
      if (unknown) return graphError(res, rec, 400, 'Request_BadRequest', `Could not find a property named '${unknown}' on type 'microsoft.graph.user'.`);
    }
    const canReadUsers = roles.some((r) => ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'].includes(r));
    const canReadMembers = roles.some((r) => ['GroupMember.Read.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'].includes(r));

    if ((seg[0] === 'users' || seg[0] === 'groups') && seg[1] === 'delta' && seg.length === 2 && rec.method === 'GET') {
      if (seg[0] === 'users' ? !canReadUsers : !canReadMembers) return graphError(res, rec, 403, 'Authorization_RequestDenied', INSUFFICIENT);
      if (seg[0] === 'groups' && select) {
        const unknown = select.find((p) => ![...GROUP_PROPS, 'members'].some((x) => x.toLowerCase() === p.toLowerCase()));
        if (unknown) return graphError(res, rec, 400, 'Request_BadRequest', `Could not find a property named '${unknown}' on type 'microsoft.graph.group'.`);
      }
      return handleDelta(res, rec, seg[0], q);
    }

    if (seg[0] === 'groups' && seg.length === 1 && rec.method === 'GET') {
      if (!canReadMembers) return graphError(res, rec, 403, 'Authorization_RequestDenied', INSUFFICIENT);
      let list: Obj[] = [...groups.values()].map((g) => projectGroup(g, undefined));
      if (q.$search !== undefined) {
        if (rec.headers.consistencylevel !== 'eventual') {
          return graphError(res, rec, 400, 'Request_BadRequest', "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'");
        }
        const test = parseSearch(q.$search);
        if (typeof test === 'string') return graphError(res, rec, 400, 'Request_BadRequest', test);
        list = list.filter(test);
      }
      if (q.$filter !== undefined) {
        let f;
        try { f = parseFilter(q.$filter); } catch (err) {
          if (err instanceof FilterSyntaxError) return graphError(res, rec, 400, 'BadRequest', `Invalid filter clause: ${err.message}`);
          throw err;
        }
        for (const p of f.properties) if (!GROUP_PROPS.some((x) => x.toLowerCase() === p.toLowerCase())) return graphError(res, rec, 400, 'Request_BadRequest', `Could not find a property named '${p}' on type 'microsoft.graph.group'.`);
        list = list.filter((g) => f.test(g));
      }
      if (select) {
        const unknown = select.find((p) => !GROUP_PROPS.some((x) => x.toLowerCase() === p.toLowerCase()));
        if (unknown) return graphError(res, rec, 400, 'Request_BadRequest', `Could not find a property named '${unknown}' on type 'microsoft.graph.group'.`);
        list = list.map((g) => projectGroup(g as unknown as EmuGroup, select));
      }
      return page(res, rec, list, q, rec.path, 'groups');
    }

    if (seg[0] === 'domains' && seg.length === 1 && rec.method === 'GET') {
      if (!roles.some((r) => ['Domain.Read.All', 'Domain.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'].includes(r))) return graphError(res, rec, 403, 'Authorization_RequestDenied', INSUFFICIENT);
      return page(res, rec, state.domains.map((d) => ({ id: d.id, isDefault: d.isDefault ?? false, isVerified: d.isVerified ?? true,
        passwordValidityPeriodInDays: d.passwordValidityPeriodInDays ?? NEVER_EXPIRES, passwordNotificationWindowInDays: d.passwordNotificationWindowInDays ?? 14 })), q, rec.path, 'domains');
    }

    if (seg[0] === 'users' && seg.length === 1 && rec.method === 'GET') {
      if (!canReadUsers) return graphError(res, rec, 403, 'Authorization_RequestDenied', INSUFFICIENT);
      let list = [...users.values()];
      if (q.$filter !== undefined) {
        let f;
        try { f = parseFilter(q.$filter); } catch (err) {
          if (err instanceof FilterSyntaxError) return graphError(res, rec, 400, 'BadRequest', `Invalid filter clause: ${err.message}`);
          throw err;
        }
        const adv = [...f.properties].find((p) => ADVANCED_ONLY_PROPS.has(p.toLowerCase()));
        const advOp = [...f.operators].find((o) => ADVANCED_ONLY_OPS.has(o));
        if ((adv || advOp) && !advancedOk(rec, q)) {
          return graphError(res, rec, 400, 'Request_UnsupportedQuery', adv ? `Unsupported or invalid query filter clause specified for property '${adv}' of resource 'User'.` : `Unsupported query operator '${advOp}'.`);
        }
        for (const p of f.properties) if (!USER_PROPS.some((x) => x.toLowerCase() === p.toLowerCase())) return graphError(res, rec, 400, 'Request_BadRequest', `Could not find a property named '${p}' on type 'microsoft.graph.user'.`);
        list = list.filter((u) => f.test(u as unknown as Obj));
      }
      return page(res, rec, list.map((u) => project(u, select)), q, rec.path, 'users');
    }

    if (seg[0] === 'users' && seg.length >= 2) {
      const u = findUser(seg[1] as string);
      if (!u) return graphError(res, rec, 404, 'Request_ResourceNotFound', `Resource '${seg[1]}' does not exist or one of its queried reference-property objects are not present.`);
      if (seg.length === 2 && rec.method === 'GET') {
        if (!canReadUsers) return graphError(res, rec, 403, 'Authorization_RequestDenied', INSUFFICIENT);
        return send(res, rec, 200, { '@odata.context': `${base}/v1.0/$metadata#users/$entity`, ...project(u, select) });
      }
      if (seg.length === 2 && rec.method === 'PATCH') return patchUser(res, rec, u, raw, roles, wids);
      if (seg[2] === 'transitiveMemberOf' && rec.method === 'GET') {
        // Another user's memberships, application: User.Read.All is the least privileged permission.
        if (!canReadUsers && !canReadMembers) return graphError(res, rec, 403, 'Authorization_RequestDenied', INSUFFICIENT);
        const cast = seg[3];
        if (cast !== undefined && cast !== 'microsoft.graph.group' && cast !== 'microsoft.graph.directoryRole') return graphError(res, rec, 400, 'Request_BadRequest', `Invalid cast ${cast}.`);
        if (cast !== undefined && !advancedOk(rec, q)) return graphError(res, rec, 400, 'Request_UnsupportedQuery', 'Type cast on a directory object collection requires ConsistencyLevel: eventual and $count=true.');
        // Objects of a type the app may not read come back with limited information (type and id only).
        const canReadRoles = roles.some((r) => ['Directory.Read.All', 'Directory.ReadWrite.All', 'RoleManagement.Read.Directory'].includes(r));
        const out: Obj[] = [];
        for (const g of groups.values()) {
          if (memberIdsOf(g).users.has(u.id) && cast !== 'microsoft.graph.directoryRole') out.push({ '@odata.type': '#microsoft.graph.group', id: g.id, displayName: canReadMembers ? g.displayName : null });
        }
        if (cast !== 'microsoft.graph.group') {
          for (const r of u.roles ?? []) {
            out.push({ '@odata.type': '#microsoft.graph.directoryRole', id: `role-${r}`, displayName: canReadRoles ? ROLE_NAMES[r] ?? r : null, roleTemplateId: canReadRoles ? r : null });
          }
        }
        return page(res, rec, out, q, rec.path, 'directoryObjects');
      }
    }

    if (seg[0] === 'groups' && seg.length === 3 && seg[2] === 'transitiveMembers' && rec.method === 'GET') {
      if (!canReadMembers) return graphError(res, rec, 403, 'Authorization_RequestDenied', INSUFFICIENT);
      const g = findGroup(seg[1] as string);
      if (!g) return graphError(res, rec, 404, 'Request_ResourceNotFound', `Resource '${seg[1]}' does not exist or one of its queried reference-property objects are not present.`);
      const ids = memberIdsOf(g);
      const out: Obj[] = [...ids.users].map((id) => ({ '@odata.type': '#microsoft.graph.user', id }));
      for (const id of ids.groups) out.push({ '@odata.type': '#microsoft.graph.group', id });
      return page(res, rec, out, q, rec.path, 'directoryObjects');
    }

    if (seg[0] === 'identityProtection' && seg[1] === 'riskyUsers') {
      const read = roles.includes('IdentityRiskyUser.Read.All') || roles.includes('IdentityRiskyUser.ReadWrite.All');
      if (seg[2] === 'dismiss' && rec.method === 'POST') {
        if (!roles.includes('IdentityRiskyUser.ReadWrite.All')) return graphError(res, rec, 403, 'accessDenied', 'Request Authorization failed');
        if (!state.p2Licensed) return graphError(res, rec, 403, 'Forbidden', 'Your tenant is not licensed for this feature.');
        let ids: unknown;
        try { ids = (JSON.parse(raw) as { userIds?: unknown }).userIds; } catch { ids = undefined; }
        if (!Array.isArray(ids) || ids.length === 0 || ids.length > 60) return graphError(res, rec, 400, 'BadRequest', 'userIds must hold 1 to 60 user ids.');
        for (const id of ids) { const u = findUser(String(id)); if (u) { u.riskLevel = 'none'; u.riskState = 'dismissed'; } }
        return send(res, rec, 204);
      }
      if (seg.length === 3 && rec.method === 'GET') {
        if (!read) return graphError(res, rec, 403, 'accessDenied', 'Request Authorization failed');
        if (!state.p2Licensed) return graphError(res, rec, 403, 'Forbidden', 'Your tenant is not licensed for this feature.');
        const u = findUser(seg[2] as string);
        if (!u || (u.riskState ?? 'none') === 'none') return graphError(res, rec, 404, 'ResourceNotFound', 'The requested resource does not exist.');
        return send(res, rec, 200, { id: u.id, userPrincipalName: u.userPrincipalName, riskLevel: u.riskLevel ?? 'none', riskState: u.riskState, riskDetail: 'none', isDeleted: false, isProcessing: false });
      }
    }
    return graphError(res, rec, 400, 'BadRequest', `Resource not found for the segment '${seg[0] ?? ''}'.`);
  };

  const patchUser = (res: ServerResponse, rec: RecordedRequest, u: EmuUser, raw: string, roles: string[], wids: string[]) => {
    let body: Record<string, unknown>;
    try { body = JSON.parse(raw) as Record<string, unknown>; } catch { return graphError(res, rec, 400, 'BadRequest', 'Unable to read JSON request payload.'); }
    const profile = body.passwordProfile as { password?: unknown; forceChangePasswordNextSignIn?: unknown } | undefined;
    rec.body = { ...body, ...(profile ? { passwordProfile: { ...profile, password: profile.password === undefined ? undefined : '[masked]' } } : {}) };
    if (!roles.some((r) => r === 'User.ReadWrite.All' || r === 'Directory.ReadWrite.All')) return graphError(res, rec, 403, 'Authorization_RequestDenied', INSUFFICIENT);
    if (profile) {
      const targetIsAdmin = (u.roles ?? []).length > 0;
      const allowed: string[] = targetIsAdmin ? [ROLE.privilegedAuthenticationAdministrator, ROLE.globalAdministrator]
        : [ROLE.userAdministrator, ROLE.passwordAdministrator, ROLE.helpdeskAdministrator, ROLE.privilegedAuthenticationAdministrator, ROLE.globalAdministrator];
      if (!wids.some((w) => allowed.includes(w))) return graphError(res, rec, 403, 'Authorization_RequestDenied', INSUFFICIENT);
      if (u.onPremisesSyncEnabled) return graphError(res, rec, 400, 'Request_BadRequest', SYNCED);
      if (typeof profile.password !== 'string' || !entraPasswordOk(profile.password) || (u.passwordPolicies ?? '').includes('DisableStrongPassword') && profile.password.length < 8) {
        return graphError(res, rec, 400, 'Request_BadRequest', PASSWORD_COMPLEXITY);
      }
      u.password = profile.password;
      u.passwordHistory.push(profile.password);
      u.lastPasswordChangeDateTime = clock().toISOString().replace(/\.\d{3}Z$/, 'Z');
      if (u.riskState === 'atRisk') { u.riskState = 'remediated'; u.riskLevel = 'none'; }
    }
    for (const k of ['displayName', 'mobilePhone', 'accountEnabled'] as const) if (k in body) (u as unknown as Obj)[k] = body[k];
    touch(u.id);
    send(res, rec, 204);
  };

  const server: Server = createServer({ key: pki.serverKey, cert: pki.serverCert }, (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = req.url ?? '/';
      const u = new URL(url, base);
      const query: Record<string, string> = {};
      for (const [k, v] of u.searchParams) query[k] = v;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = k === 'authorization' ? `${v.slice(0, 7)}…` : v;
      const rec: RecordedRequest = { method: req.method ?? 'GET', url, path: u.pathname, query, headers };
      state.requests.push(rec);
      const authz = req.headers.authorization;
      try {
        const tokenPath = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(u.pathname);
        if (tokenPath && req.method === 'POST') return handleToken(res, rec, decodeURIComponent(tokenPath[1] as string), raw);
        if (u.pathname.startsWith('/v1.0/')) {
          if (rec.method !== 'PATCH' && raw) { try { rec.body = JSON.parse(raw); } catch { rec.body = '[not JSON]'; } }
          return handleGraph(res, rec, raw, authz);
        }
        // Discovery endpoints exist so that a discovery call would be seen (and counted) — Keyhatch must make none.
        if (u.pathname.endsWith('/.well-known/openid-configuration') || u.pathname.includes('/discovery/instance')) {
          return send(res, rec, 200, { note: 'discovery should not be called' });
        }
        graphError(res, rec, 404, 'NotFound', `No route ${u.pathname}`);
      } catch (err) {
        graphError(res, rec, 500, 'UnknownError', (err as Error).message);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    authorityHost: base, graphUrl: base, caFile: pki.caFile, tenantId, clientId, clientSecret, pki, state,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
