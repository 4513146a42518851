// The recovery state machine: started → factors verified → unlocked/reset → closed.
// Unknown, unenrolled, disabled and privileged users get a decoy session: the same answers, made
// with the same directory and store work, that can never succeed. The truth goes to the audit log.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { KeyhatchError, isKeyhatchError } from '../errors/catalogue.js';
import type { Directory, DirectoryUser, OperationContext } from '../directory/directory.js';
import { userKeyOf } from '../directory/directory.js';
import { parseUsername } from '../directory/username.js';
import type { EnrolledFactor, FactorContext, FactorRegistry, FactorScratch, FactorType, Prompts } from '../factors/factor.js';
import { maskEmail, maskPhone } from '../factors/masking.js';
import type { AuditSink } from '../log/audit.js';
import type { Logger } from '../log/logger.js';
import type { Outbox } from '../notify/outbox.js';
import { noticeTime } from '../notify/templates.js';
import { checkPassword } from '../password/rules.js';
import type { PolicyViolation } from '../errors/catalogue.js';
import type { Store } from '../store/store.js';
import { remaining, requirementsFor, satisfied, type PolicyConfig, type Requirements } from './factor-policy.js';
import { gate, type RateLimiter } from './rate-limiter.js';
import { notificationChannels } from './channels.js';

export interface ClientInfo {
  /** Remote address as the daemon saw it. */
  readonly source: string;
  /** Device id (the workstation running the kiosk). */
  readonly device: string;
  /** Hash of everything that identifies this client; a session only answers to its creator. */
  readonly binding: string;
  readonly locale?: string;
  /** The workstation's own domain (reported by its relay): where a bare user name is looked up. */
  readonly domain?: string;
}

interface OfferedFactor { sid: string; type: FactorType; hint?: string; ref: string; weight: number }

interface RecoverySession {
  id: string;
  binding: string;
  createdAt: number;
  expiresAt: number;
  locale: string;
  decoy: boolean;
  username: string;
  user?: DirectoryUser;
  offered: OfferedFactor[];
  verified: string[];
  scratch: Record<string, FactorScratch>;
  requirements: Requirements;
  gates: string[];
  unlocked?: boolean;
}

export interface RecoverySettings {
  sessionSeconds: number;
  decoyFactors: FactorType[];
  preEnrollFromDirectory: boolean;
  allowPrivileged: boolean;
  startsPerSource: number;
  policy: PolicyConfig;
  questionList: string[];
  questionsAsked: number;
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
  /** Key for deterministic decoy hints (so repeated probes of one name look stable). */
  decoyKey: Buffer;
  settings: RecoverySettings;
}

const KIND = 'recovery';
const WEIGHT: Record<FactorType, number> = { email: 2, sms: 1, totp: 2, webauthn: 2, questions: 1, helpdesk: 2 };

export class RecoveryService {
  private probe: Promise<DirectoryUser | null> | undefined;
  /**
   * Sessions whose reset attempt failed: if the directory left it half-done (two-step AD reset),
   * `abandonReset` on cancel or expiry says so and the user is told. The directory is the judge.
   */
  private readonly pendingResets = new Map<string, { expiresAt: number; user: DirectoryUser; locale: string }>();

  constructor(private readonly d: RecoveryDeps) {}

  private weightOf(type: FactorType): number { return this.d.registry.get(type)?.weight ?? WEIGHT[type]; }

  // ---- start -------------------------------------------------------------------------------

