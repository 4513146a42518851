// Help-desk caller verification. The agent names the caller; Keyhatch proves the caller holds one
// of that user's own enrolled methods — a code sent to their enrolled e-mail or phone that they
// read back, or the current code of their authenticator app — and only then, in that agent's
// console session and for a limited time, allows unlock / one-time code / reset enrollment for
// that user. The state lives in the shared store, keyed by console session and user, so the
// server enforces it whatever the page shows. Failures are rate limited per user and per agent.
import { createHash } from 'node:crypto';
import type { Directory, DirectoryUser } from '../../directory/directory.js';
import { userKeyOf } from '../../directory/directory.js';
import { parseUsername } from '../../directory/username.js';
import { KeyhatchError } from '../../errors/catalogue.js';
import { checkCode, newCode, storeCode, type StoredCode } from '../../factors/codes.js';
import type { EnrolledFactor, FactorType } from '../../factors/factor.js';
import { totpStep, type TotpFactor } from '../../factors/totp.js';
import type { AuditSink } from '../../log/audit.js';
import type { Outbox } from '../../notify/outbox.js';
import { gate, type RateLimiter } from '../../recovery/rate-limiter.js';
import type { Store } from '../../store/store.js';
import type { ConsoleSession } from './sessions.js';

/** Methods a caller can be verified with over the phone. */
export const CALLER_METHODS: readonly FactorType[] = ['email', 'sms', 'totp'];

interface Pending { factorId: string; type: FactorType; code?: StoredCode }
interface CallerRecord { user: DirectoryUser; pending?: Pending; verifiedUntil?: number; verifiedWith?: FactorType }

export interface CallerState { verified: boolean; verifiedUntil?: string; verifiedWith?: FactorType; pending?: { factorId: string; type: FactorType } }

export interface CallerDeps {
  directory: Directory;
  store: Store;
  limiter: RateLimiter;
  outbox: Outbox;
  audit: AuditSink;
  totp: TotpFactor | undefined;
  codeKey: Buffer;
  now: () => number;
  settings: { verifiedSeconds: number; codeSeconds: number; codeTries: number; locale: string; sessionMaxSeconds: number };
}

const KIND = 'admin-caller';
/** Codes sent to one user per rate-limit window, by all agents together. */
export const SENDS_PER_WINDOW = 10;
/** A user's reference in console URLs: not the directory key itself, and opaque. */
export const refOf = (user: DirectoryUser): string => createHash('sha256').update(userKeyOf(user)).digest('base64url').slice(0, 22);
export const actorOf = (s: ConsoleSession): string => `console:${s.name}`;
const nameOf = (u: DirectoryUser): string => u.accountName ?? u.userPrincipalName ?? u.id;

export class CallerVerification {
  constructor(private readonly d: CallerDeps) {}

  private id(s: ConsoleSession, ref: string): string { return `${s.id}/${ref}`; }

  private async save(s: ConsoleSession, ref: string, r: CallerRecord): Promise<void> {
    await this.d.store.ephemeral.put(KIND, this.id(s, ref), r, s.createdAt + this.d.settings.sessionMaxSeconds * 1000);
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
    const verified = !!r?.verifiedUntil && r.verifiedUntil > this.d.now();
    return {
      verified,
      ...(verified ? { verifiedUntil: new Date(r?.verifiedUntil as number).toISOString(), verifiedWith: r?.verifiedWith as FactorType } : {}),
      ...(r?.pending ? { pending: { factorId: r.pending.factorId, type: r.pending.type } } : {}),
    };
  }

  async stateOf(s: ConsoleSession, ref: string): Promise<CallerState> { return this.state(await this.record(s, ref)); }

  /** Factors a caller can be verified with: confirmed e-mail, phone (when delivery is configured) and authenticator app. */
  usable(factors: readonly EnrolledFactor[]): EnrolledFactor[] {
    return factors.filter((f) => f.confirmed && CALLER_METHODS.includes(f.type)
      && (f.type === 'totp' ? this.d.totp !== undefined : this.d.outbox.canSend(f.type === 'email' ? 'email' : 'sms')));
  }

  private gates(s: ConsoleSession, user: DirectoryUser): string[] {
    return [gate('user', `console-caller:${userKeyOf(user)}`), gate('device', `console-agent:${s.userKey}`)];
  }

  /** Starts a verification with one of the user's own methods; any earlier verification ends. */
  async start(s: ConsoleSession, ref: string, factorId: string, correlationId: string): Promise<CallerState & { sentTo?: string }> {
    const r = await this.record(s, ref);
    await this.d.limiter.assertOpen(this.gates(s, r.user));
    const f = this.usable(await this.d.store.factors.list(userKeyOf(r.user))).find((x) => x.id === factorId);
    if (!f) throw new KeyhatchError('FACTOR_UNAVAILABLE', { reason: 'not a usable enrolled method of this user' });
    const pending: Pending = { factorId: f.id, type: f.type };
    if (f.type === 'email' || f.type === 'sms') {
      // Volume limit: nobody can flood a user's mailbox or phone through the help desk.
      await this.d.limiter.count(gate('start', `console-caller-send:${userKeyOf(r.user)}`), SENDS_PER_WINDOW);
      const code = newCode();
      pending.code = storeCode(this.d.codeKey, `caller/${s.id}/${f.id}`, code, this.d.now(), this.d.settings.codeSeconds * 1000, this.d.settings.codeTries);
      const channel = f.type === 'email' ? { kind: 'email' as const, address: String(f.data.address) } : { kind: 'sms' as const, phone: String(f.data.phone) };
      this.d.outbox.send(channel, 'callerCode', this.d.settings.locale, { code, minutes: String(Math.round(this.d.settings.codeSeconds / 60)) }, { user: nameOf(r.user), correlationId });
    }
    await this.save(s, ref, { user: r.user, pending });
    this.d.audit.write({ action: 'console.caller-verify', actor: actorOf(s), target: nameOf(r.user), result: 'info', reason: 'started', correlationId, details: { method: f.type, hint: f.hint, role: s.role } });
    return { ...this.state({ user: r.user, pending }), ...(f.type === 'totp' ? {} : { sentTo: f.hint }) };
  }

  /** Judges what the caller read back. Verified only for the user and method of the pending check. */
  async confirm(s: ConsoleSession, ref: string, response: string, correlationId: string): Promise<CallerState> {
    const r = await this.record(s, ref);
    const p = r.pending;
    if (!p) throw new KeyhatchError('SESSION_EXPIRED', { reason: 'no verification pending' });
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

  /** The user, when this session verified them as the caller and the verification has not expired. */
  async requireVerified(s: ConsoleSession, ref: string): Promise<DirectoryUser> {
    const r = await this.record(s, ref);
    if (!this.state(r).verified) throw new KeyhatchError('CALLER_NOT_VERIFIED', { reason: r.verifiedUntil ? 'verification expired' : 'caller not verified' });
    return r.user;
  }
}
