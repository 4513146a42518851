// Which configuration values are secrets, and where else they may come from: a
// KEYHATCH_<KEY>_FILE variable (containers mount secrets as files) or the platform secret store
// (`keyhatch secret set <key>`: DPAPI on Windows, a 0600 file elsewhere). Plain JSON or a plain
// environment variable still work, but a config file holding one must be private (load.ts).
import { readFileSync } from 'node:fs';
import { KeyhatchError } from '../errors/catalogue.js';
import type { RawConfig } from './policy-source.js';

export interface SecretSource {
  get(name: string): Promise<Buffer | undefined>;
}

export interface SecretKey {
  /** The name `keyhatch secret set` takes; stored as `config.<key>`. */
  readonly key: string;
  /** Config path it fills; for smtp-password, the password part of smtp.url. */
  readonly path: string;
  /** KEYHATCH_<ENV>; the file variant is KEYHATCH_<ENV>_FILE. */
  readonly env: string;
  /** Only filled when this config section is present. */
  readonly section: string;
}

export const SECRET_KEYS: readonly SecretKey[] = [
  { key: 'ad-bind-password', path: 'ad.bindPassword', env: 'KEYHATCH_AD_BIND_PASSWORD', section: 'ad' },
  { key: 'entra-client-secret', path: 'entra.clientSecret', env: 'KEYHATCH_ENTRA_CLIENT_SECRET', section: 'entra' },
  { key: 'smtp-password', path: 'smtp.url#password', env: 'KEYHATCH_SMTP_PASSWORD', section: 'smtp' },
  { key: 'sms-webhook-secret', path: 'sms.secret', env: 'KEYHATCH_SMS_WEBHOOK_SECRET', section: 'sms' },
  { key: 'sms-twilio-auth-token', path: 'sms.authToken', env: 'KEYHATCH_SMS_TWILIO_AUTH_TOKEN', section: 'sms' },
];

export const storeNameOf = (key: string): string => `config.${key}`;

export function secretKey(key: string): SecretKey {
  const k = SECRET_KEYS.find((s) => s.key === key);
  if (!k) throw new KeyhatchError('CONFIG_INVALID', { message: `unknown secret "${key}"; known: ${SECRET_KEYS.map((s) => s.key).join(', ')}` });
  return k;
}

function section(raw: RawConfig, name: string): RawConfig | undefined {
  const v = raw[name];
  return v && typeof v === 'object' && !Array.isArray(v) ? v as RawConfig : undefined;
}

function smtpUrl(raw: RawConfig): URL | undefined {
  const url = section(raw, 'smtp')?.url;
  if (typeof url !== 'string') return undefined;
  try { return new URL(url); } catch { return undefined; }
}

function current(raw: RawConfig, k: SecretKey): unknown {
  if (k.key === 'smtp-password') return smtpUrl(raw)?.password || undefined;
  const [sec, field] = k.path.split('.') as [string, string];
  return section(raw, sec)?.[field];
}

function assign(raw: RawConfig, k: SecretKey, value: string): void {
  if (k.key === 'smtp-password') {
    const u = smtpUrl(raw);
    if (!u?.username) return; // no account to sign in with: nothing to fill
    u.password = encodeURIComponent(value);
    (raw.smtp as RawConfig).url = u.toString();
    return;
  }
  const [sec, field] = k.path.split('.') as [string, string];
  const s = section(raw, sec);
  // sms.secret belongs to the webhook provider, sms.authToken to twilio.
  if (sec === 'sms' && ((field === 'secret' && s?.provider !== 'webhook') || (field === 'authToken' && s?.provider !== 'twilio'))) return;
  if (s) s[field] = value;
}

/** The secrets a config file itself contains (by config path), for the file-permission check. */
export function secretsInFile(raw: RawConfig): string[] {
  return SECRET_KEYS.filter((k) => current(raw, k) !== undefined && current(raw, k) !== '').map((k) => k.path.replace('#password', ' (password)'));
}

function readSecretFile(file: string, variable: string): string {
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new KeyhatchError('CONFIG_INVALID', { message: `${variable}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
  }
}

/**
 * Fills each secret of a present section: KEYHATCH_<KEY> (already merged by load.ts) or
 * KEYHATCH_<KEY>_FILE, else the config value, else the secret store. Both a variable and its
 * _FILE twin set is refused (which one would win is a guess).
 */
export async function applySecrets(raw: RawConfig, env: Record<string, string | undefined>, store: SecretSource): Promise<RawConfig> {
  const out = structuredClone(raw);
  for (const k of SECRET_KEYS) {
    if (!section(out, k.section)) continue;
    const fileVar = `${k.env}_FILE`;
    const file = env[fileVar];
    if (file) {
      if (env[k.env]) throw new KeyhatchError('CONFIG_INVALID', { message: `both ${k.env} and ${fileVar} are set: keep one` });
      assign(out, k, readSecretFile(file, fileVar));
      continue;
    }
    if (k.key === 'smtp-password' && env[k.env]) { assign(out, k, env[k.env] as string); continue; }
    if (current(out, k) !== undefined && current(out, k) !== '') continue;
    let stored: Buffer | undefined;
    try { stored = await store.get(storeNameOf(k.key)); } catch (err) {
      throw new KeyhatchError('CONFIG_INVALID', { message: `secret store: ${(err as Error).message}` });
    }
    if (stored) assign(out, k, stored.toString('utf8'));
  }
  return out;
}
