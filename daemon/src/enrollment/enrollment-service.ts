// Enrollment is a privileged act: it starts with the current directory password (a bind as the
// user over TLS), gives a short-lived bearer token, and every added or removed factor is announced
// on the user's existing channels.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import QRCode from 'qrcode';
import { KeyhatchError, isKeyhatchError } from '../errors/catalogue.js';
import type { Directory, DirectoryUser } from '../directory/directory.js';
import { userKeyOf } from '../directory/directory.js';
import type { EnrolledFactor, FactorType } from '../factors/factor.js';
import { checkCode, newCode, storeCode, type StoredCode } from '../factors/codes.js';
import { maskEmail, maskPhone, normalisePhone, plausibleEmail } from '../factors/masking.js';
import { hashAnswer, normaliseAnswer } from '../factors/questions.js';
import { newTotpSecret, otpauthUri, totpStep, type TotpFactor } from '../factors/totp.js';
import type { AuditSink } from '../log/audit.js';
import type { Outbox } from '../notify/outbox.js';
import { noticeTime } from '../notify/templates.js';
import { notificationChannels } from '../recovery/channels.js';
import { gate, type RateLimiter } from '../recovery/rate-limiter.js';
import { accountGateKey, isLoopback } from '../recovery/account-key.js';
import { parseUsername } from '../directory/username.js';
import { LatencyMirror } from './latency-mirror.js';
import type { Store } from '../store/store.js';

export interface WebAuthnEnrollment {
  registrationOptions(user: { id: string; name: string; displayName: string }, existingCredentialIds: string[]): Promise<{ options: unknown; challenge: string }>;
  verifyRegistration(response: unknown, expectedChallenge: string): Promise<{ data: Record<string, unknown>; hint: string }>;
}

export interface EnrollmentDeps {
  directory: Directory;
  store: Store;
  limiter: RateLimiter;
  outbox: Outbox;
  audit: AuditSink;
  totp: TotpFactor;
  webauthn?: WebAuthnEnrollment;
  codeKey: Buffer;
  now: () => number;
  /** Home domain names (see RecoverySettings.homeDomains): spellings of one name share a gate. */
  homeDomains: string[];
  settings: { loginAttempts: number; tokenSeconds: number; codeSeconds: number; codeTries: number; questions: string[]; questionsRequired: number; minAnswerLength: number; allowPrivileged: boolean };
}

interface EnrollSession { userKey: string; user: DirectoryUser; expiresAt: number; locale: string }
interface PendingConfirm { kind: 'code'; code: StoredCode }
interface PendingWebAuthn { kind: 'webauthn'; challenge: string }

const TOKENS = 'enroll-token';
const PENDING = 'enroll-pending';
/**
 * Sign-in attempts per account and window: the configured number, but always below the lockout
 * threshold (domain or PSO) so the portal alone can never lock an account; 0 means no lockout.
 */
export function loginLimit(configured: number, lockoutThreshold: number): number {
  return lockoutThreshold > 0 ? Math.max(1, Math.min(configured, lockoutThreshold - 1)) : configured;
}

const tokenKey = (t: string) => createHash('sha256').update(t).digest('base64url');

export class EnrollmentService {
  constructor(private readonly d: EnrollmentDeps) {}

