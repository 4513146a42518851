// Help-desk caller verification. The agent names the caller; Keyhatch proves the caller holds one
// of that user's own enrolled methods — a code sent to their enrolled e-mail or phone that they
// read back, the current code of their authenticator app, or their security key on a one-time link
// sent to their own e-mail or phone — and only then, in that agent's console session and for a
// limited time, allows unlock / one-time code / reset enrollment for that user. The state lives in
// the shared store, keyed by console session and user, so the server enforces it whatever the page
// shows (and any gateway of a cluster can serve the link). Failures are rate limited per user and
// per agent.
import { createHash } from 'node:crypto';
import type { Directory, DirectoryUser } from '../../directory/directory.js';
import { userKeyOf } from '../../directory/directory.js';
import { parseUsername } from '../../directory/username.js';
import { KeyhatchError } from '../../errors/catalogue.js';
import { checkCode, newCode, storeCode, type StoredCode } from '../../factors/codes.js';
import type { EnrolledFactor, FactorContext, FactorType } from '../../factors/factor.js';
import { totpStep, type TotpFactor } from '../../factors/totp.js';
import type { WebAuthnFactor } from '../../factors/webauthn.js';
import type { AuditSink } from '../../log/audit.js';
import { ThrottledAudit } from '../../log/audit-throttle.js';
import type { Channel, Outbox } from '../../notify/outbox.js';
import { gate, type RateLimiter } from '../../recovery/rate-limiter.js';
import type { Store } from '../../store/store.js';
import { hashToken, newToken, type ConsoleSession } from './sessions.js';

/** Methods a caller can be verified with over the phone. */
export const CALLER_METHODS: readonly FactorType[] = ['email', 'sms', 'totp', 'webauthn'];
/** Where the user opens a security-key link, under the portal's origin (the key's RP ID applies there). */
export const CALLER_CHECK_PATH = '/caller-check/';

/** A security-key check's link, as the agent's record knows it (only the token's hash). */
interface KeyLink { hash: string; expiresAt: number; sentTo: string; opened?: boolean }
interface Pending { factorId: string; type: FactorType; code?: StoredCode; link?: KeyLink }
/** Why the last check did not verify, when it ended without the agent typing anything (key checks). */
export interface CallerFailure { type: FactorType; reason: 'rejected' | 'expired' }
interface CallerRecord { user: DirectoryUser; pending?: Pending; verifiedUntil?: number; verifiedWith?: FactorType; failed?: CallerFailure }

/**
 * What a link token leads to: one pending key check of one console session, user and factor. Stored
 * under the token's hash; the WebAuthn challenge of the page's latest options lives here too.
 */
interface LinkRecord {
  sessionId: string; sessionCreatedAt: number; ref: string; factorId: string; userKey: string;
  agent: string; agentKey: string; role: string; expiresAt: number; scratch?: Record<string, unknown>;
}

export interface CallerState {
  verified: boolean; verifiedUntil?: string; verifiedWith?: FactorType;
  pending?: { factorId: string; type: FactorType; expiresAt?: string; sentTo?: string; opened?: boolean };
  failed?: CallerFailure;
}

export interface CallerDeps {
  directory: Directory;
  store: Store;
  limiter: RateLimiter;
  outbox: Outbox;
  audit: AuditSink;
  totp: TotpFactor | undefined;
  /** Security keys, judged against the portal's origins only (the link page is served there). */
  webauthn: WebAuthnFactor | undefined;
  /** Origin the user's link points at (the portal's); known once the gateway listens. */
  portalOrigin: () => string | undefined;
  /** Whether a console session is still live (a link dies with its agent's session). */
  sessionLive: (sessionId: string) => Promise<boolean>;
  codeKey: Buffer;
  now: () => number;
  settings: { verifiedSeconds: number; codeSeconds: number; codeTries: number; locale: string; sessionMaxSeconds: number };
}

const KIND = 'admin-caller';
const LINK_KIND = 'admin-caller-link';
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
/** Codes sent to one user per rate-limit window, by all agents together. */
export const SENDS_PER_WINDOW = 10;
/** A user's reference in console URLs: not the directory key itself, and opaque. */
export const refOf = (user: DirectoryUser): string => createHash('sha256').update(userKeyOf(user)).digest('base64url').slice(0, 22);
export const actorOf = (s: ConsoleSession): string => `console:${s.name}`;
const nameOf = (u: DirectoryUser): string => u.accountName ?? u.userPrincipalName ?? u.id;

