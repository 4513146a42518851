// The gateway's service graph, built by hand from the frozen configuration: the directory backend
// (chosen once), logs and audit (buildCore), then the store, secrets, factors, delivery, rate limits
// and the recovery and enrollment services (buildRecovery). The composition roots — roles/gateway.ts,
// roles/standalone.ts, and the CLI commands that need the directory (cli/main.ts) — call these two;
// every I/O-bearing service comes from here or from the role itself (see docs/architecture.md), and
// each can be swapped in a test through the options.
import { join } from 'node:path';
import { RecoveryScope } from '../recovery/recovery-scope.js';
import type { AdConfig, EntraConfig, KeyhatchConfig } from '../config/schema.js';
import { KeyhatchError } from '../errors/catalogue.js';
import type { Directory } from '../directory/directory.js';
import { AdDirectory } from '../directory/ad/ad-directory.js';
import { EntraDirectory } from '../directory/entra/entra-directory.js';
import { HybridDirectory } from '../directory/hybrid/hybrid-directory.js';
import { directoryNames } from '../config/directory-names.js';
import { RoutingDirectory } from '../directory/routing/routing-directory.js';
import { createAuditLog, type AuditLog, type AuditSink } from '../log/audit.js';
import { createLogger, type Logger } from '../log/logger.js';
import { getOrCreateKey, platformSecretStore, type SecretStore } from '../platform/secret-store.js';
import { openStore } from '../store/open-store.js';
import { armFaultPoints } from '../platform/fault-points.js';
import { assertWritableDirs } from '../errors/disk-errors.js';
import type { Store } from '../store/store.js';
import { FactorRegistry } from '../factors/factor.js';
import { emailCodeFactor, smsCodeFactor } from '../factors/code-factors.js';
import { TotpFactor } from '../factors/totp.js';
import { QuestionsFactor } from '../factors/questions.js';
import { HelpdeskFactor } from '../factors/helpdesk.js';
import { SmtpMailer, type Mailer } from '../notify/mailer.js';
import type { SmsSender } from '../notify/sms.js';
import { createSmsSender } from '../notify/sms-factory.js';
import { Outbox } from '../notify/outbox.js';
import { RateLimiter } from '../recovery/rate-limiter.js';
import { homeDomainsOf } from '../recovery/account-key.js';
import { RecoveryService } from '../recovery/recovery-service.js';
import { EnrollmentService, type WebAuthnEnrollment } from '../enrollment/enrollment-service.js';
import { WebAuthnFactor, registrationOptions, verifyRegistration, type WebAuthnSettings } from '../factors/webauthn.js';

