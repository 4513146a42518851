// The configuration schema. Validated once at start-up; errors name the key and what is wrong.
import { z } from 'zod';
import { webauthnOriginProblems } from './webauthn-origins.js';
import { checkDirectories } from './directories-check.js';
import { DEFAULT_KIOSK_EXECUTABLE, DEFAULT_LISTEN, GATEWAY_PIN, HOST_PORT, KIOSK_ACCOUNT, KIOSK_HOST_NAME, LANGUAGE_TAG, isHttpsUrl } from './patterns.js';

const hostPort = HOST_PORT;

const ldapUrl = z.string().refine((u) => {
  try {
    const p = new URL(u);
    return (p.protocol === 'ldaps:' || p.protocol === 'ldap:') && p.hostname !== '' && (p.pathname === '' || p.pathname === '/');
  } catch { return false; }
}, 'must be ldaps://host[:port] or ldap://host[:port] (StartTLS)');

export const adSchema = z.strictObject({
  urls: z.array(ldapUrl).min(1, 'needs at least one DC URL'),
  baseDn: z.string().min(1),
  bindDn: z.string().min(1),
  bindPassword: z.string().min(1).optional(),
  caFile: z.string().min(1).optional(),
  tlsServerName: z.string().min(1).optional(),
  connectTimeoutMs: z.number().int().min(100).max(60_000).default(3000),
  timeoutMs: z.number().int().min(100).max(300_000).default(10_000),
  /** Extra groups (DN or SID) whose members are refused like built-in admins. */
  privilegedGroups: z.array(z.string().min(1)).default([]),
  allowPrivileged: z.boolean().default(false),
  /**
   * Accounts (sAMAccountName, UPN, DN or SID) served although adminCount=1, when no privileged
   * group membership remains (former admins whose flag was never cleared).
   */
  adminCountExceptions: z.array(z.string().min(1)).default([]),
  /** auto: policy-hints control when the DC lists it, else the two-step path. */
  resetStrategy: z.enum(['auto', 'policy-hints', 'two-step']).default('auto'),
  bannedWords: z.array(z.string().min(1)).default([]),
});

export const smtpSchema = z.strictObject({
  url: z.string().regex(/^smtps?:\/\/.+/, 'must be smtp://host:port or smtps://host:port'),
  from: z.string().min(3),
  caFile: z.string().min(1).optional(),
});

export const entraSchema = z.strictObject({
  tenantId: z.string().min(1),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1).optional(),
  certFile: z.string().min(1).optional(),
  keyFile: z.string().min(1).optional(),
  authorityHost: z.url().default('https://login.microsoftonline.com'),
  graphUrl: z.url().default('https://graph.microsoft.com'),
  /** National cloud preset; replaces authorityHost/graphUrl while they are left at the global defaults. */
  cloud: z.enum(['global', 'usgov', 'usgov-dod', 'china']).default('global'),
  /** SHA-256 thumbprint (hex) of certFile; computed from the certificate when absent. */
  certThumbprintSha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits (SHA-256)').optional(),
  /** Send the public certificate chain (x5c) with the assertion (subject name + issuer authentication). */
  sendX5c: z.boolean().default(false),
  /** PEM file of an extra CA to trust for the authority and Graph (TLS-inspecting proxies, tests). */
  caFile: z.string().min(1).optional(),
  timeoutMs: z.number().int().min(100).max(300_000).default(15_000),
  /** Retries after 429/503/504 before giving up (Retry-After honoured, else exponential backoff with jitter). */
  maxRetries: z.number().int().min(0).max(10).default(4),
  /** A Retry-After longer than this is not waited for: the request fails as throttled. */
  maxRetryAfterSeconds: z.number().int().min(1).max(600).default(60),
  /** Hybrid users: how long a reset made in AD may take to show up in Entra before a sync mismatch is flagged. */
  syncWatchSeconds: z.number().int().min(30).max(86_400).default(1800),
  syncPollSeconds: z.number().int().min(5).max(3600).default(60),
  /** Offer the user's Entra mail / mobilePhone / otherMails as verification addresses. */
  preEnrollment: z.boolean().default(false),
  /** On "unlock", dismiss the user's Identity Protection risk (needs IdentityRiskyUser.ReadWrite.All and Entra ID P2). */
  dismissRisk: z.boolean().default(true),
  /** Extra groups (object ids) whose members are refused like directory-role holders. */
  privilegedGroups: z.array(z.string().min(1)).default([]),
  allowPrivileged: z.boolean().default(false),
  bannedWords: z.array(z.string().min(1)).default([]),
}).refine((e) => e.clientSecret !== undefined || (e.certFile !== undefined && e.keyFile !== undefined), {
  message: 'needs clientSecret, or certFile and keyFile (certificate credentials)',
});

