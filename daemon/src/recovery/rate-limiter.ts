// Entra-like gates: N failures per window on a gate (user, device, source) block that gate for a
// long time. Blocks live in the store, so they survive restarts and are shared between gateways.
// Nothing here ever touches the directory's bad-password counter.
import { createHash } from 'node:crypto';
import { KeyhatchError } from '../errors/catalogue.js';
import type { RateRepo } from '../store/store.js';

export interface RateSettings { attempts: number; deviceAttempts: number; sourceAttempts: number; windowSeconds: number; blockSeconds: number; startsPerSource: number }

export function gate(kind: 'user' | 'device' | 'source' | 'start' | 'login', value: string): string {
  return `${kind}:${createHash('sha256').update(value.toLowerCase()).digest('hex').slice(0, 32)}`;
}

export class RateLimiter {
  constructor(private readonly repo: RateRepo, private readonly s: RateSettings, private readonly now: () => number) {}

  async assertOpen(gates: readonly string[]): Promise<void> {
    for (const g of gates) {
      const until = await this.repo.blockedUntil(g, this.now());
      if (until !== undefined) throw new KeyhatchError('RATE_LIMITED', { reason: `gate ${g.split(':')[0]} blocked until ${new Date(until).toISOString()}` });
    }
  }

  /** Counts one failure on every gate; a gate that reaches the limit is blocked. Returns the gates blocked now. */
  async failure(gates: readonly string[]): Promise<string[]> {
    const blocked: string[] = [];
    for (const g of gates) {
      const n = await this.repo.hit(g, this.now(), this.s.windowSeconds * 1000);
      if (n >= this.limitFor(g)) {
        await this.repo.block(g, this.now() + this.s.blockSeconds * 1000);
        blocked.push(g);
      }
    }
    return blocked;
  }

  private limitFor(g: string): number {
    const kind = g.slice(0, g.indexOf(':'));
    return kind === 'device' ? this.s.deviceAttempts : kind === 'source' ? this.s.sourceAttempts : this.s.attempts;
  }

  /** For actions that are limited by volume rather than failure (starting a recovery). */
  async count(g: string, limit: number): Promise<void> {
    await this.assertOpen([g]);
    const n = await this.repo.hit(g, this.now(), this.s.windowSeconds * 1000);
    if (n > limit) {
      await this.repo.block(g, this.now() + this.s.windowSeconds * 1000);
      throw new KeyhatchError('RATE_LIMITED', { reason: `${g.split(':')[0]} volume limit` });
    }
  }
}
