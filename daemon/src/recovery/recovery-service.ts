// The recovery state machine: started → factors verified → unlocked/reset → closed. Its helpers
// each do one job: sessions in the store (recovery-sessions.ts), what refused sessions get instead
// (decoys.ts), notices to the user (account-notices.ts), half-done resets (pending-resets.ts).
// Nobody learns anything about a name before a first factor succeeds: every session — real, unknown,
// unenrolled, disabled or privileged — gets the same method menu (the policy's factor types), the
// same answers and the same directory and store work. E-mail and SMS codes go only to an address the
// user types in full and that matches an enrolled one. Refused sessions are decoys that can never
// succeed; the truth goes to the audit log.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ScopeCheck } from './recovery-scope.js';
import { KeyhatchError, isKeyhatchError } from '../errors/catalogue.js';
import type { Directory, DirectoryUser, OperationContext } from '../directory/directory.js';
import { groupKeyOf, userKeyOf } from '../directory/directory.js';
import { parseUsername } from '../directory/username.js';
import { windowsAccountOf, type WindowsAccount } from '../directory/windows-account.js';
import type { EnrolledFactor, FactorContext, FactorRegistry, FactorType, Prompts } from '../factors/factor.js';
import { FACTOR_TYPES } from '../factors/factor.js';
import { maskEmail, maskPhone, normalisePhone } from '../factors/masking.js';
import { dummyAnswerCheck } from '../factors/questions.js';
import type { AuditSink } from '../log/audit.js';
import type { Logger } from '../log/logger.js';
import type { Outbox } from '../notify/outbox.js';
import { faultPoint } from '../platform/fault-points.js';
import { checkPassword } from '../password/rules.js';
import type { PolicyViolation } from '../errors/catalogue.js';
import type { Store } from '../store/store.js';
import { remaining, requirementsFor, satisfied, type PolicyConfig, type Requirements } from './factor-policy.js';
import { gate, type Attempt, type RateLimiter } from './rate-limiter.js';
import { AccountNotices } from './account-notices.js';
import type { ClientInfo } from './client-info.js';
import { Decoys } from './decoys.js';
import { AnswerFloor } from './answer-floor.js';
import { PendingResets } from './pending-resets.js';
import { corr, hashId, RecoverySessions, type RecoverySession } from './recovery-sessions.js';
import { accountGateKey, isLoopback } from './account-key.js';

export type { ClientInfo } from './client-info.js';
export { hashId } from './recovery-sessions.js';

/** One entry of the method menu: the same for everyone under one configuration. */
interface MenuEntry { sid: string; type: FactorType }

/** What the start of a recovery answers. */
export interface RecoveryStartAnswer { recoveryId: string; factors: Array<{ id: string; type: FactorType }>; required: number; expiresAt: string }

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

const WEIGHT: Record<FactorType, number> = { email: 2, sms: 1, totp: 2, webauthn: 2, questions: 1, helpdesk: 2 };
/** Typed addresses are compared against at least this many entries, so the count does not show. */
const MIN_CONTACT_COMPARES = 4;

export class RecoveryService {
  private readonly menu: MenuEntry[];
  private readonly sessions: RecoverySessions;
  private readonly decoys: Decoys;
  /** Starts leave no sooner than most starts do, whoever the name belongs to (answer-floor.ts). */
  private readonly startFloor = new AnswerFloor();
  private readonly notices: AccountNotices;
  private readonly pendingResets: PendingResets;

