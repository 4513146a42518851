// Join tokens: random, shown once, stored only as a SHA-256 hash; limited in uses and lifetime.
import { createHash, randomBytes } from 'node:crypto';
import type { JoinTokenRepo } from '../store/store.js';

export function hashJoinToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface CreatedJoinToken {
  readonly id: string;
  /** The bearer value; never stored or logged. */
  readonly token: string;
  readonly uses: number;
  readonly expiresAt: number;
}

export async function createJoinToken(repo: JoinTokenRepo, o: { uses: number; ttlMs: number; createdBy: string; now: number }): Promise<CreatedJoinToken> {
  const id = randomBytes(6).toString('hex');
  const token = `khj_${randomBytes(32).toString('base64url')}`;
  const expiresAt = o.now + o.ttlMs;
  await repo.insert({ id, tokenHash: hashJoinToken(token), usesLeft: o.uses, expiresAt, createdAt: new Date(o.now).toISOString(), createdBy: o.createdBy });
  return { id, token, uses: o.uses, expiresAt };
}

/** "7d", "12h", "30m" → milliseconds; undefined when malformed. */
export function parseDuration(s: string): number | undefined {
  const m = /^(\d{1,5})([mhd])$/.exec(s.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  if (n <= 0) return undefined;
  return n * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd'];
}