  /**
   * Sign-in with the directory password. The bind as the user raises the account's badPwdCount, so
   * attempts are reserved per account (the resolved account, whatever the spelling) BEFORE binding,
   * with a limit below the effective lockout threshold: nobody can lock an account out through here.
   * An unknown name does the same directory work (policy read, a bind as a non-existent DN).
   */
  async login(username: unknown, password: unknown, client: { source: string; device: string; locale?: string }): Promise<{ token: string; expiresAt: string; user: { displayName: string } }> {
    if (typeof password !== 'string' || password.length === 0 || password.length > 512) throw new KeyhatchError('BAD_REQUEST', { reason: 'password' });
    parseUsername(username);
    const raw = username as string;
    const name = raw.normalize('NFC').trim();
    const found = await this.d.directory.findUser(raw).catch((err: unknown) => {
      if (isKeyhatchError(err, 'AMBIGUOUS_USER')) return null;
      throw err;
    });
    const target = found ?? await this.probeUser();
    const policy = target ? await this.d.directory.effectivePolicy(target) : undefined;
    const limit = loginLimit(this.d.settings.loginAttempts, policy?.lockoutThreshold ?? 0);
    const nameGate = { gate: gate('login', accountGateKey(null, raw, this.d.homeDomains)), limit };
    const sourceGates = isLoopback(client.source) ? [] : [gate('login-source', client.source)];
    const attempt = found
      ? await this.d.limiter.reserve([{ gate: gate('login', accountGateKey(found, raw, this.d.homeDomains)), limit }, nameGate, ...sourceGates])
      : await this.d.limiter.reserve([nameGate], sourceGates);
    const refuse = async (reason: string): Promise<never> => {
      const blocked = await attempt.failed();
      this.d.audit.write({ action: 'enroll.login', actor: name, target: found?.accountName ?? name, result: 'refused', reason, correlationId: randomUUID().slice(0, 12), source: client.source, device: client.device, details: { blocked } });
      throw new KeyhatchError('INVALID_CREDENTIALS');
    };
    let bindError: unknown;
    const bindStart = performance.now();
    try {
      // An unknown name binds as a user that does not exist (no account's badPwdCount moves), next to a real one.
      await this.d.directory.verifyPassword(found ?? this.d.directory.absentUser(target), password);
    } catch (err) {
      bindError = err;
    }
    if (!found) {
      await this.bindTimes.pad(performance.now() - bindStart);
      return refuse('unknown_user');
    }
    if (bindError !== undefined) this.bindTimes.record(performance.now() - bindStart);
    // "Must change" and "expired" are only reported for a correct password: that proves it.
    if (bindError !== undefined && !isKeyhatchError(bindError, 'PASSWORD_MUST_CHANGE') && !isKeyhatchError(bindError, 'PASSWORD_EXPIRED')) {
      if (isKeyhatchError(bindError) && ['DIRECTORY_UNAVAILABLE', 'DIRECTORY_TLS', 'SERVICE_BIND_FAILED'].includes(bindError.code)) { await attempt.succeeded(); throw bindError; }
      return refuse((bindError as KeyhatchError).code ?? 'bind_failed');
    }
    const user = found as DirectoryUser;
    const [status, privilege] = await Promise.all([this.d.directory.accountStatus(user), this.d.directory.privilege(user)]);
    if (status.disabled) return refuse('disabled');
    if (privilege.privileged && !this.d.settings.allowPrivileged) return refuse(`privileged:${privilege.via.join('|')}`);
    await attempt.succeeded();
    const token = randomBytes(32).toString('base64url');
    const expiresAt = this.d.now() + this.d.settings.tokenSeconds * 1000;
    await this.d.store.ephemeral.put(TOKENS, tokenKey(token), { userKey: userKeyOf(user), user, expiresAt, locale: client.locale ?? 'en' } satisfies EnrollSession, expiresAt);
    this.d.audit.write({ action: 'enroll.login', actor: user.accountName ?? name, target: user.accountName ?? name, result: 'success', correlationId: tokenKey(token).slice(0, 12), source: client.source, device: client.device });
    return { token, expiresAt: new Date(expiresAt).toISOString(), user: { displayName: user.displayName ?? user.accountName ?? '' } };
  }

  /** A DC answers a wrong password for a real account slower than a bind as nobody (it updates badPwdCount). */
  private readonly bindTimes = new LatencyMirror();

  private probe: Promise<DirectoryUser | null> | undefined;
  private probeUser(): Promise<DirectoryUser | null> {
    this.probe ??= (this.d.directory.sampleUser?.() ?? Promise.resolve(null)).catch(() => null);
    return this.probe;
  }

  async session(token: unknown): Promise<EnrollSession & { token: string }> {
    if (typeof token !== 'string' || token.length < 20 || token.length > 100) throw new KeyhatchError('UNAUTHORIZED');
    const s = await this.d.store.ephemeral.get<EnrollSession>(TOKENS, tokenKey(token), this.d.now());
    if (!s) throw new KeyhatchError('UNAUTHORIZED', { reason: 'unknown or expired token' });
    return { ...s, token };
  }

  async logout(token: string): Promise<void> {
    await this.d.store.ephemeral.delete(TOKENS, tokenKey(token));
  }

  async list(s: EnrollSession): Promise<Array<{ id: string; type: FactorType; hint: string; confirmed: boolean }>> {
    return (await this.d.store.factors.list(s.userKey)).map((f) => ({ id: f.id, type: f.type, hint: f.hint, confirmed: f.confirmed }));
  }

  questionsConfig(): { questions: string[]; required: number; minAnswerLength: number } {
    return { questions: this.d.settings.questions, required: this.d.settings.questionsRequired, minAnswerLength: this.d.settings.minAnswerLength };
  }

