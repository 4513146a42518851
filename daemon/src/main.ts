// Composition root: every service is built here, by hand, from the frozen configuration.
// Nothing else constructs I/O-bearing objects, so tests can swap any of them.
import { join } from 'node:path';
import type { KeyhatchConfig } from './config/schema.js';
import { KeyhatchError } from './errors/catalogue.js';
import type { Directory } from './directory/directory.js';
import { AdDirectory } from './directory/ad/ad-directory.js';
import { EntraDirectory } from './directory/entra/entra-directory.js';
import { HybridDirectory } from './directory/hybrid-directory.js';
import { createAuditLog, type AuditLog, type AuditSink } from './log/audit.js';
import { createLogger, type Logger } from './log/logger.js';
import { createSecretStore, getOrCreateKey, type SecretStore } from './platform/secret-store.js';
import { loadNativeAddon, nativeAddonAvailable } from './platform/native-addon.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/store.js';
import { FactorRegistry } from './factors/factor.js';
import { emailCodeFactor, smsCodeFactor } from './factors/code-factors.js';
import { TotpFactor } from './factors/totp.js';
import { QuestionsFactor } from './factors/questions.js';
import { HelpdeskFactor } from './factors/helpdesk.js';
import { SmtpMailer, type Mailer } from './notify/mailer.js';
import type { SmsSender } from './notify/sms.js';
import { createSmsSender } from './notify/sms-factory.js';
import { Outbox } from './notify/outbox.js';
import { RateLimiter } from './recovery/rate-limiter.js';
import { RecoveryService } from './recovery/recovery-service.js';
import { EnrollmentService, type WebAuthnEnrollment } from './enrollment/enrollment-service.js';
import { WebAuthnFactor, registrationOptions, verifyRegistration, type WebAuthnSettings } from './factors/webauthn.js';

export interface CoreServices {
  readonly config: KeyhatchConfig;
  readonly log: Logger;
  readonly audit: AuditLog;
  readonly directory: Directory;
  /** Present when Active Directory is configured (doctor, journal recovery). */
  readonly ad: AdDirectory | undefined;
  /** Present when Entra ID is configured. */
  readonly entra: EntraDirectory | undefined;
  /** Present when both are: synced users reset in AD, cloud-only users in Entra. */
  readonly hybrid: HybridDirectory | undefined;
  close(): Promise<void>;
}

export interface CoreOptions {
  /** Also log to stderr (the service does; CLI commands do not, to keep their output clean). */
  logToConsole?: boolean;
  extraAuditSinks?: AuditSink[];
}

export function logDir(config: KeyhatchConfig): string {
  return config.log.dir ?? join(config.dataDir, 'logs');
}

export interface Backends {
  directory: Directory;
  ad: AdDirectory | undefined;
  entra: EntraDirectory | undefined;
  hybrid: HybridDirectory | undefined;
}

/** The directory backend, chosen once: AD, Entra ID, or both (hybrid). */
export function createDirectory(config: KeyhatchConfig, log: Logger, audit: AuditSink): Backends {
  const ad = config.ad ? new AdDirectory({ config: config.ad, dataDir: config.dataDir, log, audit }) : undefined;
  const entra = config.entra ? new EntraDirectory({ config: config.entra, log, audit }) : undefined;
  const hybrid = ad && entra && config.entra ? new HybridDirectory({ ad, entra, config: config.entra, log, audit }) : undefined;
  const directory = hybrid ?? entra ?? ad;
  if (!directory) throw new KeyhatchError('CONFIG_INVALID', { message: 'invalid configuration: ad: no directory configured (set ad.* / KEYHATCH_AD_URL or entra.* / KEYHATCH_ENTRA_TENANT_ID)' });
  return { directory, ad, entra, hybrid };
}

export async function buildCore(config: KeyhatchConfig, opts: CoreOptions = {}): Promise<CoreServices> {
  const log = createLogger({ dir: logDir(config), level: config.log.level, console: opts.logToConsole ?? config.log.console });
  const audit = createAuditLog(logDir(config), opts.extraAuditSinks);
  let backends: Backends;
  try {
    backends = createDirectory(config, log, audit);
  } catch (err) {
    await Promise.all([log.close(), audit.close()]);
    throw err;
  }
  const { directory } = backends;
  return {
    config, log, audit, ...backends,
    async close() {
      await directory.close();
      await Promise.all([audit.close(), log.close()]);
    },
  };
}

export interface RecoveryServices {
  readonly store: Store;
  readonly secrets: SecretStore;
  readonly outbox: Outbox;
  readonly registry: FactorRegistry;
  readonly limiter: RateLimiter;
  readonly recovery: RecoveryService;
  readonly enrollment: EnrollmentService;
  readonly helpdesk: HelpdeskFactor;
  /** Origins are completed by the server once it knows its port (when not configured). */
  readonly webauthnSettings: WebAuthnSettings;
  close(): Promise<void>;
}