  async start(rawUsername: unknown, client: ClientInfo): Promise<{ recoveryId: string; factors: Array<{ id: string; type: FactorType; hint?: string }>; required: number; expiresAt: string }> {
    const parsed = parseUsername(rawUsername);
    const username = (parsed.kind === 'upn' ? parsed.upn : `${parsed.domain ? `${parsed.domain}\\` : ''}${parsed.sam}`).toLowerCase();
    await this.d.limiter.count(gate('start', client.source), this.d.settings.startsPerSource);
    const userGate = gate('user', username);
    await this.d.limiter.assertOpen([userGate]);

    const found = await this.d.directory.findUser(username, client.domain ? { defaultDomain: client.domain } : undefined).catch((err: unknown) => {
      if (isKeyhatchError(err, 'AMBIGUOUS_USER')) return null;
      throw err;
    });
    // Decoys do the same directory and store work against a real, harmless probe account.
    const target = found ?? await this.probeUser();
    const [status, privilege, groups, enrolled] = target
      ? await Promise.all([this.d.directory.accountStatus(target), this.d.directory.privilege(target), this.d.directory.groups(target), this.d.store.factors.list(userKeyOf(target))])
      : [undefined, undefined, [] as string[], [] as EnrolledFactor[]];
    const requirements = requirementsFor(this.d.settings.policy, groups);

    let reason: string | undefined;
    let offered: OfferedFactor[] = [];
    if (!found) reason = 'unknown_user';
    else if (status?.disabled) reason = 'disabled';
    else if (privilege?.privileged && !this.d.settings.allowPrivileged) reason = `privileged:${privilege.via.join('|')}`;
    else {
      offered = this.offerFor(found, enrolled, requirements);
      if (!offered.some((f) => f.type !== 'helpdesk')) reason = 'unenrolled';
    }
    const decoy = reason !== undefined;
    if (decoy) offered = this.decoyOffer(username, requirements);

    const now = this.d.now();
    const session: RecoverySession = {
      id: randomBytes(24).toString('base64url'), // 192 bits
      binding: client.binding,
      createdAt: now,
      expiresAt: now + this.d.settings.sessionSeconds * 1000,
      locale: client.locale ?? 'en',
      decoy,
      username,
      ...(decoy ? {} : { user: found as DirectoryUser }),
      offered,
      verified: [],
      scratch: {},
      requirements,
      gates: [userGate, gate('device', client.device), gate('source', client.source)],
    };
    await this.save(session);
    this.d.audit.write({ action: 'recovery.start', actor: username, target: found?.sAMAccountName ?? username, result: decoy ? 'refused' : 'info', correlationId: session.id.slice(0, 12),
      device: client.device, source: client.source, reason: decoy ? reason : undefined, details: { factors: offered.map((f) => f.type) } });
    return {
      recoveryId: session.id,
      factors: offered.map((f) => ({ id: f.sid, type: f.type, ...(f.hint ? { hint: f.hint } : {}) })),
      required: remaining(requirements.reset, []),
      expiresAt: new Date(session.expiresAt).toISOString(),
    };
  }

  private probeUser(): Promise<DirectoryUser | null> {
    this.probe ??= (this.d.directory.sampleUser?.() ?? Promise.resolve(null)).catch(() => null);
    return this.probe;
  }

  private offerFor(user: DirectoryUser, enrolled: EnrolledFactor[], req: Requirements): OfferedFactor[] {
    const usable = enrolled.filter((f) => f.confirmed && !req.disabled.includes(f.type) && this.d.registry.get(f.type));
    if (this.d.settings.preEnrollFromDirectory) {
      if (user.mail && !req.disabled.includes('email') && !usable.some((f) => f.type === 'email' && f.data.address === user.mail)) {
        usable.push(directoryFactor(user, 'email', user.mail));
      }
      if (user.mobile && !req.disabled.includes('sms') && !usable.some((f) => f.type === 'sms' && f.data.phone === user.mobile)) {
        usable.push(directoryFactor(user, 'sms', user.mobile));
      }
    }
    const list: OfferedFactor[] = usable.map((f, i) => ({ sid: `f${i + 1}`, type: f.type, ref: f.id, weight: this.weightOf(f.type), ...(f.hint ? { hint: f.hint } : {}) }));
    if (this.d.registry.get('helpdesk') && !req.disabled.includes('helpdesk')) list.push({ sid: `f${list.length + 1}`, type: 'helpdesk', ref: 'helpdesk', weight: this.weightOf('helpdesk') });
    return list;
  }

