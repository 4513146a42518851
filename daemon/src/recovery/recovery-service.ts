// The recovery state machine: started → factors verified → unlocked/reset → closed.
// Nobody learns anything about a name before a first factor succeeds: every session — real, unknown,
// unenrolled, disabled or privileged — gets the same method menu (the policy's factor types), the
// same answers and the same directory and store work. E-mail and SMS codes go only to an address the
// user types in full and that matches an enrolled one. Refused sessions are decoys that can never
// succeed; the truth goes to the audit log.
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { ScopeCheck } from '../admin/population/recovery-scope.js';
import { KeyhatchError, isKeyhatchError } from '../errors/catalogue.js';
import type { Directory, DirectoryUser, OperationContext } from '../directory/directory.js';
import { userKeyOf } from '../directory/directory.js';
import { parseUsername } from '../directory/username.js';
import type { EnrolledFactor, FactorContext, FactorRegistry, FactorScratch, FactorType, Prompts } from '../factors/factor.js';
import { FACTOR_TYPES } from '../factors/factor.js';
import { storeCode } from '../factors/codes.js';
import { maskEmail, maskPhone, normalisePhone } from '../factors/masking.js';
import { dummyAnswerCheck } from '../factors/questions.js';
import { newTotpSecret } from '../factors/totp.js';
import type { AuditSink } from '../log/audit.js';
import type { Logger } from '../log/logger.js';
import type { Outbox } from '../notify/outbox.js';
import { noticeTime } from '../notify/templates.js';
import { checkPassword } from '../password/rules.js';
import type { PolicyViolation } from '../errors/catalogue.js';
import type { Store } from '../store/store.js';
import { remaining, requirementsFor, satisfied, type PolicyConfig, type Requirements } from './factor-policy.js';
import { gate, type Attempt, type RateLimiter } from './rate-limiter.js';
import { notificationChannels } from './channels.js';
import { accountGateKey, isLoopback } from './account-key.js';

export interface ClientInfo {
  /** Remote address as the daemon saw it (audit; a gate only when it is not loopback). */
  readonly source: string;
  /** The kiosk launch (or, behind the gateway, the authenticated device); 'unknown' otherwise. */
  readonly device: string;
  /** True when `device` comes from the service itself (a launch secret), never from the client. */
  readonly deviceKnown: boolean;
  /** Hash of everything that identifies this client; a session only answers to its creator. */
  readonly binding: string;
  readonly locale?: string;
  /** The workstation's own domain (reported by its relay): where a bare user name is looked up. */
  readonly domain?: string;
}

/** One entry of the method menu: the same for everyone under one configuration. */
interface MenuEntry { sid: string; type: FactorType }

/** What the start of a recovery answers. */
export interface RecoveryStartAnswer { recoveryId: string; factors: Array<{ id: string; type: FactorType }>; required: number; expiresAt: string }

interface RecoverySession {
  /** SHA-256 of the session id: the id itself is a bearer value and is never stored or logged. */
  ref: string;
  binding: string;
  createdAt: number;
  expiresAt: number;
  locale: string;
  decoy: boolean;
  /** As typed (trimmed), for the audit trail. */
  username: string;
  user?: DirectoryUser;
  /** Whose factors the store is asked about (the user, or the probe account for decoys). */
  listKey: string;
  /** Stable per account (or canonical name): keys the decoy answers so repeats look the same. */
  probeKey: string;
  /** Per-user gates: the canonical name, plus the account when the name resolved to one. */
  userGates: string[];
  /** Failures count on the device and source only for names that resolved to an account. */
  resolved: boolean;
  verified: string[];
  scratch: Record<string, FactorScratch>;
  /** Failed tries per menu entry in this session (TOTP, questions, security keys). */
  tries: Record<string, number>;
  requirements: Requirements;
  unlocked?: boolean;
}

export interface RecoverySettings {
  sessionSeconds: number;
  preEnrollFromDirectory: boolean;
  allowPrivileged: boolean;
  startsPerSource: number;
  policy: PolicyConfig;
  questionList: string[];
  questionsAsked: number;
  /** How many questions a user enrolls (decoys are asked from a stable set of this size). */
  questionsRequired: number;
  /** Tries per session for factors without their own budget (TOTP, questions, security keys). */
  factorTries: number;
  /** NetBIOS and DNS names of the home domain(s): `HOME\x` and `x@home` are the name `x`. */
  homeDomains: string[];
}

