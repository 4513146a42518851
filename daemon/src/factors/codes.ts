// One-time codes: random digits, kept only as an HMAC bound to the session and factor, compared in
// constant time, with an expiry and a try budget. A code is consumed by its first success.
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

export interface StoredCode {
  mac: string;
  expiresAt: number;
  triesLeft: number;
}

export function newCode(digits = 6): string {
  return String(randomInt(0, 10 ** digits)).padStart(digits, '0');
}

export function macCode(key: Buffer, binding: string, code: string): string {
  return createHmac('sha256', key).update(binding).update('\u0000').update(code).digest('base64url');
}

export function storeCode(key: Buffer, binding: string, code: string, now: number, ttlMs: number, tries: number): StoredCode {
  return { mac: macCode(key, binding, code), expiresAt: now + ttlMs, triesLeft: tries };
}

export type CodeCheck = 'ok' | 'wrong' | 'expired' | 'exhausted' | 'none';

/** Mutates `stored.triesLeft`. Callers must drop the code after 'ok' so it cannot be replayed. */
export function checkCode(key: Buffer, binding: string, stored: StoredCode | undefined, given: unknown, now: number): CodeCheck {
  if (!stored) return 'none';
  if (now >= stored.expiresAt) return 'expired';
  if (stored.triesLeft <= 0) return 'exhausted';
  stored.triesLeft -= 1;
  const candidate = typeof given === 'string' ? given.replace(/[\s-]/g, '') : '';
  const a = Buffer.from(macCode(key, binding, candidate));
  const b = Buffer.from(stored.mac);
  return a.length === b.length && timingSafeEqual(a, b) && /^\d{4,10}$/.test(candidate) ? 'ok' : 'wrong';
}