  constructor(private readonly d: RecoveryDeps) {
    const enabled = d.settings.policy.enabledFactors;
    this.menu = FACTOR_TYPES.filter((t) => enabled.includes(t) && d.registry.get(t)).map((type, i) => ({ sid: `f${i + 1}`, type }));
    this.sessions = new RecoverySessions({ store: d.store, audit: d.audit, now: d.now });
    this.decoys = new Decoys({
      directory: d.directory, registry: d.registry, decoyKey: d.decoyKey, store: d.store, now: d.now,
      questionList: d.settings.questionList, questionsAsked: d.settings.questionsAsked, questionsRequired: d.settings.questionsRequired,
    });
    this.notices = new AccountNotices({ store: d.store, outbox: d.outbox, now: d.now });
    this.pendingResets = new PendingResets({ directory: d.directory, notices: this.notices, log: d.log });
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

    return this.startFloor.hold(async () => {
      const found = await this.d.directory.findUser(raw, client.domain ? { defaultDomain: client.domain } : undefined).catch((err: unknown) => {
        if (isKeyhatchError(err, 'AMBIGUOUS_USER')) return null;
        throw err;
      });
      // Decoys do the same directory and store work against a real, harmless probe account.
      const target = found ?? await this.decoys.probeUser();
      const [status, privilege, groups, enrolled] = target
        ? await Promise.all([this.d.directory.accountStatus(target), this.d.directory.privilege(target), this.d.directory.groups(target), this.d.store.factors.list(userKeyOf(target))])
        : [undefined, undefined, [] as string[], [] as EnrolledFactor[]];
      const requirements = requirementsFor(this.d.settings.policy, found ? groups : [], (g) => groupKeyOf(this.d.directory, g));
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
      await this.sessions.save(session);
      this.d.audit.write({ action: 'recovery.start', actor: username, target: found?.accountName ?? username, result: decoy ? 'refused' : 'info', correlationId: corr(session),
        device: client.device, source: client.source, reason, details: { enrolled: decoy ? [] : this.usable(found as DirectoryUser, enrolled, requirements) } });
      return {
        recoveryId: id,
        factors: this.menu.map((f) => ({ id: f.sid, type: f.type })),
        required: this.publicRequired(),
        expiresAt: new Date(session.expiresAt).toISOString(),
      };
    });
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
    return this.sessions.locked(id, client, async (s) => {
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
          scratch.code = this.decoys.deadCode(this.d.now());
          prompts = { sent: true };
          details = { ...details, contact: 'no-match', blocked: await attempt.failed() };
        }
      } else if (f.type === 'questions') {
        const q = found[0];
        prompts = q ? await method.prompts(this.context(s, f.sid, q)) : this.decoys.questions(s.probeKey, (s.scratch[f.sid] ??= {}));
      } else if (f.type === 'webauthn') {
        prompts = await this.webauthnPrompts(s, f.sid, found);
      } else {
        prompts = await method.prompts(this.context(s, f.sid, found[0] ?? this.decoys.factor(s.probeKey, f.type)));
      }
      await this.sessions.save(s);
      this.d.audit.write({ action: 'recovery.challenge', actor: s.username, target: s.user?.accountName ?? s.username, result: s.decoy ? 'refused' : 'info', correlationId: corr(s),
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

  private async webauthnPrompts(s: RecoverySession, sid: string, found: EnrolledFactor[]): Promise<Prompts> {
    const method = this.d.registry.get('webauthn') as NonNullable<ReturnType<FactorRegistry['get']>>;
    const keys = await this.webauthnKeys(s, found);
    const prompts = await method.prompts(this.context(s, sid, keys[0] as EnrolledFactor));
    // One challenge for all of the user's keys: each enrolled key is allowed (one entry shape for any count).
    const pk = prompts.publicKey as { allowCredentials?: Array<Record<string, unknown>> } | undefined;
    if (pk) pk.allowCredentials = keys.map((f) => ({ id: f.data.credentialId, type: 'public-key', ...(Array.isArray(f.data.transports) ? { transports: f.data.transports } : {}) }));
    return prompts;
  }

  /** The user's keys, or decoy keys shaped like a real user's; the decoys are worked out on every path (same work). */
  private async webauthnKeys(s: RecoverySession, found: EnrolledFactor[]): Promise<EnrolledFactor[]> {
    const decoys = await this.decoys.webauthnKeys(s.probeKey);
    return found.length > 0 ? found : decoys;
  }

  async verify(id: unknown, factorSid: unknown, response: unknown, client: ClientInfo): Promise<{ verified: boolean; remaining: number }> {
    return this.sessions.locked(id, client, async (s) => {
      const f = this.entryOf(factorSid);
      const method = this.d.registry.get(f.type);
      if (!method) throw new KeyhatchError('FACTOR_UNAVAILABLE');
      const found = await this.candidates(s, f.type);
      const attempt = await this.reserve(s, client);
      await faultPoint('before-verify');
      const audit = { actor: s.username, target: s.user?.accountName ?? s.username, correlationId: corr(s), device: client.device, source: client.source };
      let ok = false;
      let why = s.decoy ? 'decoy' : 'VERIFICATION_FAILED';
      const budgeted = f.type === 'totp' || f.type === 'questions' || f.type === 'webauthn';
      if (s.verified.includes(f.sid)) why = 'already_verified';
      else if (budgeted && (s.tries[f.sid] ?? 0) >= this.d.settings.factorTries) why = 'tries_exhausted';
      else ok = await this.judge(s, f, found, response);
      if (!ok) {
        if (budgeted) s.tries[f.sid] = (s.tries[f.sid] ?? 0) + 1;
        const blocked = await attempt.failed();
        await this.sessions.save(s);
        this.d.audit.write({ action: 'recovery.verify', ...audit, result: 'failure', reason: why, details: { factor: f.type, blocked } });
        throw new KeyhatchError(blocked.length > 0 ? 'RATE_LIMITED' : 'VERIFICATION_FAILED');
      }
      await attempt.succeeded();
      s.verified.push(f.sid);
      await this.sessions.save(s);
      await faultPoint('after-verify');
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
      const match = found.find((x) => x.id === (s.scratch[f.sid]?.codeFactor as string | undefined)) ?? found[0] ?? this.decoys.factor(s.probeKey, f.type);
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
      const keys = await this.webauthnKeys(s, found);
      const target = keys.find((x) => x.data.credentialId === rid) ?? keys[0] as EnrolledFactor;
      return await method.respond(this.context(s, f.sid, target), response) === 'complete' && found.length > 0;
    }
    // TOTP (each enrolled app is tried, so the count does not show), help-desk code.
    const targets = found.length > 0 ? found : [this.decoys.factor(s.probeKey, f.type)];
    let ok = false;
    for (const t of targets) if (await method.respond(this.context(s, f.sid, t), response) === 'complete') ok = true;
    return ok && found.length > 0;
  }

  private verifiedWeights(s: RecoverySession): number[] {
    return s.verified.map((sid) => this.weightOf(this.entryOf(sid).type));
  }

  // ---- status / actions --------------------------------------------------------------------

  async status(id: unknown, client: ClientInfo): Promise<Record<string, unknown>> {
    const s = await this.sessions.load(id, client);
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
      subject: { accountName: s.user.accountName, displayName: s.user.displayName },
    };
  }

  private requireVerified(s: RecoverySession, action: 'unlock' | 'reset'): DirectoryUser {
    if (s.decoy || !s.user || !satisfied(s.requirements[action], this.verifiedWeights(s))) throw new KeyhatchError('NOT_VERIFIED');
    return s.user;
  }

  private ctx(s: RecoverySession, client: ClientInfo): OperationContext {
    return { actor: `self:${s.user?.accountName ?? s.username}@${client.device}`, correlationId: corr(s), operationId: s.ref };
  }

  async checkPassword(id: unknown, newPassword: unknown, client: ClientInfo): Promise<{ violations: PolicyViolation[] }> {
    const s = await this.sessions.load(id, client);
    const user = this.requireVerified(s, 'reset');
    if (typeof newPassword !== 'string') throw new KeyhatchError('BAD_REQUEST', { reason: 'newPassword must be a string' });
    return { violations: checkPassword(newPassword, await this.d.directory.effectivePolicy(user), user) };
  }

  async unlock(id: unknown, client: ClientInfo): Promise<{ unlocked: true }> {
    return this.sessions.locked(id, client, async (s) => {
      const user = this.requireVerified(s, 'unlock');
      const ctx = this.ctx(s, client);
      try {
        await this.d.directory.unlock(user, ctx);
      } catch (err) {
        this.d.audit.write({ action: 'recovery.unlock', actor: ctx.actor, target: user.accountName, result: 'failure', reason: (err as KeyhatchError).code ?? 'INTERNAL', correlationId: ctx.correlationId, device: client.device, source: client.source });
        throw err;
      }
      s.unlocked = true;
      await this.sessions.save(s);
      this.d.audit.write({ action: 'recovery.unlock', actor: ctx.actor, target: user.accountName, result: 'success', correlationId: ctx.correlationId, device: client.device, source: client.source,
        details: { factors: this.verifiedTypes(s) } });
      await this.notices.send(user, 'unlock', s.locale, ctx.correlationId);
      return { unlocked: true };
    });
  }

  private verifiedTypes(s: RecoverySession): FactorType[] { return s.verified.map((sid) => this.entryOf(sid).type); }

  /** `account` is for the daemon's follow-ups (the logon tile, the offline cache): never put it in a kiosk answer. */
  async reset(id: unknown, newPassword: unknown, alsoUnlock: unknown, client: ClientInfo): Promise<{ reset: true; unlocked: boolean; account?: WindowsAccount }> {
    return this.sessions.locked(id, client, async (s) => {
      // A repeat of a reset whose answer was lost (e.g. the gateway that made it died before
      // answering): say it happened rather than "session ended", which would leave the user unsure.
      if (s.done) throw new KeyhatchError('RESET_ALREADY_DONE');
      const user = this.requireVerified(s, 'reset');
      if (typeof newPassword !== 'string' || newPassword.length === 0 || newPassword.length > 512) throw new KeyhatchError('BAD_REQUEST', { reason: 'newPassword' });
      const ctx = this.ctx(s, client);
      const audit = { actor: ctx.actor, target: user.accountName, correlationId: ctx.correlationId, device: client.device, source: client.source };
      try {
        this.pendingResets.begin(s.ref, { expiresAt: s.expiresAt, user, locale: s.locale });
        await this.d.directory.resetPassword(user, newPassword, ctx);
        this.pendingResets.settle(s.ref);
      } catch (err) {
        this.d.audit.write({ action: 'recovery.reset', ...audit, result: 'failure', reason: (err as KeyhatchError).code ?? 'INTERNAL', details: { violations: (err as KeyhatchError).violations?.map((v) => v.code) } });
        throw err;
      }
      // The password has changed: whatever happens next, the session closes, the reset is audited
      // as done and the user is told. A failed unlock is audited on its own and reported as not unlocked.
      // Closed, not deleted, until it expires: only a repeated reset can still see it (RESET_ALREADY_DONE).
      // A store that cannot take the write (full disk) must not turn a done reset into an error answer.
      await this.sessions.save({ ...s, verified: [], scratch: {}, tries: {}, done: true })
        .catch((err: unknown) => this.d.log.warn('could not close the session after its reset', { error: (err as Error).message }));
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
        this.d.log.warn('password reset, but the unlock that followed failed', { user: user.accountName, error: (err as Error).message });
      }
      await this.notices.send(user, 'reset', s.locale, ctx.correlationId);
      const account = windowsAccountOf(user);
      return { reset: true, unlocked, ...(account ? { account } : {}) };
    }, { done: true });
  }

  async cancel(id: unknown, client: ClientInfo): Promise<void> {
    await this.sessions.locked(id, client, async (s) => {
      await this.sessions.delete(s.ref);
      await this.pendingResets.abandon(s.ref, 'cancelled');
      this.d.audit.write({ action: 'recovery.cancel', actor: s.username, target: s.user?.accountName ?? s.username, result: 'info', correlationId: corr(s), device: client.device, source: client.source });
    });
  }

  /** Expires sessions whose two-step reset never finished; called periodically by the server. */
  async sweep(): Promise<void> {
    const now = this.d.now();
    await this.pendingResets.expire(now);
    await this.sessions.purgeExpired(now);
    await this.d.store.leases.purgeExpired(now); // session leases of a gateway that died, seen SSO tokens
  }
}

function directoryFactor(user: DirectoryUser, type: FactorType, value: string): EnrolledFactor {
  return {
    id: `directory:${type}`, userKey: userKeyOf(user), type, confirmed: true, fromDirectory: true, createdAt: '',
    hint: type === 'email' ? maskEmail(value) : maskPhone(value),
    data: type === 'email' ? { address: value } : { phone: value },
  };
}