export interface CoreServices {
  readonly config: KeyhatchConfig;
  readonly log: Logger;
  readonly audit: AuditLog;
  /** The backend chosen once from the configuration; callers see only the interface. */
  readonly directory: Directory;
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

/** One directory's backend: AD, Entra ID, or both (hybrid). */
function createBackend(adCfg: AdConfig | undefined, entraCfg: EntraConfig | undefined, dataDir: string, log: Logger, audit: AuditSink): Directory | undefined {
  const ad = adCfg ? new AdDirectory({ config: adCfg, dataDir, log, audit }) : undefined;
  const entra = entraCfg ? new EntraDirectory({ config: entraCfg, log, audit }) : undefined;
  return ad && entra && entraCfg ? new HybridDirectory({ ad, entra, config: entraCfg, log, audit }) : entra ?? ad;
}

/** The directory backend, chosen once: AD, Entra ID, both (hybrid), or several behind a router. */
export function createDirectory(config: KeyhatchConfig, log: Logger, audit: AuditSink): Directory {
  if (config.directories) {
    // Each directory keeps its own reset journal: operation ids and DNs are only unique within one.
    const members = config.directories.map((d) => ({ names: directoryNames(d), directory: createBackend(d.ad, d.entra, join(config.dataDir, 'directories', d.name), log, audit) as Directory }));
    return new RoutingDirectory(members, config.directoryRouting.ambiguous);
  }
  const directory = createBackend(config.ad, config.entra, config.dataDir, log, audit);
  if (!directory) throw new KeyhatchError('CONFIG_INVALID', { message: 'invalid configuration: ad: no directory configured (set ad.* / KEYHATCH_AD_URL, entra.* / KEYHATCH_ENTRA_TENANT_ID, or directories)' });
  return directory;
}

export async function buildCore(config: KeyhatchConfig, opts: CoreOptions = {}): Promise<CoreServices> {
  assertWritableDirs([config.dataDir, logDir(config)]);
  const log = createLogger({ dir: logDir(config), level: config.log.level, console: opts.logToConsole ?? config.log.console });
  const audit = createAuditLog(logDir(config), opts.extraAuditSinks);
  let directory: Directory;
  try {
    directory = createDirectory(config, log, audit);
  } catch (err) {
    await Promise.all([log.close(), audit.close()]);
    throw err;
  }
  const fault = armFaultPoints(config.dataDir);
  if (fault.armed) log.warn('TEST fault injection armed', { point: fault.armed }); else if (fault.ignored) log.warn(fault.ignored);
  return {
    config, log, audit, directory,
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
  webauthn?: { factor: import('../factors/factor.js').FactorMethod; enrollment: WebAuthnEnrollment };
}

/** Store, factors, delivery, rate limits and the two services the HTTP API exposes. */
export async function buildRecovery(core: CoreServices, opts: RecoveryOptions = {}): Promise<RecoveryServices> {
  const c = core.config;
  const now = opts.now ?? (() => Date.now());
  const store = await openStore({ dataDir: c.dataDir, ...(c.databaseUrl ? { databaseUrl: c.databaseUrl } : {}) });
  // DPAPI (machine scope) on Windows with the addon; a 0600 file in a 0700 directory elsewhere.
  const secrets = await platformSecretStore(c.dataDir); // Windows: sets the data-dir ACL first
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
  const webauthnSettings: WebAuthnSettings = { rpId: c.webauthn.rpId ?? 'localhost', rpName: c.webauthn.rpName, origins: [...(c.webauthn.origins ?? [])],
    ...(c.webauthn.kioskOrigins ? { kioskOrigins: [...c.webauthn.kioskOrigins] } : {}) };
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
  const homeDomains = homeDomainsOf(c);
  const recovery = new RecoveryService({
    directory: core.directory, store, registry, limiter, outbox, audit: core.audit, log: core.log, now,
    decoyKey, scope: new RecoveryScope(store, c.population.leaverRule),
    settings: {
      sessionSeconds: c.recovery.sessionSeconds,
      preEnrollFromDirectory: c.recovery.preEnrollFromDirectory,
      allowPrivileged: false, // the directory holding the account applies its own ad/entra.allowPrivileged
      startsPerSource: c.rateLimits.startsPerSource,
      policy: { unlock: c.recovery.unlock, reset: c.recovery.reset, enabledFactors: c.recovery.enabledFactors.filter((t) => registry.get(t)), groupPolicies: c.recovery.groupPolicies },
      questionList: c.questions.list,
      questionsAsked: Math.min(2, c.questions.required),
      questionsRequired: c.questions.required,
      factorTries: c.recovery.codeTries,
      homeDomains,
    },
  });
  const enrollment = new EnrollmentService({
    directory: core.directory, store, limiter, outbox, audit: core.audit, totp, codeKey, now, homeDomains,
    webauthn: webauthn.enrollment,
    settings: {
      loginAttempts: c.rateLimits.attempts, tokenSeconds: c.enrollment.tokenSeconds, codeSeconds: c.recovery.codeSeconds, codeTries: c.recovery.codeTries,
      questions: c.questions.list, questionsRequired: c.questions.required, minAnswerLength: c.questions.minAnswerLength,
      allowPrivileged: false, // the directory holding the account applies its own ad/entra.allowPrivileged
    },
  });
  return {
    store, secrets, outbox, registry, limiter, recovery, enrollment, helpdesk, webauthnSettings,
    async close() {
      await outbox.close();
      await store.close();
    },
  };
}