  /** Plausible, stable per name: an attacker probing one name twice sees the same hints. */
  private decoyOffer(username: string, req: Requirements): OfferedFactor[] {
    const h = createHmac('sha256', this.d.decoyKey).update(username).digest();
    const letter = (i: number) => String.fromCharCode(97 + ((h[i] as number) % 26));
    const types = this.d.settings.decoyFactors.filter((t) => !req.disabled.includes(t));
    const list: OfferedFactor[] = types.map((type, i) => {
      const hint = type === 'email' ? maskEmail(`${letter(0)}x@${letter(1)}x.com`) : type === 'sms' ? maskPhone(String(1000 + ((h[2] as number) * 37) % 9000)) : undefined;
      return { sid: `f${i + 1}`, type, ref: `decoy:${type}`, weight: this.weightOf(type), ...(hint ? { hint } : {}) };
    });
    if (this.d.registry.get('helpdesk') && !req.disabled.includes('helpdesk') && !types.includes('helpdesk')) list.push({ sid: `f${list.length + 1}`, type: 'helpdesk', ref: 'decoy:helpdesk', weight: 2 });
    return list;
  }

  // ---- sessions ----------------------------------------------------------------------------

  private async save(s: RecoverySession): Promise<void> {
    await this.d.store.ephemeral.put(KIND, hashId(s.id), s, s.expiresAt);
  }

  /** Unknown, expired and someone else's sessions all look the same: SESSION_EXPIRED. */
  private async load(id: unknown, client: ClientInfo): Promise<RecoverySession> {
    if (typeof id !== 'string' || id.length > 64) throw new KeyhatchError('SESSION_EXPIRED', { reason: 'malformed id' });
    const s = await this.d.store.ephemeral.get<RecoverySession>(KIND, hashId(id), this.d.now());
    if (!s) throw new KeyhatchError('SESSION_EXPIRED', { reason: 'no such session' });
    if (s.binding !== client.binding) {
      this.d.audit.write({ action: 'recovery.binding-mismatch', actor: 'unknown', target: s.username, result: 'refused', reason: 'SESSION_EXPIRED', correlationId: s.id.slice(0, 12), device: client.device, source: client.source });
      throw new KeyhatchError('SESSION_EXPIRED', { reason: 'client binding mismatch' });
    }
    return s;
  }

  private factorOf(s: RecoverySession, sid: unknown): OfferedFactor {
    const f = s.offered.find((o) => o.sid === sid);
    if (!f) throw new KeyhatchError('FACTOR_UNAVAILABLE', { reason: `no factor ${String(sid).slice(0, 16)}` });
    return f;
  }

  private async enrolledFor(s: RecoverySession, f: OfferedFactor): Promise<EnrolledFactor> {
    const user = s.user as DirectoryUser;
    if (f.ref === 'helpdesk') return { id: 'helpdesk', userKey: userKeyOf(user), type: 'helpdesk', hint: '', confirmed: true, data: {}, createdAt: '' };
    if (f.ref.startsWith('directory:')) return directoryFactor(user, f.type, f.type === 'email' ? user.mail ?? '' : user.mobile ?? '');
    const e = await this.d.store.factors.get(f.ref);
    if (!e || e.userKey !== userKeyOf(user)) throw new KeyhatchError('FACTOR_UNAVAILABLE', { reason: 'factor removed' });
    return e;
  }

  private context(s: RecoverySession, f: OfferedFactor, factor: EnrolledFactor): FactorContext {
    const scratch = (s.scratch[f.sid] ??= {});
    return {
      factor, user: s.user as DirectoryUser, scratch, locale: s.locale, sessionId: s.id,
      saveData: async (data) => { if (!factor.fromDirectory && factor.id !== 'helpdesk') await this.d.store.factors.update(factor.id, { data }); },
    };
  }

  // ---- challenge / verify ------------------------------------------------------------------

  async challenge(id: unknown, factorSid: unknown, client: ClientInfo): Promise<Prompts> {
    const s = await this.load(id, client);
    await this.d.limiter.assertOpen(s.gates);
    const f = this.factorOf(s, factorSid);
    let prompts: Prompts;
    if (s.decoy) prompts = this.decoyPrompts(s, f);
    else {
      const method = this.d.registry.get(f.type);
      if (!method) throw new KeyhatchError('FACTOR_UNAVAILABLE');
      prompts = await method.prompts(this.context(s, f, await this.enrolledFor(s, f)));
    }
    await this.save(s);
    this.d.audit.write({ action: 'recovery.challenge', actor: s.username, target: s.user?.sAMAccountName ?? s.username, result: s.decoy ? 'refused' : 'info', correlationId: s.id.slice(0, 12),
      device: client.device, source: client.source, details: { factor: f.type } });
    return prompts;
  }

