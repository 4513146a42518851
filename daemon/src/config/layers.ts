// The configuration layers before validation: what the installer recorded (the machine's role), then
// the JSON file, then Group Policy, then KEYHATCH_* environment variables, merged. No schema here
// (and no zod): the relay validates its own small subset by hand (relay-config.ts); every other
// role validates with the schema (load.ts).
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyhatchError } from '../errors/catalogue.js';
import type { PolicySource, RawConfig } from './policy-source.js';
import type { ConfigLayers } from './provenance.js';
import { applySecrets, secretsInFile, type SecretSource } from './secrets.js';

type Env = Record<string, string | undefined>;

/** Environment variable → config path (CONTRACTS.md). */
const ENV_MAP: ReadonlyArray<[string, string, ((v: string) => unknown)?]> = [
  ['KEYHATCH_AD_URL', 'ad.urls', (v) => v.split(',').map((s) => s.trim()).filter(Boolean)],
  ['KEYHATCH_AD_BASE_DN', 'ad.baseDn'],
  ['KEYHATCH_AD_BIND_DN', 'ad.bindDn'],
  ['KEYHATCH_AD_BIND_PASSWORD', 'ad.bindPassword'],
  ['KEYHATCH_AD_CA_FILE', 'ad.caFile'],
  ['KEYHATCH_AD_TLS_SERVERNAME', 'ad.tlsServerName'],
  ['KEYHATCH_DATA_DIR', 'dataDir'],
  ['KEYHATCH_DATABASE_URL', 'databaseUrl'],
  ['KEYHATCH_LISTEN', 'listen'],
  ['KEYHATCH_LOG_LEVEL', 'log.level'],
  ['KEYHATCH_SMTP_URL', 'smtp.url'],
  ['KEYHATCH_SMTP_FROM', 'smtp.from'],
  ['KEYHATCH_ENTRA_TENANT_ID', 'entra.tenantId'],
  ['KEYHATCH_ENTRA_CLIENT_ID', 'entra.clientId'],
  ['KEYHATCH_ENTRA_CLIENT_SECRET', 'entra.clientSecret'],
  ['KEYHATCH_ENTRA_CERT_FILE', 'entra.certFile'],
  ['KEYHATCH_ENTRA_KEY_FILE', 'entra.keyFile'],
  ['KEYHATCH_ENTRA_AUTHORITY_HOST', 'entra.authorityHost'],
  ['KEYHATCH_ENTRA_GRAPH_URL', 'entra.graphUrl'],
  ['KEYHATCH_ENTRA_CA_FILE', 'entra.caFile'],
  ['KEYHATCH_ROLE', 'role'],
  ['KEYHATCH_GATEWAY_URL', 'gateway.urls', (v) => v.split(',').map((s) => s.trim()).filter(Boolean)],
  ['KEYHATCH_GATEWAY_PIN', 'gateway.pin'],
  ['KEYHATCH_TLS_CERT_FILE', 'tls.certFile'],
  ['KEYHATCH_TLS_KEY_FILE', 'tls.keyFile'],
];

function setPath(target: RawConfig, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const k of keys.slice(0, -1)) {
    const next = node[k];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[k] = {};
    node = node[k] as RawConfig;
  }
  node[keys[keys.length - 1] as string] = value;
}

function deepMerge(base: RawConfig, over: RawConfig): RawConfig {
  const out: RawConfig = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
      ? deepMerge(b as RawConfig, v as RawConfig) : v;
  }
  return out;
}

export function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

export function defaultDataDir(env: Env = process.env): string {
  return process.platform === 'win32' ? join(env.ProgramData ?? 'C:\\ProgramData', 'Keyhatch') : '/var/lib/keyhatch';
}

export function envOverrides(env: Env): RawConfig {
  const out: RawConfig = {};
  for (const [name, path, convert] of ENV_MAP) {
    const v = env[name];
    if (v !== undefined && v !== '') setPath(out, path, convert ? convert(v) : v);
  }
  return out;
}