export const smsSchema = z.discriminatedUnion('provider', [
  z.strictObject({
    provider: z.literal('webhook'),
    /** HTTPS endpoint that receives {"to","text"} as JSON, signed with HMAC-SHA256 in X-Keyhatch-Signature. */
    url: z.url().refine((u) => u.startsWith('https://'), 'must be an https:// URL'),
    secret: z.string().min(16, 'must be at least 16 characters'),
    caFile: z.string().min(1).optional(),
  }),
  z.strictObject({
    provider: z.literal('twilio'),
    accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must look like AC followed by 32 hex digits'),
    authToken: z.string().min(8),
    from: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number like +15550100'),
    baseUrl: z.url().default('https://api.twilio.com'),
    caFile: z.string().min(1).optional(),
  }),
]);

/** One directory of several (the `directories` array): its own service account, base DN, policy and privileged groups. */
const dnsDomainName = z.string().regex(/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))+$/, 'must be a DNS domain name like corp.example.com')
  .transform((s) => s.toLowerCase());
export const directoryEntrySchema = z.strictObject({
  /** Short name for logs, the audit and account ids ("corp", "lab-eu"). */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be 1-32 lower-case letters, digits or hyphens'),
  /** NetBIOS domain name typed as NETBIOS\name. AD default: the first label of the base DN's DNS domain. */
  netbios: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,14}$/, 'must be a NetBIOS domain name (1-15 letters, digits or hyphens)').transform((s) => s.toUpperCase()).optional(),
  /** UPN suffixes routed here besides the AD domain's own DNS name (alternative UPN suffixes, Entra verified domains). */
  upnSuffixes: z.array(dnsDomainName).default([]),
  ad: adSchema.optional(),
  entra: entraSchema.optional(),
}).superRefine((d, ctx) => {
  if (!d.ad && !d.entra) ctx.addIssue({ code: 'custom', path: [], message: 'needs ad, entra or both' });
  else if (!d.ad && d.upnSuffixes.length === 0 && !d.netbios) ctx.addIssue({ code: 'custom', path: ['upnSuffixes'], message: 'an Entra-only directory needs at least one UPN suffix (its verified domains) or a netbios name' });
});

export const directoryRoutingSchema = z.strictObject({
  /** A bare name with no known default domain: "refuse" (answered like an unknown user when it exists in two directories) or "first-match" (configured order). */
  ambiguous: z.enum(['refuse', 'first-match']).default('refuse'),
});

const factorType = z.enum(['email', 'sms', 'totp', 'webauthn', 'questions', 'helpdesk']);

/** How much proof an action needs: a number of factors and a total weight (strong = 2, weak = 1). */
const requirement = z.strictObject({
  factors: z.number().int().min(1).max(4).default(1),
  minWeight: z.number().int().min(1).max(8).default(2),
});

export const recoverySchema = z.strictObject({
  sessionSeconds: z.number().int().min(60).max(3600).default(600),
  codeSeconds: z.number().int().min(60).max(600).default(600),
  codeTries: z.number().int().min(1).max(3).default(3),
  enabledFactors: z.array(factorType).default(['email', 'sms', 'totp', 'webauthn', 'questions', 'helpdesk']),
  unlock: requirement.prefault({}),
  reset: requirement.prefault({ factors: 1, minWeight: 2 }),
  /** Stricter (or looser) rules for members of a group (DN), first match wins. */
  groupPolicies: z.array(z.strictObject({
    group: z.string().min(1),
    unlock: requirement.optional(),
    reset: requirement.optional(),
    disabledFactors: z.array(factorType).default([]),
  })).default([]),
  /** Offer directory `mail` / `mobile` as e-mail / SMS factors without enrollment. */
  preEnrollFromDirectory: z.boolean().default(false),
  /**
   * Extra NetBIOS names / UPN suffixes of the home domain (the AD base DN's DNS name and first label
   * are always included): `ALIAS\\x` and `x@alias` count as the name `x` for rate limits.
   */
  domainAliases: z.array(z.string().min(1).max(253)).default([]),
});