  private async insert(s: EnrollSession, type: FactorType, hint: string, data: Record<string, unknown>, confirmed: boolean): Promise<EnrolledFactor> {
    const f: EnrolledFactor = { id: randomUUID(), userKey: s.userKey, type, hint, confirmed, data, createdAt: new Date(this.d.now()).toISOString() };
    await this.d.store.factors.insert(f);
    return f;
  }

  private async sendCode(s: EnrollSession, f: EnrolledFactor, channel: { kind: 'email'; address: string } | { kind: 'sms'; phone: string }): Promise<void> {
    if (!this.d.outbox.canSend(channel.kind)) throw new KeyhatchError('FACTOR_UNAVAILABLE', { reason: `no ${channel.kind} delivery configured` });
    const code = newCode();
    const pending: PendingConfirm = { kind: 'code', code: storeCode(this.d.codeKey, `enroll/${f.id}`, code, this.d.now(), this.d.settings.codeSeconds * 1000, this.d.settings.codeTries) };
    await this.d.store.ephemeral.put(PENDING, f.id, pending, pending.code.expiresAt);
    this.d.outbox.send(channel, 'code', s.locale, { code, minutes: String(Math.round(this.d.settings.codeSeconds / 60)) }, { user: s.user.accountName ?? s.userKey, correlationId: f.id.slice(0, 12) });
  }

  async addEmail(s: EnrollSession, address: unknown): Promise<{ factorId: string }> {
    if (typeof address !== 'string' || !plausibleEmail(address.trim())) throw new KeyhatchError('BAD_REQUEST', { message: 'Enter a valid e-mail address.' });
    const a = address.trim();
    const f = await this.insert(s, 'email', maskEmail(a), { address: a }, false);
    await this.sendCode(s, f, { kind: 'email', address: a });
    return { factorId: f.id };
  }

  async addSms(s: EnrollSession, phone: unknown): Promise<{ factorId: string }> {
    const p = typeof phone === 'string' ? normalisePhone(phone) : undefined;
    if (!p) throw new KeyhatchError('BAD_REQUEST', { message: 'Enter the phone number in international form, like +44 20 7946 0000.' });
    const f = await this.insert(s, 'sms', maskPhone(p), { phone: p }, false);
    await this.sendCode(s, f, { kind: 'sms', phone: p });
    return { factorId: f.id };
  }

