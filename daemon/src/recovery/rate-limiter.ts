// Entra-like gates: N failures per window on a gate (account, device, source) block that gate for a
// long time. Every attempt is reserved in the store BEFORE it is judged (pending reservations count),
// so parallel requests and several processes sharing one store can never judge more than the limit.
// A success releases its reservation; a failure stays counted. Nothing here touches the directory's
// bad-password counter.
import { createHash, randomUUID } from 'node:crypto';
import { KeyhatchError } from '../errors/catalogue.js';
import type { GateLimit, RateRepo } from '../store/store.js';

export interface RateSettings { attempts: number; deviceAttempts: number; sourceAttempts: number; windowSeconds: number; blockSeconds: number; startsPerSource: number }

/**
 * Gate kinds. Recovery: `user` (account or canonical name), `device` (kiosk launch / relay device),
 * `source` (non-loopback address), `start` (volume). The portal has its own: `login`, `login-source`,
 * so portal failures never block recovery. The console's single sign-on counts refused tokens on
 * `negotiate-source` (every address, loopback included: no kiosk relays a browser's token).
 */
export type GateKind = 'user' | 'device' | 'source' | 'start' | 'login' | 'login-source' | 'negotiate-source';

/** Values are hashed: the store never holds a user name or an address in clear. */
export function gate(kind: GateKind, value: string): string {
  return `${kind}:${createHash('sha256').update(value).digest('hex').slice(0, 32)}`;
}

export const gateKind = (g: string): string => g.slice(0, g.indexOf(':'));

/** One reserved attempt: say how it ended exactly once. */
export interface Attempt {
  /** Success: the reservation is removed, so success costs nothing. */
  succeeded(): Promise<void>;
  /** Failure: stays counted; returns the kinds of the gates this failure blocked. */
  failed(): Promise<string[]>;
}

export class RateLimiter {
  constructor(private readonly repo: RateRepo, private readonly s: RateSettings, private readonly now: () => number) {}

  limitFor(g: string): number {
    const kind = gateKind(g);
    return kind === 'device' ? this.s.deviceAttempts : kind === 'source' || kind === 'login-source' || kind === 'negotiate-source' ? this.s.sourceAttempts : this.s.attempts;
  }

  /** Refuses (RATE_LIMITED) when one of the gates is blocked; records nothing. */
  async assertOpen(gates: readonly string[]): Promise<void> {
    for (const g of gates) {
      const until = await this.repo.blockedUntil(g, this.now());
      if (until !== undefined) throw limited(g, until);
    }
  }

  /**
   * Reserves one attempt on every counted gate (limits from the settings unless given), after
   * checking that the watched gates are open. Throws RATE_LIMITED when any is blocked or full.
   */
  async reserve(counted: ReadonlyArray<string | GateLimit>, watched: readonly string[] = []): Promise<Attempt> {
    await this.assertOpen(watched);
    const gates: GateLimit[] = counted.map((g) => (typeof g === 'string' ? { gate: g, limit: this.limitFor(g) } : g));
    const id = randomUUID();
    const r = await this.repo.reserve(id, gates, this.now(), this.s.windowSeconds * 1000);
    if (!r.ok) throw limited(r.gate, r.blockedUntil);
    let settled = false;
    const once = () => { if (settled) throw new Error('attempt already settled'); settled = true; };
    return {
      succeeded: async () => { once(); await this.repo.release(id); },
      failed: async () => {
        once();
        const now = this.now();
        const blocked = await this.repo.commitFailure(id, gates, now, this.s.windowSeconds * 1000, now + this.s.blockSeconds * 1000);
        return blocked.map(gateKind);
      },
    };
  }

  /** For actions limited by volume rather than failure (starting a recovery): every call counts. */
  async count(g: string, limit: number): Promise<void> {
    const id = randomUUID();
    const now = this.now();
    const r = await this.repo.reserve(id, [{ gate: g, limit }], now, this.s.windowSeconds * 1000);
    if (!r.ok) throw limited(r.gate, r.blockedUntil);
    await this.repo.commitFailure(id, [{ gate: g, limit: limit + 1 }], now, this.s.windowSeconds * 1000, now + this.s.windowSeconds * 1000);
  }
}

function limited(g: string, until?: number): KeyhatchError {
  return new KeyhatchError('RATE_LIMITED', { reason: `gate ${gateKind(g)} ${until !== undefined ? `blocked until ${new Date(until).toISOString()}` : 'full'}` });
}