export interface RecoveryDeps {
  directory: Directory;
  store: Store;
  registry: FactorRegistry;
  limiter: RateLimiter;
  outbox: Outbox;
  audit: AuditSink;
  log: Logger;
  now: () => number;
  /** Key for deterministic decoy answers and for comparing typed addresses. */
  decoyKey: Buffer;
  settings: RecoverySettings;
  /** Target-group scope (admin/population): out of scope is refused like an unknown name. */
  scope?: ScopeCheck;
}

const KIND = 'recovery';
const WEIGHT: Record<FactorType, number> = { email: 2, sms: 1, totp: 2, webauthn: 2, questions: 1, helpdesk: 2 };
const LEASE_MS = 30_000;
const LEASE_WAIT_MS = 10_000;
/** Typed addresses are compared against at least this many entries, so the count does not show. */
const MIN_CONTACT_COMPARES = 4;

export class RecoveryService {
  private probe: Promise<DirectoryUser | null> | undefined;
  /**
   * Sessions (by ref) whose reset attempt failed: if the directory left it half-done (two-step AD
   * reset), `abandonReset` on cancel or expiry says so and the user is told. The directory is the judge.
   */
  private readonly pendingResets = new Map<string, { expiresAt: number; user: DirectoryUser; locale: string }>();
  private readonly menu: MenuEntry[];

  constructor(private readonly d: RecoveryDeps) {
    const enabled = d.settings.policy.enabledFactors;
    this.menu = FACTOR_TYPES.filter((t) => enabled.includes(t) && d.registry.get(t)).map((type, i) => ({ sid: `f${i + 1}`, type }));
  }

  private weightOf(type: FactorType): number { return this.d.registry.get(type)?.weight ?? WEIGHT[type]; }

  /** What everybody is told they need before anything is verified: the default reset requirement. */
  private publicRequired(): number { return remaining(this.d.settings.policy.reset, []); }

  // ---- start -------------------------------------------------------------------------------

  async start(rawUsername: unknown, client: ClientInfo): Promise<RecoveryStartAnswer> {
    parseUsername(rawUsername); // syntax only: INVALID_USERNAME for everyone alike
    const raw = rawUsername as string;
    const username = raw.normalize('NFC').trim();
    await this.d.limiter.count(this.startGate(client), this.d.settings.startsPerSource);

    const found = await this.d.directory.findUser(raw, client.domain ? { defaultDomain: client.domain } : undefined).catch((err: unknown) => {
      if (isKeyhatchError(err, 'AMBIGUOUS_USER')) return null;
      throw err;
    });
    // Decoys do the same directory and store work against a real, harmless probe account.
    const target = found ?? await this.probeUser();
    const [status, privilege, groups, enrolled] = target
      ? await Promise.all([this.d.directory.accountStatus(target), this.d.directory.privilege(target), this.d.directory.groups(target), this.d.store.factors.list(userKeyOf(target))])
      : [undefined, undefined, [] as string[], [] as EnrolledFactor[]];
    const requirements = requirementsFor(this.d.settings.policy, found ? groups : []);
    const inScope = target && this.d.scope ? await this.d.scope.allows(target) : true; // decoys pay the same store work

    let reason: string | undefined;
    if (!found) reason = 'unknown_user';
    else if (!inScope) reason = 'out_of_scope';
    else if (status?.disabled) reason = 'disabled';
    else if (privilege?.privileged && !this.d.settings.allowPrivileged) reason = `privileged:${privilege.via.join('|')}`;
    else if (!this.usable(found, enrolled, requirements).some((t) => t !== 'helpdesk')) reason = 'unenrolled';
    const decoy = reason !== undefined;

    const nameGate = gate('user', accountGateKey(null, raw, this.d.settings.homeDomains));
    const userGates = found ? [gate('user', accountGateKey(found, raw, this.d.settings.homeDomains)), nameGate] : [nameGate];
    await this.d.limiter.assertOpen([...userGates, ...this.clientGates(client)]);

    const id = randomBytes(24).toString('base64url'); // 192 bits
    const now = this.d.now();
    const session: RecoverySession = {
      ref: hashId(id),
      binding: client.binding,
      createdAt: now,
      expiresAt: now + this.d.settings.sessionSeconds * 1000,
      locale: client.locale ?? 'en',
      decoy,
      username,
      ...(decoy ? {} : { user: found as DirectoryUser }),
      listKey: target ? userKeyOf(target) : 'none',
      probeKey: found ? `account:${userKeyOf(found)}` : accountGateKey(null, raw, this.d.settings.homeDomains),
      userGates,
      resolved: found !== null,
      verified: [],
      scratch: {},
      tries: {},
      requirements,
    };
    await this.save(session);
    this.d.audit.write({ action: 'recovery.start', actor: username, target: found?.sAMAccountName ?? username, result: decoy ? 'refused' : 'info', correlationId: corr(session),
      device: client.device, source: client.source, reason, details: { enrolled: decoy ? [] : this.usable(found as DirectoryUser, enrolled, requirements) } });
    return {
      recoveryId: id,
      factors: this.menu.map((f) => ({ id: f.sid, type: f.type })),
      required: this.publicRequired(),
      expiresAt: new Date(session.expiresAt).toISOString(),
    };
  }