export interface RecoveryOptions {
  /** Swap the clock in tests. */
  now?: () => number;
  mailer?: Mailer;
  sms?: SmsSender;
  webauthn?: { factor: import('./factors/factor.js').FactorMethod; enrollment: WebAuthnEnrollment };
}

/** Store, factors, delivery, rate limits and the two services the HTTP API exposes. */
export async function buildRecovery(core: CoreServices, opts: RecoveryOptions = {}): Promise<RecoveryServices> {
  const c = core.config;
  const now = opts.now ?? (() => Date.now());
  const store = await openStore({ dataDir: c.dataDir });
  // DPAPI (machine scope) on Windows with the addon; a 0600 file in a 0700 directory elsewhere.
  const secrets = createSecretStore(join(c.dataDir, 'secrets'), process.platform === 'win32' && nativeAddonAvailable() ? loadNativeAddon() : undefined);
  const codeKey = await getOrCreateKey(secrets, 'code-mac');
  const totpKey = await getOrCreateKey(secrets, 'totp-seal');
  const decoyKey = await getOrCreateKey(secrets, 'decoy');
  const mailer = opts.mailer ?? (c.smtp ? new SmtpMailer(c.smtp.url, c.smtp.from, c.smtp.caFile) : undefined);
  const sms = opts.sms ?? (c.sms ? createSmsSender(c.sms) : undefined);
  const outbox = new Outbox({ ...(mailer ? { mailer } : {}), ...(sms ? { sms } : {}), audit: core.audit, log: core.log });
  const codeSettings = { key: codeKey, ttlMs: c.recovery.codeSeconds * 1000, tries: c.recovery.codeTries, now };
  const totp = new TotpFactor(totpKey, now);
  const helpdesk = new HelpdeskFactor(store, codeKey, now);
  const registry = new FactorRegistry().register(totp).register(new QuestionsFactor(Math.min(2, c.questions.required))).register(helpdesk);
  if (mailer) registry.register(emailCodeFactor(outbox, codeSettings));
  if (sms) registry.register(smsCodeFactor(outbox, codeSettings));
  // WebAuthn needs a domain as RP ID; on loopback that is "localhost" (IP origins cannot use it).
  const webauthnSettings: WebAuthnSettings = { rpId: c.webauthn.rpId ?? 'localhost', rpName: c.webauthn.rpName, origins: [...(c.webauthn.origins ?? [])] };
  const webauthn = opts.webauthn ?? {
    factor: new WebAuthnFactor(webauthnSettings),
    enrollment: {
      registrationOptions: (user, existing) => registrationOptions(webauthnSettings, user, existing),
      verifyRegistration: (response, challenge) => verifyRegistration(webauthnSettings, response, challenge),
    } satisfies WebAuthnEnrollment,
  };
  registry.register(webauthn.factor);
  for (const t of registry.types()) if (!c.recovery.enabledFactors.includes(t)) core.log.info('factor type disabled by configuration', { type: t });
  const limiter = new RateLimiter(store.rates, c.rateLimits, now);
  const recovery = new RecoveryService({
    directory: core.directory, store, registry, limiter, outbox, audit: core.audit, log: core.log, now,
    decoyKey,
    settings: {
      sessionSeconds: c.recovery.sessionSeconds,
      decoyFactors: c.recovery.decoyFactors.filter((t) => registry.get(t)),
      preEnrollFromDirectory: c.recovery.preEnrollFromDirectory,
      allowPrivileged: c.ad?.allowPrivileged ?? c.entra?.allowPrivileged ?? false,
      startsPerSource: c.rateLimits.startsPerSource,
      policy: { unlock: c.recovery.unlock, reset: c.recovery.reset, enabledFactors: c.recovery.enabledFactors.filter((t) => registry.get(t)), groupPolicies: c.recovery.groupPolicies },
      questionList: c.questions.list,
      questionsAsked: Math.min(2, c.questions.required),
    },
  });
  const enrollment = new EnrollmentService({
    directory: core.directory, store, limiter, outbox, audit: core.audit, totp, codeKey, now,
    webauthn: webauthn.enrollment,
    settings: {
      tokenSeconds: c.enrollment.tokenSeconds, codeSeconds: c.recovery.codeSeconds, codeTries: c.recovery.codeTries,
      questions: c.questions.list, questionsRequired: c.questions.required, minAnswerLength: c.questions.minAnswerLength,
      allowPrivileged: c.ad?.allowPrivileged ?? c.entra?.allowPrivileged ?? false,
    },
  });
  return {
    store, secrets, outbox, registry, limiter, recovery, enrollment, helpdesk, webauthnSettings,
    async close() {
      await outbox.flush();
      await store.close();
    },
  };
}