export class CallerVerification {
  private readonly throttled: ThrottledAudit;
  constructor(private readonly d: CallerDeps) { this.throttled = new ThrottledAudit(d.audit, d.now); }

  private id(s: ConsoleSession, ref: string): string { return `${s.id}/${ref}`; }

  private async save(s: ConsoleSession, ref: string, r: CallerRecord): Promise<void> {
    await this.saveFor(s.id, s.createdAt, ref, r);
  }

  private async saveFor(sessionId: string, sessionCreatedAt: number, ref: string, r: CallerRecord): Promise<void> {
    await this.d.store.ephemeral.put(KIND, `${sessionId}/${ref}`, r, sessionCreatedAt + this.d.settings.sessionMaxSeconds * 1000);
  }

  /** Finds the user the agent named and remembers them in this console session. */
  async lookup(s: ConsoleSession, name: string, correlationId: string): Promise<{ ref: string; user: DirectoryUser }> {
    parseUsername(name);
    const user = await this.d.directory.findUser(name);
    this.d.audit.write({ action: 'console.lookup', actor: actorOf(s), target: user ? nameOf(user) : name.trim().slice(0, 256), result: user ? 'info' : 'failure', ...(user ? {} : { reason: 'USER_NOT_FOUND' }), correlationId, details: { role: s.role } });
    if (!user) throw new KeyhatchError('USER_NOT_FOUND', { message: `No user "${name.trim().slice(0, 64)}" was found.` });
    const ref = refOf(user);
    const old = await this.d.store.ephemeral.get<CallerRecord>(KIND, this.id(s, ref), this.d.now());
    await this.save(s, ref, { ...(old ?? {}), user });
    return { ref, user };
  }

  /** The user this session looked up under `ref`; NOT_FOUND otherwise (look the user up first). */
  async user(s: ConsoleSession, ref: string): Promise<DirectoryUser> {
    return (await this.record(s, ref)).user;
  }

  private async record(s: ConsoleSession, ref: string): Promise<CallerRecord> {
    const r = /^[A-Za-z0-9_-]{22}$/.test(ref) ? await this.d.store.ephemeral.get<CallerRecord>(KIND, this.id(s, ref), this.d.now()) : undefined;
    if (!r) throw new KeyhatchError('NOT_FOUND', { reason: 'user not looked up in this console session' });
    return r;
  }

  state(r: CallerRecord | undefined): CallerState {
    const now = this.d.now();
    const verified = !!r?.verifiedUntil && r.verifiedUntil > now;
    const p = r?.pending;
    // A key check whose link expired unused is over: the agent sees "not verified", not a wait.
    const lapsed = p?.link !== undefined && p.link.expiresAt <= now;
    const failed = r?.failed ?? (lapsed && p ? { type: p.type, reason: 'expired' as const } : undefined);
    return {
      verified,
      ...(verified ? { verifiedUntil: new Date(r?.verifiedUntil as number).toISOString(), verifiedWith: r?.verifiedWith as FactorType } : {}),
      ...(p && !lapsed ? {
        pending: {
          factorId: p.factorId, type: p.type,
          ...(p.link ? { expiresAt: new Date(p.link.expiresAt).toISOString(), sentTo: p.link.sentTo, opened: p.link.opened === true } : {}),
        },
      } : {}),
      ...(failed && !verified ? { failed } : {}),
    };
  }

  async stateOf(s: ConsoleSession, ref: string): Promise<CallerState> { return this.state(await this.record(s, ref)); }

  /**
   * Factors a caller can be verified with: confirmed e-mail, phone (when delivery is configured),
   * authenticator app and security key (its link still needs an enrolled e-mail or phone: start says so).
   */
  usable(factors: readonly EnrolledFactor[]): EnrolledFactor[] {
    return factors.filter((f) => f.confirmed && CALLER_METHODS.includes(f.type)
      && (f.type === 'totp' ? this.d.totp !== undefined
        : f.type === 'webauthn' ? this.d.webauthn !== undefined
          : this.d.outbox.canSend(f.type === 'email' ? 'email' : 'sms')));
  }

  private gates(s: ConsoleSession, user: DirectoryUser): string[] {
    return this.gatesFor(s.userKey, userKeyOf(user));
  }

  private gatesFor(agentKey: string, userKey: string): string[] {
    return [gate('user', `console-caller:${userKey}`), gate('device', `console-agent:${agentKey}`)];
  }