export const rateLimitSchema = z.strictObject({
  /** Failures per user per window (Entra: 5 per hour, then 24 h). */
  attempts: z.number().int().min(1).max(1000).default(5),
  /** Failures per workstation: looser, several people share one. */
  deviceAttempts: z.number().int().min(1).max(10_000).default(20),
  /** Failures per source address: loosest, every kiosk on a machine comes from loopback. */
  sourceAttempts: z.number().int().min(1).max(100_000).default(100),
  windowSeconds: z.number().int().min(1).max(86_400).default(3600),
  blockSeconds: z.number().int().min(1).max(7 * 86_400).default(86_400),
  /** Starting recoveries per source address per window (looser: one NAT can hide many people). */
  startsPerSource: z.number().int().min(1).max(100_000).default(60),
});

export const questionsSchema = z.strictObject({
  list: z.array(z.string().min(5)).min(3).default([
    'What was the name of your first school?',
    'In which city were you born?',
    'What was the make of your first car?',
    'What is the name of the street you grew up on?',
    'What was the name of your first pet?',
    'What is your favourite book?',
  ]),
  required: z.number().int().min(1).max(10).default(3),
  minAnswerLength: z.number().int().min(1).max(64).default(3),
});

const httpsUrl = z.string().refine(isHttpsUrl, 'must be an https:// URL');

/** Relay → gateway; gateway: who may speak for a client's address. */
export const gatewaySchema = z.strictObject({
  /** Relay: gateway base URLs, tried in order (failover). Default: the URL given to `keyhatch join`. */
  urls: z.array(httpsUrl).min(1, 'needs at least one gateway URL').optional(),
  /** Relay: `sha256/<base64>` of the gateway CA's or certificate's public key (SPKI). */
  pin: z.string().regex(GATEWAY_PIN, 'must be sha256/<base64 of 32 bytes>').optional(),
  /** Gateway: proxies (IP addresses) whose X-Forwarded-For is believed; nobody else's is. */
  trustedProxies: z.array(z.union([z.ipv4(), z.ipv6()])).default([]),
  /** Gateway: lifetime of device certificates issued at join. */
  deviceCertDays: z.number().int().min(1).max(3650).default(825),
  /** Relay: after a reset at the gateway, refresh this PC's cached logon verifier when no DC is reachable (offline laptops). */
  updateCachedCredentials: z.boolean().default(true),
  /**
   * Gateway: PEM file of issuing CAs (e.g. AD CS) whose machine certificates — Client Authentication,
   * a DNS name — are accepted as devices without a join (docs/deployment.md, machine certificates).
   */
  machineCaFile: z.string().min(1).optional(),
  /** Relay: a machine certificate (PEM) from such a CA, used instead of joining; needs keyFile and urls. */
  certFile: z.string().min(1).optional(),
  /** Relay: the machine certificate's private key (PEM). */
  keyFile: z.string().min(1).optional(),
  /** Relay with a machine certificate: PEM of the CA that issued the gateway's server certificate (a join keeps it itself). */
  caFile: z.string().min(1).optional(),
}).prefault({}).superRefine((g, ctx) => {
  if ((g.certFile === undefined) !== (g.keyFile === undefined)) ctx.addIssue({ code: 'custom', path: [g.certFile ? 'keyFile' : 'certFile'], message: 'a machine certificate needs both gateway.certFile and gateway.keyFile' });
  if (g.certFile !== undefined && !g.urls) ctx.addIssue({ code: 'custom', path: ['urls'], message: 'a relay with a machine certificate needs gateway.urls (there is no join to remember them)' });
});

