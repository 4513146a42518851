// The storage interface. SQLite (embedded) implements it; PostgreSQL can, for gateways that share state.
import type { EnrolledFactor } from '../factors/factor.js';

export interface FactorRepo {
  list(userKey: string): Promise<EnrolledFactor[]>;
  get(id: string): Promise<EnrolledFactor | undefined>;
  insert(f: EnrolledFactor): Promise<void>;
  update(id: string, patch: { confirmed?: boolean; data?: Record<string, unknown>; hint?: string }): Promise<void>;
  delete(id: string): Promise<void>;
}

/** Short-lived records (recovery sessions, enrollment tokens, help-desk codes) with an expiry. */
export interface EphemeralRepo {
  get<T>(kind: string, id: string, now: number): Promise<T | undefined>;
  put(kind: string, id: string, value: unknown, expiresAt: number): Promise<void>;
  delete(kind: string, id: string): Promise<void>;
  purgeExpired(now: number): Promise<number>;
}

export interface RateRepo {
  /** Records one event on `gate` and returns how many fall within the window (this one included). */
  hit(gate: string, now: number, windowMs: number): Promise<number>;
  block(gate: string, until: number): Promise<void>;
  blockedUntil(gate: string, now: number): Promise<number | undefined>;
}

export interface Store {
  readonly factors: FactorRepo;
  readonly ephemeral: EphemeralRepo;
  readonly rates: RateRepo;
  close(): Promise<void>;
}
