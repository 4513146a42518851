// The configuration schema. Validated once at start-up; errors name the key and what is wrong.
import { z } from 'zod';

const hostPort = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

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
});

export const configSchema = z.strictObject({
  role: z.enum(['standalone', 'gateway', 'relay']).default('standalone'),
  listen: z.string().regex(hostPort, 'must be host:port').default('127.0.0.1:7788'),
  dataDir: z.string().min(1),
  log: z.strictObject({
    level: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
    /** Directory for keyhatch.log (diagnostic) and audit.log (JSON lines); default: dataDir/logs. */
    dir: z.string().min(1).optional(),
    console: z.boolean().default(false),
  }).prefault({}),
  ad: adSchema.optional(),
  smtp: smtpSchema.optional(),
  entra: entraSchema.optional(),
});

export type KeyhatchConfig = z.infer<typeof configSchema>;
export type AdConfig = z.infer<typeof adSchema>;