/** Discovery and sync, reminders and enrollment campaigns (issue 12; docs/admin.md). */
export const populationSchema = z.strictObject({
  /** Seconds between incremental syncs of every directory on the gateway; 0 turns periodic sync off. */
  syncIntervalSeconds: z.number().int().min(0).max(86_400).default(60),
  /** What a user's enrollment becomes when they leave the target groups or are disabled. */
  leaverRule: z.enum(['keep', 'disable-enrollment', 'delete-enrollment']).default('disable-enrollment'),
  /** Licensed users (in scope, not disabled); more gives a warning, never a refusal. */
  licenceLimit: z.number().int().min(1).optional(),
  /** Link sent in enrollment campaign mails (the portal as users reach it). */
  portalUrl: z.url().optional(),
  reminders: z.strictObject({
    /** Password-expiry reminders to targeted users. */
    enabled: z.boolean().default(false),
    /** Days before expiry on which a reminder goes out. */
    daysBefore: z.array(z.number().int().min(0).max(365)).min(1).default([14, 7, 3, 1]),
    /** Language of the mails (en, de, fr, es, nl). */
    language: z.enum(['en', 'de', 'fr', 'es', 'nl']).default('en'),
  }).prefault({}),
  campaign: z.strictObject({
    /** Enrollment reminders to DISCOVERED users. */
    enabled: z.boolean().default(false),
    /** Days between two campaign mails to the same user. */
    everyDays: z.number().int().min(1).max(365).default(7),
    /** Stop after this many mails to one user. */
    maxMails: z.number().int().min(1).max(100).default(4),
  }).prefault({}),
}).prefault({});

/** Gateway HTTPS: certificate (PEM, chain allowed) and its key. */
export const tlsSchema = z.strictObject({
  certFile: z.string().min(1),
  keyFile: z.string().min(1),
});

/** Settings a relay must never hold: they carry directory or delivery credentials. */
const RELAY_FORBIDDEN = ['ad', 'entra', 'smtp', 'sms', 'directories', 'databaseUrl', 'database', 'secrets'] as const;