  /** Starts a verification with one of the user's own methods; any earlier verification ends. */
  async start(s: ConsoleSession, ref: string, factorId: string, correlationId: string): Promise<CallerState & { sentTo?: string }> {
    const r = await this.record(s, ref);
    await this.d.limiter.assertOpen(this.gates(s, r.user));
    const f = this.usable(await this.d.store.factors.list(userKeyOf(r.user))).find((x) => x.id === factorId);
    if (!f) throw new KeyhatchError('FACTOR_UNAVAILABLE', { reason: 'not a usable enrolled method of this user' });
    const pending: Pending = { factorId: f.id, type: f.type };
    // A new check replaces the old one: its link, if any, dies now.
    if (r.pending?.link) await this.d.store.ephemeral.delete(LINK_KIND, r.pending.link.hash);
    if (f.type === 'webauthn') {
      pending.link = await this.sendLink(s, ref, r.user, f, correlationId);
    } else if (f.type === 'email' || f.type === 'sms') {
      // Volume limit: nobody can flood a user's mailbox or phone through the help desk.
      await this.d.limiter.count(gate('start', `console-caller-send:${userKeyOf(r.user)}`), SENDS_PER_WINDOW);
      const code = newCode();
      pending.code = storeCode(this.d.codeKey, `caller/${s.id}/${f.id}`, code, this.d.now(), this.d.settings.codeSeconds * 1000, this.d.settings.codeTries);
      const channel = f.type === 'email' ? { kind: 'email' as const, address: String(f.data.address) } : { kind: 'sms' as const, phone: String(f.data.phone) };
      this.d.outbox.send(channel, 'callerCode', this.d.settings.locale, { code, minutes: String(Math.round(this.d.settings.codeSeconds / 60)) }, { user: nameOf(r.user), correlationId });
    }
    await this.save(s, ref, { user: r.user, pending });
    this.d.audit.write({ action: 'console.caller-verify', actor: actorOf(s), target: nameOf(r.user), result: 'info', reason: 'started', correlationId, details: { method: f.type, hint: f.hint, role: s.role, ...(pending.link ? { linkSentTo: pending.link.sentTo } : {}) } });
    return { ...this.state({ user: r.user, pending }), ...(f.type === 'totp' ? {} : { sentTo: pending.link?.sentTo ?? f.hint }) };
  }

  /**
   * Where the link goes: the user's own confirmed e-mail, else their phone — never the agent, who
   * could hand the link to the impostor on the line.
   */
  private async linkChannel(user: DirectoryUser): Promise<{ channel: Channel; hint: string }> {
    const mine = (await this.d.store.factors.list(userKeyOf(user))).filter((f) => f.confirmed);
    const email = this.d.outbox.canSend('email') ? mine.find((f) => f.type === 'email' && typeof f.data.address === 'string') : undefined;
    if (email) return { channel: { kind: 'email', address: String(email.data.address) }, hint: email.hint };
    const phone = this.d.outbox.canSend('sms') ? mine.find((f) => f.type === 'sms' && typeof f.data.phone === 'string') : undefined;
    if (phone) return { channel: { kind: 'sms', phone: String(phone.data.phone) }, hint: phone.hint };
    throw new KeyhatchError('CALLER_NO_CHANNEL', { reason: 'no confirmed e-mail or phone to send the security-key link to' });
  }

  /** Sends a one-time link to the user's own channel; only the token's hash is stored. */
  private async sendLink(s: ConsoleSession, ref: string, user: DirectoryUser, f: EnrolledFactor, correlationId: string): Promise<KeyLink> {
    const { channel, hint } = await this.linkChannel(user);
    const origin = this.d.portalOrigin();
    if (!origin) throw new KeyhatchError('FACTOR_UNAVAILABLE', { reason: 'the portal origin is not known yet' });
    await this.d.limiter.count(gate('start', `console-caller-send:${userKeyOf(user)}`), SENDS_PER_WINDOW);
    const token = newToken();
    const hash = hashToken(token);
    const expiresAt = this.d.now() + this.d.settings.codeSeconds * 1000;
    const link: LinkRecord = {
      sessionId: s.id, sessionCreatedAt: s.createdAt, ref, factorId: f.id, userKey: userKeyOf(user),
      agent: actorOf(s), agentKey: s.userKey, role: s.role, expiresAt,
    };
    await this.d.store.ephemeral.put(LINK_KIND, hash, link, expiresAt);
    const url = `${origin.replace(/\/+$/, '')}${CALLER_CHECK_PATH}#t=${token}`;
    this.d.outbox.send(channel, 'callerLink', this.d.settings.locale, { link: url, minutes: String(Math.round(this.d.settings.codeSeconds / 60)) }, { user: nameOf(user), correlationId });
    return { hash, expiresAt, sentTo: hint };
  }