  /** Volume gate for starts: the launch (or device) when the service knows it, else a non-loopback source. */
  private startGate(client: ClientInfo): string {
    if (client.deviceKnown) return gate('start', `device:${client.device}`);
    return gate('start', isLoopback(client.source) ? 'loopback' : `source:${client.source}`);
  }

  /** Device and source gates: identities the attacker cannot pick (never a loopback address). */
  private clientGates(client: ClientInfo): string[] {
    const out: string[] = [];
    if (client.deviceKnown) out.push(gate('device', client.device));
    if (!isLoopback(client.source)) out.push(gate('source', client.source));
    return out;
  }

  /**
   * Only an answer is cached, never a failure: a failed probe refuses this start (the error reaches
   * the caller like any directory failure) and is asked again next time, so decoys never silently
   * stop doing directory work (their timing would then give them away).
   */
  private probeUser(): Promise<DirectoryUser | null> {
    this.probe ??= (this.d.directory.sampleUser?.() ?? Promise.resolve(null)).catch((err: unknown) => {
      this.probe = undefined;
      throw err;
    });
    return this.probe;
  }

  /** Factor types this user could really verify with (what the audit records; never shown). */
  private usable(user: DirectoryUser, enrolled: EnrolledFactor[], req: Requirements): FactorType[] {
    return [...new Set(this.candidatesFrom(user, enrolled, req, null).map((f) => f.type))];
  }

  /** The user's confirmed factors of `type` (all types when null) the policy allows, directory ones included. */
  private candidatesFrom(user: DirectoryUser, enrolled: EnrolledFactor[], req: Requirements, type: FactorType | null): EnrolledFactor[] {
    const allowed = (t: FactorType) => (type === null || t === type) && !req.disabled.includes(t) && this.d.registry.get(t) !== undefined;
    const out = enrolled.filter((f) => f.confirmed && allowed(f.type));
    if (this.d.settings.preEnrollFromDirectory) {
      if (user.mail && allowed('email') && !out.some((f) => f.type === 'email' && f.data.address === user.mail)) out.push(directoryFactor(user, 'email', user.mail));
      if (user.mobile && allowed('sms') && !out.some((f) => f.type === 'sms' && f.data.phone === user.mobile)) out.push(directoryFactor(user, 'sms', user.mobile));
    }
    if (allowed('helpdesk')) out.push({ id: 'helpdesk', userKey: userKeyOf(user), type: 'helpdesk', hint: '', confirmed: true, data: {}, createdAt: '' });
    return out;
  }

  /** Same store work for every session: a decoy lists its probe account's factors and finds none usable. */
  private async candidates(s: RecoverySession, type: FactorType): Promise<EnrolledFactor[]> {
    const listed = await this.d.store.factors.list(s.listKey);
    return s.decoy || !s.user ? [] : this.candidatesFrom(s.user, listed, s.requirements, type);
  }

  // ---- sessions ----------------------------------------------------------------------------

  private async save(s: RecoverySession): Promise<void> {
    await this.d.store.ephemeral.put(KIND, s.ref, s, s.expiresAt);
  }