  async addTotp(s: EnrollSession): Promise<{ factorId: string; otpauthUri: string; secret: string; qrSvg: string }> {
    const secret = newTotpSecret();
    const id = randomUUID();
    const f: EnrolledFactor = { id, userKey: s.userKey, type: 'totp', hint: 'Authenticator app', confirmed: false, data: { secret: this.d.totp.sealSecret(secret, id) }, createdAt: new Date(this.d.now()).toISOString() };
    await this.d.store.factors.insert(f);
    const uri = otpauthUri(secret, s.user.userPrincipalName ?? s.user.accountName ?? 'user');
    return { factorId: id, otpauthUri: uri, secret, qrSvg: await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }) };
  }

  async addQuestions(s: EnrollSession, answers: unknown): Promise<{ factorId: string }> {
    const list = Array.isArray(answers) ? answers as Array<{ question?: unknown; answer?: unknown }> : [];
    const { questions, required, minAnswerLength } = this.questionsConfig();
    const chosen = list.filter((a) => typeof a.question === 'string' && questions.includes(a.question) && typeof a.answer === 'string');
    const distinct = new Set(chosen.map((a) => a.question));
    if (chosen.length !== list.length || distinct.size !== list.length || list.length < required || list.length > questions.length) {
      throw new KeyhatchError('BAD_REQUEST', { message: `Answer ${required} different questions from the list.` });
    }
    if (chosen.some((a) => normaliseAnswer(a.answer as string).length < minAnswerLength || (a.answer as string).length > 256)) {
      throw new KeyhatchError('BAD_REQUEST', { message: `Each answer needs at least ${minAnswerLength} characters.` });
    }
    const stored = await Promise.all(chosen.map(async (a) => ({ question: a.question as string, hash: await hashAnswer(a.answer as string) })));
    for (const old of (await this.d.store.factors.list(s.userKey)).filter((f) => f.type === 'questions')) await this.d.store.factors.delete(old.id);
    const f = await this.insert(s, 'questions', `${stored.length} questions`, { questions: stored }, true);
    await this.announce(s, f, 'factorAdded');
    return { factorId: f.id };
  }

  async addWebauthn(s: EnrollSession): Promise<{ factorId: string; publicKey: unknown }> {
    if (!this.d.webauthn) throw new KeyhatchError('FACTOR_UNAVAILABLE', { reason: 'webauthn not configured' });
    const existing = (await this.d.store.factors.list(s.userKey)).filter((f) => f.type === 'webauthn' && f.confirmed).map((f) => String(f.data.credentialId));
    const { options, challenge } = await this.d.webauthn.registrationOptions({ id: s.userKey, name: s.user.userPrincipalName ?? s.user.accountName ?? s.userKey, displayName: s.user.displayName ?? '' }, existing);
    const f = await this.insert(s, 'webauthn', 'Security key', {}, false);
    await this.d.store.ephemeral.put(PENDING, f.id, { kind: 'webauthn', challenge } satisfies PendingWebAuthn, this.d.now() + 300_000);
    return { factorId: f.id, publicKey: options };
  }

  async confirm(s: EnrollSession, factorId: unknown, body: { code?: unknown; credential?: unknown }): Promise<{ confirmed: true }> {
    const f = typeof factorId === 'string' ? await this.d.store.factors.get(factorId) : undefined;
    if (!f || f.userKey !== s.userKey) throw new KeyhatchError('NOT_FOUND');
    if (f.confirmed) return { confirmed: true };
    if (f.type === 'totp') {
      const step = totpStep(this.d.totp.openSecret(String(f.data.secret), f.id), body.code, this.d.now());
      if (step === null) throw new KeyhatchError('VERIFICATION_FAILED');
      await this.d.store.factors.update(f.id, { confirmed: true, data: { ...f.data, lastStep: step } });
    } else if (f.type === 'webauthn') {
      const pending = await this.d.store.ephemeral.get<PendingWebAuthn>(PENDING, f.id, this.d.now());
      if (!pending || !this.d.webauthn) throw new KeyhatchError('SESSION_EXPIRED');
      await this.d.store.ephemeral.delete(PENDING, f.id);
      const { data, hint } = await this.d.webauthn.verifyRegistration(body.credential, pending.challenge);
      await this.d.store.factors.update(f.id, { confirmed: true, data, hint });
    } else {
      const pending = await this.d.store.ephemeral.get<PendingConfirm>(PENDING, f.id, this.d.now());
      const result = checkCode(this.d.codeKey, `enroll/${f.id}`, pending?.code, body.code, this.d.now());
      if (result !== 'ok') {
        if (pending && result === 'wrong' && pending.code.triesLeft > 0) await this.d.store.ephemeral.put(PENDING, f.id, pending, pending.code.expiresAt);
        else await this.d.store.ephemeral.delete(PENDING, f.id);
        throw new KeyhatchError(result === 'expired' || result === 'none' ? 'SESSION_EXPIRED' : 'VERIFICATION_FAILED');
      }
      await this.d.store.ephemeral.delete(PENDING, f.id);
      await this.d.store.factors.update(f.id, { confirmed: true });
    }
    await this.announce(s, { ...f, confirmed: true }, 'factorAdded');
    return { confirmed: true };
  }

  async remove(s: EnrollSession, factorId: unknown): Promise<void> {
    const f = typeof factorId === 'string' ? await this.d.store.factors.get(factorId) : undefined;
    if (!f || f.userKey !== s.userKey) throw new KeyhatchError('NOT_FOUND');
    // Tell the channels as they were, including the one being removed.
    const channels = await notificationChannels(this.d.store, s.user, this.d.outbox);
    await this.d.store.factors.delete(f.id);
    this.audit(s, f, 'enroll.remove');
    if (f.confirmed) this.send(s, f, 'factorRemoved', channels);
  }

  private async announce(s: EnrollSession, f: EnrolledFactor, kind: 'factorAdded'): Promise<void> {
    this.audit(s, f, 'enroll.add');
    // The new channel is told too, but the point is the existing ones: a thief cannot add silently.
    this.send(s, f, kind, await notificationChannels(this.d.store, s.user, this.d.outbox));
  }

  private audit(s: EnrollSession, f: EnrolledFactor, action: string): void {
    this.d.audit.write({ action, actor: s.user.accountName ?? s.userKey, target: s.user.accountName ?? s.userKey, result: 'success', correlationId: f.id.slice(0, 12), details: { factor: f.type, hint: f.hint } });
  }

  private send(s: EnrollSession, f: EnrolledFactor, kind: 'factorAdded' | 'factorRemoved', channels: Awaited<ReturnType<typeof notificationChannels>>): void {
    for (const ch of channels) {
      this.d.outbox.send(ch, kind, s.locale, { user: s.user.accountName ?? '', method: `${f.type} ${f.hint}`.trim(), time: noticeTime(this.d.now()) },
        { user: s.user.accountName ?? s.userKey, correlationId: f.id.slice(0, 12) });
    }
  }
}