/**
 * A config file that holds a secret must be readable by its owner only (POSIX mode bits; on
 * Windows the data directory ACL set by the service protects the files instead).
 */
async function assertPrivateIfSecret(file: string, content: RawConfig, platform: NodeJS.Platform): Promise<void> {
  const found = secretsInFile(content);
  if (found.length === 0 || platform === 'win32') return;
  const mode = (await stat(file)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new KeyhatchError('CONFIG_INVALID', { message: `config file ${file} contains ${found.join(', ')} but is accessible by group/others (mode ${mode.toString(8)}): run chmod 600 on it, or move the secret to the secret store (keyhatch secret set) or a KEYHATCH_*_FILE variable` });
  }
}

/** Far deeper than any real configuration: refused before merging and validation recurse into it (stack overflow). */
const MAX_CONFIG_DEPTH = 32;

function nestedDeeperThan(root: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

export interface LoadOptions {
  file?: string;
  env?: Env;
  policy?: PolicySource;
  /** Where missing secrets are looked up (default: the platform secret store under dataDir/secrets). */
  secrets?: (dataDir: string) => SecretSource;
  platform?: NodeJS.Platform;
}

/** File + Group Policy + environment, merged but not validated (`secret set` needs only dataDir). */
export async function loadRawConfig(opts: LoadOptions = {}): Promise<RawConfig> {
  return (await readLayers(opts)).merged;
}

/** Each layer on its own (for `keyhatch doctor`'s provenance) and their merge. */
export async function readLayers(opts: LoadOptions): Promise<{ merged: RawConfig; layers: ConfigLayers }> {
  const env = opts.env ?? process.env;
  const file = opts.file ?? env.KEYHATCH_CONFIG;
  let fromFile: RawConfig = {};
  if (file) {
    let text: string;
    try { text = await readFile(file, 'utf8'); } catch (err) {
      throw new KeyhatchError('CONFIG_INVALID', { message: `cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
    }
    try { fromFile = JSON.parse(text) as RawConfig; } catch (err) {
      throw new KeyhatchError('CONFIG_INVALID', { message: `config file ${file} is not valid JSON: ${(err as Error).message}` });
    }
    if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) {
      throw new KeyhatchError('CONFIG_INVALID', { message: `config file ${file} must contain a JSON object` });
    }
    if (nestedDeeperThan(fromFile, MAX_CONFIG_DEPTH)) {
      throw new KeyhatchError('CONFIG_INVALID', { message: `config file ${file} is nested more than ${MAX_CONFIG_DEPTH} levels deep` });
    }
  }
  if (file) await assertPrivateIfSecret(file, fromFile, opts.platform ?? process.platform);
  const fromInstall = (await opts.policy?.installed?.()) ?? {};
  const fromPolicy = opts.policy ? await opts.policy.read() : {};
  const fromEnv = envOverrides(env);
  const merged = deepMerge(deepMerge(deepMerge(deepMerge({ dataDir: defaultDataDir(env) }, fromInstall), fromFile), fromPolicy), fromEnv);
  const envNames = Object.fromEntries(ENV_MAP.filter(([name]) => env[name]).map(([name, path]) => [path, name]));
  return { merged, layers: { installed: fromInstall, file: fromFile, fileName: file, policy: fromPolicy, env: fromEnv, envNames } };
}


/**
 * The merged layers with their secrets filled in, ready for a validator. The platform secret store
 * is opened only when a section that has a secret is present (never on a relay).
 */
export async function readConfigInput(opts: LoadOptions = {}): Promise<{ raw: RawConfig; layers: ConfigLayers }> {
  const env = opts.env ?? process.env;
  const { merged, layers } = await readLayers(opts);
  const dataDir = String(merged.dataDir);
  let store: SecretSource | undefined;
  const lazy: SecretSource = {
    async get(name) {
      store ??= opts.secrets ? opts.secrets(dataDir) : await (await import('../platform/secret-store.js')).platformSecretStore(dataDir);
      return store.get(name);
    },
  };
  return { raw: await applySecrets(merged, env, lazy), layers };
}
