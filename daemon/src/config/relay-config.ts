// The relay's configuration: the few settings it reads, checked by hand so the relay never loads the
// schema library (zod costs more start-up time than the whole relay). The check is deliberately
// narrow: it accepts only configs it can judge exactly as the schema would and returns undefined for
// anything else — an unknown or non-relay key, a directory setting, a bad value — and the caller
// then validates with the full schema, whose error names the key (role-config.ts). So every error
// stays the schema's own, and a test compares both validators on generated configs.
import type { KeyhatchConfig } from './schema.js';
import { isLoopbackHost } from './listen-check.js';
import type { RawConfig } from './policy-source.js';
import { DEFAULT_KIOSK_EXECUTABLE, DEFAULT_LISTEN, GATEWAY_PIN, HOST_PORT, KIOSK_ACCOUNT, KIOSK_HOST_NAME, LANGUAGE_TAG, isHttpsUrl } from './patterns.js';

/** What the relay reads (roles/relay.ts, cli/relay-doctor.ts, the kiosk launch pipe). */
export type RelaySettings = Pick<KeyhatchConfig, 'listen' | 'dataDir' | 'log' | 'http' | 'kiosk' | 'gateway'>;
export type RelayConfig = RelaySettings & { readonly role: 'relay' };

const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;

const isObject = (v: unknown): v is RawConfig => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown, max = Infinity): v is string => typeof v === 'string' && v.length >= 1 && v.length <= max;

/** Own keys only from `allowed`, none of them holding undefined (the schema's treatment of that is not ours to guess). */
function onlyKeys(o: RawConfig, allowed: readonly string[]): boolean {
  return Object.keys(o).every((k) => allowed.includes(k) && o[k] !== undefined);
}

/** An optional section: absent means its defaults; present must be a plain object of known keys. */
function section(raw: RawConfig, key: string, allowed: readonly string[]): RawConfig | undefined | false {
  if (!(key in raw)) return undefined;
  const v = raw[key];
  return isObject(v) && onlyKeys(v, allowed) ? v : false;
}

/** The relay subset of a config the schema validated (the slow path). */
export function relaySubset(c: KeyhatchConfig): RelayConfig {
  return { role: 'relay', listen: c.listen, dataDir: c.dataDir, log: c.log, http: c.http, kiosk: c.kiosk, gateway: c.gateway };
}

/** The relay config when `raw` is a relay config this check can judge and it is valid; undefined otherwise. */
export function checkRelayConfig(raw: RawConfig): RelayConfig | undefined {
  if (!onlyKeys(raw, ['role', 'listen', 'dataDir', 'log', 'http', 'kiosk', 'gateway']) || raw.role !== 'relay') return undefined;
  const listen = raw.listen ?? DEFAULT_LISTEN;
  // Plain HTTP on loopback only: anything wider is refused by the schema path (listen-check.ts).
  if (typeof listen !== 'string' || !HOST_PORT.test(listen) || !isLoopbackHost(listen.slice(0, listen.lastIndexOf(':'))) || !isText(raw.dataDir)) return undefined;

  const log = section(raw, 'log', ['level', 'dir', 'console']);
  if (log === false) return undefined;
  const level = log?.level ?? 'info';
  if (!LOG_LEVELS.includes(level as never) || (log?.dir !== undefined && !isText(log.dir))) return undefined;
  const logConsole = log?.console ?? false;
  if (typeof logConsole !== 'boolean') return undefined;

  const http = section(raw, 'http', ['allowedHosts']);
  if (http === false) return undefined;
  const allowedHosts = http?.allowedHosts ?? [];
  if (!Array.isArray(allowedHosts) || !allowedHosts.every((h) => isText(h, 253))) return undefined;

  const kiosk = section(raw, 'kiosk', ['requireSecret', 'executable', 'account', 'idleSeconds', 'language', 'hostName']);
  if (kiosk === false) return undefined;
  const k: RawConfig = { requireSecret: true, executable: DEFAULT_KIOSK_EXECUTABLE, account: 'KeyhatchKiosk', idleSeconds: 300, ...kiosk };
  if (typeof k.requireSecret !== 'boolean' || !isText(k.executable) || typeof k.account !== 'string' || !KIOSK_ACCOUNT.test(k.account)) return undefined;
  if (typeof k.idleSeconds !== 'number' || !Number.isInteger(k.idleSeconds) || k.idleSeconds < 30 || k.idleSeconds > 3600) return undefined;
  if (k.language !== undefined && (typeof k.language !== 'string' || !LANGUAGE_TAG.test(k.language))) return undefined;
  // Without webauthn settings (a relay has none) the schema checks the host name against rpId
  // 'localhost', which any hostName passes: the pattern is all there is to judge.
  if (k.hostName !== undefined && (typeof k.hostName !== 'string' || !KIOSK_HOST_NAME.test(k.hostName))) return undefined;

  // Gateway-side keys (trustedProxies, deviceCertDays, machineCaFile) are the schema's to judge.
  const gateway = section(raw, 'gateway', ['urls', 'pin', 'updateCachedCredentials', 'certFile', 'keyFile', 'caFile']);
  if (gateway === false) return undefined;
  const urls = gateway?.urls;
  if (urls !== undefined && (!Array.isArray(urls) || urls.length === 0 || !urls.every((u) => typeof u === 'string' && isHttpsUrl(u)))) return undefined;
  const pin = gateway?.pin;
  if (pin !== undefined && (typeof pin !== 'string' || !GATEWAY_PIN.test(pin))) return undefined;
  const updateCachedCredentials = gateway?.updateCachedCredentials ?? true;
  if (typeof updateCachedCredentials !== 'boolean') return undefined;
  // A machine certificate instead of a join: both files and the URLs, or the schema says what is missing.
  const files = { certFile: gateway?.certFile, keyFile: gateway?.keyFile, caFile: gateway?.caFile };
  if (!Object.values(files).every((f) => f === undefined || isText(f))) return undefined;
  if ((files.certFile === undefined) !== (files.keyFile === undefined) || (files.certFile !== undefined && urls === undefined)) return undefined;
  const machine = Object.fromEntries(Object.entries(files).filter(([, f]) => f !== undefined)) as { certFile?: string; keyFile?: string; caFile?: string };

  return {
    role: 'relay', listen, dataDir: raw.dataDir,
    log: { level: level as (typeof LOG_LEVELS)[number], ...(log?.dir !== undefined ? { dir: log.dir as string } : {}), console: logConsole },
    http: { allowedHosts: [...allowedHosts] as string[] },
    kiosk: {
      requireSecret: k.requireSecret, executable: k.executable, account: k.account, idleSeconds: k.idleSeconds,
      ...(k.language !== undefined ? { language: k.language } : {}),
      ...(k.hostName !== undefined ? { hostName: k.hostName } : {}),
    },
    gateway: { ...(urls ? { urls: [...urls] as string[] } : {}), ...(pin !== undefined ? { pin } : {}), trustedProxies: [], deviceCertDays: 825, updateCachedCredentials, ...machine },
  };
}