export const configSchema = z.strictObject({
  role: z.enum(['standalone', 'gateway', 'relay']).default('standalone'),
  listen: z.string().regex(hostPort, 'must be host:port').default(DEFAULT_LISTEN),
  dataDir: z.string().min(1),
  /** PostgreSQL connection URL (postgres://user:password@host:port/db); absent: SQLite in dataDir. */
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL').optional(),
  log: z.strictObject({
    level: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
    /** Directory for keyhatch.log (diagnostic) and audit.log (JSON lines); default: dataDir/logs. */
    dir: z.string().min(1).optional(),
    console: z.boolean().default(false),
  }).prefault({}),
  ad: adSchema.optional(),
  smtp: smtpSchema.optional(),
  sms: smsSchema.optional(),
  recovery: recoverySchema.prefault({}),
  rateLimits: rateLimitSchema.prefault({}),
  questions: questionsSchema.prefault({}),
  webauthn: z.strictObject({
    rpId: z.string().min(1).optional(),
    rpName: z.string().min(1).default('Keyhatch'),
    /** Origins the kiosk and portal are served from; default: the listen address over http. */
    origins: z.array(z.string().min(1)).optional(),
    /** Origins of the kiosk pages (relays), when they differ from the portal's (`origins`); see docs/webauthn.md. */
    kioskOrigins: z.array(z.string().min(1)).min(1).optional(),
  }).prefault({}),
  http: z.strictObject({
    /**
     * Host names the kiosk and portal answer to (Host and Origin), besides localhost, 127.0.0.1,
     * [::1] and the listen host: anything else is refused, which stops DNS rebinding.
     */
    allowedHosts: z.array(z.string().min(1).max(253)).default([]),
  }).prefault({}),
  enrollment: z.strictObject({
    tokenSeconds: z.number().int().min(60).max(3600).default(900),
  }).prefault({}),
  kiosk: z.strictObject({
    /** Require the per-launch secret on recovery calls (the Electron kiosk sends it). */
    requireSecret: z.boolean().default(true),
    /** The Electron kiosk executable (Windows; installed by the MSI). */
    executable: z.string().min(1).default(DEFAULT_KIOSK_EXECUTABLE),
    /** Local account the kiosk runs as: created disabled at install (`keyhatch kiosk-account ensure`), enabled only while a launch logs on; never SYSTEM. */
    account: z.string().regex(KIOSK_ACCOUNT, 'must be a local account name').default('KeyhatchKiosk'),
    /** The kiosk quits after this long without input (passed as --keyhatch-idle). */
    idleSeconds: z.number().int().min(30).max(3600).default(300),
    /** Kiosk language (en, de, fr, es, nl, or a region of one); default: the display language. */
    language: z.string().regex(LANGUAGE_TAG, 'must be a language tag like de or de-AT').optional(),
    /** A DNS name under webauthn.rpId the kiosk loads its page from; the kiosk maps it to loopback itself (docs/webauthn.md). */
    hostName: z.string().regex(KIOSK_HOST_NAME, 'must be a DNS name like keyhatch-kiosk.corp.example').optional(),
  }).prefault({}),
  entra: entraSchema.optional(),
  /** Several AD domains / Entra tenants at once; the single `ad` / `entra` keys are the one-directory form. */
  directories: z.array(directoryEntrySchema).min(1, 'needs at least one directory').optional(),
  directoryRouting: directoryRoutingSchema.prefault({}),
  gateway: gatewaySchema,
  tls: tlsSchema.optional(),
  population: populationSchema,
  /** The admin console served by the gateway (docs/admin-console.md). */
  adminConsole: z.strictObject({
    /** Groups (DN; nested membership counts) whose members may do everything in the console. */
    adminGroups: z.array(z.string().min(1)).default([]),
    /** Groups whose members may only look users up, verify callers and do help-desk actions. */
    helpdeskGroups: z.array(z.string().min(1)).default([]),
    /** A console session ends after this long without a request … */
    idleSeconds: z.number().int().min(60).max(3600).default(900),
    /** … and after this long in any case. */
    maxSeconds: z.number().int().min(300).max(43_200).default(14_400),
    /** How long a verified caller stays verified in the agent's session. */
    callerVerifiedSeconds: z.number().int().min(60).max(3600).default(900),
    /**
     * Negotiate / Kerberos single sign-on (AD only): the gateway's HTTP service principal and the
     * keytab holding its AES keys (docs/admin-console.md). Absent: password sign-in only.
     */
    negotiate: z.strictObject({
      keytabFile: z.string().min(1),
      servicePrincipal: z.string().regex(/^[^/@\s]+\/[^/@\s]+@[^/@\s]+$/, 'write it as HTTP/host.example.com@REALM'),
    }).optional(),
  }).prefault({}),
}).superRefine((c, ctx) => {
  checkDirectories(c, ctx);
  if (c.role === 'relay') {
    for (const key of RELAY_FORBIDDEN) {
      if ((c as Record<string, unknown>)[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'not allowed in the relay role (directory and delivery settings live on the gateway only)' });
    }
  }
  checkWebAuthn(c, ctx);
  if (c.role === 'gateway' && !c.tls) ctx.addIssue({ code: 'custom', path: ['tls'], message: 'the gateway role needs tls.certFile and tls.keyFile (KEYHATCH_TLS_CERT_FILE / KEYHATCH_TLS_KEY_FILE; `keyhatch gateway init` can make them)' });
});

export type KeyhatchConfig = z.infer<typeof configSchema>;
export type AdConfig = z.infer<typeof adSchema>;
export type EntraConfig = z.infer<typeof entraSchema>;
export type DirectoryEntryConfig = z.infer<typeof directoryEntrySchema>;

/** WebAuthn origins a browser would refuse, and a kiosk host name outside the rpId, fail at load. */
function checkWebAuthn(c: { webauthn: { rpId?: string; origins?: string[]; kioskOrigins?: string[] }; kiosk: { hostName?: string } }, ctx: z.RefinementCtx): void {
  const rpId = c.webauthn.rpId ?? 'localhost';
  for (const key of ['origins', 'kioskOrigins'] as const) {
    for (const p of webauthnOriginProblems(rpId, c.webauthn[key] ?? [], key === 'kioskOrigins')) ctx.addIssue({ code: 'custom', path: ['webauthn', key], message: p });
  }
  // The kiosk host name is served without being listed in http.allowedHosts (roles/relay.ts,
  // roles/standalone.ts): one Group Policy value is enough on a workstation.
  const host = c.kiosk.hostName;
  if (host && rpId !== 'localhost' && host.toLowerCase() !== rpId.toLowerCase() && !host.toLowerCase().endsWith(`.${rpId.toLowerCase()}`)) {
    ctx.addIssue({ code: 'custom', path: ['kiosk', 'hostName'], message: `${host} is not under webauthn.rpId ${rpId}: security keys would not work at the kiosk` });
  }
}