  /**
   * The pending key check a link token belongs to. Every way a link can be wrong — unknown, expired,
   * used, replaced by a newer check, its agent signed out, the key removed — answers the same
   * CALLER_LINK_INVALID, so the page learns nothing; the audit log gets the reason.
   */
  private async openLink(token: string, source: string | undefined, correlationId: string): Promise<{ hash: string; link: LinkRecord; rec: CallerRecord; factor: EnrolledFactor }> {
    const now = this.d.now();
    const hash = TOKEN.test(token) ? hashToken(token) : undefined;
    const link = hash ? await this.d.store.ephemeral.get<LinkRecord>(LINK_KIND, hash, now) : undefined;
    if (!hash || !link || link.expiresAt <= now) {
      this.throttled.write({ action: 'console.caller-verify', actor: 'unknown', result: 'failure', reason: 'CALLER_LINK_INVALID', correlationId, ...(source ? { source } : {}), details: { method: 'webauthn', why: 'unknown, used or expired link' } });
      throw new KeyhatchError('CALLER_LINK_INVALID', { reason: 'unknown, used or expired link' });
    }
    const rec = await this.d.store.ephemeral.get<CallerRecord>(KIND, `${link.sessionId}/${link.ref}`, now);
    const factor = await this.d.store.factors.get(link.factorId);
    const why = rec?.pending?.link?.hash !== hash ? 'replaced by a newer check'
      : !(await this.d.sessionLive(link.sessionId)) ? 'the agent\'s console session ended'
        : !factor || factor.userKey !== link.userKey || !factor.confirmed || factor.type !== 'webauthn' || !this.d.webauthn ? 'the security key is no longer usable'
          : undefined;
    if (why || !rec || !factor) {
      this.d.audit.write({ action: 'console.caller-verify', actor: link.agent, ...(rec ? { target: nameOf(rec.user) } : {}), result: 'failure', reason: 'CALLER_LINK_INVALID', correlationId, ...(source ? { source } : {}), details: { method: 'webauthn', role: link.role, why } });
      throw new KeyhatchError('CALLER_LINK_INVALID', { reason: why ?? 'no pending check' });
    }
    return { hash, link, rec, factor };
  }

  private keyContext(factor: EnrolledFactor, user: DirectoryUser, scratch: Record<string, unknown>): FactorContext {
    return {
      factor, user, scratch, locale: this.d.settings.locale, sessionId: 'caller-link',
      saveData: (data) => this.d.store.factors.update(factor.id, { data }),
    };
  }

  /** Assertion options for exactly the key the agent chose; the challenge is kept with the link. */
  async linkOptions(token: string, source: string | undefined, correlationId: string): Promise<{ publicKey: unknown }> {
    const { hash, link, rec, factor } = await this.openLink(token, source, correlationId);
    const scratch: Record<string, unknown> = {};
    const prompts = await (this.d.webauthn as WebAuthnFactor).prompts(this.keyContext(factor, rec.user, scratch));
    await this.d.store.ephemeral.put(LINK_KIND, hash, { ...link, scratch } satisfies LinkRecord, link.expiresAt);
    const p = rec.pending as Pending;
    if (p.link && !p.link.opened) await this.saveFor(link.sessionId, link.sessionCreatedAt, link.ref, { ...rec, pending: { ...p, link: { ...p.link, opened: true } } });
    return { publicKey: prompts.publicKey };
  }

