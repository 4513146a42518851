// Console sessions: a random bearer value in a __Host- cookie (HttpOnly, Secure, SameSite=Strict),
// stored only as its hash in the shared store so any gateway of a cluster can serve the next
// request. Each session ends after an idle period and in any case after an absolute lifetime.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '../../store/store.js';

export type ConsoleRole = 'admin' | 'helpdesk';

export interface ConsoleSession {
  /** Hash of the cookie value: the session's id in the store and in audit correlation. */
  readonly id: string;
  /** Who is signed in: accountName (or UPN), as the audit shows it. */
  readonly name: string;
  readonly displayName: string;
  readonly userKey: string;
  readonly role: ConsoleRole;
  /** Synchroniser token every state-changing request must echo in X-Keyhatch-CSRF. */
  readonly csrf: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
}

export interface SessionSettings { idleSeconds: number; maxSeconds: number }

const KIND = 'admin-session';
export const SESSION_COOKIE = '__Host-keyhatch-admin';
/** Double-submit token for the sign-in request itself (no session exists yet). */
export const PRE_CSRF_COOKIE = '__Host-keyhatch-csrf';

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('base64url');
export const newToken = (): string => randomBytes(32).toString('base64url');

/** Constant-time comparison of two tokens (any lengths). */
export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y) && a.length === b.length;
}

export function cookieHeader(name: string, value: string, maxAgeSeconds: number, httpOnly = true): string {
  return `${name}=${value}; Path=/; Secure;${httpOnly ? ' HttpOnly;' : ''} SameSite=Strict; Max-Age=${maxAgeSeconds}`;
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const v = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{20,100}$/.test(v) ? v : undefined;
    }
  }
  return undefined;
}

export class ConsoleSessions {
  constructor(private readonly store: Store, private readonly s: SessionSettings, private readonly now: () => number) {}

  private expiry(x: ConsoleSession): number {
    return Math.min(x.lastSeenAt + this.s.idleSeconds * 1000, x.createdAt + this.s.maxSeconds * 1000);
  }

  /** Ends of this session: when it expires now (idle) and at the latest (absolute). */
  limits(x: ConsoleSession): { expiresAt: number; endsAt: number } {
    return { expiresAt: this.expiry(x), endsAt: x.createdAt + this.s.maxSeconds * 1000 };
  }

  async create(who: Pick<ConsoleSession, 'name' | 'displayName' | 'userKey' | 'role'>): Promise<{ token: string; session: ConsoleSession }> {
    const token = newToken();
    const now = this.now();
    const session: ConsoleSession = { ...who, id: hashToken(token), csrf: newToken(), createdAt: now, lastSeenAt: now };
    await this.store.ephemeral.put(KIND, session.id, session, this.expiry(session));
    return { token, session };
  }

  /** The live session for a cookie value, its idle clock restarted; undefined when unknown or expired. */
  async touch(token: string | undefined): Promise<ConsoleSession | undefined> {
    if (!token) return undefined;
    const id = hashToken(token);
    const now = this.now();
    const found = await this.store.ephemeral.get<ConsoleSession>(KIND, id, now);
    if (!found || this.expiry(found) <= now) return undefined;
    const next = { ...found, lastSeenAt: now };
    await this.store.ephemeral.put(KIND, id, next, this.expiry(next));
    return next;
  }

  /** Whether a session is live, without restarting its idle clock (a caller's security-key link asks for its agent's). */
  async live(id: string): Promise<boolean> {
    const found = await this.store.ephemeral.get<ConsoleSession>(KIND, id, this.now());
    return !!found && this.expiry(found) > this.now();
  }

  async end(id: string): Promise<void> { await this.store.ephemeral.delete(KIND, id); }
}