  private decoyPrompts(s: RecoverySession, f: OfferedFactor): Prompts {
    if (f.type === 'email' || f.type === 'sms') return { sent: true };
    if (f.type === 'questions') {
      const h = createHmac('sha256', this.d.decoyKey).update(`${s.username}/q`).digest();
      const list = this.d.settings.questionList;
      const picks = [...new Set(Array.from({ length: this.d.settings.questionsAsked * 2 }, (_, i) => (h[i] as number) % list.length))].slice(0, this.d.settings.questionsAsked).sort((a, b) => a - b);
      return { questions: picks.map((i) => ({ id: String(i), text: list[i] })) };
    }
    if (f.type === 'webauthn') {
      return { publicKey: { challenge: randomBytes(32).toString('base64url'), timeout: 60000, userVerification: 'preferred',
        allowCredentials: [{ id: createHmac('sha256', this.d.decoyKey).update(`${s.username}/w`).digest('base64url'), type: 'public-key' }] } };
    }
    return {};
  }

  async verify(id: unknown, factorSid: unknown, response: unknown, client: ClientInfo): Promise<{ verified: boolean; remaining: number }> {
    const s = await this.load(id, client);
    await this.d.limiter.assertOpen(s.gates);
    const f = this.factorOf(s, factorSid);
    let ok = false;
    if (!s.decoy && !s.verified.includes(f.sid)) {
      const method = this.d.registry.get(f.type);
      if (!method) throw new KeyhatchError('FACTOR_UNAVAILABLE');
      const state = await method.respond(this.context(s, f, await this.enrolledFor(s, f)), response);
      ok = state === 'complete';
    }
    const audit = { actor: s.username, target: s.user?.sAMAccountName ?? s.username, correlationId: s.id.slice(0, 12), device: client.device, source: client.source };
    if (!ok) {
      const blocked = await this.d.limiter.failure(s.gates);
      await this.save(s);
      this.d.audit.write({ action: 'recovery.verify', ...audit, result: 'failure', reason: s.decoy ? 'decoy' : 'VERIFICATION_FAILED', details: { factor: f.type, blocked: blocked.map((g) => g.split(':')[0]) } });
      throw new KeyhatchError(blocked.length > 0 ? 'RATE_LIMITED' : 'VERIFICATION_FAILED');
    }
    s.verified.push(f.sid);
    await this.save(s);
    this.d.audit.write({ action: 'recovery.verify', ...audit, result: 'success', details: { factor: f.type } });
    const weights = this.verifiedWeights(s);
    return { verified: satisfied(s.requirements.unlock, weights) || satisfied(s.requirements.reset, weights), remaining: remaining(s.requirements.reset, weights) };
  }

  private verifiedWeights(s: RecoverySession): number[] {
    return s.verified.map((sid) => s.offered.find((o) => o.sid === sid)?.weight ?? 0);
  }

  // ---- status / actions --------------------------------------------------------------------

  async status(id: unknown, client: ClientInfo): Promise<Record<string, unknown>> {
    const s = await this.load(id, client);
    const weights = this.verifiedWeights(s);
    const canUnlock = satisfied(s.requirements.unlock, weights);
    const canReset = satisfied(s.requirements.reset, weights);
    const base = { verified: canUnlock || canReset, remaining: remaining(s.requirements.reset, weights), expiresAt: new Date(s.expiresAt).toISOString() };
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
    return { actor: `self:${s.user?.sAMAccountName ?? s.username}@${client.device}`, correlationId: s.id.slice(0, 12), operationId: s.id };
  }