  /**
   * Judges the user's assertion with the portal's WebAuthn checks (challenge, origin, RP ID,
   * signature, counter). One try per link: verified or not, the link is used up.
   */
  async linkVerify(token: string, response: unknown, source: string | undefined, correlationId: string): Promise<{ verified: true }> {
    const { hash, link, rec, factor } = await this.openLink(token, source, correlationId);
    // Consume the challenge before anything can fail, so no assertion is judged twice against it.
    await this.d.store.ephemeral.put(LINK_KIND, hash, { ...link, scratch: {} } satisfies LinkRecord, link.expiresAt);
    const attempt = await this.d.limiter.reserve(this.gatesFor(link.agentKey, link.userKey));
    const ok = (await (this.d.webauthn as WebAuthnFactor).respond(this.keyContext(factor, rec.user, { ...(link.scratch ?? {}) }), response)) === 'complete';
    await this.d.store.ephemeral.delete(LINK_KIND, hash);
    const next: CallerRecord = ok
      ? { user: rec.user, verifiedUntil: this.d.now() + this.d.settings.verifiedSeconds * 1000, verifiedWith: 'webauthn' }
      : { user: rec.user, failed: { type: 'webauthn', reason: 'rejected' } };
    await this.saveFor(link.sessionId, link.sessionCreatedAt, link.ref, next);
    if (ok) await attempt.succeeded();
    const blocked = ok ? [] : await attempt.failed();
    this.d.audit.write({ action: 'console.caller-verify', actor: link.agent, target: nameOf(rec.user), result: ok ? 'success' : 'failure', ...(ok ? {} : { reason: 'VERIFICATION_FAILED' }), correlationId, ...(source ? { source } : {}),
      details: { method: 'webauthn', via: 'link', role: link.role, hint: factor.hint, ...(blocked.length ? { blocked } : {}) } });
    if (!ok) throw new KeyhatchError('VERIFICATION_FAILED', { reason: 'security-key assertion rejected' });
    return { verified: true };
  }

  /** Judges what the caller read back. Verified only for the user and method of the pending check. */
  async confirm(s: ConsoleSession, ref: string, response: string, correlationId: string): Promise<CallerState> {
    const r = await this.record(s, ref);
    const p = r.pending;
    if (!p) throw new KeyhatchError('SESSION_EXPIRED', { reason: 'no verification pending' });
    if (p.link) throw new KeyhatchError('FACTOR_UNAVAILABLE', { message: 'A security-key check completes on the link sent to the user; there is no code to type.', reason: 'key check pending' });
    const attempt = await this.d.limiter.reserve(this.gates(s, r.user));
    let ok = false;
    let keepPending = false;
    const f = await this.d.store.factors.get(p.factorId);
    if (f && f.userKey === userKeyOf(r.user) && f.confirmed) {
      if (p.type === 'totp' && this.d.totp) {
        const step = totpStep(this.d.totp.openSecret(String(f.data.secret), f.id), response, this.d.now());
        // A step once accepted (here or at the kiosk) is never accepted again.
        if (step !== null && step > Number(f.data.lastStep ?? -1)) {
          await this.d.store.factors.update(f.id, { data: { ...f.data, lastStep: step } });
          ok = true;
        } else keepPending = true;
      } else if (p.code) {
        const result = checkCode(this.d.codeKey, `caller/${s.id}/${f.id}`, p.code, response, this.d.now());
        ok = result === 'ok';
        keepPending = result === 'wrong' && p.code.triesLeft > 0;
      }
    }
    const next: CallerRecord = ok
      ? { user: r.user, verifiedUntil: this.d.now() + this.d.settings.verifiedSeconds * 1000, verifiedWith: p.type }
      : { user: r.user, ...(keepPending ? { pending: p } : {}) };
    await this.save(s, ref, next);
    if (ok) await attempt.succeeded();
    const blocked = ok ? [] : await attempt.failed();
    this.d.audit.write({ action: 'console.caller-verify', actor: actorOf(s), target: nameOf(r.user), result: ok ? 'success' : 'failure', ...(ok ? {} : { reason: 'VERIFICATION_FAILED' }), correlationId, details: { method: p.type, role: s.role, ...(blocked.length ? { blocked } : {}) } });
    return this.state(next);
  }

  /** Ends a pending check (the agent's Cancel): a code is no longer accepted, a link no longer works. */
  async cancel(s: ConsoleSession, ref: string, correlationId: string): Promise<CallerState> {
    const r = await this.record(s, ref);
    if (!r.pending) return this.state(r);
    if (r.pending.link) await this.d.store.ephemeral.delete(LINK_KIND, r.pending.link.hash);
    const next: CallerRecord = { user: r.user };
    await this.save(s, ref, next);
    this.d.audit.write({ action: 'console.caller-verify', actor: actorOf(s), target: nameOf(r.user), result: 'info', reason: 'cancelled', correlationId, details: { method: r.pending.type, role: s.role } });
    return this.state(next);
  }

  /** The user, when this session verified them as the caller and the verification has not expired. */
  async requireVerified(s: ConsoleSession, ref: string): Promise<DirectoryUser> {
    const r = await this.record(s, ref);
    if (!this.state(r).verified) throw new KeyhatchError('CALLER_NOT_VERIFIED', { reason: r.verifiedUntil ? 'verification expired' : 'caller not verified' });
    return r.user;
  }
}