  /** Unknown, expired and someone else's sessions all look the same: SESSION_EXPIRED. */
  private async load(id: unknown, client: ClientInfo): Promise<RecoverySession> {
    if (typeof id !== 'string' || id.length > 64) throw new KeyhatchError('SESSION_EXPIRED', { reason: 'malformed id' });
    const s = await this.d.store.ephemeral.get<RecoverySession>(KIND, hashId(id), this.d.now());
    if (!s) throw new KeyhatchError('SESSION_EXPIRED', { reason: 'no such session' });
    if (s.binding !== client.binding) {
      this.d.audit.write({ action: 'recovery.binding-mismatch', actor: 'unknown', target: s.username, result: 'refused', reason: 'SESSION_EXPIRED', correlationId: corr(s), device: client.device, source: client.source });
      throw new KeyhatchError('SESSION_EXPIRED', { reason: 'client binding mismatch' });
    }
    return s;
  }

  /**
   * Runs `fn` holding the session's lease, so two requests for one session — on this process or on
   * another sharing the store — never read and write its state (tries, answered prompts) at once.
   */
  private async locked<T>(id: unknown, client: ClientInfo, fn: (s: RecoverySession) => Promise<T>): Promise<T> {
    if (typeof id !== 'string' || id.length > 64) throw new KeyhatchError('SESSION_EXPIRED', { reason: 'malformed id' });
    const key = `${KIND}:${hashId(id)}`;
    const holder = randomUUID();
    const deadline = Date.now() + LEASE_WAIT_MS;
    while (!await this.d.store.leases.acquire(key, holder, this.d.now(), LEASE_MS)) {
      if (Date.now() > deadline) throw new KeyhatchError('RATE_LIMITED', { reason: 'session busy' });
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 20));
    }
    try {
      return await fn(await this.load(id, client));
    } finally {
      await this.d.store.leases.release(key, holder);
    }
  }

  private entryOf(sid: unknown): MenuEntry {
    const f = this.menu.find((o) => o.sid === sid);
    if (!f) throw new KeyhatchError('FACTOR_UNAVAILABLE', { reason: `no factor ${String(sid).slice(0, 16)}` });
    return f;
  }

  private context(s: RecoverySession, sid: string, factor: EnrolledFactor): FactorContext {
    const scratch = (s.scratch[sid] ??= {});
    return {
      factor, user: s.user ?? { id: s.listKey }, scratch, locale: s.locale, sessionId: s.ref,
      saveData: async (data) => { if (!factor.fromDirectory && factor.id !== 'helpdesk' && !factor.id.startsWith('decoy:')) await this.d.store.factors.update(factor.id, { data }); },
    };
  }

  /** One attempt on this session's gates, reserved before it is judged. */
  private reserve(s: RecoverySession, client: ClientInfo): Promise<Attempt> {
    const clientGates = this.clientGates(client);
    // Made-up names count only on their own name gate: they cannot deny service to real users.
    return s.resolved ? this.d.limiter.reserve([...s.userGates, ...clientGates]) : this.d.limiter.reserve(s.userGates, clientGates);
  }

  // ---- challenge / verify ------------------------------------------------------------------

  async challenge(id: unknown, factorSid: unknown, contact: unknown, client: ClientInfo): Promise<Prompts> {
    return this.locked(id, client, async (s) => {
      const f = this.entryOf(factorSid);
      const method = this.d.registry.get(f.type);
      if (!method) throw new KeyhatchError('FACTOR_UNAVAILABLE');
      const found = await this.candidates(s, f.type);
      let prompts: Prompts;
      let details: Record<string, unknown> = { factor: f.type };
      if (f.type === 'email' || f.type === 'sms') {
        if (typeof contact !== 'string' || contact.length === 0) throw new KeyhatchError('BAD_REQUEST', { message: 'Type the full address the code should go to.', reason: 'contact missing' });
        const match = this.matchContact(f.type, contact, found);
        // A typed address costs an attempt unless it matches an enrolled one.
        const attempt = await this.reserve(s, client);
        const scratch = (s.scratch[f.sid] ??= {});
        if (match) {
          prompts = await method.prompts(this.context(s, f.sid, match));
          scratch.codeFactor = match.id;
          await attempt.succeeded();
        } else {
          delete scratch.codeFactor;
          scratch.code = storeCode(this.d.decoyKey, 'never', randomBytes(16).toString('hex'), this.d.now(), 600_000, 3);
          prompts = { sent: true };
          details = { ...details, contact: 'no-match', blocked: await attempt.failed() };
        }
      } else if (f.type === 'questions') {
        const q = found[0];
        prompts = q ? await method.prompts(this.context(s, f.sid, q)) : this.decoyQuestions(s, f.sid);
      } else if (f.type === 'webauthn') {
        prompts = await this.webauthnPrompts(s, f.sid, found);
      } else {
        prompts = await method.prompts(this.context(s, f.sid, found[0] ?? this.decoyFactor(s, f.type)));
      }
      await this.save(s);
      this.d.audit.write({ action: 'recovery.challenge', actor: s.username, target: s.user?.sAMAccountName ?? s.username, result: s.decoy ? 'refused' : 'info', correlationId: corr(s),
        device: client.device, source: client.source, details });
      return prompts;
    });
  }

  /** Constant time over the enrolled addresses (and at least a few), no early exit. */
  private matchContact(type: 'email' | 'sms', typed: string, found: EnrolledFactor[]): EnrolledFactor | undefined {
    const norm = (v: string) => (type === 'email' ? v.normalize('NFKC').trim().toLowerCase() : normalisePhone(v) ?? v.replace(/\D/g, ''));
    const mac = (v: string) => createHmac('sha256', this.d.decoyKey).update(`contact/${type}/${norm(v)}`).digest();
    const given = mac(typed);
    let match: EnrolledFactor | undefined;
    for (let i = 0; i < Math.max(found.length, MIN_CONTACT_COMPARES); i++) {
      const f = found[i];
      const value = f ? String(f.data[type === 'email' ? 'address' : 'phone'] ?? '') : `\u0000pad${i}`;
      const equal = timingSafeEqual(given, mac(value));
      if (equal && f && !match) match = f;
    }
    return match;
  }

  /** Decoys are asked from a stable set (as many as a user enrolls), a random pair each time, like real users. */
  private decoyQuestions(s: RecoverySession, sid: string): Prompts {
    const list = this.d.settings.questionList;
    const h = createHmac('sha256', this.d.decoyKey).update(`${s.probeKey}/q`).digest();
    const set = [...new Set(Array.from({ length: 32 }, (_, i) => (h[i] as number) % list.length))].slice(0, Math.min(this.d.settings.questionsRequired, list.length));
    const pool = [...set];
    const asked: number[] = [];
    while (asked.length < Math.min(this.d.settings.questionsAsked, pool.length)) asked.push(pool.splice(randomBytes(1)[0] as number % pool.length, 1)[0] as number);
    asked.sort((a, b) => a - b);
    (s.scratch[sid] ??= {}).asked = asked;
    return { questions: asked.map((i) => ({ id: String(i), text: list[i] })) };
  }

  /** A factor that never verifies, with data shaped like a real one of its type. */
  private decoyFactor(s: RecoverySession, type: FactorType): EnrolledFactor {
    const mac = createHmac('sha256', this.d.decoyKey).update(`${s.probeKey}/${type}`).digest('base64url');
    const data: Record<string, unknown> = type === 'webauthn' ? { credentialId: mac, publicKey: mac, counter: 0 } : type === 'totp' ? { secret: this.decoyTotpSecret() } : {};
    return { id: `decoy:${type}`, userKey: `decoy:${s.probeKey}`, type, hint: '', confirmed: true, data, createdAt: '' };
  }

  private decoyTotp: string | undefined;
  /** A sealed random seed, so a decoy TOTP check unseals and validates like a real one. */
  private decoyTotpSecret(): string {
    const totp = this.d.registry.get('totp') as { sealSecret?: (secret: string, id: string) => string } | undefined;
    this.decoyTotp ??= totp?.sealSecret?.(newTotpSecret(), 'decoy:totp') ?? '';
    return this.decoyTotp;
  }

  private async webauthnPrompts(s: RecoverySession, sid: string, found: EnrolledFactor[]): Promise<Prompts> {
    const method = this.d.registry.get('webauthn') as NonNullable<ReturnType<FactorRegistry['get']>>;
    const first = found[0] ?? this.decoyFactor(s, 'webauthn');
    const prompts = await method.prompts(this.context(s, sid, first));
    // One challenge for all of the user's keys: each enrolled key is allowed.
    const pk = prompts.publicKey as { allowCredentials?: Array<Record<string, unknown>> } | undefined;
    if (pk && found.length > 1) {
      pk.allowCredentials = found.map((f) => ({ id: f.data.credentialId, type: 'public-key', ...(Array.isArray(f.data.transports) ? { transports: f.data.transports } : {}) }));
    }
    return prompts;
  }

  async verify(id: unknown, factorSid: unknown, response: unknown, client: ClientInfo): Promise<{ verified: boolean; remaining: number }> {
    return this.locked(id, client, async (s) => {
      const f = this.entryOf(factorSid);
      const method = this.d.registry.get(f.type);
      if (!method) throw new KeyhatchError('FACTOR_UNAVAILABLE');
      const found = await this.candidates(s, f.type);
      const attempt = await this.reserve(s, client);
      const audit = { actor: s.username, target: s.user?.sAMAccountName ?? s.username, correlationId: corr(s), device: client.device, source: client.source };
      let ok = false;
      let why = s.decoy ? 'decoy' : 'VERIFICATION_FAILED';
      const budgeted = f.type === 'totp' || f.type === 'questions' || f.type === 'webauthn';
      if (s.verified.includes(f.sid)) why = 'already_verified';
      else if (budgeted && (s.tries[f.sid] ?? 0) >= this.d.settings.factorTries) why = 'tries_exhausted';
      else ok = await this.judge(s, f, found, response);
      if (!ok) {
        if (budgeted) s.tries[f.sid] = (s.tries[f.sid] ?? 0) + 1;
        const blocked = await attempt.failed();
        await this.save(s);
        this.d.audit.write({ action: 'recovery.verify', ...audit, result: 'failure', reason: why, details: { factor: f.type, blocked } });
        throw new KeyhatchError(blocked.length > 0 ? 'RATE_LIMITED' : 'VERIFICATION_FAILED');
      }
      await attempt.succeeded();
      s.verified.push(f.sid);
      await this.save(s);
      this.d.audit.write({ action: 'recovery.verify', ...audit, result: 'success', details: { factor: f.type } });
      const weights = this.verifiedWeights(s);
      return { verified: satisfied(s.requirements.unlock, weights) || satisfied(s.requirements.reset, weights), remaining: remaining(s.requirements.reset, weights) };
    });
  }

  /** Judges a response; decoys and factors the user does not have do comparable work and fail. */
  private async judge(s: RecoverySession, f: MenuEntry, found: EnrolledFactor[], response: unknown): Promise<boolean> {
    const registered = this.d.registry.get(f.type) as NonNullable<ReturnType<FactorRegistry['get']>>;
    // A factor that throws on odd input has failed; it must not turn into a 500 that only real users get.
    const method = { respond: (ctx: FactorContext, r: unknown) => registered.respond(ctx, r).catch(() => 'failed' as const) };
    if (f.type === 'email' || f.type === 'sms') {
      // The scratch holds the code sent to the matched address, or a dead one: the same check either way.
      const match = found.find((x) => x.id === (s.scratch[f.sid]?.codeFactor as string | undefined)) ?? found[0] ?? this.decoyFactor(s, f.type);
      const state = await method.respond(this.context(s, f.sid, match), response);
      return state === 'complete' && !s.decoy && found.length > 0;
    }
    if (f.type === 'questions' && !found[0]) {
      const asked = s.scratch[f.sid]?.asked as number[] | undefined;
      delete s.scratch[f.sid]?.asked;
      await dummyAnswerCheck(asked?.length ?? this.d.settings.questionsAsked);
      return false;
    }
    if (f.type === 'webauthn') {
      const rid = (response as { id?: unknown } | null)?.id;
      const target = found.find((x) => x.data.credentialId === rid) ?? found[0] ?? this.decoyFactor(s, 'webauthn');
      return await method.respond(this.context(s, f.sid, target), response) === 'complete' && found.length > 0;
    }
    // TOTP (each enrolled app is tried, so the count does not show), help-desk code.
    const targets = found.length > 0 ? found : [this.decoyFactor(s, f.type)];
    let ok = false;
    for (const t of targets) if (await method.respond(this.context(s, f.sid, t), response) === 'complete') ok = true;
    return ok && found.length > 0;
  }

  private verifiedWeights(s: RecoverySession): number[] {
    return s.verified.map((sid) => this.weightOf(this.entryOf(sid).type));
  }

  // ---- status / actions --------------------------------------------------------------------

  async status(id: unknown, client: ClientInfo): Promise<Record<string, unknown>> {
    const s = await this.load(id, client);
    const weights = this.verifiedWeights(s);
    const canUnlock = satisfied(s.requirements.unlock, weights);
    const canReset = satisfied(s.requirements.reset, weights);
    // Before a first factor succeeds everybody needs the same: a group policy must not show.
    const left = weights.length === 0 ? this.publicRequired() : remaining(s.requirements.reset, weights);
    const base = { verified: canUnlock || canReset, remaining: left, expiresAt: new Date(s.expiresAt).toISOString() };
    if (s.decoy || !(canUnlock || canReset) || !s.user) return base;
    const [status, policy] = await Promise.all([this.d.directory.accountStatus(s.user), this.d.directory.effectivePolicy(s.user)]);
    return {
      ...base,
      account: { locked: status.locked, canUnlock: canUnlock && status.locked, canReset, backend: this.d.directory.label, mustChange: status.mustChange },
      policy: { minLength: policy.minLength, maxLength: policy.maxLength, complexity: policy.complexity, historyLength: policy.historyLength, bannedWords: policy.bannedWords, source: policy.source, ...(policy.psoName ? { psoName: policy.psoName } : {}) },
      subject: { sAMAccountName: s.user.sAMAccountName, displayName: s.user.displayName },
    };
  }

  private requireVerified(s: RecoverySession, action: 'unlock' | 'reset'): DirectoryUser {
    if (s.decoy || !s.user || !satisfied(s.requirements[action], this.verifiedWeights(s))) throw new KeyhatchError('NOT_VERIFIED');
    return s.user;
  }

  private ctx(s: RecoverySession, client: ClientInfo): OperationContext {
    return { actor: `self:${s.user?.sAMAccountName ?? s.username}@${client.device}`, correlationId: corr(s), operationId: s.ref };
  }

  async checkPassword(id: unknown, newPassword: unknown, client: ClientInfo): Promise<{ violations: PolicyViolation[] }> {
    const s = await this.load(id, client);
    const user = this.requireVerified(s, 'reset');
    if (typeof newPassword !== 'string') throw new KeyhatchError('BAD_REQUEST', { reason: 'newPassword must be a string' });
    return { violations: checkPassword(newPassword, await this.d.directory.effectivePolicy(user), user) };
  }

  async unlock(id: unknown, client: ClientInfo): Promise<{ unlocked: true }> {
    return this.locked(id, client, async (s) => {
      const user = this.requireVerified(s, 'unlock');
      const ctx = this.ctx(s, client);
      try {
        await this.d.directory.unlock(user, ctx);
      } catch (err) {
        this.d.audit.write({ action: 'recovery.unlock', actor: ctx.actor, target: user.sAMAccountName, result: 'failure', reason: (err as KeyhatchError).code ?? 'INTERNAL', correlationId: ctx.correlationId, device: client.device, source: client.source });
        throw err;
      }
      s.unlocked = true;
      await this.save(s);
      this.d.audit.write({ action: 'recovery.unlock', actor: ctx.actor, target: user.sAMAccountName, result: 'success', correlationId: ctx.correlationId, device: client.device, source: client.source,
        details: { factors: this.verifiedTypes(s) } });
      await this.notify(user, 'unlock', s.locale, ctx.correlationId);
      return { unlocked: true };
    });
  }

  private verifiedTypes(s: RecoverySession): FactorType[] { return s.verified.map((sid) => this.entryOf(sid).type); }

  async reset(id: unknown, newPassword: unknown, alsoUnlock: unknown, client: ClientInfo): Promise<{ reset: true; unlocked: boolean }> {
    return this.locked(id, client, async (s) => {
      const user = this.requireVerified(s, 'reset');
      if (typeof newPassword !== 'string' || newPassword.length === 0 || newPassword.length > 512) throw new KeyhatchError('BAD_REQUEST', { reason: 'newPassword' });
      const ctx = this.ctx(s, client);
      const audit = { actor: ctx.actor, target: user.sAMAccountName, correlationId: ctx.correlationId, device: client.device, source: client.source };
      try {
        this.pendingResets.set(s.ref, { expiresAt: s.expiresAt, user, locale: s.locale });
        await this.d.directory.resetPassword(user, newPassword, ctx);
        this.pendingResets.delete(s.ref);
      } catch (err) {
        this.d.audit.write({ action: 'recovery.reset', ...audit, result: 'failure', reason: (err as KeyhatchError).code ?? 'INTERNAL', details: { violations: (err as KeyhatchError).violations?.map((v) => v.code) } });
        throw err;
      }
      // The password has changed: whatever happens next, the session closes, the reset is audited
      // as done and the user is told. A failed unlock is audited on its own and reported as not unlocked.
      await this.d.store.ephemeral.delete(KIND, s.ref);
      this.d.audit.write({ action: 'recovery.reset', ...audit, result: 'success', details: { factors: this.verifiedTypes(s) } });
      let unlocked = false;
      try {
        if (alsoUnlock === true || (await this.d.directory.accountStatus(user)).locked) {
          await this.d.directory.unlock(user, ctx);
          unlocked = true;
          this.d.audit.write({ action: 'recovery.unlock', ...audit, result: 'success', details: { withReset: true } });
        }
      } catch (err) {
        this.d.audit.write({ action: 'recovery.unlock', ...audit, result: 'failure', reason: (err as KeyhatchError).code ?? 'INTERNAL', details: { withReset: true } });
        this.d.log.warn('password reset, but the unlock that followed failed', { user: user.sAMAccountName, error: (err as Error).message });
      }
      await this.notify(user, 'reset', s.locale, ctx.correlationId);
      return { reset: true, unlocked };
    });
  }

  async cancel(id: unknown, client: ClientInfo): Promise<void> {
    await this.locked(id, client, async (s) => {
      await this.d.store.ephemeral.delete(KIND, s.ref);
      await this.abandon(s.ref, 'cancelled');
      this.d.audit.write({ action: 'recovery.cancel', actor: s.username, target: s.user?.sAMAccountName ?? s.username, result: 'info', correlationId: corr(s), device: client.device, source: client.source });
    });
  }

  private async abandon(ref: string, why: string): Promise<void> {
    const pending = this.pendingResets.get(ref);
    if (!pending) return;
    this.pendingResets.delete(ref);
    const ctx = { actor: 'keyhatch', correlationId: ref.slice(0, 12), operationId: ref };
    if (await this.d.directory.abandonReset(ref, ctx)) {
      this.d.log.warn('a reset was left half-way; the account holds a temporary password', { user: pending.user.sAMAccountName, why });
      await this.notify(pending.user, 'resetIncomplete', pending.locale, ctx.correlationId);
    }
  }

  /** Expires sessions whose two-step reset never finished; called periodically by the server. */
  async sweep(): Promise<void> {
    const now = this.d.now();
    for (const [ref, p] of [...this.pendingResets]) if (p.expiresAt <= now) await this.abandon(ref, 'expired');
    await this.d.store.ephemeral.purgeExpired(now);
  }

  private async notify(user: DirectoryUser, kind: 'reset' | 'unlock' | 'resetIncomplete', locale: string, correlationId: string): Promise<void> {
    const channels = await notificationChannels(this.d.store, user, this.d.outbox);
    for (const ch of channels) {
      this.d.outbox.send(ch, kind, locale, { user: user.sAMAccountName ?? user.userPrincipalName ?? user.id, time: noticeTime(this.d.now()) },
        { user: user.sAMAccountName ?? user.id, correlationId });
    }
  }
}

/** Sessions are stored and correlated by this hash; the id itself is a bearer value. */
export function hashId(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

/** Audit correlation id: a prefix of the hash, never of the bearer id. */
function corr(s: RecoverySession): string { return s.ref.slice(0, 12); }

function directoryFactor(user: DirectoryUser, type: FactorType, value: string): EnrolledFactor {
  return {
    id: `directory:${type}`, userKey: userKeyOf(user), type, confirmed: true, fromDirectory: true, createdAt: '',
    hint: type === 'email' ? maskEmail(value) : maskPhone(value),
    data: type === 'email' ? { address: value } : { phone: value },
  };
}