  async checkPassword(id: unknown, newPassword: unknown, client: ClientInfo): Promise<{ violations: PolicyViolation[] }> {
    const s = await this.load(id, client);
    const user = this.requireVerified(s, 'reset');
    if (typeof newPassword !== 'string') throw new KeyhatchError('BAD_REQUEST', { reason: 'newPassword must be a string' });
    return { violations: checkPassword(newPassword, await this.d.directory.effectivePolicy(user), user) };
  }

  async unlock(id: unknown, client: ClientInfo): Promise<{ unlocked: true }> {
    const s = await this.load(id, client);
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
      details: { factors: s.verified.map((sid) => s.offered.find((o) => o.sid === sid)?.type) } });
    await this.notify(user, 'unlock', s.locale, ctx.correlationId);
    return { unlocked: true };
  }

  async reset(id: unknown, newPassword: unknown, alsoUnlock: unknown, client: ClientInfo): Promise<{ reset: true; unlocked: boolean }> {
    const s = await this.load(id, client);
    const user = this.requireVerified(s, 'reset');
    if (typeof newPassword !== 'string' || newPassword.length === 0 || newPassword.length > 512) throw new KeyhatchError('BAD_REQUEST', { reason: 'newPassword' });
    const ctx = this.ctx(s, client);
    const audit = { actor: ctx.actor, target: user.sAMAccountName, correlationId: ctx.correlationId, device: client.device, source: client.source };
    try {
      this.pendingResets.set(s.id, { expiresAt: s.expiresAt, user, locale: s.locale });
      await this.d.directory.resetPassword(user, newPassword, ctx);
      this.pendingResets.delete(s.id);
    } catch (err) {
      this.d.audit.write({ action: 'recovery.reset', ...audit, result: 'failure', reason: (err as KeyhatchError).code ?? 'INTERNAL', details: { violations: (err as KeyhatchError).violations?.map((v) => v.code) } });
      throw err;
    }
    let unlocked = false;
    if (alsoUnlock === true || (await this.d.directory.accountStatus(user)).locked) {
      await this.d.directory.unlock(user, ctx);
      unlocked = true;
    }
    // Single use: a finished reset closes the session.
    await this.d.store.ephemeral.delete(KIND, hashId(s.id));
    this.d.audit.write({ action: 'recovery.reset', ...audit, result: 'success', details: { unlocked, factors: s.verified.map((sid) => s.offered.find((o) => o.sid === sid)?.type) } });
    await this.notify(user, 'reset', s.locale, ctx.correlationId);
    return { reset: true, unlocked };
  }

  async cancel(id: unknown, client: ClientInfo): Promise<void> {
    const s = await this.load(id, client);
    await this.d.store.ephemeral.delete(KIND, hashId(s.id));
    await this.abandon(s.id, 'cancelled');
    this.d.audit.write({ action: 'recovery.cancel', actor: s.username, target: s.user?.sAMAccountName ?? s.username, result: 'info', correlationId: s.id.slice(0, 12), device: client.device, source: client.source });
  }

  private async abandon(sessionId: string, why: string): Promise<void> {
    const pending = this.pendingResets.get(sessionId);
    if (!pending) return;
    this.pendingResets.delete(sessionId);
    const ctx = { actor: 'keyhatch', correlationId: sessionId.slice(0, 12), operationId: sessionId };
    if (await this.d.directory.abandonReset(sessionId, ctx)) {
      this.d.log.warn('a reset was left half-way; the account holds a temporary password', { user: pending.user.sAMAccountName, why });
      await this.notify(pending.user, 'resetIncomplete', pending.locale, ctx.correlationId);
    }
  }

  /** Expires sessions whose two-step reset never finished; called periodically by the server. */
  async sweep(): Promise<void> {
    const now = this.d.now();
    for (const [id, p] of [...this.pendingResets]) if (p.expiresAt <= now) await this.abandon(id, 'expired');
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

function hashId(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

function directoryFactor(user: DirectoryUser, type: FactorType, value: string): EnrolledFactor {
  return {
    id: `directory:${type}`, userKey: userKeyOf(user), type, confirmed: true, fromDirectory: true, createdAt: '',
    hint: type === 'email' ? maskEmail(value) : maskPhone(value),
    data: type === 'email' ? { address: value } : { phone: value },
  };
}
